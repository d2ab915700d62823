package sqldb_test

import (
	"slices"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// An anonymous report's follow-up never reaches the main row (what upstream
// reads) before the secretariat relays a redaction of it, wherever the
// report stood when the follow-up came.
func TestAnonymousFollowUpIsHeldForReview(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := mustReportWorld(t, db)
		r := w.newReport(ceptor.RouteAnonymous, "不審メールの受信", "みなと銀行 本店で受信")
		must(t, db.CreateReport(ctx, r))
		must(t, db.SubmitReport(ctx, r.ID, w.chain(ceptor.RouteAnonymous), w.author.ID))
		red := *r
		red.Body = "ある会員で受信"
		must(t, db.RelayReport(ctx, r.ID, w.secretariat.ID, "", w.secUser.ID, &red))
		// Waiting at the ministry, a follow-up arrives naming the bank.
		fu := w.newReport(ceptor.RouteAnonymous, "不審メールの受信（続報）", "みなと銀行 本店の端末1台が感染")
		fu.ID = r.ID
		must(t, db.AddFollowUp(ctx, fu, w.author.ID))
		if fu.Version != 2 {
			t.Fatalf("follow-up version %d", fu.Version)
		}
		got, ref := findReport(t, db, r.ID)
		if got.Version != 1 || got.Body != "ある会員で受信" || got.Title != r.Title || ref.PendingAt != w.secretariat.ID || ref.Status != ceptor.ReportSubmitted {
			t.Fatalf("main row after the held follow-up: %+v %+v", got, ref)
		}
		list, _, _, err := db.ListReports(ctx, ceptor.ReportFilter{Q: "端末1台"})
		must(t, err)
		if len(list) != 0 {
			t.Fatal("search finds the held follow-up's text")
		}
		// The ministry's turn is over: only the secretariat may move it.
		wantCode(t, db.RelayReport(ctx, r.ID, w.ministry.ID, "", w.minUser.ID, nil), ceptor.ECONFLICT)
		hops, err := db.ReportHops(ctx, r.ID)
		must(t, err)
		if len(hops) != 3 || hops[2].Action != "submitted" || hops[2].FromOrgID != 0 || hops[2].ActorUserID != 0 || hops[2].ToOrgID != w.secretariat.ID ||
			!hops[2].Pending || hops[1].Pending {
			t.Fatalf("hops %+v", hops)
		}

		// A second follow-up supersedes the first.
		fu2 := w.newReport(ceptor.RouteAnonymous, "不審メールの受信（続報2）", "みなと銀行 本店の端末2台が感染")
		fu2.ID = r.ID
		must(t, db.AddFollowUp(ctx, fu2, w.author.ID))
		held, err := db.HeldFollowUp(ctx, r.ID)
		must(t, err)
		if held.Version != 3 || held.Body != fu2.Body || held.VersionKind != ceptor.VersionFollowUp || held.OrgID != 0 {
			t.Fatalf("held %+v", held)
		}

		// The secretariat relays it redacted; upstream reads the redaction.
		red2 := *held
		red2.Body = "ある会員の端末2台が感染"
		must(t, db.RelayReport(ctx, r.ID, w.secretariat.ID, "続報", w.secUser.ID, &red2))
		got, ref = findReport(t, db, r.ID)
		if got.Version != 3 || got.Body != red2.Body || got.Title != fu2.Title || ref.PendingAt != w.ministry.ID {
			t.Fatalf("after relaying the follow-up: %+v %+v", got, ref)
		}
		must(t, db.RelayReport(ctx, r.ID, w.ministry.ID, "", w.minUser.ID, nil))
		_, ref = findReport(t, db, r.ID)
		if ref.Status != ceptor.ReportReceived || ref.PendingAt != 0 || !slices.Contains(ref.ChainOrgs, w.nisc.ID) {
			t.Fatalf("at NISC %+v", ref)
		}
		vs, err := db.ReportVersions(ctx, r.ID)
		must(t, err)
		var kinds []string
		for _, v := range vs {
			kinds = append(kinds, string(v.VersionKind)+":"+string(rune('0'+v.Version)))
		}
		if !slices.Equal(kinds, []string{"original:1", "redacted:1", "followup:2", "followup:3", "redacted:3"}) {
			t.Fatalf("versions %v", kinds)
		}

		// A received report takes a follow-up the same way, and keeps its
		// state while the follow-up travels.
		fu3 := w.newReport(ceptor.RouteAnonymous, "不審メールの受信（最終報）", "全端末を初期化")
		fu3.ID = r.ID
		must(t, db.AddFollowUp(ctx, fu3, w.author.ID))
		_, ref = findReport(t, db, r.ID)
		if ref.Status != ceptor.ReportReceived || ref.PendingAt != w.secretariat.ID {
			t.Fatalf("received report with a held follow-up: %+v", ref)
		}
		wantCode(t, db.CloseReport(ctx, r.ID, time.Now()), ceptor.ECONFLICT)
		held, err = db.HeldFollowUp(ctx, r.ID)
		must(t, err)
		must(t, db.RelayReport(ctx, r.ID, w.secretariat.ID, "", w.secUser.ID, held))
		must(t, db.RelayReport(ctx, r.ID, w.ministry.ID, "", w.minUser.ID, nil))
		must(t, db.CloseReport(ctx, r.ID, time.Now()))

		// A named report's follow-up is not held.
		n := w.newReport(ceptor.RouteMinistry, "名義あり", "本文")
		must(t, db.CreateReport(ctx, n))
		must(t, db.SubmitReport(ctx, n.ID, w.chain(ceptor.RouteMinistry), w.author.ID))
		nfu := w.newReport(ceptor.RouteMinistry, "名義あり", "続報")
		nfu.ID = n.ID
		must(t, db.AddFollowUp(ctx, nfu, w.author.ID))
		got, _ = findReport(t, db, n.ID)
		if got.Version != 2 || got.Body != "続報" {
			t.Fatalf("named follow-up %+v", got)
		}
		_, err = db.HeldFollowUp(ctx, n.ID)
		wantCode(t, err, ceptor.ENOTFOUND)
		_, err = db.HeldFollowUp(ctx, 999999)
		wantCode(t, err, ceptor.ENOTFOUND)
	})
}

// Attachments of anonymous reports start hidden from upstream; the
// secretariat releases or withholds them when it relays.
func TestAttachmentsWithheldFromUpstream(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := mustReportWorld(t, db)
		r := w.newReport(ceptor.RouteAnonymous, "添付つき匿名", "本文")
		must(t, db.CreateReport(ctx, r))
		a := &ceptor.Attachment{ReportID: r.ID, FileName: "minato-bank-log.txt"}
		must(t, db.AddAttachment(ctx, a, []byte("log")))
		b := &ceptor.Attachment{ReportID: r.ID, FileName: "sample.eml"}
		must(t, db.AddAttachment(ctx, b, []byte("mail")))
		held, err := db.WithheldAttachments(ctx, r.ID)
		must(t, err)
		if !held[a.ID] || !held[b.ID] {
			t.Fatalf("new anonymous attachments not withheld: %v", held)
		}
		must(t, db.SubmitReport(ctx, r.ID, w.chain(ceptor.RouteAnonymous), w.author.ID))

		// A wrong id rolls the whole relay back.
		wantCode(t, db.RelayReportWithheld(ctx, r.ID, w.secretariat.ID, "", w.secUser.ID, r, []int64{a.ID, 999999}), ceptor.EINVALID)
		if _, ref := findReport(t, db, r.ID); ref.PendingAt != w.secretariat.ID {
			t.Fatalf("half-done relay: %+v", ref)
		}
		must(t, db.RelayReportWithheld(ctx, r.ID, w.secretariat.ID, "", w.secUser.ID, r, []int64{a.ID}))
		held, err = db.WithheldAttachments(ctx, r.ID)
		must(t, err)
		if !held[a.ID] || held[b.ID] || len(held) != 1 {
			t.Fatalf("after review %v", held)
		}
		// The ministry's plain relay leaves the choice as it is.
		must(t, db.RelayReport(ctx, r.ID, w.ministry.ID, "", w.minUser.ID, nil))
		held, err = db.WithheldAttachments(ctx, r.ID)
		must(t, err)
		if !held[a.ID] || len(held) != 1 {
			t.Fatalf("after the ministry %v", held)
		}

		n := w.newReport(ceptor.RouteMinistry, "名義あり", "")
		must(t, db.CreateReport(ctx, n))
		must(t, db.AddAttachment(ctx, &ceptor.Attachment{ReportID: n.ID, FileName: "x.txt"}, []byte("x")))
		held, err = db.WithheldAttachments(ctx, n.ID)
		must(t, err)
		if len(held) != 0 {
			t.Fatalf("named report's attachment withheld: %v", held)
		}
	})
}
