package sqldb_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// ---------------------------------------------------------------------------
// The world of the report tests: the registry fixture plus NISC and one
// person in every organisation a report passes.

type reportWorld struct {
	*fixture
	nisc                              *ceptor.Organization
	author, secUser, minUser, niscUsr *ceptor.User
}

// userOf maps an organisation to the person who acts for it in the tests.
func (w *reportWorld) userOf(org int64) int64 {
	switch org {
	case w.op1.ID:
		return w.author.ID
	case w.secretariat.ID:
		return w.secUser.ID
	case w.ministry.ID:
		return w.minUser.ID
	case w.nisc.ID:
		return w.niscUsr.ID
	}
	return 0
}

func (w *reportWorld) chain(route ceptor.Route) []int64 {
	return ceptor.Chain(route, w.nisc.ID, w.ministry.ID, w.secretariat.ID)
}

func mustReportWorld(t *testing.T, db *sqldb.DB) *reportWorld {
	t.Helper()
	w := &reportWorld{fixture: mustFixture(t, db)}
	w.nisc = &ceptor.Organization{Name: "内閣サイバーセキュリティセンター", NameEN: "NISC", Type: ceptor.OrgNISC, Active: true}
	must(t, db.CreateOrg(ctx, w.nisc))
	user := func(org int64, email, name string) *ceptor.User {
		u := &ceptor.User{OrgID: org, Email: email, Name: name, Role: ceptor.RoleAnalyst}
		must(t, db.CreateUser(ctx, u))
		return u
	}
	w.author = user(w.op1.ID, "reporter@minato.example.jp", "港 太郎")
	w.secUser = user(w.secretariat.ID, "desk@bank-ceptor.example.jp", "事務局 担当")
	w.minUser = user(w.ministry.ID, "desk@fsa.example.go.jp", "金融庁 担当")
	w.niscUsr = user(w.nisc.ID, "desk@nisc.example.go.jp", "NISC 担当")
	return w
}

// tagOf stands in for the keyed hash the web layer computes.
func tagOf(org int64) string { return fmt.Sprintf("tag:%d", org) }

// newReport is a complete report by op1 on the given route.
func (w *reportWorld) newReport(route ceptor.Route, title, body string) *ceptor.Report {
	users := 1200
	r := &ceptor.Report{
		Route: route, SectorID: w.sector.ID, TLP: ceptor.TLPAmber,
		OrgID: w.op1.ID, AuthorUserID: w.author.ID, ReporterTag: tagOf(w.op1.ID),
		Title: title, Body: body, EventClass: ceptor.EventAvailability,
		Causes: []ceptor.Cause{ceptor.CauseTargetedEmail, ceptor.CauseMalware}, Service: "インターネットバンキング",
		Systems:  []ceptor.SystemKind{ceptor.SystemIT, ceptor.SystemCloud},
		Impact:   ceptor.Impact{UsersAffected: &users, Area: "関東", DataAffected: "なし"},
		Response: "該当端末を隔離", Indicators: []ceptor.Indicator{{Type: ceptor.IndDomain, Value: "evil.example"}},
	}
	if route == ceptor.RouteAnonymous {
		r.CeptorID = w.cep.ID
		r.SealedIdentity = "sealed:v1:opaque-ciphertext"
	}
	return r
}

// clock is a settable clock for the tests that depend on time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond) // every event later than the last
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// eachClocked is sqldbtest.Each with a database whose clock the test sets.
func eachClocked(t *testing.T, fn func(t *testing.T, db *sqldb.DB, c *clock)) {
	t.Helper()
	for _, e := range sqldbtest.Engines {
		t.Run(e, func(t *testing.T) {
			c := &clock{t: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}
			fn(t, sqldbtest.Open(t, e, sqldbtest.Options{Now: c.Now}), c)
		})
	}
}

func findReport(t *testing.T, db *sqldb.DB, id int64) (*ceptor.Report, *ceptor.ReportRef) {
	t.Helper()
	r, ref, err := db.FindReport(ctx, id)
	must(t, err)
	return r, ref
}

func reportIDs(list []*ceptor.Report) []int64 {
	ids := []int64{}
	for _, r := range list {
		ids = append(ids, r.ID)
	}
	return ids
}

// ---------------------------------------------------------------------------
// Lifecycle on every route.

func TestReportLifecycle(t *testing.T) {
	t.Parallel()
	routes := []struct {
		route     ceptor.Route
		wantChain func(w *reportWorld) []int64
	}{
		{ceptor.RouteMinistry, func(w *reportWorld) []int64 { return []int64{w.ministry.ID, w.nisc.ID} }},
		{ceptor.RouteAnonymous, func(w *reportWorld) []int64 { return []int64{w.secretariat.ID, w.ministry.ID, w.nisc.ID} }},
		{ceptor.RouteDirect, func(w *reportWorld) []int64 { return []int64{w.nisc.ID} }},
	}
	for _, rt := range routes {
		t.Run(string(rt.route), func(t *testing.T) {
			t.Parallel()
			sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
				w := mustReportWorld(t, db)
				chain := w.chain(rt.route)
				if !slices.Equal(chain, rt.wantChain(w)) {
					t.Fatalf("chain %v", chain)
				}
				anon := rt.route == ceptor.RouteAnonymous
				wantReporter, wantAuthor := w.op1.ID, w.author.ID
				if anon {
					wantReporter, wantAuthor = 0, 0
				}

				// A draft: incomplete is fine, submitting it is not.
				draft := w.newReport(rt.route, "", "書きかけ")
				must(t, db.CreateReport(ctx, draft))
				got, ref := findReport(t, db, draft.ID)
				if got.Status != ceptor.ReportDraft || got.Version != 1 || got.SubmittedAt != nil || ref.PendingAt != 0 || len(ref.ChainOrgs) != 0 {
					t.Fatalf("draft %+v ref %+v", got, ref)
				}
				if got.OrgID != wantReporter || got.AuthorUserID != wantAuthor || ref.ReporterOrg != wantReporter || draft.OrgID != wantReporter {
					t.Fatalf("reporter stored as org %d author %d (ref %d, caller's copy %d), want %d/%d", got.OrgID, got.AuthorUserID, ref.ReporterOrg, draft.OrgID, wantReporter, wantAuthor)
				}
				if got.ReporterTag != tagOf(w.op1.ID) || ref.ReporterTag != tagOf(w.op1.ID) || !ref.Resource().Draft {
					t.Fatalf("tag %q / %q", got.ReporterTag, ref.ReporterTag)
				}
				wantCode(t, db.SubmitReport(ctx, draft.ID, chain, w.author.ID), ceptor.EINVALID)

				// Completing the draft, then submitting it.
				full := w.newReport(rt.route, "ランサムウェアによるサービス停止", "勘定系の一部が停止")
				full.ID = draft.ID
				must(t, db.UpdateDraft(ctx, full))
				wantCode(t, db.SubmitReport(ctx, draft.ID, nil, w.author.ID), ceptor.EINVALID)
				wantCode(t, db.SubmitReport(ctx, draft.ID, []int64{0, w.nisc.ID}, w.author.ID), ceptor.EINVALID)
				must(t, db.SubmitReport(ctx, draft.ID, chain, w.author.ID))
				wantCode(t, db.SubmitReport(ctx, draft.ID, chain, w.author.ID), ceptor.ECONFLICT)
				wantCode(t, db.UpdateDraft(ctx, full), ceptor.ECONFLICT)

				got, ref = findReport(t, db, draft.ID)
				if got.Title != full.Title || got.SubmittedAt == nil || got.Impact.UsersAffected == nil || *got.Impact.UsersAffected != 1200 ||
					!slices.Equal(got.Causes, full.Causes) || !slices.Equal(got.Systems, full.Systems) || len(got.Indicators) != 1 || got.Lang != "ja" {
					t.Fatalf("submitted %+v", got)
				}

				// Relay hop by hop; nobody but the holder may relay.
				for i := 0; ; i++ {
					_, ref = findReport(t, db, draft.ID)
					if !slices.Equal(ref.ChainOrgs, chain[:i+1]) {
						t.Fatalf("after %d relays: reached %v, want %v", i, ref.ChainOrgs, chain[:i+1])
					}
					if i == len(chain)-1 {
						if ref.Status != ceptor.ReportReceived || ref.PendingAt != 0 {
							t.Fatalf("at the end: %+v", ref)
						}
						break
					}
					if ref.Status != ceptor.ReportSubmitted || ref.PendingAt != chain[i] {
						t.Fatalf("after %d relays: %+v", i, ref)
					}
					queue, _, n, err := db.ListReports(ctx, ceptor.ReportFilter{PendingAt: chain[i]})
					must(t, err)
					if n != 1 || queue[0].ID != draft.ID {
						t.Fatalf("queue of %d: %v", chain[i], reportIDs(queue))
					}
					for _, wrong := range []int64{w.op1.ID, w.op2.ID, w.nisc.ID, chain[len(chain)-1]} {
						wantCode(t, db.RelayReport(ctx, draft.ID, wrong, "", w.niscUsr.ID, nil), ceptor.ECONFLICT)
					}
					must(t, db.RelayReport(ctx, draft.ID, chain[i], fmt.Sprintf("確認済み %d", i+1), w.userOf(chain[i]), nil))
				}
				wantCode(t, db.RelayReport(ctx, draft.ID, w.nisc.ID, "", w.niscUsr.ID, nil), ceptor.ECONFLICT)
				wantCode(t, db.RelayReport(ctx, 999999, w.nisc.ID, "", w.niscUsr.ID, nil), ceptor.ENOTFOUND)

				// The timeline.
				hops, err := db.ReportHops(ctx, draft.ID)
				must(t, err)
				want := []ceptor.Hop{{Seq: 1, FromOrgID: wantReporter, ToOrgID: chain[0], Action: "submitted", ActorUserID: wantAuthor}}
				for i := 1; i < len(chain); i++ {
					want = append(want, ceptor.Hop{Seq: i + 1, FromOrgID: chain[i-1], ToOrgID: chain[i], Action: "relayed",
						Note: fmt.Sprintf("確認済み %d", i), ActorUserID: w.userOf(chain[i-1])})
				}
				if len(hops) != len(want) {
					t.Fatalf("hops %+v", hops)
				}
				for i := range hops {
					h := hops[i]
					if h.At.IsZero() || h.Pending || i > 0 && h.At.Before(hops[i-1].At) {
						t.Fatalf("hop %d %+v", i, h)
					}
					h.At = time.Time{}
					if h != want[i] {
						t.Fatalf("hop %d = %+v, want %+v", i, h, want[i])
					}
				}

				// A follow-up is the next version; closing ends the report.
				fu := w.newReport(rt.route, full.Title, "続報: 全面復旧")
				fu.ID = draft.ID
				rec := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
				fu.RecoveredAt = &rec
				must(t, db.AddFollowUp(ctx, fu, w.author.ID))
				if anon {
					// Held for the secretariat: upstream still reads version 1
					// until the secretariat relays a redaction of it.
					got, ref = findReport(t, db, draft.ID)
					if got.Version != 1 || got.Body != "勘定系の一部が停止" || ref.PendingAt != w.secretariat.ID || got.Status != ceptor.ReportReceived {
						t.Fatalf("held follow-up reached the main row: %+v %+v", got, ref)
					}
					wantCode(t, db.CloseReport(ctx, draft.ID, time.Now()), ceptor.ECONFLICT)
					held, err := db.HeldFollowUp(ctx, draft.ID)
					must(t, err)
					if held.Version != 2 || held.Body != "続報: 全面復旧" {
						t.Fatalf("held %+v", held)
					}
					red := *held
					wantCode(t, db.RelayReport(ctx, draft.ID, w.secretariat.ID, "", w.secUser.ID, nil), ceptor.EINVALID)
					must(t, db.RelayReport(ctx, draft.ID, w.secretariat.ID, "続報確認済み", w.secUser.ID, &red))
					must(t, db.RelayReport(ctx, draft.ID, w.ministry.ID, "", w.minUser.ID, nil))
					_, err = db.HeldFollowUp(ctx, draft.ID)
					wantCode(t, err, ceptor.ENOTFOUND)
				}
				got, _ = findReport(t, db, draft.ID)
				if got.Version != 2 || got.Body != "続報: 全面復旧" || got.RecoveredAt == nil || !got.RecoveredAt.Equal(rec) || got.Status != ceptor.ReportReceived {
					t.Fatalf("after follow-up %+v", got)
				}
				vs, err := db.ReportVersions(ctx, draft.ID)
				must(t, err)
				if anon {
					if len(vs) != 3 || vs[2].VersionKind != ceptor.VersionRedacted || vs[2].Version != 2 {
						t.Fatalf("versions %+v", vs)
					}
					vs = vs[:2]
				}
				if len(vs) != 2 || vs[0].Version != 1 || vs[0].VersionKind != ceptor.VersionOriginal || vs[0].Body != "勘定系の一部が停止" ||
					vs[1].Version != 2 || vs[1].VersionKind != ceptor.VersionFollowUp || vs[1].Body != "続報: 全面復旧" {
					t.Fatalf("versions %+v", vs)
				}
				if vs[0].OrgID != wantReporter || vs[0].ReporterTag != "" || vs[0].SealedIdentity != "" {
					t.Fatalf("copy carries %d %q %q", vs[0].OrgID, vs[0].ReporterTag, vs[0].SealedIdentity)
				}

				closedAt := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
				must(t, db.CloseReport(ctx, draft.ID, closedAt))
				got, ref = findReport(t, db, draft.ID)
				if got.Status != ceptor.ReportClosed || got.ClosedAt == nil || !got.ClosedAt.Equal(closedAt) || ref.PendingAt != 0 {
					t.Fatalf("closed %+v", got)
				}
				wantCode(t, db.CloseReport(ctx, draft.ID, closedAt), ceptor.ECONFLICT)
				wantCode(t, db.AddFollowUp(ctx, fu, w.author.ID), ceptor.ECONFLICT)
				wantCode(t, db.CloseReport(ctx, 999999, closedAt), ceptor.ENOTFOUND)
			})
		})
	}
}

func TestReportStateErrors(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := mustReportWorld(t, db)
		draft := w.newReport(ceptor.RouteMinistry, "下書き", "")
		must(t, db.CreateReport(ctx, draft))
		anon := w.newReport(ceptor.RouteAnonymous, "匿名", "本文")
		must(t, db.CreateReport(ctx, anon))

		noTag := w.newReport(ceptor.RouteMinistry, "x", "")
		noTag.ReporterTag = ""
		noSeal := w.newReport(ceptor.RouteAnonymous, "x", "")
		noSeal.SealedIdentity = ""
		noOrg := w.newReport(ceptor.RouteDirect, "x", "")
		noOrg.OrgID = 0
		badStatus := w.newReport(ceptor.RouteDirect, "x", "")
		badStatus.Status = "pending"

		scenarios := []struct {
			name string
			err  error
			code string
		}{
			{"create without reporter tag", db.CreateReport(ctx, noTag), ceptor.EINVALID},
			{"create anonymous without sealed identity", db.CreateReport(ctx, noSeal), ceptor.EINVALID},
			{"create named without organisation", db.CreateReport(ctx, noOrg), ceptor.EINVALID},
			{"create with unknown status", db.CreateReport(ctx, badStatus), ceptor.EINVALID},
			{"follow-up of a draft", db.AddFollowUp(ctx, draft, w.author.ID), ceptor.ECONFLICT},
			{"close a draft", db.CloseReport(ctx, draft.ID, time.Now()), ceptor.ECONFLICT},
			{"relay a draft", db.RelayReport(ctx, draft.ID, w.ministry.ID, "", w.minUser.ID, nil), ceptor.ECONFLICT},
			{"unseal a named report", db.MarkUnsealed(ctx, draft.ID), ceptor.ECONFLICT},
			{"unseal an anonymous draft", db.MarkUnsealed(ctx, anon.ID), ceptor.ECONFLICT},
			{"unseal a missing report", db.MarkUnsealed(ctx, 999999), ceptor.ENOTFOUND},
			{"update a missing draft", db.UpdateDraft(ctx, &ceptor.Report{ID: 999999, Route: ceptor.RouteDirect, TLP: ceptor.TLPGreen, OrgID: w.op1.ID, ReporterTag: "t"}), ceptor.ENOTFOUND},
			{"submit a missing report", db.SubmitReport(ctx, 999999, []int64{w.nisc.ID}, 0), ceptor.ENOTFOUND},
		}
		for _, sc := range scenarios {
			if got := ceptor.ErrorCode(sc.err); got != sc.code {
				t.Errorf("%s: %q (%v), want %q", sc.name, got, sc.err, sc.code)
			}
		}
		_, _, err := db.FindReport(ctx, 999999)
		wantCode(t, err, ceptor.ENOTFOUND)
		_, err = db.ReportHops(ctx, 999999)
		wantCode(t, err, ceptor.ENOTFOUND)
		_, err = db.ReportVersions(ctx, 999999)
		wantCode(t, err, ceptor.ENOTFOUND)

		// A state error carries the message key the UI translates.
		var e *ceptor.Error
		err = db.AddFollowUp(ctx, draft, w.author.ID)
		if !asError(err, &e) || e.Key != "err.report_state" {
			t.Fatalf("state error %#v", err)
		}

		must(t, db.SubmitReport(ctx, anon.ID, w.chain(ceptor.RouteAnonymous), w.author.ID))
		must(t, db.MarkUnsealed(ctx, anon.ID))
		if _, ref := findReport(t, db, anon.ID); !ref.Unsealed || !ref.Resource().Unsealed {
			t.Fatalf("unsealed ref %+v", ref)
		}
	})
}

func asError(err error, e **ceptor.Error) bool {
	x, ok := err.(*ceptor.Error)
	*e = x
	return ok
}

// ---------------------------------------------------------------------------
// Anonymity and redaction.

func TestReportRedaction(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := mustReportWorld(t, db)
		r := w.newReport(ceptor.RouteAnonymous, "みなと銀行の窓口端末で標的型メール", "みなと銀行 本店の端末が感染")
		r.Indicators = append(r.Indicators, ceptor.Indicator{Type: ceptor.IndDomain, Value: "minato.example.jp"})
		must(t, db.CreateReport(ctx, r))
		must(t, db.SubmitReport(ctx, r.ID, w.chain(ceptor.RouteAnonymous), w.author.ID))

		// Before the secretariat relays, search finds the identifying text.
		list, _, _, err := db.ListReports(ctx, ceptor.ReportFilter{Q: "みなと銀行"})
		must(t, err)
		if len(list) != 1 {
			t.Fatalf("before redaction: %v", reportIDs(list))
		}

		red := *r
		red.Title, red.Body, red.Response = "ある会員の窓口端末で標的型メール", "本店の端末が感染", "端末を隔離"
		red.Impact.Area, red.Impact.DataAffected, red.Service = "非公表", "", ""
		red.Indicators = []ceptor.Indicator{{Type: ceptor.IndDomain, Value: "evil.example"}}
		bad := red
		bad.Title = ""
		wantCode(t, db.RelayReport(ctx, r.ID, w.secretariat.ID, "", w.secUser.ID, &bad), ceptor.EINVALID)
		must(t, db.RelayReport(ctx, r.ID, w.secretariat.ID, "匿名化済み", w.secUser.ID, &red))

		got, ref := findReport(t, db, r.ID)
		if got.Title != red.Title || got.Body != red.Body || got.Response != red.Response || got.Impact.Area != "非公表" ||
			len(got.Indicators) != 1 || got.Indicators[0].Value != "evil.example" {
			t.Fatalf("main row after redaction %+v", got)
		}
		if got.Service != "" || got.Impact.DataAffected != "" || got.EventClass != r.EventClass || !slices.Equal(got.Causes, r.Causes) {
			t.Fatalf("redaction replaces the texts (blank ones too) and keeps the classification: %+v", got)
		}
		if ref.PendingAt != w.ministry.ID || ref.ReporterOrg != 0 || ref.CeptorID != w.cep.ID {
			t.Fatalf("ref %+v", ref)
		}

		searches := []struct {
			q    string
			want int
		}{
			{"みなと銀行", 0}, // gone from the full-text index
			{"みなと", 0},
			{"ある会員", 1},
			{"本店", 1},
		}
		for _, s := range searches {
			list, _, _, err := db.ListReports(ctx, ceptor.ReportFilter{Q: s.q})
			must(t, err)
			if len(list) != s.want {
				t.Errorf("search %q after redaction: %v", s.q, reportIDs(list))
			}
		}
		var n int
		must(t, db.SQL().QueryRowContext(ctx, rebind(db, "SELECT COUNT(*) FROM report_indicators WHERE value = ?"), "minato.example.jp").Scan(&n))
		if n != 0 {
			t.Fatal("the redacted indicator is still correlatable")
		}

		vs, err := db.ReportVersions(ctx, r.ID)
		must(t, err)
		if len(vs) != 2 || vs[0].VersionKind != ceptor.VersionOriginal || vs[0].Title != r.Title ||
			vs[1].VersionKind != ceptor.VersionRedacted || vs[1].Title != red.Title || vs[1].Version != 1 {
			t.Fatalf("versions %+v", vs)
		}
		up := ceptor.UpstreamVersions(vs, true)
		if len(up) != 1 || up[0].VersionKind != ceptor.VersionRedacted {
			t.Fatalf("upstream versions %+v", up)
		}

		// The ministry relays on without redacting; the redaction stays.
		must(t, db.RelayReport(ctx, r.ID, w.ministry.ID, "", w.minUser.ID, nil))
		got, ref = findReport(t, db, r.ID)
		if got.Title != red.Title || ref.Status != ceptor.ReportReceived {
			t.Fatalf("after the ministry %+v", got)
		}
	})
}

// rebind writes a raw test query for the engine.
func rebind(db *sqldb.DB, q string) string {
	if db.Dialect() != sqldb.Postgres {
		return q
	}
	for i := 1; strings.Contains(q, "?"); i++ {
		q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
	}
	return q
}

// TestAnonymousReportStoresNoIdentity walks an anonymous report through
// every storage call and then reads every row of every report table raw:
// no column may hold the reporter's organisation or person.
func TestAnonymousReportStoresNoIdentity(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := mustReportWorld(t, db)
		marker := "ZQXMARKER"
		w.op1.Name = "秘匿銀行" + marker
		w.op1.Domains = []string{strings.ToLower(marker) + ".example.jp"}
		must(t, db.UpdateOrg(ctx, w.op1))
		w.author.Name, w.author.Email = "匿名 "+marker, strings.ToLower(marker)+"@"+w.op1.Domains[0]
		must(t, db.UpdateUser(ctx, w.author))

		r := w.newReport(ceptor.RouteAnonymous, "標的型メールの予兆", "不審な添付ファイル")
		must(t, db.CreateReport(ctx, r))
		if r.OrgID != 0 || r.AuthorUserID != 0 {
			t.Fatalf("the caller's copy keeps the identity: %d %d", r.OrgID, r.AuthorUserID)
		}
		r.OrgID, r.AuthorUserID = w.op1.ID, w.author.ID // as the web layer would pass them again
		r.Body = "不審な添付ファイル（追記）"
		must(t, db.UpdateDraft(ctx, r))
		must(t, db.SubmitReport(ctx, r.ID, w.chain(ceptor.RouteAnonymous), w.author.ID))
		red := *r
		red.Body = "不審な添付ファイル（要約）"
		must(t, db.RelayReport(ctx, r.ID, w.secretariat.ID, "", w.secUser.ID, &red))
		fu := w.newReport(ceptor.RouteAnonymous, "標的型メールの予兆", "続報")
		fu.ID = r.ID
		must(t, db.AddFollowUp(ctx, fu, w.author.ID))
		must(t, db.AddAttachment(ctx, &ceptor.Attachment{ReportID: r.ID, FileName: "header.eml", ContentType: "message/rfc822"}, []byte("Received: from evil.example")))

		got, ref := findReport(t, db, r.ID)
		if got.OrgID != 0 || got.AuthorUserID != 0 || ref.ReporterOrg != 0 {
			t.Fatalf("FindReport reveals %d %d %d", got.OrgID, got.AuthorUserID, ref.ReporterOrg)
		}
		if got.SealedIdentity != r.SealedIdentity || got.ReporterTag != tagOf(w.op1.ID) {
			t.Fatalf("sealed identity or tag lost: %q %q", got.SealedIdentity, got.ReporterTag)
		}
		// The reporter still recognises its own report by its tag.
		own, _, n, err := db.ListReports(ctx, ceptor.ReportFilter{ReporterTag: tagOf(w.op1.ID)})
		must(t, err)
		if n != 1 || own[0].ID != r.ID {
			t.Fatalf("by tag: %v", reportIDs(own))
		}

		orgCols := map[string]bool{"org_id": true, "from_org_id": true, "to_org_id": true, "pending_at": true, "supplier_org_id": true}
		userCols := map[string]bool{"author_user_id": true, "actor_user_id": true}
		needles := []string{marker, strings.ToLower(marker), w.author.Email, w.author.Name}
		for _, table := range []string{"reports", "report_versions", "report_hops", "report_indicators", "report_attachments"} {
			rows, err := db.SQL().QueryContext(ctx, "SELECT * FROM "+table)
			must(t, err)
			cols, _ := rows.Columns()
			seen := 0
			for rows.Next() {
				seen++
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				must(t, rows.Scan(ptrs...))
				for i, c := range cols {
					v := vals[i]
					if b, ok := v.([]byte); ok {
						v = string(b)
					}
					if n, ok := v.(int64); ok {
						if orgCols[c] && n == w.op1.ID || userCols[c] && n == w.author.ID {
							t.Errorf("%s.%s holds the reporter (%d)", table, c, n)
						}
						continue
					}
					s := fmt.Sprint(v)
					for _, needle := range needles {
						if strings.Contains(s, needle) {
							t.Errorf("%s.%s holds %q: %.120s", table, c, needle, s)
						}
					}
					if c == "snapshot" && (strings.Contains(s, `"org_id"`) || strings.Contains(s, `"author_user_id"`)) {
						t.Errorf("a stored copy names the reporter: %.200s", s)
					}
				}
			}
			must(t, rows.Err())
			rows.Close()
			if seen == 0 {
				t.Errorf("%s: no rows, the check proves nothing", table)
			}
		}
		var nullOrg, nullAuthor, nullFrom, nullActor bool
		must(t, db.SQL().QueryRowContext(ctx, rebind(db, `SELECT org_id IS NULL, author_user_id IS NULL,
			(SELECT from_org_id IS NULL FROM report_hops WHERE report_id = r.id AND seq = 1),
			(SELECT actor_user_id IS NULL FROM report_hops WHERE report_id = r.id AND seq = 1)
			FROM reports r WHERE id = ?`), r.ID).Scan(&nullOrg, &nullAuthor, &nullFrom, &nullActor))
		if !nullOrg || !nullAuthor || !nullFrom || !nullActor {
			t.Fatalf("NULL identity columns: org %v author %v first hop from %v actor %v", nullOrg, nullAuthor, nullFrom, nullActor)
		}
	})
}

// ---------------------------------------------------------------------------
// Search, filters and the policy predicate.

func TestReportSearch(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := mustReportWorld(t, db)
		add := func(title, body, response string) int64 {
			r := w.newReport(ceptor.RouteMinistry, title, body)
			r.Response = response
			must(t, db.CreateReport(ctx, r))
			return r.ID
		}
		mail := add("標的型メール攻撃の予兆", "取引先を装ったメールを受信", "")
		vuln := add("VPN機器の脆弱性を悪用した侵入", "", "")
		eng := add("Phishing wave against customers", "credential harvesting", "Blocked the sender DOMAIN")
		resp := add("業務停止", "詳細は調査中", "バックアップから復旧")
		pct := add("進捗100%完了", "", "")

		scenarios := []struct {
			q    string
			want []int64
		}{
			{"標的型", []int64{mail}},                    // three characters inside 標的型メール攻撃
			{"標的型メール", []int64{mail}},                 // longer
			{"脆弱", []int64{vuln}},                     // two characters inside 脆弱性
			{"型メ", []int64{mail}},                     // two characters across words
			{"侵", []int64{vuln}},                      // one character
			{"メール 取引先", []int64{mail}},                // every word, title and body
			{"メール 脆弱性", nil},                          // words in different reports
			{"phishing", []int64{eng}},                // case-insensitive
			{"domain", []int64{eng}},                  // in the response
			{"バックアップ", []int64{resp}},                 // in the response, Japanese
			{"ＶＰＮ", nil},                              // full-width is not folded
			{"100%", []int64{pct}},                    // LIKE metacharacters are literal
			{"%", []int64{pct}},                       // short, literal
			{"_", nil},                                // short, literal
			{`"標的型`, nil},                             // FTS5 syntax is literal
			{"", []int64{pct, resp, eng, vuln, mail}}, // no query: everything, newest first
		}
		// On SQLite the full-text index is written in batches after the
		// change; searches must give the same answers before and after.
		for _, phase := range []string{"before indexing", "after indexing"} {
			if phase == "after indexing" {
				flushIndex(t, db)
			}
			for _, sc := range scenarios {
				list, refs, n, err := db.ListReports(ctx, ceptor.ReportFilter{Q: sc.q})
				must(t, err)
				got := reportIDs(list)
				if !slices.Equal(got, append([]int64{}, sc.want...)) || n != len(sc.want) || len(refs) != len(list) {
					t.Errorf("%s: search %q: %v (total %d), want %v", phase, sc.q, got, n, sc.want)
				}
			}
		}

		// Editing a draft re-indexes it: the old words stop matching at
		// once, the new ones match at once, and both stay so once indexed.
		r, _ := findReport(t, db, vuln)
		r.Title = "ルータの設定誤り"
		must(t, db.UpdateDraft(ctx, r))
		for _, phase := range []string{"before indexing", "after indexing"} {
			if phase == "after indexing" {
				flushIndex(t, db)
			}
			for q, want := range map[string]int{"脆弱性": 0, "設定誤り": 1, "VPN機器": 0} {
				_, _, n, err := db.ListReports(ctx, ceptor.ReportFilter{Q: q})
				must(t, err)
				if n != want {
					t.Errorf("after edit, %s, search %q: %d", phase, q, n)
				}
			}
		}
	})
}

// flushIndex writes every pending full-text entry (SQLite).
func flushIndex(t *testing.T, db *sqldb.DB) {
	t.Helper()
	for {
		n, err := db.FlushTextIndex(ctx, 2)
		must(t, err)
		if n == 0 {
			return
		}
	}
}

func TestReportFilters(t *testing.T) {
	t.Parallel()
	eachClocked(t, func(t *testing.T, db *sqldb.DB, c *clock) {
		w := mustReportWorld(t, db)
		other := &ceptor.Sector{Code: "ict", NameJA: "情報通信", NameEN: "ICT", Active: true}
		must(t, db.CreateSector(ctx, other))
		drill := true

		at := func(day int) time.Time { return time.Date(2025, 6, day, 0, 0, 0, 0, time.UTC) }
		// create makes a report on day and submits it unless it stays a draft.
		create := func(day int, route ceptor.Route, draft bool, edit func(*ceptor.Report)) int64 {
			c.Set(at(day))
			r := w.newReport(route, fmt.Sprintf("報告 %d", day), "")
			if edit != nil {
				edit(r)
			}
			must(t, db.CreateReport(ctx, r))
			if !draft {
				must(t, db.SubmitReport(ctx, r.ID, w.chain(route), w.author.ID))
			}
			return r.ID
		}
		submit := func(day int, route ceptor.Route, edit func(*ceptor.Report)) int64 {
			return create(day, route, false, edit)
		}
		min2 := submit(2, ceptor.RouteMinistry, nil)
		anon3 := submit(3, ceptor.RouteAnonymous, nil)
		dir4 := submit(4, ceptor.RouteDirect, nil)
		ict5 := submit(5, ceptor.RouteMinistry, func(r *ceptor.Report) { r.SectorID = other.ID })
		drill6 := submit(6, ceptor.RouteDirect, func(r *ceptor.Report) { r.Drill = true })
		other7 := submit(7, ceptor.RouteDirect, func(r *ceptor.Report) {
			r.OrgID, r.AuthorUserID, r.ReporterTag = w.op2.ID, 0, tagOf(w.op2.ID)
		})
		draft := create(8, ceptor.RouteMinistry, true, nil)
		must(t, db.RelayReport(ctx, min2, w.ministry.ID, "", w.minUser.ID, nil))

		from, to := at(3), at(6)
		notDrill := false
		// ministryActor is the ministry's analyst as the web layer builds it.
		ministryActor := &ceptor.Actor{UserID: w.minUser.ID, OrgID: w.ministry.ID, OrgType: ceptor.OrgMinistry, Role: ceptor.RoleAnalyst,
			OverseesSectors: []int64{w.sector.ID}, OrgTag: tagOf(w.ministry.ID)}
		// reporterActor is op1, which recognises its anonymous report by tag.
		reporterActor := &ceptor.Actor{UserID: w.author.ID, OrgID: w.op1.ID, OrgType: ceptor.OrgOperator, Role: ceptor.RoleAnalyst,
			CeptorIDs: []int64{w.cep.ID}, OrgTag: tagOf(w.op1.ID)}
		sees := func(a *ceptor.Actor) func(*ceptor.ReportRef) bool {
			return func(ref *ceptor.ReportRef) bool { return ceptor.Allow(a, ceptor.ActView, ref.Resource()) }
		}

		scenarios := []struct {
			name  string
			f     ceptor.ReportFilter
			want  []int64
			total int // when paging, else len(want)
		}{
			{"all, newest first", ceptor.ReportFilter{}, []int64{draft, other7, drill6, ict5, dir4, anon3, min2}, 0},
			{"status draft", ceptor.ReportFilter{Status: ceptor.ReportDraft}, []int64{draft}, 0},
			{"status received", ceptor.ReportFilter{Status: ceptor.ReportReceived}, []int64{other7, drill6, dir4, min2}, 0},
			{"sector", ceptor.ReportFilter{SectorID: other.ID}, []int64{ict5}, 0},
			{"route", ceptor.ReportFilter{Route: ceptor.RouteAnonymous}, []int64{anon3}, 0},
			{"drills only", ceptor.ReportFilter{Drill: &drill}, []int64{drill6}, 0},
			{"real only", ceptor.ReportFilter{Drill: &notDrill, Status: ceptor.ReportReceived}, []int64{other7, dir4, min2}, 0},
			{"submitted in [from, to)", ceptor.ReportFilter{From: &from, To: &to}, []int64{ict5, dir4, anon3}, 0},
			{"reporter tag, drafts and anonymous included", ceptor.ReportFilter{ReporterTag: tagOf(w.op1.ID), Route: ceptor.RouteAnonymous}, []int64{anon3}, 0},
			{"reporter tag of another", ceptor.ReportFilter{ReporterTag: tagOf(w.op2.ID)}, []int64{other7}, 0},
			{"queue of the secretariat", ceptor.ReportFilter{PendingAt: w.secretariat.ID}, []int64{anon3}, 0},
			{"queue of the ministry", ceptor.ReportFilter{PendingAt: w.ministry.ID}, []int64{ict5}, 0},
			{"queue of NISC is empty", ceptor.ReportFilter{PendingAt: w.nisc.ID}, nil, 0},
			{"visible to the ministry", ceptor.ReportFilter{Visible: sees(ministryActor)}, []int64{ict5, min2}, 0},
			{"visible to the reporter", ceptor.ReportFilter{Visible: sees(reporterActor)}, []int64{draft, drill6, ict5, dir4, anon3, min2}, 0},
			{"visible, paged", ceptor.ReportFilter{Visible: sees(reporterActor), Limit: 2, Offset: 1}, []int64{drill6, ict5}, 6},
			{"visible, past the end", ceptor.ReportFilter{Visible: sees(reporterActor), Limit: 2, Offset: 10}, nil, 6},
			{"visible and filtered", ceptor.ReportFilter{Visible: sees(reporterActor), Q: "報告", Drill: &notDrill, SectorID: w.sector.ID}, []int64{draft, dir4, anon3, min2}, 0},
		}
		for _, sc := range scenarios {
			list, refs, total, err := db.ListReports(ctx, sc.f)
			must(t, err)
			want := sc.total
			if want == 0 {
				want = len(sc.want)
			}
			got := reportIDs(list)
			if !slices.Equal(got, append([]int64{}, sc.want...)) || total != want {
				t.Errorf("%s: %v (total %d), want %v (total %d)", sc.name, got, total, sc.want, want)
			}
			for i := range refs {
				if refs[i].ID != list[i].ID {
					t.Errorf("%s: refs out of step", sc.name)
				}
			}
		}
		_, ref := findReport(t, db, anon3)
		if !ref.Resource().Anonymous || ref.Resource().OwnerTag != tagOf(w.op1.ID) || !slices.Equal(ref.ChainOrgs, []int64{w.secretariat.ID}) {
			t.Fatalf("anonymous ref %+v", ref)
		}
	})
}

// ---------------------------------------------------------------------------
// Attachments.

func TestReportAttachments(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := mustReportWorld(t, db)
		r := w.newReport(ceptor.RouteMinistry, "添付つき", "")
		must(t, db.CreateReport(ctx, r))
		data := append([]byte("%PDF-1.7\n\x00\x01\xff"), bytes.Repeat([]byte("ログ"), 1000)...)
		sum := sha256.Sum256(data)

		a := &ceptor.Attachment{ReportID: r.ID, FileName: " 調査報告書.pdf ", ContentType: "application/pdf"}
		must(t, db.AddAttachment(ctx, a, data))
		if a.ID == 0 || a.Size != int64(len(data)) || a.SHA256 != hex.EncodeToString(sum[:]) || a.Version != 1 || a.FileName != "調査報告書.pdf" {
			t.Fatalf("added %+v", a)
		}
		b := &ceptor.Attachment{ReportID: r.ID, FileName: "ioc.txt", SHA256: strings.ToUpper(hex.EncodeToString(sha256Of("x"))), Size: 1}
		must(t, db.AddAttachment(ctx, b, []byte("x")))
		if b.ContentType != "application/octet-stream" {
			t.Fatalf("default content type %q", b.ContentType)
		}

		scenarios := []struct {
			name string
			a    ceptor.Attachment
			data []byte
			code string
		}{
			{"empty", ceptor.Attachment{ReportID: r.ID, FileName: "a.txt"}, nil, ceptor.EINVALID},
			{"too large", ceptor.Attachment{ReportID: r.ID, FileName: "a.bin"}, make([]byte, ceptor.MaxAttachmentSize+1), ceptor.EINVALID},
			{"no name", ceptor.Attachment{ReportID: r.ID, FileName: "  "}, []byte("x"), ceptor.EINVALID},
			{"broken UTF-8 name", ceptor.Attachment{ReportID: r.ID, FileName: "a\xff.txt"}, []byte("x"), ceptor.EINVALID},
			{"wrong checksum", ceptor.Attachment{ReportID: r.ID, FileName: "a.txt", SHA256: strings.Repeat("0", 64)}, []byte("x"), ceptor.EINVALID},
			{"wrong size", ceptor.Attachment{ReportID: r.ID, FileName: "a.txt", Size: 2}, []byte("x"), ceptor.EINVALID},
			{"missing report", ceptor.Attachment{ReportID: 999999, FileName: "a.txt"}, []byte("x"), ceptor.ENOTFOUND},
			{"missing report, version given", ceptor.Attachment{ReportID: 999999, Version: 1, FileName: "a.txt"}, []byte("x"), ceptor.ENOTFOUND},
		}
		for _, sc := range scenarios {
			if got := ceptor.ErrorCode(db.AddAttachment(ctx, &sc.a, sc.data)); got != sc.code {
				t.Errorf("%s: %q, want %q", sc.name, got, sc.code)
			}
		}

		list, err := db.ListAttachments(ctx, r.ID)
		must(t, err)
		if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID || list[0].SHA256 != a.SHA256 || list[0].Size != a.Size {
			t.Fatalf("list %+v", list)
		}
		got, content, err := db.AttachmentData(ctx, a.ID)
		must(t, err)
		if !bytes.Equal(content, data) || got.FileName != a.FileName || got.ContentType != "application/pdf" {
			t.Fatalf("round trip: %+v, %d bytes", got, len(content))
		}
		if s := sha256.Sum256(content); hex.EncodeToString(s[:]) != got.SHA256 {
			t.Fatal("stored checksum does not match the content")
		}
		_, _, err = db.AttachmentData(ctx, 999999)
		wantCode(t, err, ceptor.ENOTFOUND)
		none, err := db.ListAttachments(ctx, 999999)
		must(t, err)
		if len(none) != 0 {
			t.Fatal("attachments of nothing")
		}
	})
}

func sha256Of(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// ---------------------------------------------------------------------------
// Statistics.

func TestReportCounts(t *testing.T) {
	t.Parallel()
	jst := time.FixedZone("JST", 9*3600)
	// fiscalYear is April to March in Japan time.
	fiscalYear := func(y int) (time.Time, time.Time) {
		return time.Date(y, 4, 1, 0, 0, 0, 0, jst), time.Date(y+1, 4, 1, 0, 0, 0, 0, jst)
	}
	eachClocked(t, func(t *testing.T, db *sqldb.DB, c *clock) {
		w := mustReportWorld(t, db)
		other := &ceptor.Sector{Code: "ict", NameJA: "情報通信", NameEN: "ICT", Active: true}
		must(t, db.CreateSector(ctx, other))
		report := func(at time.Time, sector int64, class ceptor.EventClass, drill, submit bool, causes ...ceptor.Cause) {
			c.Set(at)
			r := w.newReport(ceptor.RouteDirect, "件名", "")
			r.SectorID, r.EventClass, r.Causes, r.Drill = sector, class, causes, drill
			must(t, db.CreateReport(ctx, r))
			if submit {
				must(t, db.SubmitReport(ctx, r.ID, w.chain(ceptor.RouteDirect), w.author.ID))
			}
		}
		fin, ict := w.sector.ID, other.ID
		// FY2024 ends at 2025-04-01 00:00 JST, which is 2025-03-31 15:00 UTC.
		report(time.Date(2025, 3, 31, 23, 59, 0, 0, jst), fin, ceptor.EventAvailability, false, true, ceptor.CauseDoS)
		report(time.Date(2025, 4, 1, 0, 0, 0, 0, jst), fin, ceptor.EventAvailability, false, true, ceptor.CauseDoS, ceptor.CauseMalware)
		report(time.Date(2025, 10, 1, 0, 0, 0, 0, jst), fin, ceptor.EventAvailability, false, true, ceptor.CauseDoS)
		report(time.Date(2026, 3, 31, 23, 59, 0, 0, jst), ict, ceptor.EventPrecursor, false, true, ceptor.CauseTargetedEmail)
		report(time.Date(2025, 11, 1, 0, 0, 0, 0, jst), fin, ceptor.EventAvailability, true, true, ceptor.CauseDoS)   // drill
		report(time.Date(2025, 12, 1, 0, 0, 0, 0, jst), fin, ceptor.EventAvailability, false, false, ceptor.CauseDoS) // draft
		report(time.Date(2026, 4, 1, 0, 0, 0, 0, jst), ict, ceptor.EventPrecursor, false, true, ceptor.CauseOther)    // FY2026

		key := func(rc ceptor.ReportCount) string {
			return fmt.Sprintf("%d/%s/%s=%d", rc.SectorID, rc.EventClass, rc.Cause, rc.N)
		}
		scenarios := []struct {
			name  string
			fy    int
			drill bool
			want  []ceptor.ReportCount
		}{
			{"FY2025 real", 2025, false, []ceptor.ReportCount{
				{SectorID: fin, EventClass: ceptor.EventAvailability, N: 2},
				{SectorID: fin, EventClass: ceptor.EventAvailability, Cause: ceptor.CauseDoS, N: 2},
				{SectorID: fin, EventClass: ceptor.EventAvailability, Cause: ceptor.CauseMalware, N: 1},
				{SectorID: ict, EventClass: ceptor.EventPrecursor, N: 1},
				{SectorID: ict, EventClass: ceptor.EventPrecursor, Cause: ceptor.CauseTargetedEmail, N: 1},
			}},
			{"FY2025 drills", 2025, true, []ceptor.ReportCount{
				{SectorID: fin, EventClass: ceptor.EventAvailability, N: 1},
				{SectorID: fin, EventClass: ceptor.EventAvailability, Cause: ceptor.CauseDoS, N: 1},
			}},
			{"FY2024 real", 2024, false, []ceptor.ReportCount{
				{SectorID: fin, EventClass: ceptor.EventAvailability, N: 1},
				{SectorID: fin, EventClass: ceptor.EventAvailability, Cause: ceptor.CauseDoS, N: 1},
			}},
			{"FY2023 empty", 2023, false, nil},
		}
		for _, sc := range scenarios {
			from, to := fiscalYear(sc.fy)
			got, err := db.ReportCounts(ctx, from, to, sc.drill)
			must(t, err)
			var g, want []string
			for _, rc := range got {
				g = append(g, key(rc))
			}
			for _, rc := range sc.want {
				want = append(want, key(rc))
			}
			slices.Sort(g)
			slices.Sort(want)
			if !slices.Equal(g, want) {
				t.Errorf("%s:\n got %v\nwant %v", sc.name, g, want)
			}
		}
	})
}

// A report sent at once (SubmitNewReport) is stored exactly as one created
// as a draft and then submitted: status, chain, holder, hops, versions and
// the reporter's identity (none for the anonymous route).
func TestSubmitNewReportMatchesCreateThenSubmit(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := mustReportWorld(t, db)
		for _, route := range []ceptor.Route{ceptor.RouteMinistry, ceptor.RouteAnonymous, ceptor.RouteDirect} {
			chain := w.chain(route)
			twoStep := w.newReport(route, "二段階で送った報告", "本文")
			must(t, db.CreateReport(ctx, twoStep))
			must(t, db.SubmitReport(ctx, twoStep.ID, chain, w.author.ID))
			oneStep := w.newReport(route, "一度に送った報告", "本文")
			// Times as a person enters them: another zone, below the microsecond.
			started := time.Date(2026, 11, 20, 9, 30, 15, 123456789, time.FixedZone("JST", 9*3600))
			oneStep.StartedAt = &started
			stored, err := db.SubmitNewReport(ctx, oneStep, chain, w.author.ID)
			must(t, err)
			_, err = db.SubmitNewReport(ctx, w.newReport(route, "鎖なし", ""), nil, w.author.ID)
			wantCode(t, err, ceptor.EINVALID)
			_, err = db.SubmitNewReport(ctx, w.newReport(route, "", "不完全"), chain, w.author.ID)
			wantCode(t, err, ceptor.EINVALID)

			// What SubmitNewReport answers is what reading it back returns.
			got, gotRef := findReport(t, db, oneStep.ID)
			if !reflect.DeepEqual(oneStep, got) {
				t.Errorf("%s: the report after SubmitNewReport\n%+v\ndiffers from the stored one\n%+v", route, oneStep, got)
			}
			if !reflect.DeepEqual(stored.Ref, gotRef) {
				t.Errorf("%s: ref %+v, stored %+v", route, stored.Ref, gotRef)
			}
			gotHops, err := db.ReportHops(ctx, oneStep.ID)
			must(t, err)
			if !reflect.DeepEqual(stored.Hops, gotHops) {
				t.Errorf("%s: hops %+v, stored %+v", route, stored.Hops, gotHops)
			}
			gotVersions, err := db.ReportVersions(ctx, oneStep.ID)
			must(t, err)
			if !reflect.DeepEqual(stored.Versions, gotVersions) {
				t.Errorf("%s: versions %+v, stored %+v", route, stored.Versions[0], gotVersions[0])
			}

			a, aref := findReport(t, db, twoStep.ID)
			b, bref := findReport(t, db, oneStep.ID)
			if a.Status != b.Status || a.Version != b.Version || (a.SubmittedAt == nil) != (b.SubmittedAt == nil) ||
				a.OrgID != b.OrgID || a.AuthorUserID != b.AuthorUserID || b.SubmittedAt == nil {
				t.Errorf("%s: report %+v, want like %+v", route, b, a)
			}
			if !slices.Equal(aref.ChainOrgs, bref.ChainOrgs) || aref.PendingAt != bref.PendingAt || aref.Status != bref.Status || aref.ReporterOrg != bref.ReporterOrg {
				t.Errorf("%s: ref %+v, want like %+v", route, bref, aref)
			}
			ah, err := db.ReportHops(ctx, twoStep.ID)
			must(t, err)
			bh, err := db.ReportHops(ctx, oneStep.ID)
			must(t, err)
			if len(ah) != len(bh) {
				t.Fatalf("%s: hops %+v, want like %+v", route, bh, ah)
			}
			for i := range ah {
				x, y := ah[i], bh[i]
				if x.Seq != y.Seq || x.FromOrgID != y.FromOrgID || x.ToOrgID != y.ToOrgID || x.Action != y.Action || x.ActorUserID != y.ActorUserID || x.Pending != y.Pending {
					t.Errorf("%s: hop %+v, want like %+v", route, y, x)
				}
			}
			av, err := db.ReportVersions(ctx, twoStep.ID)
			must(t, err)
			bv, err := db.ReportVersions(ctx, oneStep.ID)
			must(t, err)
			if len(av) != len(bv) || len(bv) != 1 {
				t.Errorf("%s: %d versions, want %d", route, len(bv), len(av))
			}
		}
	})
}
