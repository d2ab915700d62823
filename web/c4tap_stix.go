package web

import (
	"context"
	"strconv"

	"ceptor"
	"ceptor/stix"
)

// C4TAP submissions in the TAXII c4tap collection: each shared submission
// is an indicator per extracted value (deterministic ids, its TLP marking,
// no creator: the group does not learn who submitted). TLP:RED and
// withdrawn submissions are in no collection. Changes are queued for the
// STIX sync by the store, in the submission's own transaction.

type c4tapSTIX struct{ s *Server }

func (c4tapSTIX) kind() string { return "c4tap" }

func (c c4tapSTIX) project(ctx context.Context, id int64) (*stix.Projection, error) {
	store, err := c.s.sharing()
	if err != nil {
		return nil, err
	}
	sub, err := store.FindSubmission(ctx, id, false)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, nil
		}
		return nil, err
	}
	if sub.Withdrawn || sub.TLP == ceptor.TLPRed {
		return nil, nil
	}
	var objs []stix.Object
	mark := stix.Marking(sub.TLP)
	if mark != nil {
		objs = append(objs, mark)
	}
	ts := stix.Timestamp(sub.CreatedAt)
	key := "c4tap:" + strconv.FormatInt(sub.ID, 10)
	for _, e := range sub.Extracted {
		p, err := stix.Pattern(e.Indicator)
		if err != nil {
			continue
		}
		ind := &stix.Indicator{Core: stix.Core{Type: "indicator", SpecVersion: stix.SpecVersion, ID: stix.ID("indicator", key+"|"+string(e.Type)+"|"+e.Value),
			Created: ts, Modified: ts}, Name: "C4TAP: " + string(e.Type), Pattern: p, PatternType: "stix", ValidFrom: ts,
			IndicatorTypes: []string{"malicious-activity"}, Description: "targeted e-mail (" + e.Role + ")"}
		if mark != nil {
			ind.ObjectMarkingRefs = []string{mark.ID}
		}
		objs = append(objs, ind)
	}
	return &stix.Projection{Objects: objs, TLP: sub.TLP, Collections: []string{collC4TAP}}, nil
}

func (c c4tapSTIX) visible(ctx context.Context, a *ceptor.Actor, ids []int64) (map[int64]bool, error) {
	store, err := c.s.sharing()
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, id := range ids {
		sub, err := store.FindSubmission(ctx, id, false)
		if err != nil {
			continue
		}
		out[id] = ceptor.Allow(a, ceptor.ActView, sub.Resource())
	}
	return out, nil
}
