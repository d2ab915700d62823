package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"ceptor"
)

// incWorld is the harness with the organisations a report passes on its
// way from the demo operator (a bank in the 銀行等 CEPTOR) to NISC. Reports
// are stored directly (create, submit, relay hop by hop): these tests are
// about what happens to reports once NISC has them.
type incWorld struct {
	h                               *harness
	nisc, op, ministry, secretariat *ceptor.Organization
	cep                             *ceptor.Ceptor
	sector                          int64
	opUser, niscUser                int64
}

func newIncWorld(t *testing.T, engine string) *incWorld {
	t.Helper()
	h := newHarness(t, engine)
	ctx := context.Background()
	w := &incWorld{h: h}
	org := func(email string) (*ceptor.Organization, int64) {
		u, err := h.db.FindUserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		o, err := h.db.FindOrg(ctx, u.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		return o, u.ID
	}
	w.nisc, w.niscUser = org("admin.nisc@demo.example")
	w.op, w.opUser = org("admin.operator@demo.example")
	w.sector = w.op.SectorIDs[0]
	sec, err := h.db.FindSector(ctx, w.sector)
	if err != nil {
		t.Fatal(err)
	}
	if w.ministry, err = h.db.FindOrg(ctx, sec.MinistryOrgID); err != nil {
		t.Fatal(err)
	}
	if w.cep, err = h.db.FindCeptor(ctx, w.op.CeptorIDs[0]); err != nil {
		t.Fatal(err)
	}
	if w.secretariat, err = h.db.FindOrg(ctx, w.cep.SecretariatOrgID); err != nil {
		t.Fatal(err)
	}
	return w
}

// incRep varies a report.
type incRep struct {
	title      string
	anonymous  bool
	tlp        ceptor.TLP
	drill      bool
	users      int
	started    *time.Time
	recovered  *time.Time
	indicators []ceptor.Indicator
	harm       string
}

// report stores a complete report of the demo operator and carries it hop
// by hop to NISC, where it is received.
func (w *incWorld) report(t *testing.T, o incRep) int64 {
	t.Helper()
	ctx := context.Background()
	if o.title == "" {
		o.title = "インターネットバンキングの停止"
	}
	if o.tlp == "" {
		o.tlp = ceptor.TLPAmber
	}
	r := &ceptor.Report{Route: ceptor.RouteMinistry, SectorID: w.sector, TLP: o.tlp, Drill: o.drill,
		OrgID: w.op.ID, AuthorUserID: w.opUser, ReporterTag: w.h.sealer.Tag("org", strconv.FormatInt(w.op.ID, 10)),
		Title: o.title, Body: "勘定系との接続が断続的に失われた。", EventClass: ceptor.EventAvailability,
		Causes: []ceptor.Cause{ceptor.CauseSoftwareFault}, CriticalOutage: true, Service: "インターネットバンキング",
		StartedAt: o.started, RecoveredAt: o.recovered, Indicators: o.indicators, Impact: ceptor.Impact{SafetyHarm: o.harm}}
	if o.users > 0 {
		n := o.users
		r.Impact.UsersAffected = &n
	}
	if o.anonymous {
		r.Route, r.CeptorID, r.SealedIdentity = ceptor.RouteAnonymous, w.cep.ID, "sealed:v1:test-identity"
	}
	incMust(t, w.h.db.CreateReport(ctx, r))
	chain := ceptor.Chain(r.Route, w.nisc.ID, w.ministry.ID, w.secretariat.ID)
	incMust(t, w.h.db.SubmitReport(ctx, r.ID, chain, w.opUser))
	for _, from := range chain[:len(chain)-1] {
		incMust(t, w.h.db.RelayReport(ctx, r.ID, from, "", 0, nil))
	}
	return r.ID
}

// incident creates an incident as NISC directly in storage, with reports.
func (w *incWorld) incident(t *testing.T, title string, tlp ceptor.TLP, reports ...int64) int64 {
	t.Helper()
	ctx := context.Background()
	inc := &ceptor.Incident{Title: title, TLP: tlp, CreatedByOrg: w.nisc.ID, CreatedByUser: w.niscUser}
	incMust(t, w.h.db.CreateIncident(ctx, inc))
	for _, id := range reports {
		incMust(t, w.h.db.AddReportToIncident(ctx, inc.ID, id, w.nisc.ID, w.niscUser))
	}
	return inc.ID
}

func incMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func incID(n int64) string { return strconv.FormatInt(n, 10) }

var incOverallRE = regexp.MustCompile(`class="card sev-current"[^>]*data-overall="(\d?)" data-final="(\w*)"`)

// currentEval reads the current evaluation a severity page shows.
func incCurrentEval(t *testing.T, body string) (overall, final string) {
	t.Helper()
	m := incOverallRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no current-evaluation card in the page:\n%s", body)
	}
	return m[1], m[2]
}

// evalForm is a complete evaluation form.
func incEvalForm(c, s, tr int, final bool) url.Values {
	f := url.Values{"continuity": {strconv.Itoa(c)}, "safety": {strconv.Itoa(s)}, "trust": {strconv.Itoa(tr)},
		"continuity_reason": {"停止 26 時間"}, "safety_reason": {"被害なし"}, "trust_reason": {"報道あり"}}
	if final {
		f.Set("final", "1")
	}
	return f
}

// auditActions returns the actions of the audit log, newest first.
func (w *incWorld) auditActions(t *testing.T) []string {
	t.Helper()
	entries, err := w.h.db.ListAudit(context.Background(), ceptor.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}

func incCount(list []string, v string) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

// apiJSON calls the API and decodes a successful answer into out.
func (w *incWorld) apiJSON(t *testing.T, method, path, tok, body string, want int, out any) string {
	t.Helper()
	code, resp := w.h.api(method, path, tok, body)
	if code != want {
		t.Fatalf("%s %s: %d, want %d\n%s", method, path, code, want, resp)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp), out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, resp)
		}
	}
	return resp
}

func incHas(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s: %q not found", what, s)
		}
	}
}

func incHasNot(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if s != "" && strings.Contains(body, s) {
			t.Errorf("%s: %q must not appear", what, s)
		}
	}
}
