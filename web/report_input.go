package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"ceptor"
)

// What a person types for a report, from the form or the API, and how it
// becomes a ceptor.Report. Parsing and validation here need no storage, so
// that the fuzz targets can drive them; references to the registry are
// checked by the operations (report_ops.go).

// reportInput is the JSON body of POST /api/v1/reports, PATCH
// /api/v1/reports/{id} and POST /api/v1/reports/{id}/updates, and what the
// report form builds. Times are RFC 3339, or YYYY-MM-DDTHH:MM read in Japan
// time (what a datetime-local field sends).
type reportInput struct {
	Route             ceptor.Route        `json:"route"`
	CeptorID          int64               `json:"ceptor_id,omitempty"`
	SectorID          int64               `json:"sector_id,omitempty"`
	TLP               ceptor.TLP          `json:"tlp,omitempty"`
	Drill             bool                `json:"drill,omitempty"`
	Title             string              `json:"title"`
	Body              string              `json:"body,omitempty"`
	EventClass        ceptor.EventClass   `json:"event_class,omitempty"`
	Causes            []ceptor.Cause      `json:"causes,omitempty"`
	SpilloverSectorID int64               `json:"spillover_sector_id,omitempty"`
	CriticalOutage    bool                `json:"critical_outage,omitempty"`
	Service           string              `json:"service,omitempty"`
	Systems           []ceptor.SystemKind `json:"systems,omitempty"`
	SupplierOrgID     int64               `json:"supplier_org_id,omitempty"`
	StartedAt         string              `json:"started_at,omitempty"`
	DetectedAt        string              `json:"detected_at,omitempty"`
	RecoveredAt       string              `json:"recovered_at,omitempty"`
	Impact            ceptor.Impact       `json:"impact"`
	Response          string              `json:"response,omitempty"`
	Indicators        []ceptor.Indicator  `json:"indicators,omitempty"`
	Lang              string              `json:"lang,omitempty"`
	ClockProfile      string              `json:"clock_profile,omitempty"`
	// Submit sends the report at once instead of keeping a draft (POST and
	// PATCH only).
	Submit bool `json:"submit,omitempty"`
}

// Limits of the free-text fields that Report.Validate does not bound.
const (
	maxServiceLen = 300
	maxImpactLen  = 2000
	maxNoteLen    = 2000
	maxReasonLen  = 1000
	maxJSONBody   = 1 << 20
)

// inputOf is the input that reproduces a stored report (for PATCH, which
// applies the fields sent on top of it, and for prefilled forms).
func inputOf(r *ceptor.Report) reportInput {
	in := reportInput{Route: r.Route, CeptorID: r.CeptorID, SectorID: r.SectorID, TLP: r.TLP, Drill: r.Drill,
		Title: r.Title, Body: r.Body, EventClass: r.EventClass, Causes: append([]ceptor.Cause{}, r.Causes...),
		SpilloverSectorID: r.SpilloverSectorID, CriticalOutage: r.CriticalOutage, Service: r.Service,
		Systems: append([]ceptor.SystemKind{}, r.Systems...), SupplierOrgID: r.SupplierOrgID,
		StartedAt: rfcTime(r.StartedAt), DetectedAt: rfcTime(r.DetectedAt), RecoveredAt: rfcTime(r.RecoveredAt),
		Impact: r.Impact, Response: r.Response, Indicators: append([]ceptor.Indicator{}, r.Indicators...),
		Lang: r.Lang, ClockProfile: r.ClockProfile}
	return in
}

func rfcTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// parseReportTime reads a time as RFC 3339, or as a local date and time in
// Japan time; it returns a message key on failure.
func parseReportTime(s string, now time.Time) (*time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ""
	}
	if !utf8.ValidString(s) {
		return nil, "err.encoding"
	}
	var t time.Time
	var err error
	if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
		for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"} {
			if t, err = time.ParseInLocation(layout, s, jst); err == nil {
				break
			}
		}
	}
	if err != nil || t.Year() < 1990 || t.Year() > 9999 {
		return nil, "rep.err.datetime"
	}
	// A few minutes of clock skew are forgiven; a time well in the future
	// is a typing error.
	if t.After(now.Add(15 * time.Minute)) {
		return nil, "rep.err.future"
	}
	t = t.UTC().Truncate(time.Second)
	return &t, ""
}

// toReport turns the input into a report and checks what needs no storage:
// with draft only what is typed must be well-formed. Problems come back as
// one EINVALID error whose fields say where; an indicator's problem is
// reported both as "indicators" and as "indicators[i]".
func (in *reportInput) toReport(draft bool, now time.Time) (*ceptor.Report, error) {
	f := map[string]string{}
	rep := &ceptor.Report{Route: in.Route, CeptorID: in.CeptorID, SectorID: in.SectorID, TLP: in.TLP, Drill: in.Drill,
		Title: in.Title, Body: normalizeNewlines(in.Body), EventClass: in.EventClass, Causes: append([]ceptor.Cause{}, in.Causes...),
		SpilloverSectorID: in.SpilloverSectorID, CriticalOutage: in.CriticalOutage, Service: strings.TrimSpace(in.Service),
		Systems: append([]ceptor.SystemKind{}, in.Systems...), SupplierOrgID: in.SupplierOrgID,
		Impact: ceptor.Impact{UsersAffected: in.Impact.UsersAffected, Area: strings.TrimSpace(in.Impact.Area),
			SafetyHarm: normalizeNewlines(in.Impact.SafetyHarm), DataAffected: normalizeNewlines(in.Impact.DataAffected)},
		Response: normalizeNewlines(in.Response), Indicators: []ceptor.Indicator{}, Lang: in.Lang, ClockProfile: in.ClockProfile}
	if in.Route != ceptor.RouteAnonymous {
		rep.CeptorID = 0
	}
	for name, p := range map[string]struct {
		v   string
		dst **time.Time
	}{"started_at": {in.StartedAt, &rep.StartedAt}, "detected_at": {in.DetectedAt, &rep.DetectedAt}, "recovered_at": {in.RecoveredAt, &rep.RecoveredAt}} {
		t, key := parseReportTime(p.v, now)
		if key != "" {
			f[name] = key
			continue
		}
		*p.dst = t
	}
	for name, v := range map[string]string{"service": rep.Service, "area": rep.Impact.Area, "safety_harm": rep.Impact.SafetyHarm, "data_affected": rep.Impact.DataAffected} {
		switch {
		case !utf8.ValidString(v):
			f[name] = "err.encoding"
		case name == "service" && utf8.RuneCountInString(v) > maxServiceLen, utf8.RuneCountInString(v) > maxImpactLen:
			f[name] = "err.too_long"
		}
	}
	if rep.ClockProfile != "" {
		if _, ok := ceptor.FindClockProfile(rep.ClockProfile); !ok {
			f["clock_profile"] = "rep.err.clock_profile"
		}
	}
	if len(in.Indicators) > 1000 {
		f["indicators"] = "err.too_many_items"
	} else {
		for i, ind := range in.Indicators {
			n, key := ind.Normalize()
			if key != "" {
				f[fmt.Sprintf("indicators[%d]", i)] = key
				f["indicators"] = key
				continue
			}
			rep.Indicators = append(rep.Indicators, n)
		}
	}
	causes := map[ceptor.Cause]bool{}
	for _, c := range rep.Causes {
		if causes[c] {
			f["causes"] = "rep.err.duplicate_item"
		}
		causes[c] = true
	}
	systems := map[ceptor.SystemKind]bool{}
	for _, k := range rep.Systems {
		if systems[k] {
			f["systems"] = "rep.err.duplicate_item"
		}
		systems[k] = true
	}
	// Report.Validate decides the rest; the indicators already normalised
	// pass it unchanged.
	err := rep.Validate(draft)
	for k, v := range ceptor.ErrorFields(err) {
		if _, set := f[k]; !set {
			f[k] = v
		}
	}
	if err != nil && ceptor.ErrorCode(err) != ceptor.EINVALID {
		return nil, err
	}
	if len(f) > 0 {
		return nil, ceptor.Invalid(f)
	}
	return rep, nil
}

func normalizeNewlines(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
}

// readJSONBody reads an API body of at most maxJSONBody bytes. JSON decoding
// would silently replace broken UTF-8 with U+FFFD; such a body is refused.
func readJSONBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &ceptor.Error{Code: ceptor.EINVALID, Message: "the request body is too large", Key: "rep.err.body_too_large", Fields: map[string]string{"body": "rep.err.body_too_large"}}
		}
		return nil, &ceptor.Error{Code: ceptor.EINVALID, Message: "the request body could not be read", Key: "err.json", Err: err}
	}
	if len(b) > maxJSONBody {
		return nil, &ceptor.Error{Code: ceptor.EINVALID, Message: "the request body is too large", Key: "rep.err.body_too_large", Fields: map[string]string{"body": "rep.err.body_too_large"}}
	}
	return b, nil
}

// decodeReportJSON decodes b into v (which may hold values already: fields
// absent from b keep them) with the API's rules: one JSON object, no
// unknown fields, valid UTF-8.
func decodeReportJSON(b []byte, v any) error {
	if !utf8.Valid(b) {
		return &ceptor.Error{Code: ceptor.EINVALID, Message: "the request is not valid UTF-8", Key: "err.encoding", Fields: map[string]string{"json": "err.encoding"}}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return ceptor.Invalid(map[string]string{typ.Field: "err.type"})
		}
		return &ceptor.Error{Code: ceptor.EINVALID, Message: "malformed JSON", Key: "err.json", Fields: map[string]string{"json": "err.json"}, Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &ceptor.Error{Code: ceptor.EINVALID, Message: "unexpected data after the JSON value", Key: "err.json", Fields: map[string]string{"json": "err.json"}}
	}
	return nil
}

// parseReportJSON decodes an API body onto base (the stored draft for
// PATCH, an empty input otherwise).
func parseReportJSON(b []byte, base reportInput) (reportInput, error) {
	in := base
	if err := decodeReportJSON(b, &in); err != nil {
		return reportInput{}, err
	}
	return in, nil
}

// ---- the indicator text area ----

// indicatorLineError is a problem on one line of the indicator text area.
type indicatorLineError struct {
	Line int    // 1-based
	Key  string // message key
}

// indicatorAliases maps the words people write before a value to types.
var indicatorAliases = map[string]ceptor.IndicatorType{
	"url": ceptor.IndURL, "uri": ceptor.IndURL, "domain": ceptor.IndDomain, "fqdn": ceptor.IndDomain, "host": ceptor.IndDomain,
	"ipv4": ceptor.IndIPv4, "ip4": ceptor.IndIPv4, "ipv6": ceptor.IndIPv6, "ip6": ceptor.IndIPv6,
	"md5": ceptor.IndMD5, "sha1": ceptor.IndSHA1, "sha-1": ceptor.IndSHA1, "sha256": ceptor.IndSHA256, "sha-256": ceptor.IndSHA256,
	"email": ceptor.IndEmail, "e-mail": ceptor.IndEmail, "mail": ceptor.IndEmail,
	"ドメイン": ceptor.IndDomain, "メール": ceptor.IndEmail,
}

// parseIndicatorLines reads the text area of indicators: one per line,
// "type value" (sha256 e3b0..., domain evil[.]example), or a bare value
// whose type is recognised (a URL, an address, a hash by its length).
// Blank lines and lines starting with # are skipped; defanged forms are
// accepted. Every problem is reported with its line.
func parseIndicatorLines(text string) ([]ceptor.Indicator, []indicatorLineError) {
	var out []ceptor.Indicator
	var errs []indicatorLineError
	seen := map[ceptor.Indicator]bool{}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, line := range lines {
		n := i + 1
		if !utf8.ValidString(line) {
			errs = append(errs, indicatorLineError{n, "err.encoding"})
			continue
		}
		line = strings.TrimSpace(strings.ReplaceAll(line, "\u3000", " "))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(out)+len(errs) >= 1000 {
			errs = append(errs, indicatorLineError{n, "err.too_many_items"})
			break
		}
		var ind ceptor.Indicator
		fields := strings.Fields(line)
		if typ, ok := indicatorAliases[strings.ToLower(strings.TrimSuffix(fields[0], ":"))]; ok && len(fields) >= 2 {
			ind = ceptor.Indicator{Type: typ, Value: strings.Join(fields[1:], " ")}
		} else if len(fields) == 1 {
			ind = ceptor.Indicator{Type: guessIndicatorType(fields[0]), Value: fields[0]}
		} else {
			errs = append(errs, indicatorLineError{n, "err.indicator_type"})
			continue
		}
		if ind.Type == "" {
			errs = append(errs, indicatorLineError{n, "err.indicator_type"})
			continue
		}
		norm, key := ind.Normalize()
		if key != "" {
			errs = append(errs, indicatorLineError{n, key})
			continue
		}
		if !seen[norm] {
			seen[norm] = true
			out = append(out, norm)
		}
	}
	return out, errs
}

// guessIndicatorType recognises the type of a bare value, or returns "".
func guessIndicatorType(v string) ceptor.IndicatorType {
	plain := strings.NewReplacer("[.]", ".", "(.)", ".", "[@]", "@", "hxxp", "http", "[:]", ":").Replace(strings.ToLower(v))
	switch {
	case strings.Contains(plain, "://"):
		return ceptor.IndURL
	case strings.Contains(plain, "@"):
		return ceptor.IndEmail
	case hexOnly(plain) && len(plain) == 32:
		return ceptor.IndMD5
	case hexOnly(plain) && len(plain) == 40:
		return ceptor.IndSHA1
	case hexOnly(plain) && len(plain) == 64:
		return ceptor.IndSHA256
	case strings.Count(plain, ":") >= 2:
		return ceptor.IndIPv6
	case strings.Trim(plain, "0123456789.") == "" && strings.Count(plain, ".") == 3:
		return ceptor.IndIPv4
	case strings.Contains(plain, "."):
		return ceptor.IndDomain
	}
	return ""
}

func hexOnly(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdef") == ""
}

// indicatorText writes indicators back as text-area lines.
func indicatorText(list []ceptor.Indicator) string {
	var b strings.Builder
	for _, in := range list {
		b.WriteString(string(in.Type) + " " + in.Value + "\n")
	}
	return b.String()
}
