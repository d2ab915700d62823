// Package ceptor holds the domain of the ceptor platform: the organisations
// of a national critical-infrastructure protection programme, the people who
// act for them, the one policy function that decides every access, and the
// tamper-evident audit trail. It imports only the standard library; storage,
// HTTP, import/export and the command line are adapters in sub-packages.
package ceptor

import (
	"errors"
	"fmt"
)

// Error codes shared by every adapter. The HTTP layer maps each to one status
// code and the UI to one message per language.
const (
	ECONFLICT     = "conflict"     // the change clashes with existing data (duplicate key, stale version)
	EINTERNAL     = "internal"     // a fault on our side; details are logged, never shown
	EINVALID      = "invalid"      // the input is wrong; FieldErrors says where
	ENOTFOUND     = "not_found"    // no such object, or the caller may not know it exists
	EFORBIDDEN    = "forbidden"    // the caller is known but the policy says no
	EUNAUTHORIZED = "unauthorized" // the caller is not signed in or the credentials are wrong
	ETOOMANY      = "too_many"     // rate limited or locked out for a while
	ENOTIMPL      = "not_impl"     // a feature that this deployment has not configured
	EUNAVAILABLE  = "unavailable"  // a dependency (database) cannot be reached
)

// Error is a domain error: a machine-readable code, a message key that the
// presentation layer translates, optional arguments and per-field problems.
type Error struct {
	Code    string
	Message string            // English fallback text, safe to show to the caller
	Key     string            // message catalog key; empty means "use Message"
	Fields  map[string]string // field name -> message key (or text) for EINVALID
	Err     error             // wrapped cause, never shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("ceptor %s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("ceptor %s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error carrying field errors (field -> message key).
func Invalid(fields map[string]string) *Error {
	return &Error{Code: EINVALID, Message: "the input is not valid", Key: "err.invalid", Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the per-field problems of an EINVALID error.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
