package ceptor

import "strings"

// TLP is a Traffic Light Protocol 2.0 marking. It limits how far an item may
// be shared beyond the organisations it was sent to.
type TLP string

// TLP 2.0 levels, from the widest to the narrowest audience.
const (
	TLPClear       TLP = "clear"        // no limit
	TLPGreen       TLP = "green"        // the community (the programme's participants)
	TLPAmber       TLP = "amber"        // the recipient organisations and those they must inform
	TLPAmberStrict TLP = "amber+strict" // the recipient organisations only
	TLPRed         TLP = "red"          // the named recipients only
)

// TLPs lists the levels from the widest to the narrowest.
var TLPs = []TLP{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}

// ParseTLP accepts "TLP:AMBER+STRICT", "amber+strict", "Amber" and the like.
func ParseTLP(s string) (TLP, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "tlp:")
	s = strings.ReplaceAll(s, " ", "")
	for _, t := range TLPs {
		if string(t) == s {
			return t, true
		}
	}
	if s == "white" { // TLP 1.0 name of CLEAR
		return TLPClear, true
	}
	return "", false
}

// Valid reports whether t is a TLP 2.0 level.
func (t TLP) Valid() bool {
	_, ok := ParseTLP(string(t))
	return ok && string(t) == strings.ToLower(string(t))
}

// Rank orders levels: 0 for CLEAR up to 4 for RED.
func (t TLP) Rank() int {
	for i, x := range TLPs {
		if x == t {
			return i
		}
	}
	return len(TLPs) // unknown counts as narrower than RED
}

// AtMost reports whether t is no narrower than limit (t may be shared as
// widely as limit allows).
func (t TLP) AtMost(limit TLP) bool { return t.Rank() <= limit.Rank() }

// Label is the canonical marking, e.g. "TLP:AMBER+STRICT".
func (t TLP) Label() string { return "TLP:" + strings.ToUpper(string(t)) }
