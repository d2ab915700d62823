package sqldb_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
)

func TestSeverityEvaluations(t *testing.T) {
	t.Parallel()
	incEach(t, func(t *testing.T, db *sqldb.DB, c *incClock) {
		w := mustIncWorld(t, db)
		rep := w.report(t, db, incReportOpts{})
		nisc, fsa := w.nisc.ID, w.ministry.ID

		_, err := db.CurrentEvaluation(ctx, ceptor.SubjectReport, rep)
		wantCode(t, err, ceptor.ENOTFOUND)
		hist, err := db.Evaluations(ctx, ceptor.SubjectReport, rep)
		must(t, err)
		if hist == nil || len(hist) != 0 {
			t.Fatalf("empty history %v", hist)
		}

		add := func(final bool, org, user int64, cont, safe, trust ceptor.SeverityLevel) *ceptor.Evaluation {
			t.Helper()
			c.Advance(time.Minute)
			e := &ceptor.Evaluation{Subject: ceptor.SubjectReport, SubjectID: rep, Final: final, OrgID: org, UserID: user,
				Continuity: cont, Safety: safe, Trust: trust, ContinuityReason: "停止時間", SafetyReason: "被害", TrustReason: "報道",
				Overall: 0} // never trusted
			must(t, db.AddEvaluation(ctx, e))
			return e
		}
		current := func() *ceptor.Evaluation {
			t.Helper()
			e, err := db.CurrentEvaluation(ctx, ceptor.SubjectReport, rep)
			must(t, err)
			return e
		}

		p1 := add(false, fsa, w.fsaUser, 1, 0, 1)
		if p1.ID == 0 || p1.Overall != 1 || p1.CreatedAt.IsZero() || current().ID != p1.ID {
			t.Fatalf("first provisional %+v", p1)
		}
		p2 := add(false, fsa, w.fsaUser, 2, 1, 0)
		if current().ID != p2.ID {
			t.Fatal("the latest provisional is current while there is no final")
		}
		f1 := add(true, nisc, w.niscUser, 1, 3, 2)
		if f1.Overall != 3 || current().ID != f1.ID {
			t.Fatalf("final: %+v", f1)
		}
		p3 := add(false, fsa, w.fsaUser, 4, 4, 4)
		if current().ID != f1.ID {
			t.Fatal("a later provisional displaced the final evaluation")
		}
		f2 := add(true, nisc, 0, 2, 0, 1)
		cur := current()
		if cur.ID != f2.ID || cur.Overall != 2 || cur.UserID != 0 || cur.OrgID != nisc || !cur.Final || !cur.CreatedAt.Equal(f2.CreatedAt) {
			t.Fatalf("a new final replaces the old one: %+v", cur)
		}

		hist, err = db.Evaluations(ctx, ceptor.SubjectReport, rep)
		must(t, err)
		var ids []int64
		for _, e := range hist {
			ids = append(ids, e.ID)
			if e.Overall != ceptor.MaxSeverity(e.Continuity, e.Safety, e.Trust) {
				t.Errorf("evaluation %d: overall %d", e.ID, e.Overall)
			}
		}
		if !slices.Equal(ids, []int64{p1.ID, p2.ID, f1.ID, p3.ID, f2.ID}) {
			t.Fatalf("history %v", ids)
		}
		if got := ceptor.CurrentOf(hist); got.ID != cur.ID {
			t.Fatalf("CurrentOf %d and CurrentEvaluation %d disagree", got.ID, cur.ID)
		}
		if hist[2].SafetyReason != "被害" || hist[2].UserID != w.niscUser {
			t.Fatalf("stored fields %+v", hist[2])
		}

		// Refusals store nothing.
		scenarios := []struct {
			name string
			e    ceptor.Evaluation
			code string
		}{
			{"reason missing", ceptor.Evaluation{Subject: ceptor.SubjectReport, SubjectID: rep, Continuity: 2, OrgID: nisc}, ceptor.EINVALID},
			{"level out of range", ceptor.Evaluation{Subject: ceptor.SubjectReport, SubjectID: rep, Safety: 7, SafetyReason: "x", OrgID: nisc}, ceptor.EINVALID},
			{"unknown subject kind", ceptor.Evaluation{Subject: "advisory", SubjectID: rep, OrgID: nisc}, ceptor.EINVALID},
			{"no organisation", ceptor.Evaluation{Subject: ceptor.SubjectReport, SubjectID: rep}, ceptor.EINVALID},
			{"unknown organisation", ceptor.Evaluation{Subject: ceptor.SubjectReport, SubjectID: rep, OrgID: 424242}, ceptor.EINVALID},
			{"unknown report", ceptor.Evaluation{Subject: ceptor.SubjectReport, SubjectID: 999999, OrgID: nisc}, ceptor.ENOTFOUND},
			{"unknown incident", ceptor.Evaluation{Subject: ceptor.SubjectIncident, SubjectID: 999999, OrgID: nisc}, ceptor.ENOTFOUND},
		}
		for _, sc := range scenarios {
			e := sc.e
			if got := ceptor.ErrorCode(db.AddEvaluation(ctx, &e)); got != sc.code {
				t.Errorf("%s: %s, want %s", sc.name, got, sc.code)
			}
		}
		hist, _ = db.Evaluations(ctx, ceptor.SubjectReport, rep)
		if len(hist) != 5 {
			t.Fatalf("refused evaluations were stored: %d", len(hist))
		}

		// An incident's evaluations are its own and enter its timeline.
		inc := &ceptor.Incident{Title: "評価対象", CreatedByOrg: nisc}
		must(t, db.CreateIncident(ctx, inc))
		must(t, db.AddReportToIncident(ctx, inc.ID, rep, nisc, 0))
		ie := &ceptor.Evaluation{Subject: ceptor.SubjectIncident, SubjectID: inc.ID, Continuity: 3, ContinuityReason: "広域",
			Trust: 2, TrustReason: "報道多数", OrgID: fsa, UserID: w.fsaUser}
		must(t, db.AddEvaluation(ctx, ie))
		if cur, _ := db.CurrentEvaluation(ctx, ceptor.SubjectIncident, inc.ID); cur == nil || cur.ID != ie.ID || cur.Final {
			t.Fatalf("incident current %+v", cur)
		}
		if cur := current(); cur.ID != f2.ID {
			t.Fatal("the incident's evaluation changed the report's")
		}
		evs, err := db.IncidentEvents(ctx, inc.ID)
		must(t, err)
		last := evs[len(evs)-1]
		var detail map[string]any
		must(t, json.Unmarshal(last.Detail, &detail))
		if last.Kind != ceptor.EventSeverity || detail["evaluation_id"] != float64(ie.ID) || detail["overall"] != float64(3) ||
			detail["final"] != false || last.OrgID != fsa || last.UserID != w.fsaUser {
			t.Fatalf("severity entry %+v %s", last, last.Detail)
		}
	})
}

func TestSeverityGuidance(t *testing.T) {
	t.Parallel()
	incEach(t, func(t *testing.T, db *sqldb.DB, c *incClock) {
		w := mustIncWorld(t, db)
		def := ceptor.DefaultGuidance()

		// The migration's rows are the domain's defaults.
		g, err := db.Guidance(ctx, w.sector.ID)
		must(t, err)
		if g.SectorID != 0 || !slices.Equal(g.Levels, def.Levels) {
			t.Fatalf("defaults from the migration %+v, want %+v", g.Levels, def.Levels)
		}

		own := &ceptor.Guidance{SectorID: w.sector.ID, UpdatedBy: w.niscUser, Levels: []ceptor.GuidanceLevel{
			{Level: 4, UsersAffected: 500_000, OutageHours: 12.5, SafetyHarm: true},
			{Level: 2, AnyOutage: true, AreaWide: true},
		}}
		must(t, db.SetGuidance(ctx, own))
		g, err = db.Guidance(ctx, w.sector.ID)
		must(t, err)
		if g.SectorID != w.sector.ID || len(g.Levels) != 2 || g.Levels[0] != own.Levels[0] || g.Levels[1] != own.Levels[1] ||
			g.Levels[0].Level != 2 || g.UpdatedBy != w.niscUser || !g.UpdatedAt.Equal(own.UpdatedAt) {
			t.Fatalf("sector guidance %+v, set %+v", g, own)
		}
		if g, _ := db.Guidance(ctx, w.ict.ID); g.SectorID != 0 {
			t.Fatal("another sector lost the defaults")
		}
		// The suggestion follows the sector's thresholds.
		users := 600_000
		if cont, _, _, _ := ceptor.SuggestLevels(*g, &users, time.Hour, false, false, false); cont != 4 {
			t.Fatalf("suggestion from sector guidance: %d", cont)
		}

		all, err := db.ListGuidance(ctx)
		must(t, err)
		if len(all) != 2 || all[0].SectorID != 0 || all[1].SectorID != w.sector.ID {
			t.Fatalf("list %+v", all)
		}

		// Replacing is whole: the old levels go.
		must(t, db.SetGuidance(ctx, &ceptor.Guidance{SectorID: w.sector.ID, Levels: []ceptor.GuidanceLevel{{Level: 1, AnyOutage: true}}}))
		g, _ = db.Guidance(ctx, w.sector.ID)
		if len(g.Levels) != 1 {
			t.Fatalf("replaced %+v", g.Levels)
		}

		bad := []*ceptor.Guidance{
			{SectorID: w.sector.ID},
			{SectorID: w.sector.ID, Levels: []ceptor.GuidanceLevel{{Level: 3}, {Level: 3}}},
			{SectorID: w.sector.ID, Levels: []ceptor.GuidanceLevel{{Level: 9}}},
			{SectorID: w.sector.ID, Levels: []ceptor.GuidanceLevel{{Level: 2, UsersAffected: -5}}},
			{SectorID: 424242, Levels: []ceptor.GuidanceLevel{{Level: 1, AnyOutage: true}}},
		}
		for i, b := range bad {
			wantCode(t, db.SetGuidance(ctx, b), ceptor.EINVALID)
			if g, _ := db.Guidance(ctx, w.sector.ID); len(g.Levels) != 1 {
				t.Fatalf("bad[%d] changed the stored guidance", i)
			}
		}

		// Back to the defaults.
		must(t, db.DeleteGuidance(ctx, w.sector.ID))
		wantCode(t, db.DeleteGuidance(ctx, w.sector.ID), ceptor.ENOTFOUND)
		wantCode(t, db.DeleteGuidance(ctx, 0), ceptor.EINVALID)
		if g, _ := db.Guidance(ctx, w.sector.ID); g.SectorID != 0 {
			t.Fatal("defaults did not come back")
		}

		// NISC may edit the defaults themselves.
		changed := ceptor.DefaultGuidance()
		changed.Levels[1].UsersAffected = 5_000
		must(t, db.SetGuidance(ctx, &changed))
		if g, _ := db.Guidance(ctx, w.ict.ID); g.SectorID != 0 || g.Levels[1].UsersAffected != 5_000 {
			t.Fatalf("edited defaults %+v", g)
		}
	})
}
