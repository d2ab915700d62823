package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// The body of POST /api/v1/reports (web/report_input.go, reportInput).
// Only the fields the bench sends are declared; the server refuses
// unknown fields, so a renamed field shows up as an error at once.

type reportBody struct {
	Route          string      `json:"route"`
	SectorID       int64       `json:"sector_id"`
	TLP            string      `json:"tlp"`
	Title          string      `json:"title"`
	Body           string      `json:"body"`
	EventClass     string      `json:"event_class"`
	Causes         []string    `json:"causes"`
	CriticalOutage bool        `json:"critical_outage,omitempty"`
	Service        string      `json:"service"`
	Systems        []string    `json:"systems"`
	StartedAt      string      `json:"started_at"`
	DetectedAt     string      `json:"detected_at"`
	RecoveredAt    string      `json:"recovered_at,omitempty"`
	Impact         impact      `json:"impact"`
	Response       string      `json:"response"`
	Indicators     []indicator `json:"indicators"`
	Lang           string      `json:"lang"`
	Submit         bool        `json:"submit"`
}

type impact struct {
	UsersAffected int    `json:"users_affected"`
	Area          string `json:"area"`
	SafetyHarm    string `json:"safety_harm,omitempty"`
	DataAffected  string `json:"data_affected,omitempty"`
}

type indicator struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// scenario is one kind of event the bench reports; the submissions cycle
// through them.
type scenario struct {
	title, body, event, service, response, area, data string
	causes, systems                                   []string
}

var scenarios = []scenario{
	{
		title:   "インターネットバンキングへの不正ログイン試行",
		body:    "本日未明より、インターネットバンキングのログイン画面に対し、海外の複数のIPアドレスから短時間に大量のログイン試行を検知した。\n試行に使われたIDの一部は当社顧客のものであり、他社から漏えいしたID・パスワードを用いたパスワードリスト型攻撃と推定される。\n現時点で不正送金は確認されていないが、約120件のアカウントで認証に成功した形跡があり、調査を継続している。",
		event:   "intrusion",
		causes:  []string{"unauthorized_access"},
		systems: []string{"it", "cloud"},
		service: "インターネットバンキング", response: "該当IPアドレスからの接続を遮断し、認証に成功したアカウントのパスワードを強制リセットした。顧客への個別連絡を開始した。",
		area: "全国", data: "一部顧客のログインIDと取引履歴の閲覧",
	},
	{
		title:   "基幹系システムのランサムウェア感染",
		body:    "社内ファイルサーバおよび基幹系システムの一部でファイルが暗号化され、身代金を要求する脅迫文が表示された。\n標的型メールの添付ファイルを開いた端末から横展開したものと推定される。\n業務端末約300台をネットワークから切り離し、バックアップからの復旧を進めている。",
		event:   "malware",
		causes:  []string{"malware", "targeted_email"},
		systems: []string{"it", "ot"},
		service: "基幹業務システム", response: "感染端末を隔離し、外部との通信を遮断した。警察および関係機関に相談済み。バックアップからの復旧手順を実施中。",
		area: "本社および関東地区の拠点",
	},
	{
		title:   "大規模DDoS攻撃によるウェブサービスの停止",
		body:    "午前9時頃から、公式ウェブサイトおよび利用者向けポータルに対する大量の通信が発生し、約2時間にわたりサービスが利用できない状態となった。\nピーク時の通信量は平常時の約200倍に達した。\nCDN事業者と連携して攻撃通信の遮断を行い、現在は復旧している。",
		event:   "availability",
		causes:  []string{"dos"},
		systems: []string{"external", "cloud"},
		service: "利用者向けポータル", response: "CDN事業者と連携して攻撃元の遮断とレート制限を実施した。再発に備え監視を強化している。",
		area: "全国",
	},
	{
		title:   "委託先クラウドサービスの設定不備による情報漏えいのおそれ",
		body:    "委託先が運用するクラウドストレージのアクセス設定に不備があり、利用者情報を含むファイルが一定期間インターネットから閲覧可能な状態であったことが判明した。\n外部からのアクセス記録を委託先と共同で調査している。",
		event:   "confidentiality",
		causes:  []string{"operation_error", "management_failure"},
		systems: []string{"cloud", "supplier"},
		service: "会員管理システム", response: "アクセス設定を直ちに修正し、公開状態を解消した。アクセスログの保全と分析を委託先に依頼した。",
		area: "全国", data: "会員の氏名、メールアドレス（約5,000件）",
	},
}

// jst is Japan time, which the bench writes report times in.
var jst = time.FixedZone("JST", 9*60*60)

// newReportBody returns the JSON of submission number seq for a client of
// sector on route, with times relative to now. Every report differs (title
// number, indicators), so that nothing can be served from a cache.
func newReportBody(seq int, route string, sector int64, now time.Time) []byte {
	sc := scenarios[seq%len(scenarios)]
	sum := sha256.Sum256(fmt.Appendf(nil, "ceptor-bench-reports %d", seq))
	start := now.Add(-3 * time.Hour).Add(-time.Duration(seq%60) * time.Minute).In(jst)
	b := reportBody{
		Route:      route,
		SectorID:   sector,
		TLP:        "amber",
		Title:      fmt.Sprintf("【性能試験】%s（第%d報）", sc.title, seq),
		Body:       sc.body,
		EventClass: sc.event,
		Causes:     sc.causes,
		// One report in ten is an outage of a critical service (urgent
		// notifications).
		CriticalOutage: seq%10 == 0,
		Service:        sc.service,
		Systems:        sc.systems,
		StartedAt:      start.Format(time.RFC3339),
		DetectedAt:     start.Add(25 * time.Minute).Format("2006-01-02T15:04"),
		Impact:         impact{UsersAffected: 100 + seq%5000, Area: sc.area, DataAffected: sc.data},
		Response:       sc.response,
		Indicators: []indicator{
			{Type: "ipv4", Value: fmt.Sprintf("203.0.113.%d", 1+seq%254)},
			{Type: "domain", Value: fmt.Sprintf("login-%d.bank-secure[.]example", seq%997)},
			{Type: "url", Value: fmt.Sprintf("hxxps://login-%d.bank-secure.example/auth/verify?id=%d", seq%997, seq)},
			{Type: "sha256", Value: hex.EncodeToString(sum[:])},
			{Type: "email", Value: fmt.Sprintf("notice-%d@bank-secure.example", seq%101)},
		},
		Lang:   "ja",
		Submit: true,
	}
	if seq%3 == 0 {
		b.RecoveredAt = start.Add(2 * time.Hour).Format(time.RFC3339)
	}
	out, err := json.Marshal(b)
	if err != nil {
		panic(err) // only plain values: cannot fail
	}
	return out
}
