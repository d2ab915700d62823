package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"ceptor"
)

// Reports upward (情報連絡). The main row holds the latest content as the
// organisations upstream see it; report_versions keeps a JSON copy of every
// version (the original, a secretariat's redaction, each follow-up);
// report_hops is the way the report has travelled. An anonymous report
// stores no clear identity anywhere: org_id, author_user_id, the first hop's
// sender and actor are NULL and the copies carry no organisation or author.

var _ ceptor.ReportService = (*DB)(nil)

const reportCols = `id, version, status, route, COALESCE(ceptor_id, 0), COALESCE(sector_id, 0), tlp, drill,
	COALESCE(org_id, 0), COALESCE(author_user_id, 0), reporter_tag, sealed_identity,
	title, body, event_class, causes, COALESCE(spillover_sector_id, 0), critical_outage, service, systems, COALESCE(supplier_org_id, 0),
	started_at, detected_at, recovered_at, users_affected, area, safety_harm, data_affected, response, indicators, lang, clock_profile,
	created_at, updated_at, submitted_at, closed_at`

func scanReport(sc interface{ Scan(...any) error }) (*ceptor.Report, error) {
	r := &ceptor.Report{}
	var causes, systems, indicators string
	var started, detected, recovered, submitted, closed sql.NullTime
	var users sql.NullInt64
	err := sc.Scan(&r.ID, &r.Version, &r.Status, &r.Route, &r.CeptorID, &r.SectorID, &r.TLP, &r.Drill,
		&r.OrgID, &r.AuthorUserID, &r.ReporterTag, &r.SealedIdentity,
		&r.Title, &r.Body, &r.EventClass, &causes, &r.SpilloverSectorID, &r.CriticalOutage, &r.Service, &systems, &r.SupplierOrgID,
		&started, &detected, &recovered, &users, &r.Impact.Area, &r.Impact.SafetyHarm, &r.Impact.DataAffected, &r.Response, &indicators, &r.Lang, &r.ClockProfile,
		&r.CreatedAt, &r.UpdatedAt, &submitted, &closed)
	if err != nil {
		return nil, translate(err)
	}
	r.Causes = []ceptor.Cause{}
	for _, c := range splitList(causes) {
		r.Causes = append(r.Causes, ceptor.Cause(c))
	}
	r.Systems = []ceptor.SystemKind{}
	for _, s := range splitList(systems) {
		r.Systems = append(r.Systems, ceptor.SystemKind(s))
	}
	r.Indicators = []ceptor.Indicator{}
	if err := json.Unmarshal([]byte(indicators), &r.Indicators); err != nil {
		return nil, &ceptor.Error{Code: ceptor.EINTERNAL, Message: "stored indicators are unreadable", Err: err}
	}
	if users.Valid {
		n := int(users.Int64)
		r.Impact.UsersAffected = &n
	}
	r.StartedAt, r.DetectedAt, r.RecoveredAt = timePtr(started), timePtr(detected), timePtr(recovered)
	r.SubmittedAt, r.ClosedAt = timePtr(submitted), timePtr(closed)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}

// stamp is the clock to the microsecond, which both engines store exactly.
func (d *DB) stamp() time.Time { return d.now().UTC().Truncate(time.Microsecond) }

func joinList[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, " ")
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

func reportStateError(msg string) error {
	return &ceptor.Error{Code: ceptor.ECONFLICT, Message: msg, Key: "err.report_state"}
}

// identity returns what the row stores of the reporter: nothing for an
// anonymous report.
func identity(r *ceptor.Report) (org, author any) {
	if r.Route == ceptor.RouteAnonymous {
		return nil, nil
	}
	return zeroNull(r.OrgID), zeroNull(r.AuthorUserID)
}

// checkReporter refuses a report whose reporter storage could not record.
func checkReporter(r *ceptor.Report) error {
	f := map[string]string{}
	if r.ReporterTag == "" {
		f["reporter_tag"] = "err.required"
	}
	if r.Route == ceptor.RouteAnonymous {
		if r.SealedIdentity == "" {
			f["sealed_identity"] = "err.required"
		}
	} else if r.OrgID == 0 {
		f["org_id"] = "err.required"
	}
	if len(f) > 0 {
		return ceptor.Invalid(f)
	}
	return nil
}

// forget drops the clear identity of an anonymous report from the caller's
// copy too, so that it holds what is stored.
func forget(r *ceptor.Report) {
	if r.Route == ceptor.RouteAnonymous {
		r.OrgID, r.AuthorUserID = 0, 0
	}
}

// CreateReport stores a new report, normally a draft (Status "" means
// draft) at version 1. The caller computes ReporterTag and, for the
// anonymous route, SealedIdentity; an anonymous report's OrgID and
// AuthorUserID are not stored (and are zeroed in r).
func (d *DB) CreateReport(ctx context.Context, r *ceptor.Report) error {
	return d.createReport(ctx, r, nil, 0)
}

// SubmitNewReport stores a new, complete report and sends it along chain
// at once: what CreateReport followed by SubmitReport store, in one insert.
func (d *DB) SubmitNewReport(ctx context.Context, r *ceptor.Report, chain []int64, actorUserID int64) (*ceptor.NewReport, error) {
	store, err := d.PrepareNewReport(r, chain, actorUserID)
	if err != nil {
		return nil, err
	}
	return store(ctx)
}

// PrepareNewReport is SubmitNewReport in two steps: it checks and encodes r
// now, outside any transaction, and returns the function that stores it (in
// the caller's Atomic transaction, where that is short).
func (d *DB) PrepareNewReport(r *ceptor.Report, chain []int64, actorUserID int64) (func(context.Context) (*ceptor.NewReport, error), error) {
	if len(chain) == 0 || slices.Contains(chain, 0) {
		return nil, ceptor.Invalid(map[string]string{"chain": "err.report_chain"})
	}
	r.Status, r.SubmittedAt, r.ClosedAt = ceptor.ReportSubmitted, nil, nil
	if len(chain) == 1 {
		r.Status = ceptor.ReportReceived
	}
	store, err := d.prepareReport(r, chain, actorUserID)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (*ceptor.NewReport, error) {
		if err := store(ctx); err != nil {
			return nil, err
		}
		return newReportOf(r, chain, actorUserID), nil
	}, nil
}

// newReportOf is what storing r along chain wrote besides r itself, as the
// readers would return it (a test holds them equal).
func newReportOf(r *ceptor.Report, chain []int64, actorUserID int64) *ceptor.NewReport {
	ref := &ceptor.ReportRef{ID: r.ID, Status: r.Status, Route: r.Route, CeptorID: r.CeptorID, SectorID: r.SectorID, TLP: r.TLP,
		ReporterOrg: r.OrgID, ChainOrgs: []int64{chain[0]}, ReporterTag: r.ReporterTag}
	hop := ceptor.Hop{Seq: 1, FromOrgID: r.OrgID, ToOrgID: chain[0], Action: "submitted", ActorUserID: actorUserID, At: r.CreatedAt}
	if len(chain) > 1 {
		ref.PendingAt, hop.Pending = chain[0], true
	}
	if r.Route == ceptor.RouteAnonymous {
		hop.FromOrgID, hop.ActorUserID = 0, 0
	}
	// The first version is the snapshot just stored, copied rather than
	// decoded again.
	v := *r
	v.ReporterTag, v.SealedIdentity, v.VersionKind = "", "", ceptor.VersionOriginal
	v.Causes, v.Systems, v.Indicators = slices.Clone(r.Causes), slices.Clone(r.Systems), slices.Clone(r.Indicators)
	return &ceptor.NewReport{Ref: ref, Hops: []ceptor.Hop{hop}, Versions: []*ceptor.Report{&v}}
}

// createReport stores r (and, with chain, its first hop) and returns the
// snapshot of its first version ("" for a draft). r is brought to the form
// the readers return: times in UTC to the microsecond, lists never nil.
func (d *DB) createReport(ctx context.Context, r *ceptor.Report, chain []int64, actorUserID int64) error {
	store, err := d.prepareReport(r, chain, actorUserID)
	if err != nil {
		return err
	}
	return store(ctx)
}

// prepareReport does what createReport can do before the write transaction
// (checks, stamps, encodings) and returns the function that stores r.
func (d *DB) prepareReport(r *ceptor.Report, chain []int64, actorUserID int64) (func(context.Context) error, error) {
	if r.Status == "" {
		r.Status = ceptor.ReportDraft
	}
	switch r.Status {
	case ceptor.ReportDraft, ceptor.ReportSubmitted, ceptor.ReportReceived, ceptor.ReportClosed:
	default:
		return nil, ceptor.Invalid(map[string]string{"status": "err.report_status"})
	}
	if err := r.Validate(r.Status == ceptor.ReportDraft); err != nil {
		return nil, err
	}
	if err := checkReporter(r); err != nil {
		return nil, err
	}
	forget(r)
	storedForm(r)
	now := d.stamp()
	r.Version, r.CreatedAt, r.UpdatedAt = 1, now, now
	if r.Status != ceptor.ReportDraft && r.SubmittedAt == nil {
		r.SubmittedAt = &now
	}
	if r.Status == ceptor.ReportDraft {
		r.SubmittedAt, r.ClosedAt = nil, nil
	}
	if r.Status == ceptor.ReportClosed && r.ClosedAt == nil {
		r.ClosedAt = &now
	}
	// A report sent at once carries its chain; the first hop holds it
	// unless the chain is NISC alone.
	var chainText string
	var pending any
	if chain != nil {
		chainText = joinIDs(chain)
		if len(chain) > 1 {
			pending = chain[0]
		}
	}
	// What can be computed is computed before the write transaction.
	ind, err := json.Marshal(r.Indicators)
	if err != nil {
		return nil, err
	}
	var snap string
	if r.Status != ceptor.ReportDraft {
		if snap, err = versionSnapshot(r); err != nil {
			return nil, err
		}
	}
	org, author := identity(r)
	return func(ctx context.Context) error {
		return d.inTx(ctx, func(tx *sql.Tx) error {
			id, err := d.insert(ctx, tx, `INSERT INTO reports (version, status, route, ceptor_id, sector_id, tlp, drill, org_id, author_user_id, reporter_tag, sealed_identity,
			title, body, event_class, causes, spillover_sector_id, critical_outage, service, systems, supplier_org_id,
			started_at, detected_at, recovered_at, users_affected, area, safety_harm, data_affected, response, indicators, lang, clock_profile,
			created_at, updated_at, submitted_at, closed_at, chain, pending_at)
			VALUES (`+placeholders(37)+`)`,
				r.Version, string(r.Status), string(r.Route), zeroNull(r.CeptorID), zeroNull(r.SectorID), string(r.TLP), r.Drill, org, author, r.ReporterTag, r.SealedIdentity,
				r.Title, r.Body, string(r.EventClass), joinList(r.Causes), zeroNull(r.SpilloverSectorID), r.CriticalOutage, r.Service, joinList(r.Systems), zeroNull(r.SupplierOrgID),
				nullTime(r.StartedAt), nullTime(r.DetectedAt), nullTime(r.RecoveredAt), nullInt(r.Impact.UsersAffected),
				r.Impact.Area, r.Impact.SafetyHarm, r.Impact.DataAffected, r.Response, string(ind), r.Lang, r.ClockProfile,
				now, now, nullTime(r.SubmittedAt), nullTime(r.ClosedAt), chainText, pending)
			if err != nil {
				return err
			}
			r.ID = id
			if chain != nil {
				from, actor := zeroNull(r.OrgID), zeroNull(actorUserID)
				if r.Route == ceptor.RouteAnonymous {
					// Who sent it is part of the sealed identity.
					from, actor = nil, nil
				}
				if _, err := d.exec(ctx, tx, `INSERT INTO report_hops (report_id, seq, from_org_id, to_org_id, action, note, actor_user_id, at) VALUES (?, 1, ?, ?, 'submitted', '', ?, ?)`,
					id, from, chain[0], actor, now); err != nil {
					return err
				}
			}
			if err := d.indexReport(ctx, tx, r.ID); err != nil {
				return err
			}
			if err := d.writeIndicators(ctx, tx, r.ID, r.Indicators, true); err != nil {
				return err
			}
			if r.Status != ceptor.ReportDraft {
				return d.storeVersion(ctx, tx, r.ID, r.Version, ceptor.VersionOriginal, snap, now)
			}
			return nil
		})
	}, nil
}

// writeContent replaces the content of the main row (everything a reporter
// writes, not the routing, identity or state) and its indicators.
func (d *DB) writeContent(ctx context.Context, tx *sql.Tx, r *ceptor.Report, extra string, extraArgs ...any) error {
	ind, err := json.Marshal(r.Indicators)
	if err != nil {
		return err
	}
	args := []any{r.Version, string(r.TLP), r.Title, r.Body, string(r.EventClass), joinList(r.Causes), zeroNull(r.SpilloverSectorID),
		r.CriticalOutage, r.Service, joinList(r.Systems), zeroNull(r.SupplierOrgID),
		nullTime(r.StartedAt), nullTime(r.DetectedAt), nullTime(r.RecoveredAt), nullInt(r.Impact.UsersAffected),
		r.Impact.Area, r.Impact.SafetyHarm, r.Impact.DataAffected, r.Response, string(ind), r.Lang, r.ClockProfile, r.UpdatedAt}
	args = append(args, extraArgs...)
	args = append(args, r.ID)
	res, err := d.exec(ctx, tx, `UPDATE reports SET version = ?, tlp = ?, title = ?, body = ?, event_class = ?, causes = ?, spillover_sector_id = ?,
		critical_outage = ?, service = ?, systems = ?, supplier_org_id = ?, started_at = ?, detected_at = ?, recovered_at = ?, users_affected = ?,
		area = ?, safety_harm = ?, data_affected = ?, response = ?, indicators = ?, lang = ?, clock_profile = ?, updated_at = ?`+extra+` WHERE id = ?`, args...)
	if err := d.expectOne(res, err); err != nil {
		return err
	}
	if err := d.indexReport(ctx, tx, r.ID); err != nil {
		return err
	}
	return d.writeIndicators(ctx, tx, r.ID, r.Indicators, false)
}

// writeIndicators replaces a report's indicators; fresh says the report was
// just inserted and has none yet. They are written in multi-row inserts of
// up to indicatorsPerInsert rows.
func (d *DB) writeIndicators(ctx context.Context, tx *sql.Tx, id int64, inds []ceptor.Indicator, fresh bool) error {
	if !fresh {
		if _, err := d.exec(ctx, tx, "DELETE FROM report_indicators WHERE report_id = ?", id); err != nil {
			return err
		}
	}
	seen := make(map[ceptor.Indicator]bool, len(inds))
	args := make([]any, 0, 3*min(len(inds), indicatorsPerInsert))
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		n := len(args) / 3
		_, err := d.exec(ctx, tx, "INSERT INTO report_indicators (report_id, type, value) VALUES "+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", n), ", "), args...)
		args = args[:0]
		return err
	}
	for _, in := range inds {
		if seen[in] {
			continue
		}
		seen[in] = true
		args = append(args, id, string(in.Type), in.Value)
		if len(args) == 3*indicatorsPerInsert {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// indicatorsPerInsert keeps a statement well under both engines' limits on
// bound parameters.
const indicatorsPerInsert = 200

// writeVersion stores the copy of r at its version. A copy of an anonymous
// report carries no organisation or author.
func (d *DB) writeVersion(ctx context.Context, tx *sql.Tx, r *ceptor.Report, kind ceptor.VersionKind, at time.Time) error {
	snap, err := versionSnapshot(r)
	if err != nil {
		return err
	}
	return d.storeVersion(ctx, tx, r.ID, r.Version, kind, snap, at)
}

// versionSnapshot is the JSON copy of r that report_versions keeps. It can
// be made before r has its id: readers take the id from the row.
func versionSnapshot(r *ceptor.Report) (string, error) {
	c := *r
	c.ReporterTag, c.SealedIdentity, c.VersionKind = "", "", ""
	forget(&c)
	b, err := json.Marshal(&c)
	return string(b), err
}

func (d *DB) storeVersion(ctx context.Context, tx *sql.Tx, id int64, version int, kind ceptor.VersionKind, snap string, at time.Time) error {
	// A second redaction of the same version (two hops redacting) replaces
	// the first.
	_, err := d.exec(ctx, tx, `INSERT INTO report_versions (report_id, version, kind, snapshot, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (report_id, version, kind) DO UPDATE SET snapshot = excluded.snapshot, created_at = excluded.created_at`,
		id, version, string(kind), snap, at)
	return err
}

// lockReport reads a report inside tx, locking its row on PostgreSQL (SQLite
// transactions here take the write lock when they begin).
func (d *DB) lockReport(ctx context.Context, tx *sql.Tx, id int64) (*ceptor.Report, error) {
	lock := ""
	if d.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	return scanReport(d.queryRow(tx, ctx, "SELECT "+reportCols+" FROM reports WHERE id = ?"+lock, id))
}

// UpdateDraft replaces the content of a draft, including its route, sector
// and marking. Anything but a draft is refused with ECONFLICT.
func (d *DB) UpdateDraft(ctx context.Context, r *ceptor.Report) error {
	if err := r.Validate(true); err != nil {
		return err
	}
	if err := checkReporter(r); err != nil {
		return err
	}
	forget(r)
	return d.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := d.lockReport(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if cur.Status != ceptor.ReportDraft {
			return reportStateError("only a draft can be edited")
		}
		r.Status, r.Version, r.CreatedAt = cur.Status, cur.Version, cur.CreatedAt
		r.SubmittedAt, r.ClosedAt = nil, nil
		r.UpdatedAt = d.stamp()
		org, author := identity(r)
		return d.writeContent(ctx, tx, r, `, route = ?, ceptor_id = ?, sector_id = ?, drill = ?, org_id = ?, author_user_id = ?,
			reporter_tag = ?, sealed_identity = ?`,
			string(r.Route), zeroNull(r.CeptorID), zeroNull(r.SectorID), r.Drill, org, author, r.ReporterTag, r.SealedIdentity)
	})
}

// SubmitReport fixes the chain (the organisations the report passes, in
// order, ending with NISC) and sends the draft to its first hop. The draft
// must be complete. A chain of one organisation (the direct route) delivers
// the report at once: it is received and pending nowhere.
func (d *DB) SubmitReport(ctx context.Context, id int64, chain []int64, actorUserID int64) error {
	if len(chain) == 0 || slices.Contains(chain, 0) {
		return ceptor.Invalid(map[string]string{"chain": "err.report_chain"})
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		r, err := d.lockReport(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Status != ceptor.ReportDraft {
			return reportStateError("the report has already been submitted")
		}
		if err := r.Validate(false); err != nil {
			return err
		}
		now := d.stamp()
		r.Status, r.SubmittedAt, r.UpdatedAt = ceptor.ReportSubmitted, &now, now
		var pending any = chain[0]
		if len(chain) == 1 {
			r.Status, pending = ceptor.ReportReceived, nil
		}
		if err := d.expectOne(d.exec(ctx, tx, "UPDATE reports SET status = ?, submitted_at = ?, updated_at = ?, chain = ?, pending_at = ? WHERE id = ?",
			string(r.Status), now, now, joinIDs(chain), pending, id)); err != nil {
			return err
		}
		from, actor := zeroNull(r.OrgID), zeroNull(actorUserID)
		if r.Route == ceptor.RouteAnonymous {
			// Who sent it is part of the sealed identity.
			from, actor = nil, nil
		}
		if _, err := d.exec(ctx, tx, `INSERT INTO report_hops (report_id, seq, from_org_id, to_org_id, action, note, actor_user_id, at) VALUES (?, 1, ?, ?, 'submitted', '', ?, ?)`,
			id, from, chain[0], actor, now); err != nil {
			return err
		}
		return d.writeVersion(ctx, tx, r, ceptor.VersionOriginal, now)
	})
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, " ")
}

func splitIDs(s string) []int64 {
	var out []int64
	for _, f := range strings.Fields(s) {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// RelayReport passes the report from the organisation holding it to the
// next one in its chain. Arriving at the end of the chain (NISC), the report
// is received and pending nowhere. When redacted is given, its text (title,
// body, service, impact texts, response) and indicators replace the main
// row's, which is what everyone upstream reads; the original stays only in
// the version copy of kind "original". A follow-up held for review (see
// AddFollowUp) can only be relayed with a redaction, which is then made of
// the held follow-up rather than of what upstream already has.
func (d *DB) RelayReport(ctx context.Context, id int64, fromOrg int64, note string, actorUserID int64, redacted *ceptor.Report) error {
	return d.relay(ctx, id, fromOrg, note, actorUserID, redacted, nil)
}

// relay is RelayReport; withheld, when not nil, is the complete list of the
// report's attachments to hide from upstream (every other one is released),
// set in the same transaction.
func (d *DB) relay(ctx context.Context, id int64, fromOrg int64, note string, actorUserID int64, redacted *ceptor.Report, withheld []int64) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		r, err := d.lockReport(ctx, tx, id)
		if err != nil {
			return err
		}
		var chainStr string
		var pending, review sql.NullInt64
		if err := d.queryRow(tx, ctx, "SELECT chain, pending_at, review_version FROM reports WHERE id = ?", id).Scan(&chainStr, &pending, &review); err != nil {
			return translate(err)
		}
		// A received report waits again when a follow-up travels up.
		if r.Status != ceptor.ReportSubmitted && r.Status != ceptor.ReportReceived || !pending.Valid || pending.Int64 != fromOrg || fromOrg == 0 {
			return reportStateError("the report is not waiting at this organisation")
		}
		chain := splitIDs(chainStr)
		pos := slices.Index(chain, fromOrg)
		if pos < 0 || pos+1 >= len(chain) {
			return reportStateError("the report's chain does not continue from this organisation")
		}
		next := chain[pos+1]
		now := d.stamp()
		base := r
		if review.Valid {
			if redacted == nil {
				return ceptor.Invalid(map[string]string{"redacted": "err.required"})
			}
			if base, err = d.versionCopy(ctx, tx, id, int(review.Int64), ceptor.VersionFollowUp); err != nil {
				return err
			}
			base.ID, base.Version = id, int(review.Int64)
			base.Status, base.Route, base.CeptorID, base.SectorID, base.Drill = r.Status, r.Route, r.CeptorID, r.SectorID, r.Drill
			base.CreatedAt, base.SubmittedAt, base.ClosedAt = r.CreatedAt, r.SubmittedAt, r.ClosedAt
		}
		if redacted != nil {
			red := *base
			red.Title, red.Body, red.Service, red.Response = redacted.Title, redacted.Body, redacted.Service, redacted.Response
			red.Impact.Area, red.Impact.SafetyHarm, red.Impact.DataAffected = redacted.Impact.Area, redacted.Impact.SafetyHarm, redacted.Impact.DataAffected
			red.Indicators = append([]ceptor.Indicator{}, redacted.Indicators...)
			if err := red.Validate(false); err != nil {
				return err
			}
			red.UpdatedAt = now
			if err := d.writeContent(ctx, tx, &red, ", review_version = NULL"); err != nil {
				return err
			}
			if err := d.writeVersion(ctx, tx, &red, ceptor.VersionRedacted, now); err != nil {
				return err
			}
		}
		if withheld != nil {
			if err := d.setWithheld(ctx, tx, id, withheld); err != nil {
				return err
			}
		}
		var seq int
		if err := d.queryRow(tx, ctx, "SELECT COALESCE(MAX(seq), 0) FROM report_hops WHERE report_id = ?", id).Scan(&seq); err != nil {
			return translate(err)
		}
		if _, err := d.exec(ctx, tx, "UPDATE report_hops SET done_at = ? WHERE report_id = ? AND done_at IS NULL", now, id); err != nil {
			return err
		}
		if _, err := d.exec(ctx, tx, `INSERT INTO report_hops (report_id, seq, from_org_id, to_org_id, action, note, actor_user_id, at) VALUES (?, ?, ?, ?, 'relayed', ?, ?, ?)`,
			id, seq+1, fromOrg, next, note, zeroNull(actorUserID), now); err != nil {
			return err
		}
		status, pendingAt := r.Status, any(next)
		if pos+2 == len(chain) {
			status, pendingAt = ceptor.ReportReceived, nil
		}
		_, err = d.exec(ctx, tx, "UPDATE reports SET status = ?, pending_at = ?, updated_at = ? WHERE id = ?", string(status), pendingAt, now, id)
		return err
	})
}

// readSnapshot decodes a stored copy of report id.
func readSnapshot(id int64, kind ceptor.VersionKind, snap string) (*ceptor.Report, error) {
	r := &ceptor.Report{}
	if err := json.Unmarshal([]byte(snap), r); err != nil {
		return nil, &ceptor.Error{Code: ceptor.EINTERNAL, Message: "stored report version is unreadable", Err: err}
	}
	r.ID, r.VersionKind = id, kind
	return r, nil
}

// storedForm brings r to the form scanReport reads back.
func storedForm(r *ceptor.Report) {
	for _, t := range []**time.Time{&r.StartedAt, &r.DetectedAt, &r.RecoveredAt, &r.SubmittedAt, &r.ClosedAt} {
		if *t != nil {
			u := (*t).UTC().Truncate(time.Microsecond)
			*t = &u
		}
	}
	if r.Causes == nil {
		r.Causes = []ceptor.Cause{}
	}
	if r.Systems == nil {
		r.Systems = []ceptor.SystemKind{}
	}
	if r.Indicators == nil {
		r.Indicators = []ceptor.Indicator{}
	}
}

// versionCopy reads one stored copy of a report.
func (d *DB) versionCopy(ctx context.Context, q querier, id int64, version int, kind ceptor.VersionKind) (*ceptor.Report, error) {
	var snap string
	if err := d.queryRow(q, ctx, "SELECT snapshot FROM report_versions WHERE report_id = ? AND version = ? AND kind = ?", id, version, string(kind)).Scan(&snap); err != nil {
		return nil, translate(err)
	}
	return readSnapshot(id, kind, snap)
}

// AddFollowUp stores a follow-up (続報) of a submitted or received report:
// the next version. Routing, identity, sector and drill flag stay as
// submitted. A named report's follow-up replaces the current content at
// once. An anonymous report's follow-up is held for the CEPTOR secretariat
// instead: it is stored as a "followup" copy only, the report waits at the
// secretariat again (a new "submitted" hop with no sender), and the main
// row, which is what upstream reads, changes only when the secretariat
// relays it with a redaction. A second follow-up before that supersedes the
// first.
func (d *DB) AddFollowUp(ctx context.Context, r *ceptor.Report, actorUserID int64) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := d.lockReport(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if cur.Status != ceptor.ReportSubmitted && cur.Status != ceptor.ReportReceived {
			return reportStateError("only a submitted report takes follow-ups")
		}
		// What the follow-up cannot change comes from the stored report.
		r.Status, r.Route, r.CeptorID, r.SectorID, r.Drill = cur.Status, cur.Route, cur.CeptorID, cur.SectorID, cur.Drill
		r.OrgID, r.AuthorUserID, r.ReporterTag, r.SealedIdentity = cur.OrgID, cur.AuthorUserID, cur.ReporterTag, cur.SealedIdentity
		r.CreatedAt, r.SubmittedAt, r.ClosedAt = cur.CreatedAt, cur.SubmittedAt, cur.ClosedAt
		if err := r.Validate(false); err != nil {
			return err
		}
		if cur.Route == ceptor.RouteAnonymous {
			return d.holdFollowUp(ctx, tx, cur, r)
		}
		r.Version = cur.Version + 1
		r.UpdatedAt = d.stamp()
		if err := d.writeContent(ctx, tx, r, ""); err != nil {
			return err
		}
		return d.writeVersion(ctx, tx, r, ceptor.VersionFollowUp, r.UpdatedAt)
	})
}

// holdFollowUp keeps an anonymous report's follow-up for the secretariat's
// review (see AddFollowUp).
func (d *DB) holdFollowUp(ctx context.Context, tx *sql.Tx, cur, r *ceptor.Report) error {
	var chainStr string
	var review sql.NullInt64
	if err := d.queryRow(tx, ctx, "SELECT chain, review_version FROM reports WHERE id = ?", cur.ID).Scan(&chainStr, &review); err != nil {
		return translate(err)
	}
	chain := splitIDs(chainStr)
	if len(chain) == 0 {
		return reportStateError("the report has no chain")
	}
	r.Version = cur.Version + 1
	if review.Valid && int(review.Int64) >= r.Version {
		r.Version = int(review.Int64) + 1
	}
	now := d.stamp()
	r.UpdatedAt = now
	// The caller's copy holds what upstream still reads, apart from the
	// version it was given.
	if err := d.writeVersion(ctx, tx, r, ceptor.VersionFollowUp, now); err != nil {
		return err
	}
	if err := d.expectOne(d.exec(ctx, tx, "UPDATE reports SET review_version = ?, pending_at = ? WHERE id = ?", r.Version, chain[0], cur.ID)); err != nil {
		return err
	}
	var seq int
	if err := d.queryRow(tx, ctx, "SELECT COALESCE(MAX(seq), 0) FROM report_hops WHERE report_id = ?", cur.ID).Scan(&seq); err != nil {
		return translate(err)
	}
	if _, err := d.exec(ctx, tx, "UPDATE report_hops SET done_at = ? WHERE report_id = ? AND done_at IS NULL", now, cur.ID); err != nil {
		return err
	}
	// Who sent it is part of the sealed identity, as for the first report.
	_, err := d.exec(ctx, tx, `INSERT INTO report_hops (report_id, seq, from_org_id, to_org_id, action, note, actor_user_id, at) VALUES (?, ?, NULL, ?, 'submitted', '', NULL, ?)`,
		cur.ID, seq+1, chain[0], now)
	return err
}

// CloseReport closes a submitted or received report; it takes no more
// follow-ups and is relayed no further.
func (d *DB) CloseReport(ctx context.Context, id int64, at time.Time) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		r, err := d.lockReport(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Status != ceptor.ReportSubmitted && r.Status != ceptor.ReportReceived {
			return reportStateError("only a submitted report can be closed")
		}
		var review sql.NullInt64
		if err := d.queryRow(tx, ctx, "SELECT review_version FROM reports WHERE id = ?", id).Scan(&review); err != nil {
			return translate(err)
		}
		if review.Valid {
			return reportStateError("a follow-up is waiting for the secretariat's review")
		}
		_, err = d.exec(ctx, tx, "UPDATE reports SET status = 'closed', closed_at = ?, pending_at = NULL, updated_at = ? WHERE id = ?",
			at.UTC().Truncate(time.Microsecond), d.stamp(), id)
		return err
	})
}

// MarkUnsealed records that the secretariat revealed the identity of an
// anonymous report (the act itself is audited by the caller).
func (d *DB) MarkUnsealed(ctx context.Context, id int64) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		r, err := d.lockReport(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Route != ceptor.RouteAnonymous || r.Status == ceptor.ReportDraft {
			return reportStateError("only a submitted anonymous report can be unsealed")
		}
		_, err = d.exec(ctx, tx, "UPDATE reports SET unsealed = ? WHERE id = ?", true, id)
		return err
	})
}

// refCols are the light columns the policy needs, with the organisations
// the report has reached (the receivers of its hops, in order).
func (d *DB) refCols() string {
	agg := "(SELECT group_concat(h.to_org_id, ' ' ORDER BY h.seq) FROM report_hops h WHERE h.report_id = reports.id)"
	if d.dialect == Postgres {
		agg = "(SELECT string_agg(h.to_org_id::text, ' ' ORDER BY h.seq) FROM report_hops h WHERE h.report_id = reports.id)"
	}
	return `id, status, route, COALESCE(ceptor_id, 0), COALESCE(sector_id, 0), tlp, COALESCE(org_id, 0), COALESCE(pending_at, 0), unsealed, reporter_tag,
		COALESCE(` + agg + `, '')`
}

func scanRef(sc interface{ Scan(...any) error }) (*ceptor.ReportRef, error) {
	ref := &ceptor.ReportRef{}
	var chain string
	if err := sc.Scan(&ref.ID, &ref.Status, &ref.Route, &ref.CeptorID, &ref.SectorID, &ref.TLP, &ref.ReporterOrg, &ref.PendingAt,
		&ref.Unsealed, &ref.ReporterTag, &chain); err != nil {
		return nil, translate(err)
	}
	ref.ChainOrgs = splitIDs(chain)
	if ref.ChainOrgs == nil {
		ref.ChainOrgs = []int64{}
	}
	return ref, nil
}

// FindReport returns a report (its latest content as upstream sees it) and
// what the policy needs to know about it.
func (d *DB) FindReport(ctx context.Context, id int64) (*ceptor.Report, *ceptor.ReportRef, error) {
	r, err := scanReport(d.queryRow(d.db, ctx, "SELECT "+reportCols+" FROM reports WHERE id = ?", id))
	if err != nil {
		return nil, nil, err
	}
	ref, err := scanRef(d.queryRow(d.db, ctx, "SELECT "+d.refCols()+" FROM reports WHERE id = ?", id))
	if err != nil {
		return nil, nil, err
	}
	return r, ref, nil
}

// ReportHops returns the way a report has travelled, first hop first. A hop
// is pending while the report waits at its receiver.
func (d *DB) ReportHops(ctx context.Context, id int64) ([]ceptor.Hop, error) {
	if err := d.reportExists(ctx, id); err != nil {
		return nil, err
	}
	rows, err := d.query(ctx, d.db, `SELECT h.seq, COALESCE(h.from_org_id, 0), h.to_org_id, h.action, h.note, COALESCE(h.actor_user_id, 0), h.at,
		CASE WHEN h.done_at IS NULL AND r.pending_at = h.to_org_id THEN 1 ELSE 0 END
		FROM report_hops h JOIN reports r ON r.id = h.report_id WHERE h.report_id = ? ORDER BY h.seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ceptor.Hop{}
	for rows.Next() {
		var h ceptor.Hop
		var pending int
		if err := rows.Scan(&h.Seq, &h.FromOrgID, &h.ToOrgID, &h.Action, &h.Note, &h.ActorUserID, &h.At, &pending); err != nil {
			return nil, translate(err)
		}
		h.At, h.Pending = h.At.UTC(), pending == 1
		out = append(out, h)
	}
	return out, translate(rows.Err())
}

func (d *DB) reportExists(ctx context.Context, id int64) error {
	var one int
	return translate(d.queryRow(d.db, ctx, "SELECT 1 FROM reports WHERE id = ?", id).Scan(&one))
}

// ReportVersions returns every stored copy of a report, by version; within
// a version the original (or follow-up) comes before its redaction. Each
// copy's VersionKind says what it is; callers showing versions to anyone but
// the reporter and the redacting secretariat filter them with
// ceptor.UpstreamVersions.
func (d *DB) ReportVersions(ctx context.Context, id int64) ([]*ceptor.Report, error) {
	if err := d.reportExists(ctx, id); err != nil {
		return nil, err
	}
	rows, err := d.query(ctx, d.db, `SELECT kind, snapshot FROM report_versions WHERE report_id = ?
		ORDER BY version, CASE kind WHEN 'redacted' THEN 1 ELSE 0 END`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*ceptor.Report{}
	for rows.Next() {
		var kind, snap string
		if err := rows.Scan(&kind, &snap); err != nil {
			return nil, translate(err)
		}
		r, err := readSnapshot(id, ceptor.VersionKind(kind), snap)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}
