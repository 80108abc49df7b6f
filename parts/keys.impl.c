/* == keys == (implementation) */
