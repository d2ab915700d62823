package taxiiclient

import (
	"encoding/json"
	"errors"
	"unicode/utf8"

	"ceptor"
	"ceptor/stix"
)

// Item is what ceptor keeps of one received object: indicators, a report
// or note that becomes an advisory draft for review, or a course-of-action
// that becomes the 対策 section of the draft of a report referring to it.
type Item struct {
	ID         string
	Version    string
	Type       string
	TLP        ceptor.TLP
	Indicators []ceptor.Indicator
	// Reports, notes and courses of action (name and description).
	Title string
	Text  string
	// Refs are a report's object_refs (at most maxRefs).
	Refs []string
}

// maxRefs bounds the object_refs kept of one report.
const maxRefs = 1000

// ErrSkip marks an object ceptor accepts without keeping anything.
var ErrSkip = errors.New("taxiiclient: nothing to keep")

// Decode reduces one object to an Item.
func Decode(raw json.RawMessage) (*Item, error) {
	var head struct {
		Type              string   `json:"type"`
		ID                string   `json:"id"`
		SpecVersion       string   `json:"spec_version"`
		Modified          string   `json:"modified"`
		Name              string   `json:"name"`
		Abstract          string   `json:"abstract"`
		Description       string   `json:"description"`
		Content           string   `json:"content"`
		ObjectMarkingRefs []string `json:"object_marking_refs"`
		ObjectRefs        []string `json:"object_refs"`
		Revoked           bool     `json:"revoked"`
	}
	if len(raw) > stix.MaxObjectSize {
		return nil, errors.New("taxiiclient: object too large")
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	if head.Revoked {
		// Withdrawn at the source (a withdrawn ceptor advisory is a revoked
		// report): no draft, no indicator.
		return nil, ErrSkip
	}
	if head.Type == "report" || head.Type == "note" || head.Type == "course-of-action" {
		if !stix.ValidID(head.ID, head.Type) || head.SpecVersion != stix.SpecVersion {
			return nil, errors.New("taxiiclient: invalid " + head.Type)
		}
		it := &Item{ID: head.ID, Version: head.Modified, Type: head.Type, Title: head.Name, Text: head.Description}
		if head.Type == "note" {
			it.Title, it.Text = head.Abstract, head.Content
		}
		if head.Type == "report" {
			for _, ref := range head.ObjectRefs {
				if len(it.Refs) < maxRefs && stix.ValidID(ref, "") {
					it.Refs = append(it.Refs, ref)
				}
			}
		}
		if head.Type == "course-of-action" && it.Title == "" && it.Text == "" {
			return nil, ErrSkip
		}
		if it.Title == "" {
			it.Title = head.ID
		}
		if !utf8.ValidString(it.Title + it.Text) {
			return nil, errors.New("taxiiclient: invalid UTF-8")
		}
		for _, m := range head.ObjectMarkingRefs {
			if t, ok := stix.TLPOfMarking(m); ok && (it.TLP == "" || t.Rank() > it.TLP.Rank()) {
				it.TLP = t
			}
		}
		return it, nil
	}
	r, err := stix.Decode(raw)
	if err != nil {
		if errors.Is(err, stix.Skipped) {
			return nil, ErrSkip
		}
		return nil, err
	}
	if len(r.Indicators) == 0 {
		return nil, ErrSkip // relationships
	}
	return &Item{ID: r.ID, Version: r.Version(), Type: r.Type, TLP: r.TLP, Indicators: r.Indicators}, nil
}
