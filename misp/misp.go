// Package misp reads MISP event JSON (single events and feeds: a
// manifest.json and one file per event) into what ceptor keeps — indicators
// of its eight types, the creator organisation, the tags and the TLP 2.0
// marking — and writes ceptor's advisories and indicators back as MISP
// events for partners that run MISP.
//
// The package decides nothing about access: callers hand it only what the
// policy lets leave the server, and store what it returns in one
// transaction.
package misp

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ceptor"
)

// Limits on what ceptor accepts.
const (
	MaxEventSize   = 8 << 20  // bytes of one event file
	MaxFeedSize    = 64 << 20 // bytes of a feed archive, uncompressed in total
	MaxAttributes  = 20000    // attributes (objects' included) in one event
	MaxFeedEvents  = 500      // events in one feed
	MaxTags        = 200      // tags on one event
	maxText        = 20000    // characters of info or a comment
	maxValueLength = 4096
)

// Error is a malformed or refused input; Key is the message catalog key of
// the localised explanation and Detail an English detail for logs.
type Error struct {
	Key    string
	Detail string
}

func (e *Error) Error() string { return "misp: " + e.Detail }

func fail(key, format string, args ...any) error {
	return &Error{Key: key, Detail: fmt.Sprintf(format, args...)}
}

// AsCeptorError turns a parse error into ceptor's EINVALID with its
// localised message; other errors pass unchanged.
func AsCeptorError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return &ceptor.Error{Code: ceptor.EINVALID, Message: e.Detail, Key: e.Key, Err: err}
	}
	return err
}

// Attribute is one MISP attribute as ceptor keeps it: the original type and
// value, and the ceptor indicator it maps to (Indicator.Type empty when the
// type is not one ceptor supports, with Note saying why).
type Attribute struct {
	UUID      string           `json:"uuid,omitempty"`
	Type      string           `json:"type"`
	Category  string           `json:"category,omitempty"`
	Value     string           `json:"value"`
	ToIDS     bool             `json:"to_ids"`
	Comment   string           `json:"comment,omitempty"`
	Object    string           `json:"object,omitempty"` // name of the MISP object it came in, if any
	Indicator ceptor.Indicator `json:"indicator"`
	Note      string           `json:"note,omitempty"` // message key: why it was not mapped
}

// Supported reports whether the attribute became a ceptor indicator.
func (a Attribute) Supported() bool { return a.Indicator.Type != "" }

// Event is one MISP event as ceptor keeps it.
type Event struct {
	UUID        string      `json:"uuid"`
	Info        string      `json:"info"`
	Date        string      `json:"date,omitempty"` // YYYY-MM-DD
	CreatorOrg  string      `json:"creator_org"`    // Orgc.name
	CreatorUUID string      `json:"creator_uuid,omitempty"`
	Tags        []string    `json:"tags"`
	TLP         ceptor.TLP  `json:"tlp"`
	TLPDefault  bool        `json:"tlp_default"` // no TLP tag: AMBER assumed
	ThreatLevel int         `json:"threat_level,omitempty"`
	Published   bool        `json:"published"`
	Timestamp   time.Time   `json:"timestamp"`
	Attributes  []Attribute `json:"attributes"`
}

// Indicators returns the distinct ceptor indicators of the event.
func (e *Event) Indicators() []ceptor.Indicator {
	var out []ceptor.Indicator
	seen := map[ceptor.Indicator]bool{}
	for _, a := range e.Attributes {
		if a.Supported() && !seen[a.Indicator] {
			seen[a.Indicator] = true
			out = append(out, a.Indicator)
		}
	}
	return out
}

// Unsupported counts the attributes that did not map to an indicator.
func (e *Event) Unsupported() int {
	n := 0
	for _, a := range e.Attributes {
		if !a.Supported() {
			n++
		}
	}
	return n
}

type rawTag struct {
	Name string `json:"name"`
}

type rawAttr struct {
	UUID     string   `json:"uuid"`
	Type     string   `json:"type"`
	Category string   `json:"category"`
	Value    string   `json:"value"`
	ToIDS    flexBool `json:"to_ids"`
	Comment  string   `json:"comment"`
	Deleted  flexBool `json:"deleted"`
}

type rawObject struct {
	Name      string    `json:"name"`
	Deleted   flexBool  `json:"deleted"`
	Attribute []rawAttr `json:"Attribute"`
}

type rawOrg struct {
	Name string `json:"name"`
	UUID string `json:"uuid"`
}

type rawEvent struct {
	UUID          string      `json:"uuid"`
	Info          string      `json:"info"`
	Date          string      `json:"date"`
	ThreatLevelID flexString  `json:"threat_level_id"`
	Published     flexBool    `json:"published"`
	Timestamp     flexString  `json:"timestamp"`
	Orgc          rawOrg      `json:"Orgc"`
	Org           rawOrg      `json:"Org"`
	Tag           []rawTag    `json:"Tag"`
	Attribute     []rawAttr   `json:"Attribute"`
	Object        []rawObject `json:"Object"`
}

// flexBool accepts true, "1", 1, "true" as MISP versions write them.
type flexBool bool

func (b *flexBool) UnmarshalJSON(d []byte) error {
	s := strings.Trim(string(d), `"`)
	switch strings.ToLower(s) {
	case "true", "1":
		*b = true
	case "false", "0", "", "null":
		*b = false
	default:
		return fmt.Errorf("not a boolean: %s", d)
	}
	return nil
}

// flexString accepts a string or a number.
type flexString string

func (s *flexString) UnmarshalJSON(d []byte) error {
	if len(d) > 0 && d[0] == '"' {
		var v string
		if err := json.Unmarshal(d, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	if string(d) == "null" {
		*s = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(d, &n); err != nil {
		return err
	}
	*s = flexString(n.String())
	return nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ValidUUID reports whether s is a UUID in the 8-4-4-4-12 form.
func ValidUUID(s string) bool { return uuidRE.MatchString(s) }

// ParseEvent reads one MISP event: {"Event": {...}} as MISP exports it, or
// the bare event object.
func ParseEvent(b []byte) (*Event, error) {
	if len(b) > MaxEventSize {
		return nil, fail("misp.err.too_big", "event larger than %d bytes", MaxEventSize)
	}
	if !utf8.Valid(b) {
		return nil, fail("misp.err.json", "not UTF-8")
	}
	var wrap struct {
		Event *json.RawMessage `json:"Event"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&wrap); err != nil {
		return nil, fail("misp.err.json", "not a JSON object: %v", err)
	}
	if dec.More() {
		return nil, fail("misp.err.json", "trailing data")
	}
	body := b
	if wrap.Event != nil {
		body = *wrap.Event
	}
	var re rawEvent
	if err := json.Unmarshal(body, &re); err != nil {
		return nil, fail("misp.err.json", "event: %v", err)
	}
	return convert(&re)
}

func convert(re *rawEvent) (*Event, error) {
	if !ValidUUID(re.UUID) {
		return nil, fail("misp.err.no_event", "event uuid %q", re.UUID)
	}
	ev := &Event{UUID: strings.ToLower(re.UUID), Info: strings.TrimSpace(re.Info), Published: bool(re.Published)}
	if ev.Info == "" {
		return nil, fail("misp.err.no_event", "event %s has no info", re.UUID)
	}
	if utf8.RuneCountInString(ev.Info) > maxText {
		return nil, fail("misp.err.too_long", "info too long")
	}
	if re.Date != "" {
		if _, err := time.Parse("2006-01-02", re.Date); err != nil {
			return nil, fail("misp.err.date", "date %q", re.Date)
		}
		ev.Date = re.Date
	}
	if re.Timestamp != "" {
		n, err := strconv.ParseInt(string(re.Timestamp), 10, 64)
		if err != nil || n < 0 || n > 1<<40 {
			return nil, fail("misp.err.date", "timestamp %q", re.Timestamp)
		}
		ev.Timestamp = time.Unix(n, 0).UTC()
	}
	if n, err := strconv.Atoi(string(re.ThreatLevelID)); err == nil && n >= 1 && n <= 4 {
		ev.ThreatLevel = n
	}
	org := re.Orgc
	if org.Name == "" {
		org = re.Org
	}
	ev.CreatorOrg = strings.TrimSpace(org.Name)
	if utf8.RuneCountInString(ev.CreatorOrg) > 300 {
		return nil, fail("misp.err.too_long", "creator organisation name too long")
	}
	if ValidUUID(org.UUID) {
		ev.CreatorUUID = strings.ToLower(org.UUID)
	}
	if len(re.Tag) > MaxTags {
		return nil, fail("misp.err.too_many", "more than %d tags", MaxTags)
	}
	tlp, err := eventTLP(re.Tag)
	if err != nil {
		return nil, err
	}
	for _, t := range re.Tag {
		name := strings.TrimSpace(t.Name)
		if name != "" && len(name) <= 300 && !slices.Contains(ev.Tags, name) {
			ev.Tags = append(ev.Tags, name)
		}
	}
	if ev.Tags == nil {
		ev.Tags = []string{}
	}
	ev.TLP = tlp
	if tlp == "" {
		ev.TLP, ev.TLPDefault = ceptor.TLPAmber, true
	}
	n := len(re.Attribute)
	for _, o := range re.Object {
		n += len(o.Attribute)
	}
	if n > MaxAttributes {
		return nil, fail("misp.err.too_many", "more than %d attributes", MaxAttributes)
	}
	add := func(a rawAttr, object string) error {
		if a.Deleted {
			return nil
		}
		if len(a.Value) > maxValueLength || len(a.Type) > 100 || utf8.RuneCountInString(a.Comment) > maxText {
			return fail("misp.err.too_long", "attribute %s too long", a.UUID)
		}
		at := Attribute{Type: strings.TrimSpace(a.Type), Category: a.Category, Value: a.Value, ToIDS: bool(a.ToIDS), Comment: a.Comment, Object: object}
		if ValidUUID(a.UUID) {
			at.UUID = strings.ToLower(a.UUID)
		}
		if at.Type == "" {
			return fail("misp.err.attribute", "attribute %s has no type", a.UUID)
		}
		at.Indicator, at.Note = MapAttribute(at.Type, at.Value)
		ev.Attributes = append(ev.Attributes, at)
		return nil
	}
	for _, a := range re.Attribute {
		if err := add(a, ""); err != nil {
			return nil, err
		}
	}
	for _, o := range re.Object {
		if o.Deleted {
			continue
		}
		for _, a := range o.Attribute {
			if err := add(a, o.Name); err != nil {
				return nil, err
			}
		}
	}
	if ev.Attributes == nil {
		ev.Attributes = []Attribute{}
	}
	return ev, nil
}

// eventTLP reads the TLP tags: the narrowest wins; a tlp: tag ceptor does
// not know (e.g. a community extension) refuses the event rather than
// guessing how far it may travel. No TLP tag at all returns "".
func eventTLP(tags []rawTag) (ceptor.TLP, error) {
	var out ceptor.TLP
	for _, t := range tags {
		name := strings.ToLower(strings.TrimSpace(t.Name))
		if !strings.HasPrefix(name, "tlp:") {
			continue
		}
		tlp, ok := ceptor.ParseTLP(name)
		if !ok {
			return "", fail("misp.err.tlp_unknown", "unknown TLP tag %q", t.Name)
		}
		if out == "" || tlp.Rank() > out.Rank() {
			out = tlp
		}
	}
	return out, nil
}

// MapAttribute maps a MISP attribute type and value to a ceptor indicator,
// or returns the message key saying why it cannot.
func MapAttribute(typ, value string) (ceptor.Indicator, string) {
	v := strings.TrimSpace(value)
	var it ceptor.IndicatorType
	switch typ {
	case "url", "uri", "link":
		it = ceptor.IndURL
	case "domain", "hostname":
		it = ceptor.IndDomain
	case "ip-src", "ip-dst":
		it = ipType(v)
	case "ip-src|port", "ip-dst|port":
		if i := strings.LastIndexAny(v, "|:"); i > 0 && !strings.Contains(v[:i], "|") {
			v = strings.Trim(v[:i], "[]")
		}
		it = ipType(v)
	case "domain|ip":
		if i := strings.Index(v, "|"); i > 0 {
			v = v[:i]
		}
		it = ceptor.IndDomain
	case "md5", "sha1", "sha256":
		it = ceptor.IndicatorType(typ)
	case "filename|md5", "filename|sha1", "filename|sha256":
		if i := strings.LastIndex(v, "|"); i >= 0 {
			v = v[i+1:]
		}
		it = ceptor.IndicatorType(strings.TrimPrefix(typ, "filename|"))
	case "email-src", "email", "email-reply-to":
		it = ceptor.IndEmail
	default:
		return ceptor.Indicator{}, "misp.note.unsupported_type"
	}
	if it == "" {
		return ceptor.Indicator{}, "misp.note.invalid_value"
	}
	in, key := ceptor.Indicator{Type: it, Value: v}.Normalize()
	if key != "" {
		return ceptor.Indicator{}, "misp.note.invalid_value"
	}
	return in, ""
}

func ipType(v string) ceptor.IndicatorType {
	ip := net.ParseIP(v)
	switch {
	case ip == nil:
		return ""
	case ip.To4() != nil && !strings.Contains(v, ":"):
		return ceptor.IndIPv4
	default:
		return ceptor.IndIPv6
	}
}

// ManifestEntry is one event of a feed manifest.
type ManifestEntry struct {
	UUID string
	Info string
}

// ParseManifest reads a feed's manifest.json: an object keyed by event
// uuid. Entries come back in uuid order.
func ParseManifest(b []byte) ([]ManifestEntry, error) {
	if len(b) > MaxEventSize {
		return nil, fail("misp.err.too_big", "manifest larger than %d bytes", MaxEventSize)
	}
	var m map[string]struct {
		Info string `json:"info"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fail("misp.err.manifest", "manifest: %v", err)
	}
	if len(m) > MaxFeedEvents {
		return nil, fail("misp.err.too_many", "more than %d events in the feed", MaxFeedEvents)
	}
	var out []ManifestEntry
	for k, v := range m {
		if !ValidUUID(k) {
			return nil, fail("misp.err.manifest", "manifest key %q is not an event uuid", k)
		}
		out = append(out, ManifestEntry{UUID: strings.ToLower(k), Info: v.Info})
	}
	slices.SortFunc(out, func(a, b ManifestEntry) int { return strings.Compare(a.UUID, b.UUID) })
	return out, nil
}

// ParseFeed reads a feed given as its manifest and a function returning
// each event file's content by uuid. Every event named by the manifest must
// be present and must carry the uuid it is filed under.
func ParseFeed(manifest []byte, file func(uuid string) ([]byte, error)) ([]*Event, error) {
	entries, err := ParseManifest(manifest)
	if err != nil {
		return nil, err
	}
	var out []*Event
	for _, e := range entries {
		b, err := file(e.UUID)
		if err != nil {
			return nil, fail("misp.err.feed_missing", "event %s: %v", e.UUID, err)
		}
		ev, err := ParseEvent(b)
		if err != nil {
			return nil, err
		}
		if ev.UUID != e.UUID {
			return nil, fail("misp.err.manifest", "file %s holds event %s", e.UUID, ev.UUID)
		}
		out = append(out, ev)
	}
	return out, nil
}

// ParseFeedZip reads a feed packed as a ZIP archive: manifest.json and
// <uuid>.json, at the top or in one directory.
func ParseFeedZip(b []byte) ([]*Event, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fail("misp.err.zip", "zip: %v", err)
	}
	files := map[string]*zip.File{}
	var total uint64
	for _, f := range zr.File {
		name := f.Name
		if i := strings.LastIndex(name, "/"); i >= 0 {
			name = name[i+1:]
		}
		total += f.UncompressedSize64
		if total > MaxFeedSize {
			return nil, fail("misp.err.too_big", "feed larger than %d bytes", MaxFeedSize)
		}
		files[strings.ToLower(name)] = f
	}
	read := func(name string) ([]byte, error) {
		f := files[name]
		if f == nil {
			return nil, errors.New("missing")
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, MaxEventSize+1))
		if err != nil {
			return nil, err
		}
		return data, nil
	}
	man, err := read("manifest.json")
	if err != nil {
		return nil, fail("misp.err.manifest", "manifest.json: %v", err)
	}
	return ParseFeed(man, func(uuid string) ([]byte, error) { return read(uuid + ".json") })
}
