package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/c4tap"
	"ceptor/sqldb"
)

// Correlation: for an indicator, how many organisations in how many
// sectors hold it, counted only over the sources the viewer may see
// (ceptor.Allow on each), never naming organisations: an anonymous report
// counts as its CEPTOR, a MISP event as its creator, and counts below
// ceptor.StatsThreshold are shown as "fewer than".

// CorrelationSource is a source of an indicator the viewer may open.
type CorrelationSource struct {
	Kind string     `json:"kind"` // report, taxii, misp, c4tap
	ID   int64      `json:"id"`
	TLP  ceptor.TLP `json:"tlp"`
	URL  string     `json:"url,omitempty"`
}

// Correlation is the answer for one indicator.
type Correlation struct {
	Type    ceptor.IndicatorType `json:"type"`
	Value   string               `json:"value"`
	Defang  string               `json:"defanged"`
	Sources int                  `json:"sources"`
	// Organisations and Sectors are nil when below FewerThan.
	Organisations *int                `json:"organisations"`
	Sectors       *int                `json:"sectors"`
	FewerThan     int                 `json:"fewer_than,omitempty"`
	Visible       []CorrelationSource `json:"visible_sources"`
	// For the page.
	OrgCount, SectorCount int `json:"-"`
}

func (s *Server) correlate(ctx context.Context, a *ceptor.Actor, in ceptor.Indicator) (*Correlation, error) {
	n, key := in.Normalize()
	if key != "" {
		return nil, ceptor.Invalid(map[string]string{"value": key})
	}
	in = n
	store, err := s.sharing()
	if err != nil {
		return nil, err
	}
	sights, err := store.IndicatorSightings(ctx, in, 5000)
	if err != nil {
		return nil, err
	}
	var cols *taxiiCollectionSet
	orgs, sectors := map[string]bool{}, map[int64]bool{}
	sectorsOf := map[int64][]int64{}
	orgSectors := func(id int64) []int64 {
		if v, ok := sectorsOf[id]; ok {
			return v
		}
		o, err := s.store.FindOrg(ctx, id)
		if err != nil {
			sectorsOf[id] = nil
			return nil
		}
		sectorsOf[id] = o.SectorIDs
		return o.SectorIDs
	}
	c := &Correlation{Type: in.Type, Value: in.Value, Defang: c4tap.Defang(in), Visible: []CorrelationSource{}}
	for _, sg := range sights {
		var res ceptor.Resource
		var orgKey string
		var secs []int64
		url := ""
		switch sg.Kind {
		case sqldb.SightReport:
			if sg.Ref == nil {
				continue
			}
			res = sg.Ref.Resource()
			if sg.Ref.Route == ceptor.RouteAnonymous {
				orgKey = "ceptor:" + strconv.FormatInt(sg.Ref.CeptorID, 10)
			} else {
				orgKey = "org:" + strconv.FormatInt(sg.Ref.ReporterOrg, 10)
			}
			if sg.Ref.SectorID != 0 {
				secs = []int64{sg.Ref.SectorID}
			}
			url = "/reports/" + strconv.FormatInt(sg.SourceID, 10)
		case sqldb.SightTAXII:
			if cols == nil {
				if cols, err = s.taxiiCollections(ctx, "ja"); err != nil {
					return nil, err
				}
			}
			col := cols.key(sg.Extra)
			if col == nil {
				continue
			}
			res = col.resource()
			res.OrgID, res.TLP = sg.OrgID, sg.TLP
			orgKey, secs = "org:"+strconv.FormatInt(sg.OrgID, 10), orgSectors(sg.OrgID)
		case sqldb.SightMISP:
			res = ceptor.Resource{Kind: ceptor.KindMISP, OrgID: sg.OrgID, TLP: sg.TLP}
			orgKey = "misp:" + strings.ToLower(strings.TrimSpace(sg.Extra))
			if sg.Extra == "" {
				orgKey = "org:" + strconv.FormatInt(sg.OrgID, 10)
			}
			url = "/sharing/misp/" + strconv.FormatInt(sg.SourceID, 10)
		case sqldb.SightSubscription:
			// Received from a subscribed collection: external information,
			// decided like an imported MISP event (CLEAR/GREEN for every
			// participant, narrower for the subscriber and NISC).
			res = ceptor.Resource{Kind: ceptor.KindMISP, OrgID: sg.OrgID, TLP: sg.TLP}
			orgKey = "subscription:" + strconv.FormatInt(sg.SourceID, 10)
		case sqldb.SightC4TAP:
			res = ceptor.Resource{Kind: ceptor.KindC4TAP, OrgID: sg.OrgID, TLP: sg.TLP}
			orgKey, secs = "org:"+strconv.FormatInt(sg.OrgID, 10), orgSectors(sg.OrgID)
			url = "/sharing/c4tap/" + strconv.FormatInt(sg.SourceID, 10)
		default:
			continue
		}
		if !ceptor.Allow(a, ceptor.ActView, res) {
			continue
		}
		c.Sources++
		orgs[orgKey] = true
		for _, id := range secs {
			sectors[id] = true
		}
		if len(c.Visible) < 100 {
			c.Visible = append(c.Visible, CorrelationSource{Kind: sg.Kind, ID: sg.SourceID, TLP: sg.TLP, URL: url})
		}
	}
	no, ns := len(orgs), len(sectors)
	if t := ceptor.StatsThreshold(a); t > 0 && no < t {
		c.FewerThan = t
	} else {
		c.Organisations, c.Sectors = &no, &ns
		c.OrgCount, c.SectorCount = no, ns
	}
	slices.SortFunc(c.Visible, func(x, y CorrelationSource) int { return strings.Compare(x.Kind, y.Kind) })
	return c, nil
}

func parseIndicatorQuery(r *http.Request) (ceptor.Indicator, error) {
	q := r.URL.Query()
	t := ceptor.IndicatorType(q.Get("type"))
	if !slices.Contains(ceptor.IndicatorTypes, t) {
		return ceptor.Indicator{}, ceptor.Invalid(map[string]string{"type": "err.indicator_type"})
	}
	return ceptor.Indicator{Type: t, Value: q.Get("value")}, nil
}
