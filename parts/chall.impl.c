/* == chall == (implementation) */
