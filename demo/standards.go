package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"ceptor"
)

// Demo content of the safety-standards module: a synthetic guideline
// catalog in two editions (written for the demo: the structure follows the
// guideline's groups and tiers, the wording is ours), each sector's
// standards document and yearly status, and two closed survey campaigns
// with answers from every demo operator, so that the statistics, the
// comparison across catalog versions and the trend have something to show.

// guidelineGroup is one group of the synthetic catalog.
type guidelineGroup struct {
	Prefix   string
	Name     string
	Subjects []string
}

var guidelineGroups = []guidelineGroup{
	{"GV", "組織・体制（ガバナンス）", []string{"情報セキュリティ基本方針", "経営層の責任と関与", "CISOの任命", "情報セキュリティ委員会", "役割と責任の文書化", "内部監査の体制", "法令・規制の把握", "予算と人員の確保"}},
	{"RM", "リスクマネジメント", []string{"重要なサービスの特定", "サービス維持レベル", "リスクの特定", "リスクの分析と評価", "リスク対応計画", "残存リスクの受容", "リスク評価の定期的な見直し", "新たな脅威の把握"}},
	{"AM", "資産管理", []string{"情報資産の台帳", "システム構成の把握", "重要度による分類", "外部接続の把握", "ソフトウェアの把握", "廃棄時のデータ消去", "持ち出しの管理", "クラウド利用の把握"}},
	{"AC", "アクセス制御", []string{"アカウント管理", "特権アカウントの管理", "多要素認証", "最小権限の原則", "リモートアクセス", "ネットワークの分離", "パスワードの管理", "アクセス権の定期的な棚卸し"}},
	{"SD", "開発・調達・変更管理", []string{"セキュリティ要件の定義", "調達先の評価", "脆弱性診断", "変更管理", "テスト環境の分離", "セキュア設計", "受入検査", "保守契約の管理"}},
	{"OP", "運用・監視", []string{"ログの取得と保存", "不正通信の監視", "脆弱性情報の収集", "修正プログラムの適用", "マルウェア対策", "バックアップ", "時刻の同期", "構成変更の検知"}},
	{"IR", "インシデント対応", []string{"CSIRT等の体制", "初動対応手順", "連絡体制（所管省庁・セプター）", "証拠の保全", "影響範囲の調査", "復旧手順", "再発防止", "対応訓練"}},
	{"BC", "事業継続（BCP）", []string{"IT-BCPの策定", "代替手段の確保", "復旧目標時間", "重要データの復元", "BCPの訓練", "他分野への依存の把握", "災害時の通信手段", "BCPの見直し"}},
	{"SC", "サプライチェーン", []string{"委託先の管理", "委託先へのセキュリティ要求", "再委託の把握", "部品・機器の信頼性", "委託先の事故時の連絡", "海外拠点の管理", "委託先の監査", "契約終了時の措置"}},
	{"DM", "データ管理", []string{"重要データの特定", "暗号化", "データの完全性", "個人情報の保護", "保存期間の管理", "データの国外移転", "媒体の管理", "データの持ち出し制限"}},
	{"HR", "人的対策・教育", []string{"セキュリティ教育", "経営層向けの研修", "標的型メール訓練", "退職時の措置", "内部不正の防止", "専門人材の育成", "外部人材の活用", "意識の定着度の確認"}},
	{"PS", "物理的対策", []string{"入退室管理", "制御系設備の保護", "電源の冗長化", "設備の監視", "機器の盗難防止", "災害対策", "保守作業の立会い", "サーバ室の環境管理"}},
}

// Actions applied to each subject: the first three are baseline measures,
// the others leading ones.
var guidelineActions = []struct {
	Text string
	Tier ceptor.Tier
}{
	{"について規程を定めている", ceptor.TierBaseline},
	{"について責任者を明確にしている", ceptor.TierBaseline},
	{"の実施状況を定期的に確認している", ceptor.TierBaseline},
	{"について第三者の評価を受けている", ceptor.TierLeading},
	{"を自動化・高度化している", ceptor.TierLeading},
}

// Sectors with control systems: the OT items apply to them only.
var otSectors = []string{"electricity", "gas", "water", "railway", "petroleum", "chemical"}

// GuidelineItems returns the synthetic catalog of an edition: 4 (480
// items) or 5 (496 items, renumbered in one group, some items merged,
// new items on supply chain and OT).
func GuidelineItems(edition int) []ceptor.CatalogItem {
	var out []ceptor.CatalogItem
	for _, g := range guidelineGroups {
		n := 0
		for si, subj := range g.Subjects {
			for ai, act := range guidelineActions {
				n++
				id := fmt.Sprintf("%s-%02d.%d", g.Prefix, si+1, ai+1)
				it := ceptor.CatalogItem{ItemID: id, Title: subj + act.Text, Group: g.Name, Tier: act.Tier,
					Description: fmt.Sprintf("%sに関する対策（%s）。デモ用に作成した記述です。", subj, g.Name), Sectors: []string{}, MapsFrom: []string{}}
				if g.Prefix == "PS" && (si == 1 || si == 3) {
					it.Sectors = slices.Clone(otSectors)
				}
				if edition >= 5 {
					if g.Prefix == "AC" {
						// The fifth edition renumbers access control.
						it.ItemID = fmt.Sprintf("AC5-%02d.%d", si+1, ai+1)
						it.MapsFrom = []string{id}
					}
					if g.Prefix == "HR" && si == 7 && ai >= 3 {
						continue // merged into HR-07 below
					}
					if g.Prefix == "HR" && si == 6 && ai == 3 {
						it.MapsFrom = []string{id, fmt.Sprintf("HR-08.%d", 4)}
						it.Title = "外部人材の活用と意識の定着度の確認について第三者の評価を受けている"
					}
					if g.Prefix == "IR" && si == 1 && ai == 0 {
						it.Title = "初動対応手順（サイバー攻撃の特性を踏まえたもの）について規程を定めている"
					}
				}
				out = append(out, it)
			}
		}
		if edition >= 5 && (g.Prefix == "SC" || g.Prefix == "OP") {
			for k, extra := range []string{"ソフトウェア部品表（SBOM）の活用", "委託先を含めた演習の実施", "制御系ネットワークの常時監視", "脅威インテリジェンスの活用", "クラウド事業者の責任分界の確認", "委託先のインシデント情報の共有", "重要部品の代替調達先の確保", "経営層への定期報告"} {
				if (g.Prefix == "OP") != (k%2 == 0) {
					continue
				}
				tier := ceptor.TierLeading
				if k < 4 {
					tier = ceptor.TierBaseline
				}
				it := ceptor.CatalogItem{ItemID: fmt.Sprintf("%s-90.%d", g.Prefix, k+1), Title: extra + "を行っている", Group: g.Name, Tier: tier,
					Description: "第5版で追加した対策（デモ）。", Sectors: []string{}, MapsFrom: []string{}}
				out = append(out, it)
			}
		}
	}
	return out
}

// loadStandards loads the module's demo content when the store keeps it.
func (l *loader) loadStandards(ctx context.Context) error {
	svc, ok := l.reg.(ceptor.SafetyStandardsService)
	if !ok {
		return nil
	}
	cur := ceptor.FiscalYear(l.now)
	v4 := &ceptor.Catalog{Code: "guideline", Title: "安全基準等策定指針（デモ）", Edition: "第4版", PublishedOn: fmt.Sprintf("%d-05-25", cur-3), Source: "demo"}
	if err := svc.CreateCatalog(ctx, v4, GuidelineItems(4)); err != nil {
		return fmt.Errorf("demo catalog: %w", err)
	}
	v5 := &ceptor.Catalog{Code: "guideline", Title: "安全基準等策定指針（デモ）", Edition: "第5版", PublishedOn: fmt.Sprintf("%d-04-04", cur-1), Source: "demo"}
	items5 := GuidelineItems(5)
	if err := svc.CreateCatalog(ctx, v5, items5); err != nil {
		return fmt.Errorf("demo catalog: %w", err)
	}
	codes := map[int64]string{}
	var sectorIDs []int64
	for code, id := range l.sectors {
		codes[id] = code
		sectorIDs = append(sectorIDs, id)
	}
	slices.Sort(sectorIDs)
	// One standards document per sector, revised once in some.
	for i, id := range sectorIDs {
		doc := &ceptor.SectorStandard{SectorID: id, Title: fmt.Sprintf("%s分野の情報セキュリティ対策ガイドライン（デモ）", sectorNameJA(l, id)),
			Issuer: "所管省庁・業界団体（デモ）", Version: "第1版", IssuedOn: fmt.Sprintf("%d-03-31", cur-4)}
		if err := svc.CreateStandard(ctx, doc); err != nil {
			return fmt.Errorf("demo standard: %w", err)
		}
		if i%3 == 0 {
			doc.Version, doc.IssuedOn, doc.Note = "第2版", fmt.Sprintf("%d-03-29", cur-1), "指針第5版を踏まえた改定（デモ）"
			if err := svc.ReviseStandard(ctx, doc); err != nil {
				return fmt.Errorf("demo standard: %w", err)
			}
		}
		status := []string{ceptor.ImproveRevised, ceptor.ImproveAnalysis, ceptor.ImproveAnalysis, ceptor.ImproveNotStated}[i%4]
		if err := svc.SetStandardsStatus(ctx, &ceptor.StandardsStatus{SectorID: id, FiscalYear: cur - 1, Status: status}); err != nil {
			return fmt.Errorf("demo status: %w", err)
		}
		if err := svc.ReviewStandardsStatus(ctx, &ceptor.StandardsStatus{SectorID: id, FiscalYear: cur - 1, ReviewNote: "確認済み（デモ）"}); err != nil {
			return fmt.Errorf("demo status: %w", err)
		}
	}
	// The operators, in a stable order.
	var ops []*ceptor.Organization
	for _, o := range l.orgs {
		if o.Type == ceptor.OrgOperator && len(o.SectorIDs) > 0 {
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].ID < ops[j].ID })
	for k, run := range []struct {
		fy      int
		catalog *ceptor.Catalog
		items   []ceptor.CatalogItem
		base    float64 // share of operators doing every baseline measure
		lead    float64
	}{
		{cur - 2, v4, GuidelineItems(4), 0.48, 0.18},
		{cur - 1, v5, items5, 0.53, 0.21},
	} {
		c := &ceptor.SurveyCampaign{Title: fmt.Sprintf("%d年度 安全基準等の浸透状況等調査（デモ）", run.fy), FiscalYear: run.fy, CatalogID: run.catalog.ID,
			Per: ceptor.SurveyPerItem, Deadline: fmt.Sprintf("%d-12-15", run.fy), Questions: ceptor.BuildQuestions(run.items, ceptor.SurveyPerItem)}
		if err := svc.CreateCampaign(ctx, c); err != nil {
			return fmt.Errorf("demo campaign: %w", err)
		}
		var targets []ceptor.SurveyTarget
		for _, o := range ops {
			t := ceptor.SurveyTarget{OrgID: o.ID, SectorID: o.SectorIDs[0]}
			if len(o.CeptorIDs) > 0 {
				t.CeptorID = o.CeptorIDs[0]
			}
			targets = append(targets, t)
		}
		if err := svc.SetCampaignTargets(ctx, c.ID, targets); err != nil {
			return fmt.Errorf("demo campaign: %w", err)
		}
		rng := rand.New(rand.NewPCG(uint64(20+k), 7))
		var err error
		opened := time.Date(run.fy, 7, 1, 0, 0, 0, 0, ceptor.Tokyo).UTC()
		closed := time.Date(run.fy, 12, 20, 0, 0, 0, 0, ceptor.Tokyo).UTC()
		save := func(ctx context.Context) error {
			for i, o := range ops {
				if rng.Float64() < 0.12 {
					continue // did not answer
				}
				r := demoResponse(rng, c, codes[o.SectorIDs[0]], run.base, run.lead)
				r.CampaignID, r.OrgID, r.SectorID = c.ID, o.ID, o.SectorIDs[0]
				if err := svc.SaveResponse(ctx, r); err != nil {
					return fmt.Errorf("demo response %d: %w", i, err)
				}
			}
			return nil
		}
		// One transaction for a campaign's answers where the store offers it.
		if at, ok := l.reg.(interface {
			Atomic(context.Context, func(context.Context) error) error
		}); ok {
			err = at.Atomic(ctx, save)
		} else {
			err = save(ctx)
		}
		if err != nil {
			return err
		}
		c.Status, c.OpenedAt, c.ClosedAt = ceptor.SurveyClosed, &opened, &closed
		if err := svc.UpdateCampaign(ctx, c); err != nil {
			return fmt.Errorf("demo campaign: %w", err)
		}
	}
	return nil
}

func sectorNameJA(l *loader, id int64) string {
	for _, s := range l.ds.Sectors {
		if l.sectors[s.Sector.Code] == id {
			return s.Sector.NameJA
		}
	}
	return ""
}

// demoResponse draws a plausible, submitted answer sheet.
func demoResponse(rng *rand.Rand, c *ceptor.SurveyCampaign, sector string, base, lead float64) *ceptor.SurveyResponse {
	allBase := rng.Float64() < base
	allLead := allBase && rng.Float64() < lead/base
	b := []byte(ceptor.NewAnswers(c.Questions, sector))
	for i, q := range c.Questions {
		if b[i] == byte(ceptor.AnswerNA) {
			continue
		}
		full := allBase
		p := 0.93
		if q.Tier == ceptor.TierLeading {
			full, p = allLead, 0.55
		}
		switch x := rng.Float64(); {
		case full || x < p:
			b[i] = byte(ceptor.AnswerImplemented)
		case x < p+0.03:
			b[i] = byte(ceptor.AnswerNA)
		case x < p+(1-p)*0.5:
			b[i] = byte(ceptor.AnswerPartly)
		case x < p+(1-p)*0.75:
			b[i] = byte(ceptor.AnswerPlanned)
		default:
			b[i] = byte(ceptor.AnswerNot)
		}
	}
	yes := func(p float64) string {
		if rng.Float64() < p {
			return ceptor.Yes
		}
		return ceptor.No
	}
	r := &ceptor.SurveyResponse{Status: ceptor.ResponseSubmitted, Answers: string(b), CSIRT: yes(0.42), Exercises: yes(0.75), Executive: yes(0.6)}
	r.BaselineAll, r.LeadingAll = ceptor.Completeness(r.Answers, c.Questions)
	return r
}
