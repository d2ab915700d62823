package demo

import "ceptor"

// The fixed part of the demo data set: sectors, the public bodies of the
// programme, the CEPTORs with their secretariats, and the supply-chain
// providers. Public bodies keep their real names (their contacts and domains
// are still fictional); everything invented carries the demo marker.

// Markers appended to the name of every invented organisation so that nobody
// mistakes it for a real body.
const (
	MarkJA = "（デモ）"    // appended to the Japanese name
	MarkEN = " (demo)" // appended to the English name
)

// Notes stored on the organisations of the demo data set.
const (
	noteSynthetic = "デモ用の架空の組織です。 / Synthetic demo organisation."
	noteRealBody  = "デモデータ: 名称は実在の機関ですが、連絡先・ドメインは架空です。 / Demo data: real body, fictional contacts and domains."
)

type sectorDef struct {
	Code, JA, EN string
	Ministry     string // key of the responsible ministry
	Since        string
}

// sectorDefs lists the 15 sectors in display order. Since is the year the
// sector entered the programme: the 2000 special action plan covered seven,
// the 2005 plan added three, the third plan (2014) three more, airports
// joined in 2018 and ports in 2024.
var sectorDefs = []sectorDef{
	{"ict", "情報通信", "Information and communications", "ministry:mic", "2000"},
	{"finance", "金融", "Finance", "ministry:fsa", "2000"},
	{"aviation", "航空", "Aviation", "ministry:mlit", "2000"},
	{"airport", "空港", "Airports", "ministry:mlit", "2018"},
	{"railway", "鉄道", "Railways", "ministry:mlit", "2000"},
	{"electricity", "電力", "Electric power", "ministry:meti", "2000"},
	{"gas", "ガス", "Gas", "ministry:meti", "2000"},
	{"government", "政府・行政サービス（地方公共団体を含む）", "Government and administrative services (including local governments)", "ministry:mic", "2000"},
	{"medical", "医療", "Medical services", "ministry:mhlw", "2005"},
	{"water", "水道", "Water supply", "ministry:mlit", "2005"},
	{"logistics", "物流", "Logistics", "ministry:mlit", "2005"},
	{"chemical", "化学", "Chemicals", "ministry:meti", "2014"},
	{"credit", "クレジット", "Credit cards", "ministry:meti", "2014"},
	{"petroleum", "石油", "Petroleum", "ministry:meti", "2014"},
	{"port", "港湾", "Ports", "ministry:mlit", "2024"},
}

// bodyDef is a fixed organisation.
type bodyDef struct {
	Key, JA, EN, Domain string
	Type                ceptor.OrgType
	Kind                ceptor.EntityKind
	Sectors             []string
	Depts               []string
	Synthetic           bool // invented: the name carries the demo marker
}

var govDepts = []string{"サイバーセキュリティ担当室", "情報システム室", "総務課", "危機管理担当"}

// ministryDefs are the five ministries that oversee sectors.
var ministryDefs = []bodyDef{
	{Key: "ministry:fsa", JA: "金融庁", EN: "Financial Services Agency", Domain: "fsa.go.example.jp"},
	{Key: "ministry:mic", JA: "総務省", EN: "Ministry of Internal Affairs and Communications", Domain: "soumu.go.example.jp"},
	{Key: "ministry:mhlw", JA: "厚生労働省", EN: "Ministry of Health, Labour and Welfare", Domain: "mhlw.go.example.jp"},
	{Key: "ministry:meti", JA: "経済産業省", EN: "Ministry of Economy, Trade and Industry", Domain: "meti.go.example.jp"},
	{Key: "ministry:mlit", JA: "国土交通省", EN: "Ministry of Land, Infrastructure, Transport and Tourism", Domain: "mlit.go.example.jp"},
}

// hubDefs are NISC, the CEPTOR Council and the partner agencies.
var hubDefs = []bodyDef{
	{Key: "nisc", Type: ceptor.OrgNISC, JA: "内閣官房 内閣サイバーセキュリティセンター",
		EN: "National center of Incident readiness and Strategy for Cybersecurity (NISC)", Domain: "nisc.go.example.jp",
		Depts: []string{"重要インフラグループ", "事態対処・危機管理グループ", "総務担当"}},
	{Key: "council", Type: ceptor.OrgCouncil, JA: "セプターカウンシル", EN: "CEPTOR Council", Domain: "ceptor-council.example.jp",
		Depts: []string{"事務局", "運営委員会", "情報収集WG"}},
	{Key: "security:jpcert", Type: ceptor.OrgSecurity, JA: "一般社団法人JPCERTコーディネーションセンター",
		EN: "JPCERT Coordination Center (JPCERT/CC)", Domain: "jpcert.example.jp",
		Depts: []string{"インシデントレスポンスグループ", "早期警戒グループ", "制御システムセキュリティ対策グループ"}},
	{Key: "security:ipa", Type: ceptor.OrgSecurity, JA: "独立行政法人情報処理推進機構",
		EN: "Information-technology Promotion Agency, Japan (IPA)", Domain: "ipa.go.example.jp",
		Depts: []string{"セキュリティセンター", "J-CSIP事務局", "総務部"}},
	{Key: "security:nict", Type: ceptor.OrgSecurity, JA: "国立研究開発法人情報通信研究機構",
		EN: "National Institute of Information and Communications Technology (NICT)", Domain: "nict.go.example.jp",
		Depts: []string{"サイバーセキュリティ研究所", "ナショナルサイバートレーニングセンター"}},
	{Key: "security:npa", Type: ceptor.OrgSecurity, JA: "警察庁 サイバー警察局",
		EN: "National Police Agency, Cyber Affairs Bureau", Domain: "npa.go.example.jp",
		Depts: []string{"サイバー企画課", "情報技術犯罪対策課"}},
	{Key: "response:cao", Type: ceptor.OrgResponse, JA: "内閣府（防災担当）",
		EN: "Cabinet Office (Disaster Management)", Domain: "bousai.go.example.jp",
		Depts: []string{"災害緊急事態対処担当", "総括担当", "普及啓発・連携担当"}},
	{Key: "response:fdma", Type: ceptor.OrgResponse, JA: "消防庁", EN: "Fire and Disaster Management Agency", Domain: "fdma.go.example.jp",
		Depts: []string{"国民保護・防災部 防災課", "応急対策室"}},
	{Key: "response:mod", Type: ceptor.OrgResponse, JA: "防衛省", EN: "Ministry of Defense", Domain: "mod.go.example.jp",
		Depts: []string{"サイバー防衛担当", "運用企画局"}},
	{Key: "response:jcg", Type: ceptor.OrgResponse, JA: "海上保安庁", EN: "Japan Coast Guard", Domain: "kaiho.go.example.jp",
		Depts: []string{"警備救難部", "情報通信課"}},
}

// supplierDefs are the fictional supply-chain and IT providers.
var supplierDefs = []bodyDef{
	{Key: "supplier:mirai-cloud", JA: "株式会社ミライクラウド", EN: "Mirai Cloud Inc.", Domain: "mirai-cloud.example.jp",
		Sectors: []string{"ict"}, Depts: []string{"クラウド運用本部", "PSIRT", "カスタマーサポート"}},
	{Key: "supplier:aozora-dc", JA: "株式会社あおぞらデータセンター", EN: "Aozora Data Center Co., Ltd.", Domain: "aozora-dc.example.jp",
		Sectors: []string{"ict"}, Depts: []string{"データセンター運用部", "設備管理課", "セキュリティ統括室"}},
	{Key: "supplier:tsubame-msp", JA: "株式会社ツバメ・マネージドサービス", EN: "Tsubame Managed Services Co., Ltd.", Domain: "tsubame-msp.example.jp",
		Depts: []string{"運用監視センター", "サービス企画部"}},
	{Key: "supplier:hoshizora-net", JA: "株式会社ホシゾラネット", EN: "Hoshizora Net Corporation", Domain: "hoshizora-net.example.jp",
		Sectors: []string{"ict"}, Depts: []string{"ネットワーク運用センター", "技術部"}},
	{Key: "supplier:kaede-systems", JA: "株式会社カエデシステムズ", EN: "Kaede Systems Co., Ltd.", Domain: "kaede-systems.example.jp",
		Depts: []string{"公共システム事業部", "金融システム事業部", "品質保証部"}},
	{Key: "supplier:minato-payment", JA: "株式会社ミナト決済プロセッシング", EN: "Minato Payment Processing Co., Ltd.", Domain: "minato-payment.example.jp",
		Sectors: []string{"finance", "credit"}, Depts: []string{"決済システム運用部", "CSIRT"}},
	{Key: "supplier:hibari-security", JA: "株式会社ヒバリセキュリティサービス", EN: "Hibari Security Services Co., Ltd.", Domain: "hibari-security.example.jp",
		Depts: []string{"SOC", "インシデント対応サービス部"}},
	{Key: "supplier:kohaku-ics", JA: "株式会社コハク制御システム", EN: "Kohaku Control Systems Co., Ltd.", Domain: "kohaku-ics.example.jp",
		Sectors: []string{"electricity", "gas", "chemical", "water"}, Depts: []string{"制御システム事業部", "製品セキュリティ室"}},
}

// ceptorDef is one CEPTOR with its secretariat and the share of the
// operators it gets (per mille, before normalisation).
type ceptorDef struct {
	Code, JA, EN, Sector string
	InCouncil            bool
	SecJA, SecEN         string // secretariat name, without the marker
	Weight               int
	Second               string // CEPTOR a few members also join
	Variants             []variant
	Depts                []string
}

var (
	companyDepts = []string{"情報システム部", "CSIRT", "総務部 総務課", "情報セキュリティ推進室", "システム運用課", "リスク管理部", "経営企画部"}
	localDepts   = []string{"情報政策課", "総務課", "危機管理課", "デジタル推進課", "情報システム課"}
	medicalDepts = []string{"医療情報部", "事務部 総務課", "情報システム室", "医療安全管理室"}
	waterDepts   = []string{"総務課", "施設管理課", "浄水課", "情報システム担当"}
	secDepts     = []string{"事務局", "情報共有担当", "企画調整部"}
)

// ceptorDefs lists the 21 CEPTORs. Weights give many local governments,
// hospitals and banks and few airports, petroleum companies and ports.
var ceptorDefs = []ceptorDef{
	{Code: "telecom", JA: "電気通信セプター", EN: "Telecommunications CEPTOR", Sector: "ict", InCouncil: true,
		SecJA: "一般社団法人 電気通信情報共有協議会", SecEN: "Telecommunications Information Sharing Council",
		Weight: 60, Second: "cabletv", Depts: companyDepts, Variants: []variant{
			{3, "{A}通信", "{EA} Communications", "{a}-tsushin", op, false},
			{3, "{A}テレコム", "{EA} Telecom", "{a}-telecom", op, false},
			{2, "{A}ネットワークス", "{EA} Networks", "{a}-networks", op, false},
			{1, "{A}ブロードバンド", "{EA} Broadband", "{a}-broadband", op, false},
			{1, "{A}データリンク", "{EA} Datalink", "{a}-datalink", op, false},
		}},
	{Code: "broadcast", JA: "放送セプター", EN: "Broadcasting CEPTOR", Sector: "ict", InCouncil: true,
		SecJA: "一般社団法人 放送事業者情報セキュリティ協会", SecEN: "Broadcasters Information Security Association",
		Weight: 40, Second: "cabletv", Depts: companyDepts, Variants: []variant{
			{3, "{A}放送", "{EA} Broadcasting", "{a}-hoso", op, false},
			{3, "{A}テレビ", "{EA} Television", "{a}-tv", op, false},
			{2, "エフエム{A}", "FM {EA}", "fm-{a}", op, false},
			{1, "{A}ラジオ", "Radio {EA}", "{a}-radio", op, false},
		}},
	{Code: "cabletv", JA: "ケーブルテレビセプター", EN: "Cable Television CEPTOR", Sector: "ict", InCouncil: true,
		SecJA: "一般社団法人 ケーブルテレビ事業者連絡協議会", SecEN: "Cable Television Operators Liaison Council",
		Weight: 40, Second: "telecom", Depts: companyDepts, Variants: []variant{
			{3, "{A}ケーブルテレビ", "{EA} Cable Television", "{a}-catv", op, false},
			{2, "ケーブルネット{A}", "Cable Net {EA}", "cablenet-{a}", op, false},
			{1, "{A}ケーブルビジョン", "{EA} Cablevision", "{a}-cablevision", op, false},
		}},
	{Code: "bank", JA: "銀行等セプター", EN: "Banks CEPTOR", Sector: "finance", InCouncil: true,
		SecJA: "一般社団法人 全国銀行等情報共有協会", SecEN: "National Banks Information Sharing Association",
		Weight: 120, Second: "payment", Depts: companyDepts, Variants: []variant{
			{35, "{A}銀行", "{EA} Bank", "{a}-bank", op, false},
			{40, "{A}信用金庫", "{EA} Shinkin Bank", "{a}-shinkin", op, false},
			{20, "{A}信用組合", "{EA} Credit Cooperative", "{a}-shinkumi", op, false},
			{5, "{A}労働金庫", "{EA} Labour Bank", "{a}-rokin", op, false},
		}},
	{Code: "life-insurance", JA: "生命保険セプター", EN: "Life Insurance CEPTOR", Sector: "finance", InCouncil: true,
		SecJA: "一般社団法人 生命保険業情報共有協議会", SecEN: "Life Insurers Information Sharing Council",
		Weight: 15, Depts: companyDepts, Variants: []variant{
			{2, "{A}生命保険", "{EA} Life Insurance", "{a}-life", op, false},
			{1, "{A}生命", "{EA} Life", "{a}-seimei", op, false},
		}},
	{Code: "nonlife-insurance", JA: "損害保険セプター", EN: "Non-life Insurance CEPTOR", Sector: "finance", InCouncil: true,
		SecJA: "一般社団法人 損害保険業情報共有協議会", SecEN: "Non-life Insurers Information Sharing Council",
		Weight: 15, Depts: companyDepts, Variants: []variant{
			{2, "{A}損害保険", "{EA} General Insurance", "{a}-sonpo", op, false},
			{1, "{A}火災海上保険", "{EA} Fire & Marine Insurance", "{a}-kaijo", op, false},
		}},
	{Code: "securities", JA: "証券セプター", EN: "Securities CEPTOR", Sector: "finance", InCouncil: true,
		SecJA: "一般社団法人 証券業情報セキュリティ協議会", SecEN: "Securities Industry Information Security Council",
		Weight: 35, Depts: companyDepts, Variants: []variant{
			{4, "{A}証券", "{EA} Securities", "{a}-sec", op, false},
			{1, "{A}ネット証券", "{EA} Online Securities", "{a}-netsec", op, false},
		}},
	{Code: "payment", JA: "資金決済セプター", EN: "Payment Services CEPTOR", Sector: "finance", InCouncil: false,
		SecJA: "一般社団法人 資金決済事業者情報共有協会", SecEN: "Payment Service Providers Information Sharing Association",
		Weight: 20, Depts: companyDepts, Variants: []variant{
			{2, "{A}ペイ", "{EA} Pay", "{a}-pay", op, false},
			{2, "{A}決済サービス", "{EA} Payment Services", "{a}-payments", op, false},
			{1, "{A}マネー", "{EA} Money", "{a}-money", op, false},
		}},
	{Code: "aviation", JA: "航空セプター", EN: "Aviation CEPTOR", Sector: "aviation", InCouncil: true,
		SecJA: "一般社団法人 航空運送事業者情報共有協議会", SecEN: "Air Carriers Information Sharing Council",
		Weight: 7, Depts: companyDepts, Variants: []variant{
			{3, "{A}航空", "{EA} Airlines", "{a}-air", op, false},
			{1, "{A}エアライン", "{EA} Airline", "{a}-airline", op, false},
			{1, "{A}エアコミューター", "{EA} Air Commuter", "{a}-aircommuter", op, false},
		}},
	{Code: "airport", JA: "空港セプター", EN: "Airports CEPTOR", Sector: "airport", InCouncil: true,
		SecJA: "一般社団法人 空港運営者連絡協議会", SecEN: "Airport Operators Liaison Council",
		Weight: 6, Depts: companyDepts, Variants: []variant{
			{2, "{A}空港ビル", "{EA} Airport Terminal", "{a}-airport-terminal", op, false},
			{2, "{A}空港運営", "{EA} Airport Operations", "{a}-airport", op, false},
			{1, "{A}国際空港", "{EA} International Airport", "{a}-intl-airport", op, false},
		}},
	{Code: "railway", JA: "鉄道セプター", EN: "Railways CEPTOR", Sector: "railway", InCouncil: true,
		SecJA: "一般社団法人 鉄道事業者情報セキュリティ協議会", SecEN: "Railway Operators Information Security Council",
		Weight: 30, Second: "logistics", Depts: companyDepts, Variants: []variant{
			{4, "{A}鉄道", "{EA} Railway", "{a}-railway", op, false},
			{3, "{A}電鉄", "{EA} Electric Railway", "{a}-dentetsu", op, false},
			{2, "{A}交通", "{EA} Transit", "{a}-kotsu", op, false},
			{1, "{A}高速鉄道", "{EA} Rapid Railway", "{a}-rapid", op, false},
		}},
	{Code: "electricity", JA: "電力セプター", EN: "Electric Power CEPTOR", Sector: "electricity", InCouncil: true,
		SecJA: "一般社団法人 電力事業者情報共有センター", SecEN: "Electric Power Information Sharing Center",
		Weight: 30, Second: "gas", Depts: companyDepts, Variants: []variant{
			{3, "{A}電力", "{EA} Electric Power", "{a}-denryoku", op, false},
			{2, "{A}電力送配電", "{EA} Power Grid", "{a}-grid", op, false},
			{3, "{A}エナジー", "{EA} Energy", "{a}-energy", op, false},
			{2, "{A}新電力", "{EA} New Power", "{a}-newpower", op, false},
		}},
	{Code: "gas", JA: "ガスセプター", EN: "Gas CEPTOR", Sector: "gas", InCouncil: true,
		SecJA: "一般社団法人 ガス事業者情報共有協議会", SecEN: "Gas Utilities Information Sharing Council",
		Weight: 50, Second: "electricity", Depts: companyDepts, Variants: []variant{
			{6, "{A}ガス", "{EA} Gas", "{a}-gas", op, false},
			{1, "{A}瓦斯", "{EA} Gas Company", "{a}-gasu", op, false},
			{2, "{A}都市ガス", "{EA} City Gas", "{a}-citygas", op, false},
			{1, "{A}ガスエネルギー", "{EA} Gas Energy", "{a}-gas-energy", op, false},
		}},
	{Code: "localgov", JA: "地方公共団体セプター", EN: "Local Governments CEPTOR", Sector: "government", InCouncil: true,
		SecJA: "一般財団法人 自治体情報セキュリティ連絡協議会", SecEN: "Local Government Information Security Liaison Council",
		Weight: 200, Depts: localDepts, Variants: []variant{
			{45, "{A}市", "{EA} City", "city-{a}", lg, false},
			{35, "{A}町", "{EA} Town", "town-{a}", lg, false},
			{10, "{A}村", "{EA} Village", "vill-{a}", lg, false},
			{5, "{P}", "{EP} Prefectural Government", "pref-{p}", lg, true},
			{5, "{A}広域連合", "{EA} Regional Union", "{a}-kouiki", lg, false},
		}},
	{Code: "medical", JA: "医療セプター", EN: "Medical Services CEPTOR", Sector: "medical", InCouncil: true,
		SecJA: "公益社団法人 医療機関情報セキュリティ協議会", SecEN: "Medical Institutions Information Security Council",
		Weight: 150, Depts: medicalDepts, Variants: []variant{
			{40, "医療法人{B}会 {A}病院", "{EA} Hospital", "{b}kai-{a}-hp", op, false},
			{15, "医療法人社団{B}会 {A}中央病院", "{EA} Central Hospital", "{b}kai-{a}-chuo-hp", op, false},
			{15, "社会医療法人{B}会 {A}総合病院", "{EA} General Hospital", "{b}kai-{a}-general-hp", op, false},
			{20, "{A}市立病院", "{EA} Municipal Hospital", "{a}-city-hp", lg, false},
			{5, "{P}立中央病院", "{EP} Prefectural Central Hospital", "pref-{p}-hp", lg, true},
		}},
	{Code: "water", JA: "水道セプター", EN: "Water Supply CEPTOR", Sector: "water", InCouncil: true,
		SecJA: "公益社団法人 水道事業者情報共有協会", SecEN: "Water Utilities Information Sharing Association",
		Weight: 80, Depts: waterDepts, Variants: []variant{
			{50, "{A}市水道局", "{EA} City Waterworks Bureau", "{a}-suido", lg, false},
			{10, "{P}企業局", "{EP} Public Enterprise Bureau", "pref-{p}-kigyo", lg, true},
			{20, "{A}広域水道企業団", "{EA} Regional Water Supply Authority", "{a}-kouiki-suido", lg, false},
			{20, "{A}上下水道局", "{EA} Water and Sewerage Bureau", "{a}-jogesuido", lg, false},
		}},
	{Code: "logistics", JA: "物流セプター", EN: "Logistics CEPTOR", Sector: "logistics", InCouncil: true,
		SecJA: "一般社団法人 物流事業者情報共有協議会", SecEN: "Logistics Operators Information Sharing Council",
		Weight: 40, Second: "port", Depts: companyDepts, Variants: []variant{
			{3, "{A}運輸", "{EA} Transport", "{a}-unyu", op, false},
			{3, "{A}物流", "{EA} Logistics", "{a}-butsuryu", op, false},
			{2, "{A}ロジスティクス", "{EA} Logistics Services", "{a}-logistics", op, false},
			{1, "{A}倉庫", "{EA} Warehouse", "{a}-soko", op, false},
			{1, "{A}通運", "{EA} Express", "{a}-tsuun", op, false},
		}},
	{Code: "chemical", JA: "化学セプター", EN: "Chemicals CEPTOR", Sector: "chemical", InCouncil: true,
		SecJA: "一般社団法人 化学産業情報セキュリティ協議会", SecEN: "Chemical Industry Information Security Council",
		Weight: 20, Second: "petroleum", Depts: companyDepts, Variants: []variant{
			{3, "{A}化学", "{EA} Chemical", "{a}-kagaku", op, false},
			{2, "{A}化成", "{EA} Chemical Industries", "{a}-kasei", op, false},
			{1, "{A}ケミカル", "{EA} Chemicals", "{a}-chemical", op, false},
		}},
	{Code: "credit", JA: "クレジットセプター", EN: "Credit Cards CEPTOR", Sector: "credit", InCouncil: true,
		SecJA: "一般社団法人 クレジット事業者情報共有協会", SecEN: "Credit Card Companies Information Sharing Association",
		Weight: 20, Second: "payment", Depts: companyDepts, Variants: []variant{
			{3, "{A}カード", "{EA} Card", "{a}-card", op, false},
			{2, "{A}クレジット", "{EA} Credit", "{a}-credit", op, false},
			{1, "{A}信販", "{EA} Consumer Finance", "{a}-shinpan", op, false},
		}},
	{Code: "petroleum", JA: "石油セプター", EN: "Petroleum CEPTOR", Sector: "petroleum", InCouncil: true,
		SecJA: "一般社団法人 石油産業情報共有協議会", SecEN: "Petroleum Industry Information Sharing Council",
		Weight: 6, Second: "chemical", Depts: companyDepts, Variants: []variant{
			{3, "{A}石油", "{EA} Oil", "{a}-oil", op, false},
			{2, "{A}石油精製", "{EA} Oil Refining", "{a}-refining", op, false},
			{1, "{A}石油備蓄", "{EA} Oil Stockpiling", "{a}-oil-stockpile", op, false},
		}},
	{Code: "port", JA: "港湾セプター", EN: "Ports CEPTOR", Sector: "port", InCouncil: false,
		SecJA: "一般社団法人 港湾運営者情報共有協議会", SecEN: "Port Operators Information Sharing Council",
		Weight: 6, Second: "logistics", Depts: companyDepts, Variants: []variant{
			{3, "{A}港湾運営", "{EA} Port Operations", "{a}-port", op, false},
			{2, "{A}埠頭", "{EA} Wharf", "{a}-futo", op, false},
			{2, "{A}港運", "{EA} Stevedoring", "{a}-koun", op, false},
			{1, "{A}国際コンテナターミナル", "{EA} International Container Terminal", "{a}-ict", op, false},
		}},
}

// variant is a name pattern for the operators of a CEPTOR. In JA, EN and
// Slug, {A}/{a}/{EA} stand for the main stem (Japanese, romaji, capitalised
// romaji), {B}/{b}/{EB} for a second stem, and {P}/{p}/{EP} for the
// prefecture (its full name, romaji, capitalised romaji).
type variant struct {
	Weight       int
	JA, EN, Slug string
	Kind         ceptor.EntityKind
	Pref         bool // one per prefecture at most: the stem is the prefecture itself
}

// Short names for the entity kinds in the variant tables.
const (
	op = ceptor.EntityCIOperator
	lg = ceptor.EntityLocalGov
)
