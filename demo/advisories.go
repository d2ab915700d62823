package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"ceptor"
)

// Demo content of the advisories module (情報提供): a handful of published
// advisories with their receipt picture (most organisations confirmed at
// various times, some not, a few with the follow-up reason their
// secretariat found), a drill advisory to one CEPTOR and a draft. The
// texts are written for the demo.

// advisoryStore is what the demo needs beyond the registry.
type advisoryStore interface {
	ceptor.AdvisoryService
	MarkDeliveriesSent(ctx context.Context, id int64, at time.Time) error
}

type demoAdvisory struct {
	title, body string
	cat         ceptor.AdvisoryCategory
	urg         ceptor.Urgency
	tlp         ceptor.TLP
	src         ceptor.AdvisorySource
	srcName     string
	aud         func(l *loader) ceptor.Audience
	ago         time.Duration // published this long ago (0: draft)
	deadline    time.Duration // after publication (0: none)
	share       int           // percent of recipients that confirmed
	drill       bool
}

var demoAdvisories = []demoAdvisory{
	{title: "VPN装置の脆弱性を悪用した攻撃に関する注意喚起（デモ）", cat: ceptor.CatVulnerability, urg: ceptor.UrgencyHigh, tlp: ceptor.TLPGreen,
		src: ceptor.SourcePartner, srcName: "関係機関（デモ）",
		body: "# 概要\n複数の重要インフラ事業者等で利用されているVPN装置について、認証を回避される脆弱性が公表されました。\n\n## 推奨される対策\n- 修正版への更新\n- 管理画面へのアクセス元の制限\n- 不審なログイン記録の確認\n\n詳細は製品の提供元の情報を確認してください。",
		aud:  func(*loader) ceptor.Audience { return ceptor.Audience{OrgTypes: []ceptor.OrgType{ceptor.OrgOperator}} }, ago: 12 * 24 * time.Hour, deadline: 72 * time.Hour, share: 92},
	{title: "金融分野を狙った標的型メール攻撃に関する情報提供（デモ）", cat: ceptor.CatAttack, urg: ceptor.UrgencyHigh, tlp: ceptor.TLPAmber,
		src:  ceptor.SourceOwn,
		body: "# 概要\n取引先を装った標的型メールにより、マクロ付き文書を開かせる手口が確認されています。\n\n## 確認のお願い\n1. 受信ログに同様の件名がないか確認してください\n2. 該当がある場合は所管省庁又はセプター事務局へ情報連絡してください",
		aud:  func(l *loader) ceptor.Audience { return ceptor.Audience{SectorIDs: []int64{l.sectors["finance"]}} }, ago: 26 * time.Hour, deadline: 72 * time.Hour, share: 64},
	{title: "セプター訓練（情報提供訓練）の実施について（デモ）", cat: ceptor.CatDrill, urg: ceptor.UrgencyNormal, tlp: ceptor.TLPGreen, drill: true,
		src:  ceptor.SourceOwn,
		body: "これは**訓練**です。本メッセージを受領した組織は、受信箱の「受領を確認」ボタンで受領を確認してください。",
		aud:  func(l *loader) ceptor.Audience { return ceptor.Audience{CeptorIDs: []int64{l.ceptors["bank"]}} }, ago: 3 * time.Hour, deadline: 48 * time.Hour, share: 55},
	{title: "年度末の連絡体制の確認について（デモ）", cat: ceptor.CatNotice, urg: ceptor.UrgencyLow, tlp: ceptor.TLPClear, src: ceptor.SourceOwn,
		body: "年度末の人事異動に伴い、連絡先の登録内容を確認してください。",
		aud:  func(*loader) ceptor.Audience { return ceptor.Audience{Everyone: true} }},
}

func (l *loader) loadAdvisories(ctx context.Context) error {
	st, ok := l.reg.(advisoryStore)
	if !ok {
		return nil
	}
	u, err := l.users.FindUserByEmail(ctx, "analyst.nisc@"+EmailDomain)
	if err != nil {
		return nil // a data set without the NISC analyst: nothing to show
	}
	r := rand.New(rand.NewPCG(uint64(l.ds.Seed), 4))
	for _, d := range demoAdvisories {
		a := &ceptor.Advisory{OrgID: u.OrgID, AuthorID: u.ID, Title: d.title, Body: d.body, Category: d.cat, Urgency: d.urg, TLP: d.tlp,
			Source: d.src, SourceName: d.srcName, Audience: d.aud(l), Drill: d.drill}
		if err := st.CreateAdvisory(ctx, a); err != nil {
			return fmt.Errorf("demo advisory: %w", err)
		}
		if d.ago == 0 {
			continue
		}
		at := l.now.Add(-d.ago)
		if d.deadline > 0 {
			dl := at.Add(d.deadline)
			a.Deadline = &dl
			if err := st.UpdateAdvisory(ctx, a); err != nil {
				return fmt.Errorf("demo advisory: %w", err)
			}
		}
		if _, err := st.PublishAdvisory(ctx, a.ID, at); err != nil {
			return fmt.Errorf("demo advisory: %w", err)
		}
		if err := st.MarkDeliveriesSent(ctx, a.ID, at.Add(time.Minute)); err != nil {
			return err
		}
		recs, _, err := st.ListRecipients(ctx, a.ID, nil, nil, 5000, 0)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if r.IntN(100) >= d.share {
				if r.IntN(3) == 0 {
					reason := ceptor.FollowUpReasons[r.IntN(len(ceptor.FollowUpReasons)-1)]
					st.RecordFollowUp(ctx, a.ID, rec.OrgID, reason, "", 0, at.Add(d.ago/2))
				}
				continue
			}
			// Most confirm within hours, a few the next day.
			mins := 3 + r.ExpFloat64()*90
			when := at.Add(time.Duration(mins) * time.Minute)
			if when.After(l.now) {
				when = l.now.Add(-time.Minute)
			}
			if _, err := st.ConfirmAdvisory(ctx, a.ID, rec.OrgID, 0, "inbox", when); err != nil {
				return err
			}
		}
	}
	return nil
}
