package ceptor

import (
	"context"
	"strings"
	"time"
)

// OrgType is the kind of organisation in the programme. What an organisation
// may see and do follows first from its type.
type OrgType string

// The organisation types of SPEC §1.
const (
	OrgNISC        OrgType = "nisc"        // national cyber centre (内閣官房 NISC)
	OrgMinistry    OrgType = "ministry"    // sector ministry (重要インフラ所管省庁)
	OrgSecretariat OrgType = "secretariat" // CEPTOR secretariat (セプター事務局)
	OrgCouncil     OrgType = "council"     // CEPTOR Council (セプターカウンシル)
	OrgOperator    OrgType = "operator"    // critical-infrastructure operator (重要インフラ事業者等)
	OrgSecurity    OrgType = "security"    // security-related agency (情報セキュリティ関係機関)
	OrgResponse    OrgType = "response"    // incident-handling / disaster agency (事案対処省庁・防災関係府省庁)
	OrgSupplier    OrgType = "supplier"    // supply-chain / IT provider (サプライチェーン事業者)
)

// OrgTypes lists every organisation type in display order.
var OrgTypes = []OrgType{OrgNISC, OrgMinistry, OrgSecretariat, OrgCouncil, OrgOperator, OrgSecurity, OrgResponse, OrgSupplier}

// Valid reports whether t is a known type.
func (t OrgType) Valid() bool {
	for _, k := range OrgTypes {
		if k == t {
			return true
		}
	}
	return false
}

// IsHub reports whether organisations of this type are public bodies of the
// programme whose existence and primary contacts every participant may see.
func (t OrgType) IsHub() bool {
	switch t {
	case OrgNISC, OrgMinistry, OrgSecretariat, OrgCouncil, OrgSecurity, OrgResponse:
		return true
	}
	return false
}

// EntityKind is the duty an organisation carries under the Cybersecurity
// Basic Act (local governments Art. 5, CI operators Art. 6, cyber-related
// businesses Art. 7); governance checks in later modules depend on it.
type EntityKind string

// Entity kinds.
const (
	EntityNone          EntityKind = ""
	EntityLocalGov      EntityKind = "local_gov"      // 地方公共団体 (Art. 5)
	EntityCIOperator    EntityKind = "ci_operator"    // 重要社会基盤事業者 (Art. 6)
	EntityCyberBusiness EntityKind = "cyber_business" // サイバー関連事業者 (Art. 7)
)

// Sector is one of the critical-infrastructure sectors (重要インフラ分野). Sectors
// and their ministries are data that NISC edits, never code.
type Sector struct {
	ID            int64     `json:"id"`
	Code          string    `json:"code"`
	NameJA        string    `json:"name_ja"`
	NameEN        string    `json:"name_en"`
	MinistryOrgID int64     `json:"ministry_org_id"`
	SortOrder     int       `json:"sort_order"`
	Since         string    `json:"since,omitempty"` // fiscal year or date when the sector was designated
	Active        bool      `json:"active"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Organization is a participant of the programme.
type Organization struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`    // official Japanese name
	NameEN     string     `json:"name_en"` // English name, may be empty
	NameKana   string     `json:"name_kana,omitempty"`
	Type       OrgType    `json:"type"`
	EntityKind EntityKind `json:"entity_kind,omitempty"`
	SectorIDs  []int64    `json:"sector_ids"` // sectors the organisation works in
	CeptorIDs  []int64    `json:"ceptor_ids"` // CEPTOR memberships (operators and providers)
	Prefecture string     `json:"prefecture,omitempty"`
	Website    string     `json:"website,omitempty"`
	Domains    []string   `json:"domains,omitempty"` // mail and web domains it owns
	Require2FA bool       `json:"require_2fa"`
	Active     bool       `json:"active"`
	Notes      string     `json:"notes,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// DisplayName returns the name in the given language ("ja" or "en").
func (o *Organization) DisplayName(lang string) string {
	if lang == "en" && o.NameEN != "" {
		return o.NameEN
	}
	return o.Name
}

// Validate checks the fields a person enters.
func (o *Organization) Validate() error {
	f := map[string]string{}
	o.Name = strings.TrimSpace(o.Name)
	o.NameEN = strings.TrimSpace(o.NameEN)
	if o.Name == "" {
		f["name"] = "err.required"
	} else if len([]rune(o.Name)) > 200 {
		f["name"] = "err.too_long"
	}
	if len([]rune(o.NameEN)) > 200 {
		f["name_en"] = "err.too_long"
	}
	if !o.Type.Valid() {
		f["type"] = "err.org_type"
	}
	switch o.EntityKind {
	case EntityNone, EntityLocalGov, EntityCIOperator, EntityCyberBusiness:
	default:
		f["entity_kind"] = "err.entity_kind"
	}
	o.Website = strings.TrimSpace(o.Website)
	for i, d := range o.Domains {
		o.Domains[i] = strings.ToLower(strings.TrimSpace(d))
	}
	if o.Website != "" && !validURL(o.Website) {
		f["website"] = "err.url"
	}
	for _, d := range o.Domains {
		if !validDomain(d) {
			f["domains"] = "err.domain"
		}
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// Ceptor is a sector information-sharing body (セプター).
type Ceptor struct {
	ID               int64     `json:"id"`
	Code             string    `json:"code"`
	NameJA           string    `json:"name_ja"`
	NameEN           string    `json:"name_en"`
	SectorID         int64     `json:"sector_id"`
	SecretariatOrgID int64     `json:"secretariat_org_id"`
	InCouncil        bool      `json:"in_council"` // member of the CEPTOR Council
	Active           bool      `json:"active"`
	MemberCount      int       `json:"member_count"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// ContactKind says whether a contact is reached first or as a fallback.
type ContactKind string

// Contact kinds.
const (
	ContactPrimary   ContactKind = "primary"
	ContactAlternate ContactKind = "alternate"
)

// Contact is a person or desk of an organisation that receives advisories and
// reminders. Each contact carries its channels.
type Contact struct {
	ID         int64       `json:"id"`
	OrgID      int64       `json:"org_id"`
	Name       string      `json:"name"`
	Department string      `json:"department,omitempty"`
	Kind       ContactKind `json:"kind"`
	Priority   int         `json:"priority"` // lower first within a kind
	Email      string      `json:"email,omitempty"`
	Phone      string      `json:"phone,omitempty"`
	WebhookURL string      `json:"webhook_url,omitempty"`
	Lang       string      `json:"lang"`
	Active     bool        `json:"active"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
}

// Validate checks the contact's channels.
func (c *Contact) Validate() error {
	f := map[string]string{}
	c.Name = strings.TrimSpace(c.Name)
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	c.Phone = normalizeDigits(strings.TrimSpace(c.Phone))
	c.Department = strings.TrimSpace(c.Department)
	c.WebhookURL = strings.TrimSpace(c.WebhookURL)
	if c.Name == "" {
		f["name"] = "err.required"
	} else if len([]rune(c.Name)) > 200 {
		f["name"] = "err.too_long"
	}
	if len([]rune(c.Department)) > 200 {
		f["department"] = "err.too_long"
	}
	if c.Kind == "" {
		c.Kind = ContactPrimary
	}
	if c.Kind != ContactPrimary && c.Kind != ContactAlternate {
		f["kind"] = "err.contact_kind"
	}
	if c.Lang == "" {
		c.Lang = "ja"
	}
	if c.Lang != "ja" && c.Lang != "en" {
		f["lang"] = "err.lang"
	}
	if c.Email == "" && c.Phone == "" && c.WebhookURL == "" {
		f["email"] = "err.contact_channel"
	}
	if c.Email != "" && !ValidEmail(c.Email) {
		f["email"] = "err.email"
	}
	if c.Phone != "" && !validPhone(c.Phone) {
		f["phone"] = "err.phone"
	}
	if c.WebhookURL != "" && !validURL(c.WebhookURL) {
		f["webhook_url"] = "err.url"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// OrgFilter selects organisations. Zero fields do not filter.
type OrgFilter struct {
	Type     OrgType
	SectorID int64
	CeptorID int64
	Q        string // matches Japanese, English and kana names, substring
	Active   *bool
	IDs      []int64 // restrict to these ids
	// Visible, when set, keeps only the organisations it accepts; callers
	// pass a closure over the policy function so that totals and pages count
	// only what the caller may see.
	Visible func(*Organization) bool
	Limit   int
	Offset  int
}

// RegistryService stores sectors, organisations, CEPTORs, memberships and
// contacts. Implementations never check access; callers ask the policy first.
type RegistryService interface {
	ListSectors(ctx context.Context) ([]*Sector, error)
	FindSector(ctx context.Context, id int64) (*Sector, error)
	CreateSector(ctx context.Context, s *Sector) error
	UpdateSector(ctx context.Context, s *Sector) error

	FindOrg(ctx context.Context, id int64) (*Organization, error)
	ListOrgs(ctx context.Context, f OrgFilter) ([]*Organization, int, error)
	// OrgLabels returns, for the ids that exist, organisations with only
	// their id, type and names set: what a page needs to name them. It may
	// answer from a copy a few seconds old.
	OrgLabels(ctx context.Context, ids []int64) (map[int64]*Organization, error)
	CreateOrg(ctx context.Context, o *Organization) error
	UpdateOrg(ctx context.Context, o *Organization) error

	ListCeptors(ctx context.Context) ([]*Ceptor, error)
	FindCeptor(ctx context.Context, id int64) (*Ceptor, error)
	CreateCeptor(ctx context.Context, c *Ceptor) error
	UpdateCeptor(ctx context.Context, c *Ceptor) error
	SetMembers(ctx context.Context, orgID int64, ceptorIDs []int64) error

	ListContacts(ctx context.Context, orgID int64) ([]*Contact, error)
	FindContact(ctx context.Context, id int64) (*Contact, error)
	CreateContact(ctx context.Context, c *Contact) error
	UpdateContact(ctx context.Context, c *Contact) error
	DeleteContact(ctx context.Context, id int64) error

	// ImportOrgs creates or updates organisations and their contacts in one
	// transaction: all rows or none.
	ImportOrgs(ctx context.Context, rows []*ImportRow) (ImportResult, error)
}

// ImportRow is one organisation with its contacts as read from a CSV/XLSX
// import. ID zero means "create"; otherwise the organisation is updated and
// its contacts replaced by those given (when ReplaceContacts).
type ImportRow struct {
	Line            int
	Org             Organization
	Contacts        []Contact
	ReplaceContacts bool
	// Present holds the codes of the columns the file has ("name_en",
	// "sectors", "ceptors", "require_2fa", "active", "contact_email" ...).
	// The fields of Org whose columns are absent were not given and must
	// not overwrite what is stored. Nil means every column.
	Present map[string]bool
}

// ImportResult counts what an import did.
type ImportResult struct {
	Created  int `json:"created"`
	Updated  int `json:"updated"`
	Contacts int `json:"contacts"`
}
