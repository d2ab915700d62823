package ceptor

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The guideline catalog (安全基準等策定指針): the control items that sector
// safety standards should contain, grouped (governance, risk management,
// incident response ...) and marked baseline (ベースラインとなる対策) or leading
// (先導的な対策). Catalogs are versioned: each import of a catalog code makes a
// new version, and the version records which items were added, changed,
// removed or mapped from the version before, so that survey results stay
// comparable across versions.

// Tier says whether a control item is a baseline or a leading measure.
type Tier string

// Tiers.
const (
	TierBaseline Tier = "baseline" // ベースラインとなる対策
	TierLeading  Tier = "leading"  // 先導的な対策
)

// Valid reports whether t is a known tier.
func (t Tier) Valid() bool { return t == TierBaseline || t == TierLeading }

// CatalogItem is one control item of a catalog version.
type CatalogItem struct {
	ItemID      string `json:"item_id"` // stable identifier, e.g. "GV-01.2"
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Group       string `json:"group"` // category, e.g. 「ガバナンス」
	Tier        Tier   `json:"tier"`
	// Sectors are the codes of the sectors the item applies to; empty: all.
	Sectors []string `json:"sectors"`
	// MapsFrom names the items of the previous version this item continues
	// (renumbered, split or merged); empty: the item with the same id, if any.
	MapsFrom []string `json:"maps_from"`
}

// AppliesTo reports whether the item applies to the sector with code.
func (it *CatalogItem) AppliesTo(sector string) bool {
	return len(it.Sectors) == 0 || slices.Contains(it.Sectors, sector)
}

// Catalog is one version of a guideline catalog.
type Catalog struct {
	ID          int64     `json:"id"`
	Code        string    `json:"code"` // the catalog's name across versions, e.g. "guideline"
	Version     int       `json:"version"`
	Title       string    `json:"title"`
	Edition     string    `json:"edition,omitempty"`      // e.g. 「第5版」
	PublishedOn string    `json:"published_on,omitempty"` // YYYY-MM-DD
	PrevID      int64     `json:"prev_id,omitempty"`      // the version before, 0 for the first
	ItemCount   int       `json:"item_count"`
	Baseline    int       `json:"baseline_count"`
	Leading     int       `json:"leading_count"`
	Source      string    `json:"source"` // csv, xlsx, oscal, demo
	CreatedBy   int64     `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Catalog change kinds recorded against the previous version.
const (
	ChangeAdded   = "added"
	ChangeChanged = "changed"
	ChangeRemoved = "removed"
	ChangeMapped  = "mapped"
)

// CatalogChange is one difference between a version and the one before.
type CatalogChange struct {
	ItemID      string   `json:"item_id"` // the item of this version (of the previous one for removed)
	Change      string   `json:"change"`
	PrevItemIDs []string `json:"prev_item_ids"`
}

var (
	catalogCodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	itemIDRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)
)

// Catalog limits.
const (
	CatalogMaxItems    = 5000
	catalogTitleMax    = 300
	catalogDescMax     = 4000
	catalogGroupMax    = 100
	catalogEditionMax  = 100
	catalogMaxMapsFrom = 20
)

// Validate checks the catalog's own fields.
func (c *Catalog) Validate() error {
	f := map[string]string{}
	c.Code = strings.ToLower(strings.TrimSpace(c.Code))
	c.Title = strings.TrimSpace(c.Title)
	c.Edition = strings.TrimSpace(c.Edition)
	c.PublishedOn = strings.TrimSpace(c.PublishedOn)
	if !catalogCodeRE.MatchString(c.Code) {
		f["code"] = "std.err.code"
	}
	if c.Title == "" {
		f["title"] = "err.required"
	} else if utf8.RuneCountInString(c.Title) > catalogTitleMax {
		f["title"] = "err.too_long"
	}
	if utf8.RuneCountInString(c.Edition) > catalogEditionMax {
		f["edition"] = "err.too_long"
	}
	if c.PublishedOn != "" {
		if _, err := time.Parse("2006-01-02", c.PublishedOn); err != nil {
			f["published_on"] = "std.err.date"
		}
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// ValidateItem checks one item and returns field -> message key; known
// tells whether a sector code exists.
func ValidateItem(it *CatalogItem, known func(code string) bool) map[string]string {
	f := map[string]string{}
	it.ItemID = strings.TrimSpace(it.ItemID)
	it.Title = strings.TrimSpace(it.Title)
	it.Description = strings.TrimSpace(it.Description)
	it.Group = strings.TrimSpace(it.Group)
	switch {
	case it.ItemID == "":
		f["id"] = "err.required"
	case !itemIDRE.MatchString(it.ItemID):
		f["id"] = "std.err.item_id"
	}
	switch {
	case it.Title == "":
		f["title"] = "err.required"
	case utf8.RuneCountInString(it.Title) > catalogTitleMax:
		f["title"] = "err.too_long"
	}
	if utf8.RuneCountInString(it.Description) > catalogDescMax {
		f["description"] = "err.too_long"
	}
	switch {
	case it.Group == "":
		f["group"] = "err.required"
	case utf8.RuneCountInString(it.Group) > catalogGroupMax:
		f["group"] = "err.too_long"
	}
	if !it.Tier.Valid() {
		f["tier"] = "std.err.tier"
	}
	for _, s := range it.Sectors {
		if known != nil && !known(s) {
			f["sectors"] = "std.err.sector"
		}
	}
	if len(it.MapsFrom) > catalogMaxMapsFrom {
		f["maps_from"] = "err.too_long"
	}
	for _, m := range it.MapsFrom {
		if !itemIDRE.MatchString(m) {
			f["maps_from"] = "std.err.item_id"
		}
	}
	if it.Sectors == nil {
		it.Sectors = []string{}
	}
	if it.MapsFrom == nil {
		it.MapsFrom = []string{}
	}
	return f
}

// PrevItemsOf returns the items of the previous version that item it
// continues: its MapsFrom, or else the item with the same id when there is
// one.
func PrevItemsOf(it *CatalogItem, prev map[string]*CatalogItem) []string {
	if len(it.MapsFrom) > 0 {
		return it.MapsFrom
	}
	if _, ok := prev[it.ItemID]; ok {
		return []string{it.ItemID}
	}
	return nil
}

// DiffCatalog compares a new version's items with the previous version's:
// an item whose MapsFrom names other items is mapped; an item with the id of
// an old one is changed when any field differs; other new items are added;
// old items that no new item continues are removed.
func DiffCatalog(prev, next []CatalogItem) []CatalogChange {
	old := map[string]*CatalogItem{}
	for i := range prev {
		old[prev[i].ItemID] = &prev[i]
	}
	continued := map[string]bool{}
	var out []CatalogChange
	for i := range next {
		it := &next[i]
		from := PrevItemsOf(it, old)
		for _, id := range from {
			continued[id] = true
		}
		switch {
		case len(it.MapsFrom) > 0 && !(len(it.MapsFrom) == 1 && it.MapsFrom[0] == it.ItemID):
			out = append(out, CatalogChange{ItemID: it.ItemID, Change: ChangeMapped, PrevItemIDs: slices.Clone(it.MapsFrom)})
		case len(from) == 0:
			out = append(out, CatalogChange{ItemID: it.ItemID, Change: ChangeAdded, PrevItemIDs: []string{}})
		default:
			if o := old[it.ItemID]; o != nil && !sameItem(o, it) {
				out = append(out, CatalogChange{ItemID: it.ItemID, Change: ChangeChanged, PrevItemIDs: []string{it.ItemID}})
			}
		}
	}
	for _, o := range prev {
		if !continued[o.ItemID] {
			out = append(out, CatalogChange{ItemID: o.ItemID, Change: ChangeRemoved, PrevItemIDs: []string{}})
		}
	}
	return out
}

func sameItem(a, b *CatalogItem) bool {
	return a.Title == b.Title && a.Description == b.Description && a.Group == b.Group && a.Tier == b.Tier &&
		slices.Equal(a.Sectors, b.Sectors)
}

// CatalogGroups returns the groups of items in order of first appearance.
func CatalogGroups(items []CatalogItem) []string {
	var out []string
	seen := map[string]bool{}
	for _, it := range items {
		if !seen[it.Group] {
			seen[it.Group] = true
			out = append(out, it.Group)
		}
	}
	return out
}

// CatalogService stores guideline catalogs.
type CatalogService interface {
	// CreateCatalog stores c as the next version of c.Code with its items
	// and the changes against the previous version, all or nothing. It
	// sets c.ID, c.Version, c.PrevID and the counts.
	CreateCatalog(ctx context.Context, c *Catalog, items []CatalogItem) error
	ListCatalogs(ctx context.Context) ([]*Catalog, error)
	FindCatalog(ctx context.Context, id int64) (*Catalog, error)
	// LatestCatalog returns the newest version of a catalog code.
	LatestCatalog(ctx context.Context, code string) (*Catalog, error)
	CatalogItems(ctx context.Context, id int64) ([]CatalogItem, error)
	CatalogChanges(ctx context.Context, id int64) ([]CatalogChange, error)
}
