/* == json == (implementation) */
