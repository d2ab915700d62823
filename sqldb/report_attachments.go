package sqldb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"ceptor"
)

const attachmentCols = "id, report_id, version, file_name, content_type, size, sha256, created_at"

func scanAttachment(sc interface{ Scan(...any) error }, extra ...any) (*ceptor.Attachment, error) {
	a := &ceptor.Attachment{}
	err := sc.Scan(append([]any{&a.ID, &a.ReportID, &a.Version, &a.FileName, &a.ContentType, &a.Size, &a.SHA256, &a.CreatedAt}, extra...)...)
	a.CreatedAt = a.CreatedAt.UTC()
	return a, translate(err)
}

// AddAttachment stores a file with a report, at the report's current
// version unless a.Version says otherwise. The size and SHA-256 are computed
// here; values the caller gives must agree with the data.
func (d *DB) AddAttachment(ctx context.Context, a *ceptor.Attachment, data []byte) error {
	f := map[string]string{}
	a.FileName = strings.TrimSpace(a.FileName)
	switch {
	case a.FileName == "":
		f["file_name"] = "err.required"
	case !utf8.ValidString(a.FileName):
		f["file_name"] = "err.encoding"
	case utf8.RuneCountInString(a.FileName) > 255:
		f["file_name"] = "err.too_long"
	}
	switch {
	case len(data) == 0:
		f["file"] = "err.attachment_empty"
	case len(data) > ceptor.MaxAttachmentSize:
		f["file"] = "err.attachment_too_large"
	}
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	if a.Size != 0 && a.Size != int64(len(data)) || a.SHA256 != "" && !strings.EqualFold(a.SHA256, hexSum) {
		f["file"] = "err.attachment_mismatch"
	}
	if len(f) > 0 {
		return ceptor.Invalid(f)
	}
	a.Size, a.SHA256 = int64(len(data)), hexSum
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	a.CreatedAt = d.stamp()
	var version int
	var route string
	if err := d.queryRow(d.db, ctx, "SELECT version, route FROM reports WHERE id = ?", a.ReportID).Scan(&version, &route); err != nil {
		return translate(err)
	}
	if a.Version == 0 {
		a.Version = version
	}
	// A file of an anonymous report may identify its reporter: it stays
	// hidden from upstream until the secretariat releases it on relay.
	withheld := ceptor.Route(route) == ceptor.RouteAnonymous
	id, err := d.insert(ctx, d.db, `INSERT INTO report_attachments (report_id, version, file_name, content_type, size, sha256, data, created_at, withheld)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ReportID, a.Version, a.FileName, a.ContentType, a.Size, a.SHA256, data, a.CreatedAt, withheld)
	a.ID = id
	return err
}

// ListAttachments returns a report's attachments, without their content,
// oldest first.
func (d *DB) ListAttachments(ctx context.Context, reportID int64) ([]*ceptor.Attachment, error) {
	rows, err := d.query(ctx, d.db, "SELECT "+attachmentCols+" FROM report_attachments WHERE report_id = ? ORDER BY id", reportID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*ceptor.Attachment{}
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, translate(rows.Err())
}

// AttachmentData returns an attachment and its content.
func (d *DB) AttachmentData(ctx context.Context, id int64) (*ceptor.Attachment, []byte, error) {
	var data []byte
	a, err := scanAttachment(d.queryRow(d.db, ctx, "SELECT "+attachmentCols+", data FROM report_attachments WHERE id = ?", id), &data)
	if err != nil {
		return nil, nil, err
	}
	return a, data, nil
}
