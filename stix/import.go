package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"ceptor"
)

// Limits on what ceptor accepts from outside.
const (
	MaxObjects    = 10000   // objects in one bundle or envelope
	MaxObjectSize = 1 << 20 // bytes of one object
	maxText       = 20000   // characters of a name or description
)

// ErrInvalid marks input that is not acceptable STIX.
var ErrInvalid = errors.New("stix: invalid")

// ParseObjects reads a STIX bundle ({"type": "bundle", "objects": [...]})
// or a TAXII envelope ({"objects": [...]}) and returns its objects,
// undecoded.
func ParseObjects(b []byte) ([]json.RawMessage, error) {
	var top struct {
		Type    string            `json:"type"`
		ID      string            `json:"id"`
		Objects []json.RawMessage `json:"objects"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %v", ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrInvalid)
	}
	if top.Type != "" && top.Type != "bundle" {
		return nil, fmt.Errorf("%w: type %q is not a bundle", ErrInvalid, top.Type)
	}
	if top.Type == "bundle" && !ValidID(top.ID, "bundle") {
		return nil, fmt.Errorf("%w: bundle id %q", ErrInvalid, top.ID)
	}
	if len(top.Objects) > MaxObjects {
		return nil, fmt.Errorf("%w: more than %d objects", ErrInvalid, MaxObjects)
	}
	return top.Objects, nil
}

// Received is one object ceptor accepted from outside, reduced to what
// ceptor keeps: an indicator (with the ceptor indicators its pattern
// names), an observable (one ceptor indicator), a relationship between
// objects, or a course-of-action (its name and description: what to do,
// which a mitigates relationship may tie to indicators). Re-exported, it
// keeps its id, version, marking and links.
type Received struct {
	ID           string
	Type         string // indicator, relationship, course-of-action, or an observable type
	SpecVersion  string
	Created      time.Time
	Modified     time.Time
	CreatedByRef string
	TLP          ceptor.TLP // "" when unmarked
	Name         string
	Description  string

	// Indicators and observables.
	Indicators []ceptor.Indicator
	Pattern    string
	ValidFrom  time.Time
	ValidUntil *time.Time
	Types      []string // indicator_types

	// Relationships.
	RelationshipType string
	SourceRef        string
	TargetRef        string

	// Revoked: the sender withdrew the object (indicators, relationships);
	// served back as sent.
	Revoked bool `json:",omitempty"`
}

// Version is the received object's version (modified; observables have none).
func (r *Received) Version() string {
	if r.Modified.IsZero() {
		return ""
	}
	return Timestamp(r.Modified)
}

// Skipped marks an object ceptor accepts without storing: the TLP marking
// definitions it knows and identities (ceptor names creators itself).
var Skipped = errors.New("stix: accepted, not stored")

type rawObject struct {
	Type              string            `json:"type"`
	SpecVersion       string            `json:"spec_version"`
	ID                string            `json:"id"`
	Created           string            `json:"created"`
	Modified          string            `json:"modified"`
	CreatedByRef      string            `json:"created_by_ref"`
	ObjectMarkingRefs []string          `json:"object_marking_refs"`
	Name              string            `json:"name"`
	Description       string            `json:"description"`
	Pattern           string            `json:"pattern"`
	PatternType       string            `json:"pattern_type"`
	ValidFrom         string            `json:"valid_from"`
	ValidUntil        string            `json:"valid_until"`
	IndicatorTypes    []string          `json:"indicator_types"`
	RelationshipType  string            `json:"relationship_type"`
	SourceRef         string            `json:"source_ref"`
	TargetRef         string            `json:"target_ref"`
	Value             string            `json:"value"`
	Hashes            map[string]string `json:"hashes"`
	Revoked           bool              `json:"revoked"`
}

var scoTypes = map[string]ceptor.IndicatorType{
	"url": ceptor.IndURL, "domain-name": ceptor.IndDomain, "ipv4-addr": ceptor.IndIPv4, "ipv6-addr": ceptor.IndIPv6,
	"email-addr": ceptor.IndEmail,
}

// Decode validates one object and reduces it to what ceptor keeps. An
// object ceptor does not keep returns Skipped (known TLP markings,
// identities) or an error saying why it was refused.
func Decode(raw json.RawMessage) (*Received, error) {
	if len(raw) > MaxObjectSize {
		return nil, fmt.Errorf("%w: object larger than %d bytes", ErrInvalid, MaxObjectSize)
	}
	var o rawObject
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !ValidID(o.ID, o.Type) {
		return nil, fmt.Errorf("%w: id %q does not match type %q", ErrInvalid, o.ID, o.Type)
	}
	if o.SpecVersion != SpecVersion {
		return nil, fmt.Errorf("%w: %s: spec_version must be 2.1", ErrInvalid, o.ID)
	}
	for _, s := range []string{o.Name, o.Description, o.Pattern, o.Value} {
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("%w: %s: invalid UTF-8", ErrInvalid, o.ID)
		}
	}
	if utf8.RuneCountInString(o.Name) > 300 || utf8.RuneCountInString(o.Description) > maxText {
		return nil, fmt.Errorf("%w: %s: name or description too long", ErrInvalid, o.ID)
	}
	r := &Received{ID: o.ID, Type: o.Type, SpecVersion: o.SpecVersion, Name: o.Name, Description: o.Description}
	if o.CreatedByRef != "" {
		if !ValidID(o.CreatedByRef, "identity") {
			return nil, fmt.Errorf("%w: %s: created_by_ref", ErrInvalid, o.ID)
		}
		r.CreatedByRef = o.CreatedByRef
	}
	for _, m := range o.ObjectMarkingRefs {
		t, ok := TLPOfMarking(m)
		if !ok {
			if !ValidID(m, "marking-definition") {
				return nil, fmt.Errorf("%w: %s: object_marking_refs", ErrInvalid, o.ID)
			}
			continue // other markings (statements) do not limit sharing in ceptor's terms
		}
		if r.TLP == "" || t.Rank() > r.TLP.Rank() {
			r.TLP = t // several TLP markings: the narrowest wins
		}
	}
	switch o.Type {
	case "marking-definition":
		if _, ok := TLPOfMarking(o.ID); ok {
			return r, Skipped
		}
		return nil, fmt.Errorf("%w: %s: only the TLP marking definitions are accepted", ErrInvalid, o.ID)
	case "identity":
		return r, Skipped
	}
	sdo := o.Type == "indicator" || o.Type == "relationship" || o.Type == "course-of-action"
	r.Revoked = sdo && o.Revoked
	if sdo || o.Created != "" || o.Modified != "" {
		var err error
		if r.Created, err = ParseTime(o.Created); err != nil {
			return nil, fmt.Errorf("%w: %s: created: %v", ErrInvalid, o.ID, err)
		}
		if r.Modified, err = ParseTime(o.Modified); err != nil {
			return nil, fmt.Errorf("%w: %s: modified: %v", ErrInvalid, o.ID, err)
		}
		if r.Modified.Before(r.Created) {
			return nil, fmt.Errorf("%w: %s: modified before created", ErrInvalid, o.ID)
		}
	}
	switch o.Type {
	case "indicator":
		if o.PatternType != "stix" {
			return nil, fmt.Errorf("%w: %s: pattern_type %q (only stix)", ErrInvalid, o.ID, o.PatternType)
		}
		inds, err := ParsePattern(o.Pattern)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.ID, err)
		}
		vf, err := ParseTime(o.ValidFrom)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: valid_from: %v", ErrInvalid, o.ID, err)
		}
		if o.ValidUntil != "" {
			vu, err := ParseTime(o.ValidUntil)
			if err != nil || !vu.After(vf) {
				return nil, fmt.Errorf("%w: %s: valid_until must follow valid_from", ErrInvalid, o.ID)
			}
			r.ValidUntil = &vu
		}
		for _, t := range o.IndicatorTypes {
			if t == "" || len(t) > 100 || !utf8.ValidString(t) || len(o.IndicatorTypes) > 20 {
				return nil, fmt.Errorf("%w: %s: indicator_types", ErrInvalid, o.ID)
			}
		}
		r.Indicators, r.Pattern, r.ValidFrom, r.Types = inds, o.Pattern, vf, o.IndicatorTypes
		return r, nil
	case "relationship":
		if !ValidID(o.SourceRef, "") || !ValidID(o.TargetRef, "") {
			return nil, fmt.Errorf("%w: %s: source_ref and target_ref must be STIX ids", ErrInvalid, o.ID)
		}
		if o.RelationshipType == "" || len(o.RelationshipType) > 250 || !validType(strings.TrimSuffix(o.RelationshipType, "-")) {
			return nil, fmt.Errorf("%w: %s: relationship_type", ErrInvalid, o.ID)
		}
		r.RelationshipType, r.SourceRef, r.TargetRef = o.RelationshipType, o.SourceRef, o.TargetRef
		return r, nil
	case "course-of-action":
		if strings.TrimSpace(o.Name) == "" {
			return nil, fmt.Errorf("%w: %s: a course-of-action needs a name", ErrInvalid, o.ID)
		}
		return r, nil
	case "file":
		for _, k := range []string{"SHA-256", "SHA-1", "MD5"} {
			if v, ok := o.Hashes[k]; ok {
				typ := map[string]ceptor.IndicatorType{"SHA-256": ceptor.IndSHA256, "SHA-1": ceptor.IndSHA1, "MD5": ceptor.IndMD5}[k]
				in, key := ceptor.Indicator{Type: typ, Value: v}.Normalize()
				if key != "" {
					return nil, fmt.Errorf("%w: %s: %s hash is not valid", ErrInvalid, o.ID, k)
				}
				r.Indicators = []ceptor.Indicator{in}
				return r, nil
			}
		}
		return nil, fmt.Errorf("%w: %s: a file needs an MD5, SHA-1 or SHA-256 hash", ErrInvalid, o.ID)
	}
	if typ, ok := scoTypes[o.Type]; ok {
		in, key := ceptor.Indicator{Type: typ, Value: o.Value}.Normalize()
		if key != "" {
			return nil, fmt.Errorf("%w: %s: value is not a valid %s", ErrInvalid, o.ID, typ)
		}
		r.Indicators = []ceptor.Indicator{in}
		return r, nil
	}
	return nil, fmt.Errorf("%w: %s: type %q is not accepted (indicators, observables, relationships and courses of action are)", ErrInvalid, o.ID, o.Type)
}

// Objects maps a received object back to STIX, keeping its id, version,
// creator reference, marking and links.
func (r *Received) Objects() ([]Object, error) {
	var marks []string
	var out []Object
	if m := Marking(r.TLP); m != nil {
		marks = []string{m.ID}
		out = append(out, m)
	}
	core := Core{Type: r.Type, SpecVersion: SpecVersion, ID: r.ID, CreatedByRef: r.CreatedByRef, Created: Timestamp(r.Created),
		Modified: Timestamp(r.Modified), ObjectMarkingRefs: marks, Revoked: r.Revoked}
	switch r.Type {
	case "indicator":
		ind := &Indicator{Core: core, Name: r.Name, Description: r.Description, IndicatorTypes: r.Types, Pattern: r.Pattern,
			PatternType: "stix", ValidFrom: Timestamp(r.ValidFrom)}
		if r.ValidUntil != nil {
			ind.ValidUntil = Timestamp(*r.ValidUntil)
		}
		return append(out, ind), nil
	case "relationship":
		return append(out, &Relationship{Core: core, RelationshipType: r.RelationshipType, Description: r.Description,
			SourceRef: r.SourceRef, TargetRef: r.TargetRef}), nil
	case "course-of-action":
		return append(out, &CourseOfAction{Core: core, Name: r.Name, Description: r.Description}), nil
	}
	if len(r.Indicators) != 1 {
		return nil, fmt.Errorf("stix: %s: an observable holds one value", r.ID)
	}
	o, err := Observable(r.Indicators[0], "")
	if err != nil {
		return nil, err
	}
	o.ID, o.ObjectMarkingRefs = r.ID, marks
	return append(out, o), nil
}
