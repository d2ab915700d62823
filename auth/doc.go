// Package auth holds the credential primitives of ceptor: password hashing
// with Argon2id, password rules, random secrets and their digests, TOTP second
// factors, one-time recovery codes, authenticated encryption of secrets kept
// at rest, and login throttling.
//
// The package does no storage and no HTTP. Callers (the web layer, the
// database adapters and the command line) combine these functions with the
// domain types of package ceptor: a User keeps the string of HashPassword and
// the output of Sealer.Seal for its TOTP secret, a Session and an APIToken keep
// HashToken of the secret handed to the browser or the client, and
// UserService.SetRecoveryCodes receives the hashes of NewRecoveryCodes.
//
// Every comparison of a secret with a stored value is constant-time.
package auth
