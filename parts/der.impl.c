/* == der == (implementation) */
