package misp

import (
	"encoding/json"
	"strconv"
	"time"

	"ceptor"
	"ceptor/stix"
)

func uuidFor(key string) string { return stix.UUIDOf("misp|" + key) }

// Export is what ceptor sends to a partner's MISP: one event.
type Export struct {
	// Key names the ceptor object (e.g. "advisory:12"); the event and
	// attribute uuids derive from it, so exporting again yields the same
	// event and MISP updates rather than duplicates it.
	Key        string
	Info       string
	Text       string // body, as a MISP "text" attribute; "" for none
	CreatorOrg string // the organisation the partner sees as creator
	TLP        ceptor.TLP
	Date       time.Time
	Modified   time.Time
	Tags       []string // extra tags
	Indicators []ceptor.Indicator
}

var exportTypes = map[ceptor.IndicatorType]struct{ typ, category string }{
	ceptor.IndURL:    {"url", "Network activity"},
	ceptor.IndDomain: {"domain", "Network activity"},
	ceptor.IndIPv4:   {"ip-dst", "Network activity"},
	ceptor.IndIPv6:   {"ip-dst", "Network activity"},
	ceptor.IndMD5:    {"md5", "Payload delivery"},
	ceptor.IndSHA1:   {"sha1", "Payload delivery"},
	ceptor.IndSHA256: {"sha256", "Payload delivery"},
	ceptor.IndEmail:  {"email-src", "Payload delivery"},
}

// TLPTag is the MISP taxonomy tag of a TLP 2.0 level.
func TLPTag(t ceptor.TLP) string { return "tlp:" + string(t) }

// Encode returns the MISP event JSON ({"Event": {...}}) of x.
func Encode(x Export) ([]byte, error) {
	ts := strconv.FormatInt(x.Modified.Unix(), 10)
	tags := []map[string]any{{"name": TLPTag(x.TLP), "exportable": true}}
	for _, t := range x.Tags {
		tags = append(tags, map[string]any{"name": t, "exportable": true})
	}
	attrs := []map[string]any{}
	if x.Text != "" {
		attrs = append(attrs, map[string]any{"uuid": uuidFor(x.Key + "|text"), "type": "text", "category": "Other",
			"value": x.Text, "to_ids": false, "distribution": "5", "timestamp": ts, "comment": ""})
	}
	for _, in := range x.Indicators {
		m, ok := exportTypes[in.Type]
		if !ok {
			continue
		}
		attrs = append(attrs, map[string]any{"uuid": uuidFor(x.Key + "|" + string(in.Type) + "|" + in.Value), "type": m.typ,
			"category": m.category, "value": in.Value, "to_ids": true, "distribution": "5", "timestamp": ts, "comment": ""})
	}
	ev := map[string]any{
		"uuid":            uuidFor(x.Key),
		"info":            x.Info,
		"date":            x.Date.UTC().Format("2006-01-02"),
		"timestamp":       ts,
		"published":       false,
		"analysis":        "2",
		"threat_level_id": "2",
		"distribution":    "0", // the partner decides how far it goes, within the TLP
		"Orgc":            map[string]any{"name": x.CreatorOrg},
		"Tag":             tags,
		"Attribute":       attrs,
	}
	return json.MarshalIndent(map[string]any{"Event": ev}, "", "  ")
}
