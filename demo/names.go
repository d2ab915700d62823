package demo

// Name material for the synthetic operators and people. Place names are real
// Japanese municipalities and prefectures, used only as word stems: every
// organisation built from them carries the demo marker, its domain is under
// example.jp, and its phone numbers are unassignable.

// prefecture is one of the 47 prefectures: its full name, the stem used in
// compound names, and the romanised stem for domains and English names.
type prefecture struct {
	Name   string // 青森県
	Stem   string // 青森
	Romaji string // aomori
	Cities []place
}

// place is a word stem: a municipality of a prefecture or a generic stem.
type place struct {
	JA     string
	Romaji string
}

// prefectures lists every prefecture with a few of its municipalities.
// Names of large companies (日立, 豊田 ...) are left out on purpose so that
// no demo bank or utility sounds like a well-known enterprise.
var prefectures = []prefecture{
	{"北海道", "北海道", "hokkaido", []place{{"札幌", "sapporo"}, {"旭川", "asahikawa"}, {"函館", "hakodate"}, {"釧路", "kushiro"}, {"帯広", "obihiro"}, {"小樽", "otaru"}, {"北見", "kitami"}, {"苫小牧", "tomakomai"}}},
	{"青森県", "青森", "aomori", []place{{"弘前", "hirosaki"}, {"八戸", "hachinohe"}, {"十和田", "towada"}, {"五所川原", "goshogawara"}}},
	{"岩手県", "岩手", "iwate", []place{{"盛岡", "morioka"}, {"花巻", "hanamaki"}, {"一関", "ichinoseki"}, {"宮古", "miyako"}}},
	{"宮城県", "宮城", "miyagi", []place{{"仙台", "sendai"}, {"石巻", "ishinomaki"}, {"気仙沼", "kesennuma"}, {"名取", "natori"}}},
	{"秋田県", "秋田", "akita", []place{{"横手", "yokote"}, {"大館", "odate"}, {"能代", "noshiro"}, {"湯沢", "yuzawa"}}},
	{"山形県", "山形", "yamagata", []place{{"米沢", "yonezawa"}, {"鶴岡", "tsuruoka"}, {"酒田", "sakata"}, {"天童", "tendo"}}},
	{"福島県", "福島", "fukushima", []place{{"郡山", "koriyama"}, {"いわき", "iwaki"}, {"会津若松", "aizuwakamatsu"}, {"白河", "shirakawa"}}},
	{"茨城県", "茨城", "ibaraki", []place{{"水戸", "mito"}, {"つくば", "tsukuba"}, {"土浦", "tsuchiura"}, {"古河", "koga"}}},
	{"栃木県", "栃木", "tochigi", []place{{"宇都宮", "utsunomiya"}, {"足利", "ashikaga"}, {"小山", "oyama"}, {"日光", "nikko"}}},
	{"群馬県", "群馬", "gunma", []place{{"前橋", "maebashi"}, {"高崎", "takasaki"}, {"桐生", "kiryu"}, {"伊勢崎", "isesaki"}}},
	{"埼玉県", "埼玉", "saitama", []place{{"川越", "kawagoe"}, {"所沢", "tokorozawa"}, {"越谷", "koshigaya"}, {"熊谷", "kumagaya"}, {"春日部", "kasukabe"}}},
	{"千葉県", "千葉", "chiba", []place{{"船橋", "funabashi"}, {"柏", "kashiwa"}, {"松戸", "matsudo"}, {"木更津", "kisarazu"}, {"成田", "narita"}}},
	{"東京都", "東京", "tokyo", []place{{"八王子", "hachioji"}, {"町田", "machida"}, {"立川", "tachikawa"}, {"府中", "fuchu"}, {"調布", "chofu"}, {"武蔵野", "musashino"}}},
	{"神奈川県", "神奈川", "kanagawa", []place{{"横浜", "yokohama"}, {"相模原", "sagamihara"}, {"藤沢", "fujisawa"}, {"横須賀", "yokosuka"}, {"小田原", "odawara"}, {"平塚", "hiratsuka"}}},
	{"新潟県", "新潟", "niigata", []place{{"長岡", "nagaoka"}, {"上越", "joetsu"}, {"三条", "sanjo"}, {"柏崎", "kashiwazaki"}}},
	{"富山県", "富山", "toyama", []place{{"高岡", "takaoka"}, {"魚津", "uozu"}, {"砺波", "tonami"}}},
	{"石川県", "石川", "ishikawa", []place{{"金沢", "kanazawa"}, {"七尾", "nanao"}, {"加賀", "kaga"}}},
	{"福井県", "福井", "fukui", []place{{"敦賀", "tsuruga"}, {"越前", "echizen"}, {"鯖江", "sabae"}}},
	{"山梨県", "山梨", "yamanashi", []place{{"甲府", "kofu"}, {"富士吉田", "fujiyoshida"}, {"甲斐", "kai"}}},
	{"長野県", "長野", "nagano", []place{{"松本", "matsumoto"}, {"上田", "ueda"}, {"飯田", "iida"}, {"諏訪", "suwa"}}},
	{"岐阜県", "岐阜", "gifu", []place{{"大垣", "ogaki"}, {"高山", "takayama"}, {"多治見", "tajimi"}, {"関", "seki"}}},
	{"静岡県", "静岡", "shizuoka", []place{{"浜松", "hamamatsu"}, {"沼津", "numazu"}, {"富士宮", "fujinomiya"}, {"掛川", "kakegawa"}, {"三島", "mishima"}}},
	{"愛知県", "愛知", "aichi", []place{{"名古屋", "nagoya"}, {"豊橋", "toyohashi"}, {"岡崎", "okazaki"}, {"一宮", "ichinomiya"}, {"春日井", "kasugai"}}},
	{"三重県", "三重", "mie", []place{{"津", "tsu"}, {"四日市", "yokkaichi"}, {"伊勢", "ise"}, {"鈴鹿", "suzuka"}, {"松阪", "matsusaka"}}},
	{"滋賀県", "滋賀", "shiga", []place{{"大津", "otsu"}, {"彦根", "hikone"}, {"草津", "kusatsu"}, {"長浜", "nagahama"}}},
	{"京都府", "京都", "kyoto", []place{{"舞鶴", "maizuru"}, {"宇治", "uji"}, {"福知山", "fukuchiyama"}, {"亀岡", "kameoka"}}},
	{"大阪府", "大阪", "osaka", []place{{"堺", "sakai"}, {"豊中", "toyonaka"}, {"枚方", "hirakata"}, {"吹田", "suita"}, {"高槻", "takatsuki"}, {"岸和田", "kishiwada"}}},
	{"兵庫県", "兵庫", "hyogo", []place{{"神戸", "kobe"}, {"姫路", "himeji"}, {"西宮", "nishinomiya"}, {"尼崎", "amagasaki"}, {"明石", "akashi"}}},
	{"奈良県", "奈良", "nara", []place{{"橿原", "kashihara"}, {"生駒", "ikoma"}, {"大和郡山", "yamatokoriyama"}}},
	{"和歌山県", "和歌山", "wakayama", []place{{"田辺", "tanabe"}, {"新宮", "shingu"}, {"海南", "kainan"}}},
	{"鳥取県", "鳥取", "tottori", []place{{"米子", "yonago"}, {"倉吉", "kurayoshi"}, {"境港", "sakaiminato"}}},
	{"島根県", "島根", "shimane", []place{{"松江", "matsue"}, {"出雲", "izumo"}, {"浜田", "hamada"}}},
	{"岡山県", "岡山", "okayama", []place{{"倉敷", "kurashiki"}, {"津山", "tsuyama"}, {"玉野", "tamano"}}},
	{"広島県", "広島", "hiroshima", []place{{"福山", "fukuyama"}, {"呉", "kure"}, {"尾道", "onomichi"}, {"三原", "mihara"}}},
	{"山口県", "山口", "yamaguchi", []place{{"下関", "shimonoseki"}, {"宇部", "ube"}, {"周南", "shunan"}, {"岩国", "iwakuni"}}},
	{"徳島県", "徳島", "tokushima", []place{{"鳴門", "naruto"}, {"阿南", "anan"}, {"吉野川", "yoshinogawa"}}},
	{"香川県", "香川", "kagawa", []place{{"高松", "takamatsu"}, {"丸亀", "marugame"}, {"坂出", "sakaide"}}},
	{"愛媛県", "愛媛", "ehime", []place{{"松山", "matsuyama"}, {"今治", "imabari"}, {"新居浜", "niihama"}, {"宇和島", "uwajima"}}},
	{"高知県", "高知", "kochi", []place{{"南国", "nankoku"}, {"四万十", "shimanto"}, {"須崎", "susaki"}}},
	{"福岡県", "福岡", "fukuoka", []place{{"北九州", "kitakyushu"}, {"久留米", "kurume"}, {"飯塚", "iizuka"}, {"大牟田", "omuta"}, {"糸島", "itoshima"}}},
	{"佐賀県", "佐賀", "saga", []place{{"唐津", "karatsu"}, {"鳥栖", "tosu"}, {"伊万里", "imari"}}},
	{"長崎県", "長崎", "nagasaki", []place{{"佐世保", "sasebo"}, {"諫早", "isahaya"}, {"大村", "omura"}}},
	{"熊本県", "熊本", "kumamoto", []place{{"八代", "yatsushiro"}, {"天草", "amakusa"}, {"玉名", "tamana"}}},
	{"大分県", "大分", "oita", []place{{"別府", "beppu"}, {"中津", "nakatsu"}, {"日田", "hita"}}},
	{"宮崎県", "宮崎", "miyazaki", []place{{"都城", "miyakonojo"}, {"延岡", "nobeoka"}, {"日向", "hyuga"}}},
	{"鹿児島県", "鹿児島", "kagoshima", []place{{"霧島", "kirishima"}, {"鹿屋", "kanoya"}, {"薩摩川内", "satsumasendai"}}},
	{"沖縄県", "沖縄", "okinawa", []place{{"那覇", "naha"}, {"浦添", "urasoe"}, {"名護", "nago"}, {"宮古島", "miyakojima"}, {"石垣", "ishigaki"}}},
}

// genericStems are word stems that are not tied to one place; an
// organisation named from one is put in a random prefecture.
var genericStems = []place{
	{"青葉", "aoba"}, {"朝日", "asahi"}, {"若葉", "wakaba"}, {"緑が丘", "midorigaoka"}, {"桜台", "sakuradai"},
	{"富士見", "fujimi"}, {"光が丘", "hikarigaoka"}, {"日の出", "hinode"}, {"白鳥", "shiratori"}, {"清流", "seiryu"},
	{"北斗", "hokuto"}, {"明星", "myojo"}, {"若草", "wakakusa"}, {"双葉", "futaba"}, {"常盤", "tokiwa"},
	{"松原", "matsubara"}, {"竹園", "takezono"}, {"梅里", "umesato"}, {"星野", "hoshino"}, {"月見", "tsukimi"},
	{"花園", "hanazono"}, {"春日", "kasuga"}, {"港南", "konan"}, {"湖東", "koto"}, {"山手", "yamate"},
	{"白浜", "shirahama"}, {"美浜", "mihama"}, {"霞ヶ浦", "kasumigaura"}, {"千歳台", "chitosedai"}, {"東雲", "shinonome"},
	{"紅葉台", "momijidai"}, {"泉", "izumi"}, {"橘", "tachibana"}, {"葵", "aoi"}, {"暁", "akatsuki"},
	{"瑞雲", "zuiun"}, {"翠川", "midorikawa"}, {"鷹巣", "takanosu"}, {"銀河", "ginga"}, {"青嵐", "seiran"},
	{"山吹", "yamabuki"}, {"浜風", "hamakaze"}, {"雲雀丘", "hibarigaoka"}, {"楓", "kaede"}, {"柊", "hiiragi"},
}

// directions prefix a stem when the plain stems run out (北青葉, 新朝日 ...).
var directions = []place{{"東", "higashi"}, {"西", "nishi"}, {"南", "minami"}, {"北", "kita"}, {"新", "shin"}, {"中央", "chuo"}}

// familyNames and givenNames make person-style names for contacts and users.
var familyNames = []place{
	{"佐藤", "sato"}, {"鈴木", "suzuki"}, {"高橋", "takahashi"}, {"田中", "tanaka"}, {"伊藤", "ito"},
	{"渡辺", "watanabe"}, {"山本", "yamamoto"}, {"中村", "nakamura"}, {"小林", "kobayashi"}, {"加藤", "kato"},
	{"吉田", "yoshida"}, {"山田", "yamada"}, {"佐々木", "sasaki"}, {"山口", "yamaguchi"}, {"松本", "matsumoto"},
	{"井上", "inoue"}, {"木村", "kimura"}, {"林", "hayashi"}, {"斎藤", "saito"}, {"清水", "shimizu"},
	{"山崎", "yamazaki"}, {"森", "mori"}, {"池田", "ikeda"}, {"橋本", "hashimoto"}, {"阿部", "abe"},
	{"石川", "ishikawa"}, {"山下", "yamashita"}, {"中島", "nakajima"}, {"石井", "ishii"}, {"小川", "ogawa"},
	{"前田", "maeda"}, {"岡田", "okada"}, {"長谷川", "hasegawa"}, {"藤田", "fujita"}, {"後藤", "goto"},
	{"近藤", "kondo"}, {"村上", "murakami"}, {"遠藤", "endo"}, {"青木", "aoki"}, {"坂本", "sakamoto"},
	{"福田", "fukuda"}, {"太田", "ota"}, {"西村", "nishimura"}, {"藤井", "fujii"}, {"金子", "kaneko"},
	{"岡本", "okamoto"}, {"藤原", "fujiwara"}, {"中野", "nakano"}, {"三浦", "miura"}, {"原田", "harada"},
	{"松田", "matsuda"}, {"竹内", "takeuchi"}, {"中川", "nakagawa"}, {"小野", "ono"}, {"田村", "tamura"},
	{"和田", "wada"}, {"上田", "ueda"}, {"森田", "morita"}, {"比嘉", "higa"}, {"大城", "oshiro"},
}

var givenNames = []place{
	{"健一", "kenichi"}, {"大輔", "daisuke"}, {"翔太", "shota"}, {"拓也", "takuya"}, {"直樹", "naoki"},
	{"誠", "makoto"}, {"浩", "hiroshi"}, {"隆", "takashi"}, {"修", "osamu"}, {"亮", "ryo"},
	{"健太", "kenta"}, {"和也", "kazuya"}, {"智子", "tomoko"}, {"裕子", "yuko"}, {"美穂", "miho"},
	{"恵", "megumi"}, {"由美", "yumi"}, {"真由美", "mayumi"}, {"彩", "aya"}, {"美咲", "misaki"},
	{"陽子", "yoko"}, {"直子", "naoko"}, {"久美子", "kumiko"}, {"明美", "akemi"}, {"千尋", "chihiro"},
	{"舞", "mai"}, {"結衣", "yui"}, {"奈々", "nana"}, {"洋平", "yohei"}, {"康介", "kosuke"},
	{"悠斗", "yuto"}, {"蓮", "ren"}, {"涼子", "ryoko"}, {"香織", "kaori"}, {"雅人", "masato"},
	{"信也", "shinya"}, {"俊介", "shunsuke"}, {"美香", "mika"}, {"優奈", "yuna"}, {"達也", "tatsuya"},
}
