package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"ceptor"
)

// Demo content of the drills module (セプター訓練): completed downward
// drills of the two previous fiscal years for every CEPTOR, with their
// receipt picture (most organisations confirmed, at various times; some
// not, a few with the follow-up reason their secretariat found) and
// self-check sheets, so that the year-on-year view has something to
// compare; and an announced drill planned for this fiscal year. The texts
// are written for the demo.

// drillStore is what the demo needs for drills.
type drillStore interface {
	advisoryStore
	ceptor.DrillService
	// Atomic keeps each drill's thousands of rows in one transaction, so
	// that the demo loads in seconds.
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
}

var demoSelfCheckProblems = []string{
	"夜間・休日の受信に気付くまで時間がかかった",
	"担当者の異動で連絡先の登録が古いままだった",
	"メールが迷惑メールフォルダに振り分けられていた",
	"",
}

var demoSelfCheckImprovements = []string{
	"当番表と連絡先の確認を四半期ごとに行う",
	"受信箱の通知設定を部署の共有アドレスにも向ける",
	"受信ルールを見直し、訓練用アドレスを許可リストに加える",
	"",
}

func (l *loader) loadDrills(ctx context.Context) error {
	st, ok := l.reg.(drillStore)
	if !ok {
		return nil
	}
	u, err := l.users.FindUserByEmail(ctx, "analyst.nisc@"+EmailDomain)
	if err != nil {
		return nil // a data set without the NISC analyst: nothing to show
	}
	cs, err := l.reg.ListCeptors(ctx)
	if err != nil {
		return err
	}
	var all []int64
	for _, c := range cs {
		if c.Active {
			all = append(all, c.ID)
		}
	}
	if len(all) == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(uint64(l.ds.Seed), 8))
	fy := ceptor.FiscalYear(l.now)
	for _, past := range []struct {
		back  int
		share int // percent of recipients that confirmed
		speed float64
	}{{2, 81, 150}, {1, 90, 80}} {
		if err := st.Atomic(ctx, func(ctx context.Context) error {
			return l.demoDrill(ctx, st, r, u, all, fy-past.back, past.share, past.speed)
		}); err != nil {
			return err
		}
	}
	return l.plannedDrill(ctx, st, u, all, fy)
}

// demoDrill loads one completed drill of fiscal year year.
func (l *loader) demoDrill(ctx context.Context, st drillStore, r *rand.Rand, u *ceptor.User, all []int64, year, share int, speed float64) error {
	start := time.Date(year, time.September, 10, 10, 0, 0, 0, ceptor.Tokyo)
	d := &ceptor.Drill{OrgID: u.OrgID, AuthorID: u.ID, Title: fmt.Sprintf("%d年度 セプター訓練（情報提供訓練）（デモ）", year),
		Instructions: "本訓練は、NISC から所管省庁・セプター事務局を経由して各事業者等へ情報が届くことを確認するものです。",
		WindowStart:  start, WindowEnd: start.Add(48 * time.Hour), CeptorIDs: all, Announced: true, Downward: true}
	if err := st.CreateDrill(ctx, d); err != nil {
		return fmt.Errorf("demo drill: %w", err)
	}
	adv := d.DrillAdvisory(u.ID, fmt.Sprintf("/drills/%d/report", d.ID))
	if err := st.CreateAdvisory(ctx, adv); err != nil {
		return fmt.Errorf("demo drill advisory: %w", err)
	}
	if _, err := st.PublishAdvisory(ctx, adv.ID, start); err != nil {
		return fmt.Errorf("demo drill advisory: %w", err)
	}
	if err := st.MarkDeliveriesSent(ctx, adv.ID, start.Add(time.Minute)); err != nil {
		return err
	}
	if _, err := st.StartDrill(ctx, d.ID, adv.ID, start); err != nil {
		return fmt.Errorf("demo drill: %w", err)
	}
	recs, _, err := st.ListRecipients(ctx, adv.ID, nil, nil, 5000, 0)
	if err != nil {
		return err
	}
	confirmed := map[int64]int{}
	for _, rec := range recs {
		if r.IntN(100) >= share {
			if r.IntN(2) == 0 {
				reason := ceptor.FollowUpReasons[r.IntN(len(ceptor.FollowUpReasons)-1)]
				if err := st.RecordFollowUp(ctx, adv.ID, rec.OrgID, reason, "", 0, start.Add(30*time.Hour)); err != nil {
					return err
				}
			}
			continue
		}
		mins := 2 + r.ExpFloat64()*speed
		confirmed[rec.OrgID] = int(mins)
		if _, err := st.ConfirmAdvisory(ctx, adv.ID, rec.OrgID, 0, "inbox", start.Add(time.Duration(mins*float64(time.Minute)))); err != nil {
			return err
		}
	}
	parts, err := st.DrillParticipants(ctx, d.ID, nil)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if r.IntN(100) >= 65 {
			continue
		}
		c := &ceptor.SelfCheck{DrillID: d.ID, OrgID: p.OrgID, Arrived: "yes", Channel: "inbox", Handler: "情報システム部門",
			Problems: demoSelfCheckProblems[r.IntN(len(demoSelfCheckProblems))], Improvements: demoSelfCheckImprovements[r.IntN(len(demoSelfCheckImprovements))]}
		if m, ok := confirmed[p.OrgID]; ok {
			n := max(0, m-r.IntN(3))
			c.NoticeMinutes = &n
			if m > 240 {
				c.Arrived = "late"
			}
			if r.IntN(4) == 0 {
				c.Channel = "email"
			}
		} else {
			c.Arrived, c.Channel = "no", ""
		}
		if err := st.SaveSelfCheck(ctx, c); err != nil {
			return err
		}
	}
	if err := st.CloseDrill(ctx, d.ID, start.Add(72*time.Hour)); err != nil {
		return err
	}
	return nil
}

// plannedDrill loads this fiscal year's planned drill.
func (l *loader) plannedDrill(ctx context.Context, st drillStore, u *ceptor.User, all []int64, fy int) error {
	// This year's drill, announced and planned: downward and upward, with
	// damage assumed, for the first CEPTOR.
	start := time.Date(fy, time.November, 1, 10, 0, 0, 0, ceptor.Tokyo)
	if !start.After(l.now) {
		in := l.now.Add(14 * 24 * time.Hour).In(ceptor.Tokyo)
		start = time.Date(in.Year(), in.Month(), in.Day(), 10, 0, 0, 0, ceptor.Tokyo)
	}
	d := &ceptor.Drill{OrgID: u.OrgID, AuthorID: u.ID, Title: fmt.Sprintf("%d年度 セプター訓練（情報提供・情報連絡訓練）（デモ）", fy),
		Instructions: "「被害あり」と仮定した情報連絡の手順も確認します。", WindowStart: start, WindowEnd: start.Add(72 * time.Hour),
		CeptorIDs: all[:1], Announced: true, Downward: true, Upward: true, AssumeDamage: true}
	if err := st.CreateDrill(ctx, d); err != nil {
		return fmt.Errorf("demo drill: %w", err)
	}
	return nil
}
