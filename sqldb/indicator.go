package sqldb

import (
	"context"
	"strings"

	"ceptor"
)

// Sighting is one source holding an indicator: a report, an object received
// over TAXII, an imported MISP event or a C4TAP submission. The caller asks
// the policy about each before counting it.
type Sighting struct {
	Kind     string // report, taxii, misp, c4tap
	SourceID int64
	OrgID    int64      // submitting / importing / sending organisation (0 for anonymous reports)
	TLP      ceptor.TLP // marking of the source
	Extra    string     // taxii: the collection; misp: the creator organisation
	Ref      *ceptor.ReportRef
}

// Sighting source kinds.
const (
	SightReport = "report"
	SightTAXII  = "taxii"
	SightMISP   = "misp"
	SightC4TAP  = "c4tap"
	// SightSubscription: an object received from a subscribed TAXII
	// collection (SourceID the subscription, Extra the STIX id).
	SightSubscription = "subscription"
)

// IndicatorSightings returns up to limit sources holding the (normalised)
// indicator, each once. Every branch reads one (type, value) index; report
// sources come with what the policy needs of them.
func (d *DB) IndicatorSightings(ctx context.Context, in ceptor.Indicator, limit int) ([]Sighting, error) {
	if limit <= 0 {
		limit = 1000
	}
	t, v := string(in.Type), in.Value
	rows, err := d.query(ctx, d.db, `SELECT kind, source_id, org_id, tlp, extra FROM (
		SELECT 'report' AS kind, r.id AS source_id, COALESCE(r.org_id, 0) AS org_id, r.tlp AS tlp, '' AS extra
			FROM report_indicators i JOIN reports r ON r.id = i.report_id WHERE i.type = ? AND i.value = ? AND r.status <> 'draft'
		UNION ALL
		SELECT 'taxii', x.id, x.org_id, x.tlp, x.collection
			FROM taxii_received_indicators i JOIN taxii_received x ON x.id = i.received_id WHERE i.type = ? AND i.value = ?
		UNION ALL
		SELECT DISTINCT 'misp', e.id, e.org_id, e.tlp, e.creator_org
			FROM misp_attributes a JOIN misp_events e ON e.id = a.event_id WHERE a.ind_type = ? AND a.ind_value = ?
		UNION ALL
		SELECT 'c4tap', s.id, s.org_id, s.tlp, ''
			FROM c4tap_indicators i JOIN c4tap_submissions s ON s.id = i.submission_id WHERE i.type = ? AND i.value = ? AND s.withdrawn = ?
		UNION ALL
		SELECT 'subscription', s.id, s.org_id, i.tlp, i.object_id
			FROM taxii_sub_indicators i JOIN taxii_subscriptions s ON s.id = i.subscription_id WHERE i.type = ? AND i.value = ?
	) sightings LIMIT ?`, t, v, t, v, t, v, t, v, false, t, v, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Sighting
	var reports []int64
	for rows.Next() {
		var s Sighting
		if err := rows.Scan(&s.Kind, &s.SourceID, &s.OrgID, &s.TLP, &s.Extra); err != nil {
			return nil, translate(err)
		}
		if s.Kind == SightReport {
			reports = append(reports, s.SourceID)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	rows.Close()
	if len(reports) > 0 {
		refs, err := d.ReportRefs(ctx, reports)
		if err != nil {
			return nil, err
		}
		for i := range out {
			if out[i].Kind == SightReport {
				out[i].Ref = refs[out[i].SourceID]
			}
		}
	}
	return out, nil
}

// ReportRefs returns what the policy needs of several reports.
func (d *DB) ReportRefs(ctx context.Context, ids []int64) (map[int64]*ceptor.ReportRef, error) {
	out := map[int64]*ceptor.ReportRef{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		rows, err := d.query(ctx, d.db, "SELECT "+d.refCols()+" FROM reports WHERE id IN ("+placeholders(len(chunk))+")", int64Args(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			ref, err := scanRef(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[ref.ID] = ref
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, translate(err)
		}
	}
	return out, nil
}

// IndicatorCounts returns, for several indicators at once, how many sources
// hold each (before any policy): a cheap GROUP BY over the (type, value)
// indexes, for hints such as "seen elsewhere" on a report page. Keys are
// "type|value".
func (d *DB) IndicatorCounts(ctx context.Context, ins []ceptor.Indicator) (map[string]int, error) {
	out := map[string]int{}
	if len(ins) == 0 {
		return out, nil
	}
	if len(ins) > 200 {
		ins = ins[:200]
	}
	var conds []string
	var args []any
	for _, in := range ins {
		conds = append(conds, "(type = ? AND value = ?)")
		args = append(args, string(in.Type), in.Value)
	}
	where := strings.Join(conds, " OR ")
	q := `SELECT type, value, COUNT(*) FROM (
		SELECT type, value FROM report_indicators WHERE ` + where + `
		UNION ALL SELECT type, value FROM taxii_received_indicators WHERE ` + where + `
		UNION ALL SELECT ind_type AS type, ind_value AS value FROM misp_attributes WHERE ` + strings.NewReplacer("type", "ind_type", "value", "ind_value").Replace(where) + `
		UNION ALL SELECT type, value FROM c4tap_indicators WHERE ` + where + `
		UNION ALL SELECT type, value FROM taxii_sub_indicators WHERE ` + where + `
	) x GROUP BY type, value`
	all := append(append(append(append(append([]any{}, args...), args...), args...), args...), args...)
	rows, err := d.query(ctx, d.db, q, all...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t, v string
		var n int
		if err := rows.Scan(&t, &v, &n); err != nil {
			return nil, translate(err)
		}
		out[t+"|"+v] = n
	}
	return out, translate(rows.Err())
}
