package web

import (
	"context"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"ceptor"
)

// The report queues. Each organisation works from its own queue: a
// reporter from its own reports (drafts included), a ministry or a CEPTOR
// secretariat from the reports waiting for it to relay and those it has
// passed on, NISC from the reports it has received. Every list asks the
// policy for each report (ReportFilter.Visible), so that totals, pages and
// search results count only what the caller may see.

// Queues.
const (
	queueMine     = "mine"
	queueRelay    = "relay"
	queuePassed   = "passed"
	queueIncoming = "incoming"
)

// reportQuery is a list's filters, as typed.
type reportQuery struct {
	Queue  string
	Q      string
	Status string
	Sector string
	Route  string
	Event  string
	From   string // YYYY-MM-DD, Japan time, inclusive
	To     string // YYYY-MM-DD, Japan time, inclusive
}

// filtered reports whether anything beyond the queue narrows the list.
func (q reportQuery) filtered() bool {
	return q.Q != "" || q.Status != "" || q.Sector != "" || q.Route != "" || q.Event != "" || q.From != "" || q.To != ""
}

// encode returns the query string of the filters (without paging).
func (q reportQuery) encode() string {
	v := url.Values{}
	for k, x := range map[string]string{"queue": q.Queue, "q": q.Q, "status": q.Status, "sector": q.Sector, "route": q.Route, "event": q.Event, "from": q.From, "to": q.To} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v.Encode()
}

// reportQueues are the queues an organisation works from, the first being
// its default.
func reportQueues(a *ceptor.Actor) []string {
	switch a.OrgType {
	case ceptor.OrgNISC:
		return []string{queueIncoming}
	case ceptor.OrgMinistry, ceptor.OrgSecretariat:
		return []string{queueRelay, queuePassed, queueMine}
	}
	return []string{queueMine}
}

// parseReportQuery reads the list filters; a wrong value is a field error.
func parseReportQuery(a *ceptor.Actor, v url.Values) (reportQuery, error) {
	q := reportQuery{Queue: v.Get("queue"), Q: strings.TrimSpace(v.Get("q")), Status: v.Get("status"), Sector: v.Get("sector"),
		Route: v.Get("route"), Event: v.Get("event"), From: v.Get("from"), To: v.Get("to")}
	f := map[string]string{}
	queues := reportQueues(a)
	if q.Queue == "" {
		q.Queue = queues[0]
	} else if !slices.Contains(queues, q.Queue) {
		f["queue"] = "rep.err.queue"
	}
	switch {
	case !utf8.ValidString(q.Q):
		f["q"] = "err.encoding"
	case utf8.RuneCountInString(q.Q) > 200:
		f["q"] = "err.too_long"
	}
	if q.Status != "" && !slices.Contains([]ceptor.ReportStatus{ceptor.ReportDraft, ceptor.ReportSubmitted, ceptor.ReportReceived, ceptor.ReportClosed}, ceptor.ReportStatus(q.Status)) {
		f["status"] = "rep.err.status"
	}
	if q.Route != "" && !slices.Contains(reportRoutes, ceptor.Route(q.Route)) {
		f["route"] = "err.route"
	}
	if q.Event != "" && !slices.Contains(ceptor.EventClasses, ceptor.EventClass(q.Event)) {
		f["event"] = "err.event_class"
	}
	if q.Sector != "" {
		if _, ok := parseID(q.Sector); !ok {
			f["sector"] = "registry.err.unknown_sector"
		}
	}
	for name, d := range map[string]string{"from": q.From, "to": q.To} {
		if d != "" {
			if _, err := time.ParseInLocation("2006-01-02", d, jst); err != nil {
				f[name] = "rep.err.date"
			}
		}
	}
	if len(f) > 0 {
		return q, ceptor.Invalid(f)
	}
	return q, nil
}

var reportRoutes = []ceptor.Route{ceptor.RouteMinistry, ceptor.RouteAnonymous, ceptor.RouteDirect}

// refOwn reports whether the actor's organisation reported ref.
func refOwn(a *ceptor.Actor, ref *ceptor.ReportRef) bool {
	return ref.ReporterOrg != 0 && ref.ReporterOrg == a.OrgID || ref.ReporterTag != "" && ref.ReporterTag == a.OrgTag
}

// reportFilter turns a query into the store's filter for the actor, the
// policy included.
func (s *Server) reportFilter(ctx context.Context, a *ceptor.Actor, q reportQuery) (ceptor.ReportFilter, error) {
	f := ceptor.ReportFilter{Q: q.Q, Status: ceptor.ReportStatus(q.Status), Route: ceptor.Route(q.Route)}
	if id, ok := parseID(q.Sector); ok {
		f.SectorID = id
	}
	if q.From != "" {
		t, _ := time.ParseInLocation("2006-01-02", q.From, jst)
		f.From = &t
	}
	if q.To != "" {
		t, _ := time.ParseInLocation("2006-01-02", q.To, jst)
		t = t.AddDate(0, 0, 1)
		f.To = &t
	}
	var only map[int64]bool
	if q.Event != "" {
		es, ok := s.store.(interface {
			ReportIDsWithEventClass(ctx context.Context, class ceptor.EventClass) (map[int64]bool, error)
		})
		if ok {
			var err error
			if only, err = es.ReportIDsWithEventClass(ctx, ceptor.EventClass(q.Event)); err != nil {
				return f, err
			}
		}
	}
	allow := func(ref *ceptor.ReportRef) bool {
		if only != nil && !only[ref.ID] {
			return false
		}
		res := ref.Resource()
		return ceptor.Allow(a, ceptor.ActView, res)
	}
	switch q.Queue {
	case queueMine:
		f.ReporterTag = a.OrgTag
		f.Visible = func(ref *ceptor.ReportRef) bool { return refOwn(a, ref) && allow(ref) }
	case queueRelay:
		f.PendingAt = a.OrgID
		f.Visible = func(ref *ceptor.ReportRef) bool { return !refOwn(a, ref) && allow(ref) }
	case queuePassed:
		f.Visible = func(ref *ceptor.ReportRef) bool { return ref.PendingAt != a.OrgID && !refOwn(a, ref) && allow(ref) }
	default:
		f.Visible = allow
	}
	return f, nil
}

// maxSortedQueue bounds the queue that is ordered by severity in memory;
// a longer one keeps the store's order (newest first).
const maxSortedQueue = 5000

// reportPage is one page of a queue, as the caller may see it.
type reportPage struct {
	Views    []*reportView
	Total    int
	BySevere bool
}

// listReports returns one page of a queue. NISC's queue is ordered by
// severity (highest first, unevaluated last), then by clock (overdue
// first), then newest first.
func (s *Server) listReports(ctx context.Context, a *ceptor.Actor, lang string, q reportQuery, limit, offset int) (*reportPage, error) {
	f, err := s.reportFilter(ctx, a, q)
	if err != nil {
		return nil, err
	}
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return nil, err
	}
	out := &reportPage{}
	sevStore, sortable := s.store.(interface {
		ReportSeverities(ctx context.Context, ids []int64) (map[int64]ceptor.SeverityLevel, error)
	})
	var list []*ceptor.Report
	var refs []*ceptor.ReportRef
	var sev map[int64]ceptor.SeverityLevel
	if q.Queue == queueIncoming && sortable {
		// Count first: a very long queue is not sorted in memory.
		probe := f
		probe.Limit = 1
		if _, _, n, err := s.store.ListReports(ctx, probe); err != nil {
			return nil, err
		} else if n > maxSortedQueue {
			sortable = false
		}
	}
	if q.Queue == queueIncoming && sortable {
		all, allRefs, n, err := s.store.ListReports(ctx, f)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(all))
		for i, r := range all {
			ids[i] = r.ID
		}
		if sev, err = sevStore.ReportSeverities(ctx, ids); err != nil {
			return nil, err
		}
		now := s.now()
		type item struct {
			r     *ceptor.Report
			ref   *ceptor.ReportRef
			level int
			clock int
		}
		items := make([]item, len(all))
		for i, r := range all {
			lvl := -1
			if l, ok := sev[r.ID]; ok {
				lvl = int(l)
			}
			c := 0
			switch clockState(reportClock(r, now), now) {
			case "overdue":
				c = 2
			case "due_soon":
				c = 1
			}
			items[i] = item{r, allRefs[i], lvl, c}
		}
		sort.SliceStable(items, func(i, j int) bool {
			if items[i].level != items[j].level {
				return items[i].level > items[j].level
			}
			return items[i].clock > items[j].clock
		})
		lo, hi := min(offset, len(items)), min(offset+limit, len(items))
		for _, it := range items[lo:hi] {
			list, refs = append(list, it.r), append(refs, it.ref)
		}
		out.Total, out.BySevere = n, true
	} else {
		f.Limit, f.Offset = limit, offset
		if list, refs, out.Total, err = s.store.ListReports(ctx, f); err != nil {
			return nil, err
		}
		if sortable && a.OrgType == ceptor.OrgNISC {
			ids := make([]int64, len(list))
			for i, r := range list {
				ids[i] = r.ID
			}
			if sev, err = sevStore.ReportSeverities(ctx, ids); err != nil {
				return nil, err
			}
		}
	}
	for i, r := range list {
		v, err := s.reportView(ctx, a, lang, r, refs[i], rf, false)
		if err != nil {
			return nil, err
		}
		if l, ok := sev[r.ID]; ok && ceptor.Allow(a, ceptor.ActEvaluate, reportResource(r, refs[i])) {
			v.Severity = &l
		}
		out.Views = append(out.Views, v)
	}
	return out, nil
}

// queueCount is the size of one queue, for the tabs.
func (s *Server) queueCount(ctx context.Context, a *ceptor.Actor, queue string) int {
	f, err := s.reportFilter(ctx, a, reportQuery{Queue: queue})
	if err != nil {
		return 0
	}
	f.Limit = 1
	_, _, n, err := s.store.ListReports(ctx, f)
	if err != nil {
		s.log.Warn("count report queue", "queue", queue, "err", err)
		return 0
	}
	return n
}

// snippet returns the text around the first match of a search (whose words
// are separated by spaces), with the matches marked.
func snippet(text, q string) []textPart {
	words := strings.Fields(q)
	if len(words) == 0 || text == "" {
		return nil
	}
	parts := markParts(text, words)
	first := -1
	pos := 0
	for _, p := range parts {
		if p.Mark {
			first = pos
			break
		}
		pos += utf8.RuneCountInString(p.Text)
	}
	if first < 0 {
		return nil
	}
	runes := []rune(text)
	lo, hi := max(first-30, 0), min(first+70, len(runes))
	cut := string(runes[lo:hi])
	out := markParts(cut, words)
	if lo > 0 {
		out = append([]textPart{{Text: "…"}}, out...)
	}
	if hi < len(runes) {
		out = append(out, textPart{Text: "…"})
	}
	return out
}
