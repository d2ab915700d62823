package sqldb_test

import (
	"bytes"
	"context"
	"testing"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

// A standards document's revisions carry files: the current one is the
// latest revision's; it is replaced and removed in place, earlier
// revisions keep theirs, and bad files are refused with nothing stored.
func TestStandardFiles(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		u := &ceptor.User{OrgID: f.ministry.ID, Email: "std@ministry.example", Name: "基準 担当", Role: ceptor.RoleAnalyst, Lang: "ja", PasswordHash: "x"}
		must(t, db.CreateUser(ctx, u))
		s := &ceptor.SectorStandard{SectorID: f.sector.ID, Title: "安全対策基準", Issuer: "テスト協会", Version: "第1版", IssuedOn: "2024-04-01"}
		must(t, db.CreateStandard(ctx, s))
		if s.File != nil {
			t.Fatal("a new document has a file")
		}
		wantCode(t, func() error { _, _, err := db.StandardFileData(ctx, s.ID, 0); return err }(), ceptor.ENOTFOUND)
		wantCode(t, func() error { _, err := db.RemoveStandardFile(ctx, s.ID); return err }(), ceptor.ENOTFOUND)

		v1 := []byte("%PDF-1.7 first edition")
		prev, err := db.SetStandardFile(ctx, &ceptor.StandardFile{StandardID: s.ID, FileName: "安全対策基準 第1版.pdf", ContentType: "application/pdf", UploadedBy: u.ID}, v1)
		must(t, err)
		if prev != nil {
			t.Fatalf("replaced %+v", prev)
		}
		got, err := db.FindStandard(ctx, s.ID)
		must(t, err)
		if got.File == nil || got.File.FileName != "安全対策基準 第1版.pdf" || got.File.Size != int64(len(v1)) || got.File.Revision != 1 || len(got.File.SHA256) != 64 || got.File.UploadedBy != u.ID {
			t.Fatalf("file %+v", got.File)
		}
		// Replacing the current revision's file.
		v1b := []byte("%PDF-1.7 first edition, corrected scan")
		prev, err = db.SetStandardFile(ctx, &ceptor.StandardFile{StandardID: s.ID, FileName: "第1版.pdf"}, v1b)
		must(t, err)
		if prev == nil || prev.FileName != "安全対策基準 第1版.pdf" {
			t.Fatalf("replaced %+v", prev)
		}
		file, data, err := db.StandardFileData(ctx, s.ID, 0)
		must(t, err)
		if !bytes.Equal(data, v1b) || file.FileName != "第1版.pdf" || file.ContentType != "application/octet-stream" {
			t.Fatalf("data %q %+v", data, file)
		}
		// A revision starts without a file; the first revision keeps its own.
		s.Version, s.IssuedOn = "第2版", "2025-04-01"
		must(t, db.ReviseStandard(ctx, s))
		got, _ = db.FindStandard(ctx, s.ID)
		if got.File != nil {
			t.Fatalf("the new revision inherited %+v", got.File)
		}
		v2 := []byte("PK\x03\x04 second edition")
		_, err = db.SetStandardFile(ctx, &ceptor.StandardFile{StandardID: s.ID, FileName: "第2版.docx"}, v2)
		must(t, err)
		revs, err := db.StandardRevisions(ctx, s.ID)
		must(t, err)
		if len(revs) != 2 || revs[0].Seq != 2 || revs[0].File == nil || revs[0].File.FileName != "第2版.docx" || revs[1].File == nil || revs[1].File.FileName != "第1版.pdf" {
			t.Fatalf("revisions %+v", revs)
		}
		_, data, err = db.StandardFileData(ctx, s.ID, 1)
		must(t, err)
		if !bytes.Equal(data, v1b) {
			t.Fatalf("revision 1 data %q", data)
		}
		list, err := db.ListStandards(ctx, f.sector.ID)
		must(t, err)
		if len(list) != 1 || list[0].File == nil || list[0].File.Revision != 2 {
			t.Fatalf("list %+v", list)
		}
		// Refused: empty, too large, no name, unknown document.
		wantCode(t, func() error {
			_, err := db.SetStandardFile(ctx, &ceptor.StandardFile{StandardID: s.ID, FileName: "a.pdf"}, nil)
			return err
		}(), ceptor.EINVALID)
		big := make([]byte, ceptor.MaxAttachmentSize+1)
		wantCode(t, func() error {
			_, err := db.SetStandardFile(ctx, &ceptor.StandardFile{StandardID: s.ID, FileName: "a.pdf"}, big)
			return err
		}(), ceptor.EINVALID)
		wantCode(t, func() error {
			_, err := db.SetStandardFile(ctx, &ceptor.StandardFile{StandardID: s.ID, FileName: " "}, v2)
			return err
		}(), ceptor.EINVALID)
		wantCode(t, func() error {
			_, err := db.SetStandardFile(ctx, &ceptor.StandardFile{StandardID: s.ID + 99, FileName: "a.pdf"}, v2)
			return err
		}(), ceptor.ENOTFOUND)
		_, data, _ = db.StandardFileData(ctx, s.ID, 0)
		if !bytes.Equal(data, v2) {
			t.Fatal("a refused upload changed the file")
		}
		// Removing the current file leaves the earlier revision's.
		old, err := db.RemoveStandardFile(ctx, s.ID)
		must(t, err)
		if old.FileName != "第2版.docx" {
			t.Fatalf("removed %+v", old)
		}
		got, _ = db.FindStandard(ctx, s.ID)
		if got.File != nil {
			t.Fatalf("file after removal %+v", got.File)
		}
		if _, _, err := db.StandardFileData(ctx, s.ID, 1); err != nil {
			t.Fatalf("revision 1 lost its file: %v", err)
		}
		// Atomic: a file stored in a transaction that fails is not kept.
		err = db.Atomic(ctx, func(ctx context.Context) error {
			if _, err := db.SetStandardFile(ctx, &ceptor.StandardFile{StandardID: s.ID, FileName: "x.pdf"}, v2); err != nil {
				return err
			}
			return ceptor.Invalid(map[string]string{"x": "err.required"})
		})
		wantCode(t, err, ceptor.EINVALID)
		if got, _ = db.FindStandard(ctx, s.ID); got.File != nil {
			t.Fatal("a rolled-back upload was kept")
		}
	})
}
