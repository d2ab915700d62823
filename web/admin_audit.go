package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ceptor"
	"ceptor/i18n"
)

const auditPerPage = 50

// auditActionPrefixes are offered as quick filters.
var auditActionPrefixes = []string{"auth.", "user.", "token.", "org.", "contact.", "registry.", "audit."}

// auditRow is an entry with the names the page shows.
type auditRow struct {
	*ceptor.AuditEntry
	OrgLabel    string
	LinkOrgID   int64 // set when the caller may open the organisation
	DetailShort string
}

// auditData is what the audit log page shows.
type auditData struct {
	Rows       []auditRow
	Action     string
	Before     int64
	NextBefore int64
	Prefixes   []string
	AllOrgs    bool
	CanVerify  bool
	CanExport  bool
	Verify     *auditVerification
	ExportURL  string
}

// parseAuditQuery reads ?action and ?before.
func parseAuditQuery(r *http.Request, f *ceptor.AuditFilter) error {
	q := r.URL.Query()
	f.Action = strings.TrimSpace(q.Get("action"))
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return ceptor.Invalid(map[string]string{"before": "admin.audit_err_before"})
		}
		f.BeforeSeq = n
	}
	return nil
}

// auditOrgLabels names the organisations of entries, but only those the
// caller may see; others appear as their number.
func (s *Server) auditRows(ctx context.Context, a *ceptor.Actor, lang string, list []*ceptor.AuditEntry) ([]auditRow, error) {
	var ids []int64
	for _, e := range list {
		for _, id := range []int64{e.OrgID, e.ActorOrgID} {
			if id != 0 && !contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	orgs, err := s.orgsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	visible := s.visibleOrg(a)
	out := make([]auditRow, 0, len(list))
	for _, e := range list {
		row := auditRow{AuditEntry: e, DetailShort: shorten(e.Detail, 90)}
		id := e.OrgID
		if id == 0 {
			id = e.ActorOrgID
		}
		if id != 0 {
			if o := orgs[id]; o != nil && visible(o) {
				row.OrgLabel, row.LinkOrgID = o.DisplayName(lang), o.ID
			} else {
				row.OrgLabel = "#" + strconv.FormatInt(id, 10)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// AuditTime formats an audit timestamp in Japan time, to the second.
func (p *Page) AuditTime(t time.Time) string { return t.In(jst).Format("2006-01-02 15:04:05") }

// AuditLink opens the audit log at entry seq (it is the first row shown).
func (p *Page) AuditLink(seq int64) string {
	return "/admin/audit?before=" + strconv.FormatInt(seq+1, 10)
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, st *reqState, v *auditVerification) {
	ctx := r.Context()
	a := st.actor
	f, err := auditFilterFor(a, ceptor.ActView)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := parseAuditQuery(r, &f); err != nil {
		s.fail(w, r, err)
		return
	}
	f.Limit = auditPerPage + 1
	list, err := s.store.ListAudit(ctx, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := auditData{Action: f.Action, Before: f.BeforeSeq, Prefixes: auditActionPrefixes, AllOrgs: a.OrgType == ceptor.OrgNISC,
		CanVerify: canVerifyAudit(a), Verify: v,
		CanExport: ceptor.Allow(a, ceptor.ActExport, ceptor.Resource{Kind: ceptor.KindAudit, OrgID: a.OrgID, OrgType: a.OrgType})}
	if len(list) > auditPerPage {
		list = list[:auditPerPage]
		d.NextBefore = list[len(list)-1].Seq
	}
	if d.Rows, err = s.auditRows(ctx, a, st.lang, list); err != nil {
		s.fail(w, r, err)
		return
	}
	d.ExportURL = "/admin/audit/export.csv"
	if f.Action != "" {
		d.ExportURL += "?action=" + url.QueryEscape(f.Action)
	}
	s.render(w, r, http.StatusOK, "admin_audit", s.page(w, r, i18n.T(st.lang, "admin.audit_title"), d))
}

func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	s.auditPage(w, r, st, nil)
}

func (s *Server) adminAuditVerify(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	v, err := s.verifyAudit(r, st.actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.auditPage(w, r, st, v)
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// adminAuditExport streams every entry the caller may see (optionally only
// one action prefix) as CSV with a BOM, for spreadsheet tools. Entries
// carry their hashes so that the export can be checked independently.
func (s *Server) adminAuditExport(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	a := st.actor
	f, err := auditFilterFor(a, ceptor.ActExport)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := parseAuditQuery(r, &f); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "audit.export", ceptor.KindAudit, nil, a.OrgID, map[string]any{"action": f.Action, "org_id": f.OrgID})
	name := "ceptor-audit-" + s.now().In(jst).Format("20060102-150405") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.Write([]string{"seq", "at_jst", "actor_user_id", "actor_org_id", "actor", "action", "object_type", "object_id", "org_id", "ip", "detail", "prev_hash", "hash"})
	f.Limit = 1000
	for {
		list, err := s.store.ListAudit(ctx, f)
		if err != nil {
			// Headers are gone; all we can do is stop and log.
			s.log.Error("audit export", "err", err)
			break
		}
		for _, e := range list {
			cw.Write([]string{strconv.FormatInt(e.Seq, 10), e.At.In(jst).Format(time.RFC3339Nano),
				strconv.FormatInt(e.ActorUserID, 10), strconv.FormatInt(e.ActorOrgID, 10), csvSafe(e.ActorLabel), csvSafe(e.Action),
				e.ObjectType, csvSafe(e.ObjectID), strconv.FormatInt(e.OrgID, 10), csvSafe(e.IP), csvSafe(e.Detail), e.PrevHash, e.Hash})
		}
		if len(list) < f.Limit {
			break
		}
		f.BeforeSeq = list[len(list)-1].Seq
	}
	cw.Flush()
}
