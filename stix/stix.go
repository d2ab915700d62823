// Package stix maps ceptor's objects to STIX 2.1 and back: reports and
// incidents (with the Incident Core Extension), the indicators inside them
// (STIX patterns and the observables they describe), organisations as
// identities, TLP 2.0 as the standard marking definitions, relationships,
// notes and courses of action. Identifiers are deterministic, so exporting
// the same ceptor object again yields the same STIX ids and no duplicates.
//
// The package does not decide who may see what: callers hand it only what
// the policy lets leave the server (for an anonymous report, the redacted
// copy and the CEPTOR as its creator).
package stix

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SpecVersion is the STIX version ceptor speaks.
const SpecVersion = "2.1"

// Namespace is ceptor's fixed UUIDv5 namespace for the ids of the objects it
// produces. It never changes: ids made with it are ceptor's promise that a
// re-export is the same object.
var Namespace = mustUUID("5b1c4e0e-3d0a-4c43-9f0e-6365707430f1")

// scoNamespace is the namespace STIX 2.1 (section 2.9) fixes for the
// deterministic ids of cyber-observable objects.
var scoNamespace = mustUUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

// TimeFormat is the STIX timestamp with millisecond precision.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Timestamp formats t for STIX (UTC, milliseconds).
func Timestamp(t time.Time) string { return t.UTC().Format(TimeFormat) }

// ParseTime reads a STIX timestamp (RFC 3339 in UTC, any fraction).
func ParseTime(s string) (time.Time, error) {
	if !strings.HasSuffix(s, "Z") {
		return time.Time{}, fmt.Errorf("timestamp %q is not in UTC (Z)", s)
	}
	return time.Parse(time.RFC3339Nano, s)
}

type uuid [16]byte

func mustUUID(s string) uuid {
	u, ok := parseUUID(s)
	if !ok {
		panic("stix: bad uuid " + s)
	}
	return u
}

func parseUUID(s string) (uuid, bool) {
	var u uuid
	s = strings.ReplaceAll(s, "-", "")
	if len(s) != 32 {
		return u, false
	}
	for i := 0; i < 16; i++ {
		var b byte
		for j := 0; j < 2; j++ {
			c := s[2*i+j]
			switch {
			case c >= '0' && c <= '9':
				b = b<<4 | (c - '0')
			case c >= 'a' && c <= 'f':
				b = b<<4 | (c - 'a' + 10)
			case c >= 'A' && c <= 'F':
				b = b<<4 | (c - 'A' + 10)
			default:
				return u, false
			}
		}
		u[i] = b
	}
	return u, true
}

func (u uuid) String() string {
	const hx = "0123456789abcdef"
	var b [36]byte
	j := 0
	for i, x := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hx[x>>4], hx[x&15]
		j += 2
	}
	return string(b[:])
}

// uuid5 is RFC 9562's name-based UUID (SHA-1).
func uuid5(ns uuid, name string) uuid {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u uuid
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

// ID returns the deterministic STIX id of an object of STIX type typ made
// from the ceptor object named by key (kind and id, e.g. "report:12").
func ID(typ, key string) string { return typ + "--" + uuid5(Namespace, typ+"|"+key).String() }

// UUIDOf returns a deterministic UUID for key in ceptor's namespace (TAXII
// collection ids, status ids).
func UUIDOf(key string) string { return uuid5(Namespace, key).String() }

// scoID is the deterministic id STIX 2.1 prescribes for an observable: a
// UUIDv5 over the canonical JSON of its id-contributing properties.
func scoID(typ string, contributing map[string]any) string {
	return typ + "--" + uuid5(scoNamespace, canonicalJSON(contributing)).String()
}

// canonicalJSON serialises v as RFC 8785 does for the simple values
// observables carry: sorted keys (encoding/json sorts map keys), no
// insignificant space, no HTML escaping.
func canonicalJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	s := strings.TrimSuffix(buf.String(), "\n")
	// encoding/json escapes these two; RFC 8785 does not.
	return strings.NewReplacer(`\u2028`, "\u2028", `\u2029`, "\u2029").Replace(s)
}

// ValidID reports whether s is a STIX identifier of type typ ("" accepts
// any type).
func ValidID(s, typ string) bool {
	i := strings.Index(s, "--")
	if i <= 0 {
		return false
	}
	if typ != "" && s[:i] != typ {
		return false
	}
	if !validType(s[:i]) {
		return false
	}
	u := s[i+2:]
	if len(u) != 36 || u[8] != '-' || u[13] != '-' || u[18] != '-' || u[23] != '-' {
		return false
	}
	_, ok := parseUUID(u)
	return ok
}

func validType(t string) bool {
	if len(t) < 3 || len(t) > 250 || t[0] < 'a' || t[0] > 'z' {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// TypeOf returns the type part of a STIX id.
func TypeOf(id string) string {
	if i := strings.Index(id, "--"); i > 0 {
		return id[:i]
	}
	return ""
}
