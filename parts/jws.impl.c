/* == jws == (implementation) */
