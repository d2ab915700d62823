package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ceptor"

	"github.com/xuri/excelize/v2"
)

// statsFixture stores reports for the statistics through the store, the
// way the reports module does: a draft created, then submitted.
type statsFixture struct {
	fy       int // the current fiscal year (the reports' year)
	sectors  map[string]int64
	operator *ceptor.User
	nisc     int64
	fsa      int64
}

// statsReport is one report of the fixture.
type statsReport struct {
	sector    string
	class     ceptor.EventClass
	causes    []ceptor.Cause
	drill     bool
	draft     bool // never submitted
	yearsBack int  // 0: submitted now; n: submitted in the fiscal year n years before
}

// The fixture's reports. In the current fiscal year: finance 4, ict 1,
// medical 2 real reports (7), plus a drill and a draft that never count.
// One year back: 2 finance reports; two years back: 5.
var statsReports = []statsReport{
	{sector: "finance", class: ceptor.EventAvailability, causes: []ceptor.Cause{ceptor.CauseDoS, ceptor.CauseUnauthorizedAccess}},
	{sector: "finance", class: ceptor.EventAvailability, causes: []ceptor.Cause{ceptor.CauseDoS}},
	{sector: "finance", class: ceptor.EventPrecursor, causes: []ceptor.Cause{ceptor.CauseTargetedEmail}},
	{sector: "finance", class: ceptor.EventConfidentiality, causes: []ceptor.Cause{ceptor.CauseMalware}},
	{sector: "finance", class: ceptor.EventAvailability, causes: []ceptor.Cause{ceptor.CauseDoS}, drill: true},
	{sector: "finance", class: ceptor.EventIntrusion, causes: []ceptor.Cause{ceptor.CauseUnauthorizedAccess}, draft: true},
	{sector: "ict", class: ceptor.EventIntegrity, causes: []ceptor.Cause{ceptor.CauseSoftwareFault}},
	{sector: "medical", class: ceptor.EventAvailability, causes: []ceptor.Cause{ceptor.CausePowerOutage}},
	{sector: "medical", class: ceptor.EventAvailability, causes: []ceptor.Cause{ceptor.CausePowerOutage, ceptor.CauseSpillover}},
	{sector: "finance", class: ceptor.EventAvailability, causes: []ceptor.Cause{ceptor.CauseHardwareFault}, yearsBack: 1},
	{sector: "finance", class: ceptor.EventAvailability, causes: []ceptor.Cause{ceptor.CauseOperationError}, yearsBack: 1},
	{sector: "finance", class: ceptor.EventOther, causes: []ceptor.Cause{ceptor.CauseUnknown}, yearsBack: 2},
	{sector: "finance", class: ceptor.EventOther, causes: []ceptor.Cause{ceptor.CauseUnknown}, yearsBack: 2},
	{sector: "finance", class: ceptor.EventOther, causes: []ceptor.Cause{ceptor.CauseUnknown}, yearsBack: 2},
	{sector: "ict", class: ceptor.EventOther, causes: []ceptor.Cause{ceptor.CauseUnknown}, yearsBack: 2},
	{sector: "finance", class: ceptor.EventOther, causes: []ceptor.Cause{ceptor.CauseUnknown}, yearsBack: 2},
	{sector: "finance", class: ceptor.EventOther, causes: []ceptor.Cause{ceptor.CauseUnknown}, yearsBack: 2},
}

func newStatsFixture(t *testing.T, h *harness) *statsFixture {
	t.Helper()
	ctx := context.Background()
	f := &statsFixture{sectors: map[string]int64{}}
	var err error
	if f.operator, err = h.db.FindUserByEmail(ctx, "analyst.operator@demo.example"); err != nil {
		t.Fatal(err)
	}
	for email, id := range map[string]*int64{"admin.nisc@demo.example": &f.nisc, "admin.ministry@demo.example": &f.fsa} {
		u, err := h.db.FindUserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		*id = u.OrgID
	}
	sectors, err := h.db.ListSectors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sectors {
		f.sectors[s.Code] = s.ID
	}
	for i, sr := range statsReports {
		r := &ceptor.Report{
			Route: ceptor.RouteMinistry, SectorID: f.sectors[sr.sector], TLP: ceptor.TLPAmber, Drill: sr.drill,
			OrgID: f.operator.OrgID, AuthorUserID: f.operator.ID, ReporterTag: fmt.Sprintf("stats-tag-%d", f.operator.OrgID),
			Title: fmt.Sprintf("統計用の報告 %d", i), Body: "本文", EventClass: sr.class, Causes: sr.causes, Lang: "ja",
		}
		if slices.Contains(sr.causes, ceptor.CauseSpillover) {
			r.SpilloverSectorID = f.sectors["electricity"]
		}
		if sr.yearsBack > 0 {
			// An earlier year: stored as submitted in the middle of it.
			from, _ := ceptor.FiscalYearRange(ceptor.FiscalYear(time.Now()) - sr.yearsBack)
			at := from.AddDate(0, 6, 0)
			r.Status, r.SubmittedAt = ceptor.ReportSubmitted, &at
			if err := h.db.CreateReport(ctx, r); err != nil {
				t.Fatalf("report %d: %v", i, err)
			}
			continue
		}
		if err := h.db.CreateReport(ctx, r); err != nil {
			t.Fatalf("report %d: %v", i, err)
		}
		if sr.draft {
			continue
		}
		if err := h.db.SubmitReport(ctx, r.ID, []int64{f.fsa, f.nisc}, f.operator.ID); err != nil {
			t.Fatalf("submit report %d: %v", i, err)
		}
	}
	f.fy = ceptor.FiscalYear(time.Now())
	return f
}

// statsBody is the API answer, as a client reads it.
type statsBody struct {
	FiscalYear int       `json:"fiscal_year"`
	Label      string    `json:"label"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Scope      string    `json:"scope"`
	SectorIDs  []int64   `json:"sector_ids"`
	MinCount   int       `json:"min_count"`
	Total      *int      `json:"total"`
	BySector   []struct {
		SectorID   int64  `json:"sector_id"`
		Code       string `json:"code"`
		NameJA     string `json:"name_ja"`
		NameEN     string `json:"name_en"`
		Count      *int   `json:"count"`
		Suppressed bool   `json:"suppressed"`
	} `json:"by_sector"`
	ByEventClass []struct {
		EventClass string `json:"event_class"`
		NameJA     string `json:"name_ja"`
		Count      *int   `json:"count"`
		Suppressed bool   `json:"suppressed"`
	} `json:"by_event_class"`
	ByCause []struct {
		Cause      string `json:"cause"`
		Group      string `json:"group"`
		Count      *int   `json:"count"`
		Suppressed bool   `json:"suppressed"`
	} `json:"by_cause"`
	ByYear []struct {
		FiscalYear int  `json:"fiscal_year"`
		Count      *int `json:"count"`
		Suppressed bool `json:"suppressed"`
	} `json:"by_year"`
	Reference struct {
		Description string `json:"description"`
		Year        *struct {
			FiscalYear int    `json:"fiscal_year"`
			Reports    int    `json:"reports"`
			Advisories int    `json:"advisories"`
			SourceJA   string `json:"source_ja"`
		} `json:"year"`
		Years []struct {
			FiscalYear int `json:"fiscal_year"`
			Reports    int `json:"reports"`
			Advisories int `json:"advisories"`
		} `json:"years"`
	} `json:"reference"`
}

func getStats(t *testing.T, h *harness, token, query string) statsBody {
	t.Helper()
	code, body := h.api("GET", "/api/v1/stats/reports"+query, token, "")
	if code != http.StatusOK {
		t.Fatalf("GET stats%s: %d %s", query, code, body)
	}
	var b statsBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("stats answer: %v\n%s", err, body)
	}
	return b
}

// count renders a count for comparison: "-" when suppressed.
func count(n *int, suppressed bool) string {
	switch {
	case suppressed && n == nil:
		return "-"
	case n == nil || suppressed:
		return "inconsistent"
	}
	return strconv.Itoa(*n)
}

func (b statsBody) sectors() map[string]string {
	m := map[string]string{}
	for _, s := range b.BySector {
		m[s.Code] = count(s.Count, s.Suppressed)
	}
	return m
}

func (b statsBody) classes() map[string]string {
	m := map[string]string{}
	for _, c := range b.ByEventClass {
		m[c.EventClass] = count(c.Count, c.Suppressed)
	}
	return m
}

func (b statsBody) causes() map[string]string {
	m := map[string]string{}
	for _, c := range b.ByCause {
		m[c.Cause] = count(c.Count, c.Suppressed)
	}
	return m
}

func (b statsBody) years() []string {
	var out []string
	for _, y := range b.ByYear {
		out = append(out, fmt.Sprintf("%d:%s", y.FiscalYear, count(y.Count, y.Suppressed)))
	}
	return out
}

// TestStatsCounts: counts of reports stored through the store, as NISC
// (everything, exact), a ministry (its sector only, small counts hidden)
// and an operator's executive (its sector).
func TestStatsCounts(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			f := newStatsFixture(t, h)
			q := fmt.Sprintf("?fiscal_year=%d", f.fy)
			years := func(vals ...string) []string {
				var out []string
				for i, v := range vals {
					out = append(out, fmt.Sprintf("%d:%s", f.fy-4+i, v))
				}
				return out
			}

			// NISC: every sector, exact counts, drills and drafts left out.
			nisc := getStats(t, h, h.token("analyst.nisc@demo.example", nil), q)
			if nisc.Scope != "programme" || nisc.MinCount != 0 || count(nisc.Total, false) != "7" {
				t.Errorf("NISC: scope %s min %d total %s, want programme 0 7", nisc.Scope, nisc.MinCount, count(nisc.Total, false))
			}
			if len(nisc.BySector) != 15 || nisc.BySector[0].Code != "ict" || nisc.BySector[1].Code != "finance" || nisc.BySector[14].Code != "port" {
				t.Errorf("NISC: %d sector rows, want the 15 in display order: %+v", len(nisc.BySector), nisc.sectors())
			}
			for code, want := range map[string]string{"finance": "4", "ict": "1", "medical": "2", "port": "0", "electricity": "0"} {
				if got := nisc.sectors()[code]; got != want {
					t.Errorf("NISC: sector %s = %s, want %s", code, got, want)
				}
			}
			for class, want := range map[string]string{"availability": "4", "precursor": "1", "confidentiality": "1", "integrity": "1", "intrusion": "0", "other": "0"} {
				if got := nisc.classes()[class]; got != want {
					t.Errorf("NISC: class %s = %s, want %s", class, got, want)
				}
			}
			causeSum := 0
			for cause, want := range map[string]string{"dos": "2", "unauthorized_access": "1", "targeted_email": "1", "malware": "1",
				"software_fault": "1", "power_outage": "2", "spillover": "1", "unknown": "0"} {
				if got := nisc.causes()[cause]; got != want {
					t.Errorf("NISC: cause %s = %s, want %s", cause, got, want)
				}
			}
			for _, c := range nisc.ByCause {
				causeSum += *c.Count
			}
			if causeSum != 9 || len(nisc.ByCause) != 15 {
				t.Errorf("NISC: %d cause rows adding up to %d, want 15 rows adding up to 9 (more than the 7 reports)", len(nisc.ByCause), causeSum)
			}
			if got, want := nisc.years(), years("0", "0", "6", "2", "7"); !slices.Equal(got, want) {
				t.Errorf("NISC years %v, want %v", got, want)
			}

			// The ministry (FSA, finance): its sector only; counts below 3
			// hidden, and a lone hidden cell is joined by another.
			fsa := getStats(t, h, h.token("analyst.ministry@demo.example", nil), q)
			if fsa.Scope != "sectors" || fsa.MinCount != 3 || !slices.Equal(fsa.SectorIDs, []int64{f.sectors["finance"]}) {
				t.Errorf("FSA: scope %s min %d sectors %v", fsa.Scope, fsa.MinCount, fsa.SectorIDs)
			}
			if got := fsa.sectors(); len(got) != 1 || got["finance"] != "4" || count(fsa.Total, false) != "4" {
				t.Errorf("FSA sectors %v total %s, want finance 4 only", got, count(fsa.Total, false))
			}
			for class, c := range fsa.classes() {
				if c != "-" {
					t.Errorf("FSA: class %s = %s, want hidden (every class has fewer than 3)", class, c)
				}
			}
			if got := fsa.causes(); got["dos"] != "-" || got["power_outage"] != "-" || got["software_fault"] != "-" {
				t.Errorf("FSA causes %v: small counts must be hidden, and other sectors' causes never counted", got)
			}
			if got, want := fsa.years(), years("-", "-", "5", "-", "4"); !slices.Equal(got, want) {
				t.Errorf("FSA years %v, want %v", got, want)
			}

			// An operator's executive: the operator's sector (finance).
			exec := getStats(t, h, h.token("executive.operator@demo.example", nil), q)
			if got := exec.sectors(); len(got) != 1 || got["finance"] != "4" {
				t.Errorf("operator executive sectors %v, want finance only", got)
			}

			// A year without reports, with published figures.
			old := getStats(t, h, h.token("analyst.nisc@demo.example", nil), "?fiscal_year=2020")
			if count(old.Total, false) != "0" || old.Reference.Year == nil || old.Reference.Year.Reports != 309 || old.Reference.Year.Advisories != 64 {
				t.Errorf("FY2020: total %s, reference %+v", count(old.Total, false), old.Reference.Year)
			}
		})
	}
}

// TestStatsAPIShape: the documented shape, the fiscal year's bounds in
// Japan time, and 422 for a bad year.
func TestStatsAPIShape(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	tok := h.token("analyst.nisc@demo.example", nil)
	code, raw := h.api("GET", "/api/v1/stats/reports?fiscal_year=2020", tok, "")
	if code != http.StatusOK {
		t.Fatalf("GET: %d %s", code, raw)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"fiscal_year", "from", "to", "total", "by_sector", "by_event_class", "by_cause", "reference"} {
		if _, ok := m[k]; !ok {
			t.Errorf("answer has no %s: %s", k, raw)
		}
	}
	if m["from"] != "2020-04-01T00:00:00+09:00" || m["to"] != "2021-04-01T00:00:00+09:00" {
		t.Errorf("FY2020 from %v to %v", m["from"], m["to"])
	}
	sector := m["by_sector"].([]any)[0].(map[string]any)
	for _, k := range []string{"sector_id", "code", "name_ja", "name_en", "count"} {
		if _, ok := sector[k]; !ok {
			t.Errorf("by_sector item has no %s: %v", k, sector)
		}
	}
	if sector["name_ja"] != "情報通信" || sector["code"] != "ict" {
		t.Errorf("first sector %v", sector)
	}
	b := getStats(t, h, tok, "?fiscal_year=FY2019&lang=ja")
	if b.FiscalYear != 2019 || b.Reference.Year == nil || b.Reference.Year.Reports != 269 || b.Label != "2019年度" {
		t.Errorf("FY2019: %d %q %+v", b.FiscalYear, b.Label, b.Reference.Year)
	}
	if len(b.Reference.Years) != 7 {
		t.Errorf("reference years %+v", b.Reference.Years)
	}
	for _, want := range []struct{ fy, reports, advisories int }{{2017, 388, 54}, {2018, 223, 43}, {2019, 269, 38}, {2020, 309, 64}} {
		found := false
		for _, y := range b.Reference.Years {
			found = found || y.FiscalYear == want.fy && y.Reports == want.reports && y.Advisories == want.advisories
		}
		if !found {
			t.Errorf("reference figures for FY%d missing: %+v", want.fy, b.Reference.Years)
		}
	}
	// The default is the current fiscal year.
	if b := getStats(t, h, tok, ""); b.FiscalYear != ceptor.FiscalYear(time.Now()) {
		t.Errorf("default fiscal year %d", b.FiscalYear)
	}

	next := strconv.Itoa(ceptor.FiscalYear(time.Now()) + 1)
	for _, bad := range []string{"1999", "abcd", next, "20201", "-1"} {
		code, body := h.api("GET", "/api/v1/stats/reports?fiscal_year="+bad, tok, "")
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `"fiscal_year"`) {
			t.Errorf("fiscal_year=%s: %d %s, want 422 naming the field", bad, code, body)
		}
	}
	if code, body := h.api("GET", "/api/v1/stats/reports", "", ""); code != http.StatusUnauthorized {
		t.Errorf("without a token: %d %s", code, body)
	}
}

// TestStatsRefused: who may not see statistics is refused with 403 on the
// page, the downloads and the API, and is not offered the page.
func TestStatsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	for _, email := range []string{"analyst.operator@demo.example", "admin.operator@demo.example", "analyst.secretariat@demo.example", "auditor.operator@demo.example", "admin.supplier@demo.example"} {
		c := h.login(email)
		_, home := c.get("/")
		if strings.Contains(home, `href="/stats/reports"`) {
			t.Errorf("%s: the navigation offers the statistics", email)
		}
		for _, path := range []string{"/stats/reports", "/stats/reports?fy=2020", "/stats/reports.csv", "/stats/reports.xlsx"} {
			if code, _ := c.get(path); code != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", email, path, code)
			}
		}
		tok := h.token(email, nil)
		for _, path := range []string{"/api/v1/stats/reports", "/api/v1/stats/reports/export"} {
			if code, body := h.api("GET", path, tok, ""); code != http.StatusForbidden {
				t.Errorf("%s GET %s: %d %s, want 403", email, path, code, body)
			}
		}
	}
	// A NISC token without the read scope is told that its scope is why.
	tok := h.token("admin.nisc@demo.example", []string{ceptor.ScopeAdmin})
	if code, body := h.api("GET", "/api/v1/stats/reports?lang=ja", tok, ""); code != http.StatusForbidden || !strings.Contains(body, "スコープ") {
		t.Errorf("NISC token without read: %d %s", code, body)
	}
	// Those who may are offered the page.
	for _, email := range []string{"analyst.nisc@demo.example", "auditor.ministry@demo.example", "executive.operator@demo.example"} {
		c := h.login(email)
		if _, home := c.get("/"); !strings.Contains(home, `href="/stats/reports"`) {
			t.Errorf("%s: the navigation does not offer the statistics", email)
		}
	}
}

var styleAttrRE = regexp.MustCompile(`<[^>]*\sstyle=`)

// TestStatsPage: the page as NISC and as a ministry, with its charts.
func TestStatsPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	f := newStatsFixture(t, h)

	c := h.login("analyst.nisc@demo.example")
	code, body := c.get("/stats/reports?lang=ja")
	if code != http.StatusOK {
		t.Fatalf("NISC page: %d\n%s", code, body)
	}
	for _, want := range []string{
		"情報連絡の件数統計", ceptor.FiscalYearLabel(f.fy, "ja"), "金融", "港湾", "可用性を脅かす事象", "DoS/DDoS攻撃",
		"原因別の件数の合計は報告件数を上回ることがあります", // one report, several causes
		"公表値", ">388<", ">223<", ">269<", ">309<", ">54<", ">64<", "出典", // published figures
		`<svg class="chart hbar"`, `<svg class="chart vbar"`, "<rect", "<text",
		`<option value="2017"`, `<option value="2014"`, "/stats/reports.csv", "/stats/reports.xlsx",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("NISC page lacks %q", want)
		}
	}
	if styleAttrRE.MatchString(body) {
		t.Errorf("the page has a style attribute, which the CSP blocks: %s", styleAttrRE.FindString(body))
	}
	if strings.Contains(body, "<script") && !strings.Contains(body, `<script src="/static/app.js" defer></script>`) {
		t.Error("the page has a script other than app.js")
	}
	if strings.Contains(body, "未満") {
		t.Error("NISC sees exact counts, yet something is hidden")
	}
	// Four bars of the sector chart have a value: finance, ict, medical, and the finance count is 4.
	if !regexp.MustCompile(`<title>金融: 4</title>`).MatchString(body) {
		t.Error("the sector chart has no bar 金融: 4")
	}

	// English.
	if _, body := c.get("/stats/reports?fy=2020&lang=en"); !strings.Contains(body, "FY2020") || !strings.Contains(body, "Published") {
		t.Error("English page lacks FY2020 or Published")
	}

	// A ministry: its sector only, small counts hidden and explained.
	m := h.login("analyst.ministry@demo.example")
	code, body = m.get("/stats/reports?lang=ja")
	if code != http.StatusOK {
		t.Fatalf("ministry page: %d", code)
	}
	for _, want := range []string{"金融", "3件未満", "報告者の特定を防ぐため"} {
		if !strings.Contains(body, want) {
			t.Errorf("ministry page lacks %q", want)
		}
	}
	for _, other := range []string{"情報通信", "医療", "港湾", ">7<"} {
		if strings.Contains(body, other) {
			t.Errorf("ministry page shows %q, outside its sectors", other)
		}
	}

	// A bad year is a clear error.
	if code, body := c.get("/stats/reports?fy=1999"); code != http.StatusUnprocessableEntity || !strings.Contains(body, "2000") {
		t.Errorf("fy=1999: %d", code)
	}
}

// TestStatsExport: CSV and XLSX downloads hold what the caller may see, and
// each download is audited.
func TestStatsExport(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	f := newStatsFixture(t, h)
	ctx := context.Background()

	c := h.login("analyst.nisc@demo.example")
	req, _ := http.NewRequest("GET", h.ts.URL+"/stats/reports.csv", nil)
	code, body, hdr := c.do(req)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV: %d %v", code, hdr)
	}
	if !strings.HasPrefix(body, "\uFEFF") {
		t.Error("CSV has no byte order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], []string{"fiscal_year", "section", "group", "code", "name_ja", "name_en", "count", "note"}) {
		t.Errorf("header %v", recs[0])
	}
	fy := strconv.Itoa(f.fy)
	lines := map[string]bool{}
	for _, r := range recs[1:] {
		lines[strings.Join(r, ",")] = true
	}
	for _, want := range []string{
		fy + ",total,,,合計,Total,7,",
		fy + ",sector,,finance,金融,Finance,4,",
		fy + ",sector,,port,港湾,Ports,0,",
		fy + ",event_class,,availability,可用性を脅かす事象（サービス停止）,Availability (service unavailable),4,",
		fy + ",cause,intentional,dos,DoS/DDoS攻撃,DoS/DDoS attack,2,",
		fy + ",cause,environmental,spillover,他分野からの波及,Spill-over from another sector,1,",
		strconv.Itoa(f.fy-2) + ",year,,," + ceptor.FiscalYearLabel(f.fy-2, "ja") + "," + ceptor.FiscalYearLabel(f.fy-2, "en") + ",6,",
	} {
		if !lines[want] {
			t.Errorf("CSV lacks the line %q", want)
		}
	}
	published := 0
	for l := range lines {
		if strings.HasPrefix(l, "2017,published_reports,") && strings.Contains(l, ",388,") || strings.HasPrefix(l, "2020,published_advisories,") && strings.Contains(l, ",64,") {
			published++
		}
	}
	if published != 2 {
		t.Errorf("CSV lacks the published figures:\n%s", body)
	}

	// The ministry's CSV: its sector, small counts hidden.
	m := h.login("analyst.ministry@demo.example")
	req, _ = http.NewRequest("GET", h.ts.URL+"/stats/reports.csv", nil)
	_, mbody, _ := m.do(req)
	if !strings.Contains(mbody, fy+",sector,,finance,金融,Finance,4,") || !strings.Contains(mbody, fy+",cause,intentional,dos,DoS/DDoS攻撃,DoS/DDoS attack,,<3") {
		t.Errorf("ministry CSV:\n%s", mbody)
	}
	if strings.Contains(mbody, ",sector,,ict,") || strings.Contains(mbody, ",medical,") {
		t.Errorf("ministry CSV names other sectors:\n%s", mbody)
	}

	// XLSX, in English.
	req, _ = http.NewRequest("GET", h.ts.URL+"/stats/reports.xlsx?lang=en&fy="+fy, nil)
	code, xbody, hdr := c.do(req)
	if code != http.StatusOK || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("XLSX: %d %v", code, hdr)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(xbody)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if !slices.Contains(sheets, "By sector") || !slices.Contains(sheets, "Published figures") {
		t.Errorf("sheets %v", sheets)
	}
	rows, _ := x.GetRows("By sector")
	found := false
	for _, r := range rows {
		found = found || len(r) >= 4 && r[0] == "finance" && r[3] == "4"
	}
	if !found {
		t.Errorf("By sector sheet: %v", rows)
	}

	// Every download is in the audit log.
	entries, err := h.db.ListAudit(ctx, ceptor.AuditFilter{Action: "stats.export", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("%d stats.export audit entries, want 3", len(entries))
	}
	for _, e := range entries {
		if e.ObjectType != string(ceptor.KindStats) || e.ActorUserID == 0 {
			t.Errorf("audit entry %+v", e)
		}
	}

	// Through the API as well, with a bad format refused.
	tok := h.token("analyst.nisc@demo.example", nil)
	code, _ = h.api("GET", "/api/v1/stats/reports/export?format=xlsx&fiscal_year="+fy, tok, "")
	if code != http.StatusOK {
		t.Errorf("API XLSX export: %d", code)
	}
	if code, body := h.api("GET", "/api/v1/stats/reports/export?format=pdf", tok, ""); code != http.StatusUnprocessableEntity || !strings.Contains(body, "format") {
		t.Errorf("format=pdf: %d %s", code, body)
	}
}

// TestStatsFiscalYearBoundary: a report submitted at 23:59 JST on 31 March
// counts in the fiscal year that ends then, one submitted at 00:00 JST on
// 1 April in the next, on both engines (which store UTC).
func TestStatsFiscalYearBoundary(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			ctx := context.Background()
			op, err := h.db.FindUserByEmail(ctx, "analyst.operator@demo.example")
			if err != nil {
				t.Fatal(err)
			}
			sectors, err := h.db.ListSectors(ctx)
			if err != nil {
				t.Fatal(err)
			}
			jst := time.FixedZone("JST", 9*60*60)
			for i, at := range []time.Time{
				time.Date(2020, 4, 1, 0, 0, 0, 0, jst),     // first instant of FY2020
				time.Date(2021, 3, 31, 23, 59, 0, 0, jst),  // FY2020
				time.Date(2021, 3, 31, 23, 59, 59, 0, jst), // FY2020
				time.Date(2021, 4, 1, 0, 0, 0, 0, jst),     // FY2021
				time.Date(2020, 3, 31, 23, 59, 59, 0, jst), // FY2019
			} {
				at := at.UTC() // as a client in another zone would send it
				r := &ceptor.Report{Route: ceptor.RouteMinistry, SectorID: sectors[0].ID, TLP: ceptor.TLPGreen, OrgID: op.OrgID, AuthorUserID: op.ID,
					ReporterTag: "boundary", Title: fmt.Sprintf("境界 %d", i), EventClass: ceptor.EventOther, Causes: []ceptor.Cause{ceptor.CauseUnknown},
					Lang: "ja", Status: ceptor.ReportSubmitted, SubmittedAt: &at}
				if err := h.db.CreateReport(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			tok := h.token("analyst.nisc@demo.example", nil)
			for fy, want := range map[int]string{2019: "1", 2020: "3", 2021: "1", 2022: "0"} {
				b := getStats(t, h, tok, fmt.Sprintf("?fiscal_year=%d", fy))
				if got := count(b.Total, false); got != want {
					t.Errorf("FY%d: %s reports, want %s", fy, got, want)
				}
			}
		})
	}
}
