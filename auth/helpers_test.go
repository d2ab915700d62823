package auth

import "golang.org/x/crypto/argon2"

// argon2Key derives a key the way CheckPassword does, to build test vectors.
func argon2Key(password string, salt []byte, p Params, n uint32) []byte {
	return argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, n)
}
