package sqldb

import (
	"context"
	"database/sql"

	"ceptor"
)

// The secretariat's review of anonymous reports, beyond ceptor.ReportService:
// follow-ups held until redacted (see AddFollowUp) and attachments withheld
// from upstream (see the withheld column of migration 0005).

// HeldFollowUp returns the follow-up of an anonymous report that waits for
// the secretariat's review, ENOTFOUND when none does.
func (d *DB) HeldFollowUp(ctx context.Context, id int64) (*ceptor.Report, error) {
	var review sql.NullInt64
	if err := d.queryRow(d.db, ctx, "SELECT review_version FROM reports WHERE id = ?", id).Scan(&review); err != nil {
		return nil, translate(err)
	}
	if !review.Valid {
		return nil, &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "no follow-up is held for review", Key: "err.not_found"}
	}
	return d.versionCopy(ctx, d.db, id, int(review.Int64), ceptor.VersionFollowUp)
}

// WithheldAttachments returns the ids of a report's attachments that are
// hidden from upstream.
func (d *DB) WithheldAttachments(ctx context.Context, reportID int64) (map[int64]bool, error) {
	rows, err := d.query(ctx, d.db, "SELECT id FROM report_attachments WHERE report_id = ? AND withheld = ?", reportID, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out[id] = true
	}
	return out, translate(rows.Err())
}

// RelayReportWithheld is RelayReport that also decides, in the same
// transaction, which of the report's attachments stay hidden from upstream:
// those listed are withheld, every other one is released. Ids that are not
// the report's are refused.
func (d *DB) RelayReportWithheld(ctx context.Context, id, fromOrg int64, note string, actorUserID int64, redacted *ceptor.Report, withheld []int64) error {
	if withheld == nil {
		withheld = []int64{}
	}
	return d.relay(ctx, id, fromOrg, note, actorUserID, redacted, withheld)
}

func (d *DB) setWithheld(ctx context.Context, tx *sql.Tx, reportID int64, ids []int64) error {
	if _, err := d.exec(ctx, tx, "UPDATE report_attachments SET withheld = ? WHERE report_id = ?", false, reportID); err != nil {
		return err
	}
	ids = uniqIDs(ids)
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := append([]any{true, reportID}, int64Args(chunk)...)
		res, err := d.exec(ctx, tx, "UPDATE report_attachments SET withheld = ? WHERE report_id = ? AND id IN ("+placeholders(len(chunk))+")", args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && int(n) != len(chunk) {
			return ceptor.Invalid(map[string]string{"withheld": "err.not_found"})
		}
	}
	return nil
}

func uniqIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// ReportSeverities returns the overall level of the current severity
// evaluation (ceptor.CurrentOf) of each of the reports that has one, for
// ordering NISC's queue.
func (d *DB) ReportSeverities(ctx context.Context, ids []int64) (map[int64]ceptor.SeverityLevel, error) {
	out := map[int64]ceptor.SeverityLevel{}
	for start := 0; start < len(ids); start += 500 {
		evs, err := d.currentEvaluations(ctx, d.db, ceptor.SubjectReport, ids[start:min(start+500, len(ids))])
		if err != nil {
			return nil, err
		}
		for id, e := range evs {
			out[id] = e.Overall
		}
	}
	return out, nil
}

// ReportIDsWithEventClass returns the ids of the reports of one event
// class, for the lists' filter (the policy still decides what is shown).
func (d *DB) ReportIDsWithEventClass(ctx context.Context, class ceptor.EventClass) (map[int64]bool, error) {
	rows, err := d.query(ctx, d.db, "SELECT id FROM reports WHERE event_class = ?", string(class))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out[id] = true
	}
	return out, translate(rows.Err())
}
