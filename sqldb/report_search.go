package sqldb

import (
	"context"
	"database/sql"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"ceptor"
)

// ListReports returns one page of the reports matching f, newest first
// (by submission, drafts by creation), with their policy references, and the
// total number matching. When f.Visible is set only the reports it accepts
// are counted and returned: the policy decides, the store only filters.
func (d *DB) ListReports(ctx context.Context, f ceptor.ReportFilter) ([]*ceptor.Report, []*ceptor.ReportRef, int, error) {
	where, args := d.reportWhere(f)
	// First pass: the light columns of every match, ordered, for the
	// policy predicate and the total.
	rows, err := d.query(ctx, d.db, "SELECT "+d.refCols()+" FROM reports"+where+
		" ORDER BY COALESCE(submitted_at, created_at) DESC, id DESC", args...)
	if err != nil {
		return nil, nil, 0, err
	}
	var refs []*ceptor.ReportRef
	for rows.Next() {
		ref, err := scanRef(rows)
		if err != nil {
			rows.Close()
			return nil, nil, 0, err
		}
		if f.Visible == nil || f.Visible(ref) {
			refs = append(refs, ref)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, 0, translate(err)
	}
	total := len(refs)
	lo, hi := page(total, f.Offset, f.Limit)
	refs = refs[lo:hi]
	ids := make([]int64, len(refs))
	for i, ref := range refs {
		ids[i] = ref.ID
	}
	byID := make(map[int64]*ceptor.Report, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		rows, err := d.query(ctx, d.db, "SELECT "+reportCols+" FROM reports WHERE id IN ("+placeholders(len(chunk))+")", int64Args(chunk)...)
		if err != nil {
			return nil, nil, 0, err
		}
		for rows.Next() {
			r, err := scanReport(rows)
			if err != nil {
				rows.Close()
				return nil, nil, 0, err
			}
			byID[r.ID] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, 0, translate(err)
		}
	}
	out := make([]*ceptor.Report, 0, len(refs))
	outRefs := make([]*ceptor.ReportRef, 0, len(refs))
	for _, ref := range refs {
		// A report deleted between the passes is skipped, never nil.
		if r, ok := byID[ref.ID]; ok {
			out = append(out, r)
			outRefs = append(outRefs, ref)
		}
	}
	return out, outRefs, total, nil
}

func (d *DB) reportWhere(f ceptor.ReportFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if f.Status != "" {
		add("status = ?", string(f.Status))
	}
	if f.SectorID != 0 {
		add("sector_id = ?", f.SectorID)
	}
	if f.Route != "" {
		add("route = ?", string(f.Route))
	}
	if f.Drill != nil {
		add("drill = ?", *f.Drill)
	}
	if f.From != nil {
		add("submitted_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		add("submitted_at < ?", f.To.UTC())
	}
	if f.ReporterTag != "" {
		add("reporter_tag = ?", f.ReporterTag)
	}
	if f.PendingAt != 0 {
		add("pending_at = ?", f.PendingAt)
	}
	for _, w := range strings.Fields(f.Q) {
		c, a := d.textMatch(w)
		add(c, a...)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// textMatch is the condition that the report's text contains w. PostgreSQL
// uses ILIKE on the expression of the pg_trgm index; SQLite asks its FTS5
// trigram index for words of three characters or more and falls back to
// LIKE for shorter ones, which trigrams cannot serve.
func (d *DB) textMatch(w string) (string, []any) {
	pat := "%" + escapeLike(w) + "%"
	if d.dialect == Postgres {
		return `(title || ' ' || body || ' ' || response) ILIKE ? ESCAPE '\'`, []any{pat}
	}
	like := `(title LIKE ? ESCAPE '\' OR body LIKE ? ESCAPE '\' OR response LIKE ? ESCAPE '\')`
	if utf8.RuneCountInString(w) >= 3 {
		// A quoted FTS5 string is matched literally (doubled quotes escape).
		// Reports whose index entry is being rewritten (reports_fts_pending)
		// are matched on their text instead, so that a search never misses
		// or wrongly finds a report that changed a moment ago.
		return `(id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?) AND id NOT IN (SELECT report_id FROM reports_fts_pending)
			OR id IN (SELECT report_id FROM reports_fts_pending) AND ` + like + `)`,
			[]any{`"` + strings.ReplaceAll(w, `"`, `""`) + `"`, pat, pat, pat}
	}
	return like, []any{pat, pat, pat}
}

// ReportCounts counts the reports submitted in [from, to), real ones
// (drill=false) or drills, by sector, event class and cause (see
// ceptor.ReportCount). Drafts are never counted.
func (d *DB) ReportCounts(ctx context.Context, from, to time.Time, drill bool) ([]ceptor.ReportCount, error) {
	rows, err := d.query(ctx, d.db, `SELECT COALESCE(sector_id, 0), event_class, causes FROM reports
		WHERE status <> 'draft' AND drill = ? AND submitted_at >= ? AND submitted_at < ?`, drill, from.UTC(), to.UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		sector int64
		class  ceptor.EventClass
		cause  ceptor.Cause
	}
	n := map[key]int{}
	for rows.Next() {
		var k key
		var causes string
		if err := rows.Scan(&k.sector, &k.class, &causes); err != nil {
			return nil, translate(err)
		}
		n[k]++
		for _, c := range uniqStrings(splitList(causes)) {
			k.cause = ceptor.Cause(c)
			n[k]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	out := make([]ceptor.ReportCount, 0, len(n))
	for k, v := range n {
		out = append(out, ceptor.ReportCount{SectorID: k.sector, EventClass: k.class, Cause: k.cause, N: v})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.SectorID != b.SectorID {
			return a.SectorID < b.SectorID
		}
		if a.EventClass != b.EventClass {
			return a.EventClass < b.EventClass
		}
		return a.Cause < b.Cause
	})
	return out, nil
}

func uniqStrings(xs []string) []string {
	seen := map[string]bool{}
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// indexReport marks a report's full-text entry as out of date (SQLite); the
// text indexer rewrites it shortly after, in a batch, and searches until
// then match the report's own text directly (textMatch). Writing the FTS5
// index inside the change's transaction cost a flush of the index at every
// later statement and at commit, all while holding SQLite's only write lock;
// batching many reports into one index transaction costs one flush.
// PostgreSQL indexes the text itself (pg_trgm over the reports row).
func (d *DB) indexReport(ctx context.Context, tx *sql.Tx, id int64) error {
	if d.dialect != SQLite {
		return nil
	}
	if _, err := d.exec(ctx, tx, "INSERT INTO reports_fts_pending (report_id) VALUES (?) ON CONFLICT DO NOTHING", id); err != nil {
		return err
	}
	if d.indexer != nil {
		d.indexer.kick()
	}
	return nil
}
