package sqldb

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"ceptor"
)

const auditCols = "seq, at, actor_user_id, actor_org_id, actor_label, action, object_type, object_id, org_id, detail, ip, prev_hash, hash"

func scanAudit(sc interface{ Scan(...any) error }) (*ceptor.AuditEntry, error) {
	e := &ceptor.AuditEntry{}
	err := sc.Scan(&e.Seq, &e.At, &e.ActorUserID, &e.ActorOrgID, &e.ActorLabel, &e.Action, &e.ObjectType, &e.ObjectID, &e.OrgID, &e.Detail, &e.IP, &e.PrevHash, &e.Hash)
	e.At = e.At.UTC()
	return e, translate(err)
}

// AppendAudit adds e at the end of the chain. The head row is locked for the
// duration of the transaction, so appends from several nodes serialise.
func (d *DB) AppendAudit(ctx context.Context, e *ceptor.AuditEntry) error {
	return d.inTx(ctx, func(tx *sql.Tx) error { return d.appendAudit(ctx, tx, e) })
}

// auditPerInsert keeps an insert of entries well under both engines' limits
// on bound parameters.
const auditPerInsert = 200

// AppendAudits adds entries at the end of the chain, in one transaction:
// the head is read and written once, the entries inserted together.
func (d *DB) AppendAudits(ctx context.Context, entries []*ceptor.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	return d.inTx(ctx, func(tx *sql.Tx) error { return d.appendAudit(ctx, tx, entries...) })
}

func (d *DB) appendAudit(ctx context.Context, tx *sql.Tx, entries ...*ceptor.AuditEntry) error {
	lock := ""
	if d.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var seq int64
	var hash string
	if err := d.queryRow(tx, ctx, "SELECT seq, hash FROM audit_head WHERE id = 1"+lock).Scan(&seq, &hash); err != nil {
		return translate(err)
	}
	if seq == 0 {
		hash = ceptor.AuditGenesis
	}
	// Timestamps are kept to the microsecond: both engines store that much,
	// and the hash must cover exactly what is stored.
	at := d.now().UTC().Truncate(1000)
	args := make([]any, 0, 13*len(entries))
	for _, e := range entries {
		seq++
		e.At, e.Seq, e.PrevHash = at, seq, hash
		e.Hash = e.ComputeHash()
		hash = e.Hash
		args = append(args, e.Seq, e.At, e.ActorUserID, e.ActorOrgID, e.ActorLabel, e.Action, e.ObjectType, e.ObjectID, e.OrgID, e.Detail, e.IP, e.PrevHash, e.Hash)
	}
	row := "(" + placeholders(13) + ")"
	for len(args) > 0 {
		n := min(len(args)/13, auditPerInsert)
		if _, err := d.exec(ctx, tx, "INSERT INTO audit_log ("+auditCols+") VALUES "+strings.TrimSuffix(strings.Repeat(row+", ", n), ", "), args[:13*n]...); err != nil {
			return err
		}
		args = args[13*n:]
	}
	_, err := d.exec(ctx, tx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", seq, hash)
	return err
}

// ListAudit returns entries newest first.
func (d *DB) ListAudit(ctx context.Context, f ceptor.AuditFilter) ([]*ceptor.AuditEntry, error) {
	q := "SELECT " + auditCols + " FROM audit_log WHERE 1 = 1"
	var args []any
	if f.OrgID != 0 {
		q += " AND (org_id = ? OR actor_org_id = ?)"
		args = append(args, f.OrgID, f.OrgID)
	}
	if f.HidePersonalExcept != 0 {
		var fam []string
		for _, p := range ceptor.PersonalActions {
			fam = append(fam, "action LIKE ? ESCAPE '\\'")
			args = append(args, escapeLike(p)+"%")
		}
		// Entries of no organisation (a failed sign-in with an unknown
		// address) stay: they name nobody and show attacks.
		q += " AND NOT ((" + strings.Join(fam, " OR ") + ") AND COALESCE(actor_org_id, org_id, 0) NOT IN (0, ?))"
		args = append(args, f.HidePersonalExcept)
	}
	if f.Action != "" {
		q += " AND action LIKE ? ESCAPE '\\'"
		args = append(args, escapeLike(f.Action)+"%")
	}
	if f.BeforeSeq > 0 {
		q += " AND seq < ?"
		args = append(args, f.BeforeSeq)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q += " ORDER BY seq DESC LIMIT " + strconv.Itoa(limit)
	rows, err := d.query(ctx, d.db, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*ceptor.AuditEntry{}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// VerifyAudit checks the whole chain, streaming it in batches.
func (d *DB) VerifyAudit(ctx context.Context) (int, []ceptor.AuditProblem, error) {
	var headSeq int64
	var headHash string
	if err := d.queryRow(d.db, ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return 0, nil, translate(err)
	}
	v := ceptor.NewChainVerifier()
	var after int64 = -1
	for {
		rows, err := d.query(ctx, d.db, "SELECT "+auditCols+" FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 5000", after)
		if err != nil {
			return 0, nil, err
		}
		n := 0
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return 0, nil, err
			}
			v.Add(e)
			after = e.Seq
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, nil, translate(err)
		}
		if n < 5000 {
			break
		}
	}
	n, problems := v.Finish(headSeq, headHash)
	return n, problems, nil
}
