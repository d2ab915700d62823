package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"ceptor"

	"github.com/xuri/excelize/v2"
)

// Benchmarks of the survey module at the programme's size (SPEC §3.3:
// 2,000-3,000 respondents a year; the guideline has about 500 items):
//
//	go test ./web -run '^$' -bench 'BenchmarkSurvey' -benchtime 5x
//
// BenchmarkSurveyStatistics: GET /api/v1/surveys/{id}/statistics for a
// campaign of 3,000 submitted responses x 500 questions (1.5 million
// answers), through the real server. BenchmarkSurveyImport: NISC's bulk
// import of the same 1.5 million answer rows (3,000 organisations' answer
// sheets) as workbooks of 500 organisations each, parsed, checked and
// stored. Results and machine in docs/benchmarks.md.

const (
	benchRespondents = 3000
	benchQuestions   = 500
	benchPerWorkbook = 500
)

// surveyBench is a server with 3,000 operators in one sector and a
// 500-item catalog.
type surveyBench struct {
	h      *harness
	tok    string
	cat    *ceptor.Catalog
	items  []ceptor.CatalogItem
	orgs   []int64
	sector int64
}

func newSurveyBench(b *testing.B, engine string) *surveyBench {
	b.Helper()
	h := newHarness(b, engine)
	ctx := context.Background()
	sb := &surveyBench{h: h, tok: h.token("admin.nisc@demo.example", nil)}
	sectors, err := h.db.ListSectors(ctx)
	if err != nil {
		b.Fatal(err)
	}
	sb.sector = sectors[0].ID
	err = h.db.Atomic(ctx, func(ctx context.Context) error {
		for i := range benchRespondents {
			o := &ceptor.Organization{Name: fmt.Sprintf("ベンチ事業者%04d", i), Type: ceptor.OrgOperator, SectorIDs: []int64{sb.sector}, Active: true}
			if err := h.db.CreateOrg(ctx, o); err != nil {
				return err
			}
			sb.orgs = append(sb.orgs, o.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for i := range benchQuestions {
		tier := ceptor.TierBaseline
		if i%5 == 4 {
			tier = ceptor.TierLeading
		}
		sb.items = append(sb.items, ceptor.CatalogItem{ItemID: fmt.Sprintf("BN-%03d", i+1), Title: fmt.Sprintf("ベンチマーク対策項目 %d", i+1),
			Group: fmt.Sprintf("分類%02d", i/40), Tier: tier, Sectors: []string{}, MapsFrom: []string{}})
	}
	sb.cat = &ceptor.Catalog{Code: "bench", Title: "ベンチマーク指針"}
	if err := h.db.CreateCatalog(ctx, sb.cat, sb.items); err != nil {
		b.Fatal(err)
	}
	return sb
}

// campaign makes an open campaign targeting the 3,000 operators.
func (sb *surveyBench) campaign(b *testing.B) *ceptor.SurveyCampaign {
	b.Helper()
	ctx := context.Background()
	c := &ceptor.SurveyCampaign{Title: "ベンチマーク調査", FiscalYear: 2026, CatalogID: sb.cat.ID, Questions: ceptor.BuildQuestions(sb.items, ceptor.SurveyPerItem)}
	if err := sb.h.db.CreateCampaign(ctx, c); err != nil {
		b.Fatal(err)
	}
	targets := make([]ceptor.SurveyTarget, len(sb.orgs))
	for i, id := range sb.orgs {
		targets[i] = ceptor.SurveyTarget{OrgID: id, SectorID: sb.sector}
	}
	if err := sb.h.db.SetCampaignTargets(ctx, c.ID, targets); err != nil {
		b.Fatal(err)
	}
	c.Status = ceptor.SurveyOpen
	if err := sb.h.db.UpdateCampaign(ctx, c); err != nil {
		b.Fatal(err)
	}
	return c
}

// answers draws respondent i's answers: most baseline items done, some
// respondents complete.
func benchAnswers(i int, qs []ceptor.SurveyQuestion) string {
	a := make([]byte, len(qs))
	for q := range a {
		switch x := (i*31 + q*17) % 100; {
		case i%2 == 0 || x < 90:
			a[q] = byte(ceptor.AnswerImplemented)
		case x < 93:
			a[q] = byte(ceptor.AnswerNA)
		case x < 96:
			a[q] = byte(ceptor.AnswerPartly)
		default:
			a[q] = byte(ceptor.AnswerNot)
		}
	}
	return string(a)
}

func BenchmarkSurveyStatistics(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			sb := newSurveyBench(b, engine)
			c := sb.campaign(b)
			ctx := context.Background()
			err := sb.h.db.Atomic(ctx, func(ctx context.Context) error {
				for i, id := range sb.orgs {
					r := &ceptor.SurveyResponse{CampaignID: c.ID, OrgID: id, SectorID: sb.sector, Status: ceptor.ResponseSubmitted,
						Answers: benchAnswers(i, c.Questions), CSIRT: ceptor.Yes, Exercises: ceptor.No, Executive: ceptor.Yes}
					r.BaselineAll, r.LeadingAll = ceptor.Completeness(r.Answers, c.Questions)
					if err := sb.h.db.SaveResponse(ctx, r); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			path := fmt.Sprintf("/api/v1/surveys/%d/statistics", c.ID)
			b.ResetTimer()
			for b.Loop() {
				code, body := sb.h.api("GET", path, sb.tok, "")
				if code != http.StatusOK || !bytes.Contains([]byte(body), []byte(`"respondents":3000`)) {
					b.Fatalf("%d %.300s", code, body)
				}
			}
			b.StopTimer()
			// The storage part alone: the one-row-per-respondent read and
			// the GROUP BY of the headline figures.
			start := time.Now()
			sheets, err := sb.h.db.SurveySheets(ctx, c.ID)
			if err != nil || len(sheets) != benchRespondents {
				b.Fatal(err, len(sheets))
			}
			read := time.Since(start)
			start = time.Now()
			st := ceptor.ComputeSurveyStats(c.Questions, sheets)
			compute := time.Since(start)
			start = time.Now()
			tot, err := sb.h.db.SurveyTotals(ctx, []int64{c.ID})
			if err != nil || tot[0].Respondents != benchRespondents {
				b.Fatal(err)
			}
			group := time.Since(start)
			b.ReportMetric(float64(read.Microseconds())/1000, "read-ms")
			b.ReportMetric(float64(compute.Microseconds())/1000, "compute-ms")
			b.ReportMetric(float64(group.Microseconds())/1000, "groupby-ms")
			if st.Overall.Respondents != benchRespondents || st.Overall.BaselineAll != benchRespondents/2 {
				b.Fatalf("statistics: %+v", st.Overall.BaselineAll)
			}
		})
	}
}

// benchWorkbooks writes the bulk answer workbooks: 1.5 million rows in
// workbooks of benchPerWorkbook organisations.
func benchWorkbooks(b *testing.B, sb *surveyBench, qs []ceptor.SurveyQuestion) [][]byte {
	b.Helper()
	var out [][]byte
	for start := 0; start < len(sb.orgs); start += benchPerWorkbook {
		f := excelize.NewFile()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		row := 1
		put := func(vals ...any) {
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := sw.SetRow(cell, vals); err != nil {
				b.Fatal(err)
			}
			row++
		}
		put("org_id", "key", "answer")
		for i := start; i < min(start+benchPerWorkbook, len(sb.orgs)); i++ {
			id := strconv.FormatInt(sb.orgs[i], 10)
			ans := benchAnswers(i, qs)
			for q := range qs {
				put(id, qs[q].Key, ceptor.AnswerLabelJA(ceptor.Answer(ans[q])))
			}
			put(id, "csirt", "はい")
			put(id, "exercises", "いいえ")
			put(id, "executive", "はい")
		}
		if err := sw.Flush(); err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			b.Fatal(err)
		}
		f.Close()
		out = append(out, buf.Bytes())
	}
	return out
}

func BenchmarkSurveyImport(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			sb := newSurveyBench(b, engine)
			qs := ceptor.BuildQuestions(sb.items, ceptor.SurveyPerItem)
			books := benchWorkbooks(b, sb, qs)
			size := 0
			for _, wb := range books {
				size += len(wb)
			}
			b.ReportMetric(float64(size)/(1<<20), "MiB")
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				c := sb.campaign(b)
				path := fmt.Sprintf("/api/v1/surveys/%d/responses/import", c.ID)
				b.StartTimer()
				n := 0
				for _, wb := range books {
					code, body := sb.h.raw("POST", path, sb.tok, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", wb)
					if code != http.StatusOK {
						b.Fatalf("%d %.300s", code, body)
					}
					n++
				}
				b.StopTimer()
				p, err := sb.h.db.CampaignProgress(context.Background(), c.ID)
				if err != nil || p.Total.Submitted != benchRespondents {
					b.Fatalf("imported %+v %v", p.Total, err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(benchRespondents*(benchQuestions+3))/(b.Elapsed().Seconds()/float64(b.N)), "rows/s")
		})
	}
}

// BenchmarkSurveyUpload: one operator uploads its own filled-in answer
// workbook (500 questions and the extra rows), through the API, saved as a
// draft each time (the response stays open).
func BenchmarkSurveyUpload(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			sb := newSurveyBench(b, engine)
			c := sb.campaign(b)
			org := sb.orgs[0]
			// An analyst of the first bench operator.
			ctx := context.Background()
			u := &ceptor.User{OrgID: org, Email: "bench-upload@bench.example", Name: "ベンチ 担当", Role: ceptor.RoleAnalyst, Lang: "ja"}
			if err := sb.h.db.CreateUser(ctx, u); err != nil {
				b.Fatal(err)
			}
			tok := sb.h.token(u.Email, nil)
			ans := benchAnswers(1, c.Questions)
			r := &ceptor.SurveyResponse{OrgID: org, Answers: ans, CSIRT: ceptor.Yes, Exercises: ceptor.No, Executive: ceptor.Yes}
			rows := ceptor.SurveySheetRows(c.Questions, r, "", "ja")
			f := excelize.NewFile()
			for i, row := range rows {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				vals := make([]any, len(row))
				for j, v := range row {
					vals[j] = v
				}
				f.SetSheetRow("Sheet1", cell, &vals)
			}
			var buf bytes.Buffer
			f.Write(&buf)
			path := fmt.Sprintf("/api/v1/surveys/%d/response/upload", c.ID)
			b.ResetTimer()
			for b.Loop() {
				code, body := sb.h.raw("POST", path, tok, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
				if code != http.StatusOK {
					b.Fatalf("%d %.300s", code, body)
				}
			}
		})
	}
}
