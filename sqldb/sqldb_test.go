package sqldb_test

import (
	"context"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

var ctx = context.Background()

// fixture builds a ministry, a sector, a CEPTOR with a secretariat and two
// operators, one a member of the CEPTOR.
type fixture struct {
	ministry, secretariat, op1, op2 *ceptor.Organization
	sector                          *ceptor.Sector
	cep                             *ceptor.Ceptor
}

func mustFixture(t *testing.T, db *sqldb.DB) *fixture {
	t.Helper()
	f := &fixture{}
	f.ministry = &ceptor.Organization{Name: "金融庁", NameEN: "Financial Services Agency", Type: ceptor.OrgMinistry, Active: true}
	must(t, db.CreateOrg(ctx, f.ministry))
	f.sector = &ceptor.Sector{Code: "finance", NameJA: "金融", NameEN: "Finance", MinistryOrgID: f.ministry.ID, Active: true}
	must(t, db.CreateSector(ctx, f.sector))
	f.secretariat = &ceptor.Organization{Name: "銀行等セプター事務局", Type: ceptor.OrgSecretariat, SectorIDs: []int64{f.sector.ID}, Active: true}
	must(t, db.CreateOrg(ctx, f.secretariat))
	f.cep = &ceptor.Ceptor{Code: "bank", NameJA: "銀行等", NameEN: "Banks", SectorID: f.sector.ID, SecretariatOrgID: f.secretariat.ID, Active: true, InCouncil: true}
	must(t, db.CreateCeptor(ctx, f.cep))
	f.op1 = &ceptor.Organization{Name: "みなと銀行（デモ）", NameEN: "Minato Bank", NameKana: "ミナトギンコウ", Type: ceptor.OrgOperator,
		SectorIDs: []int64{f.sector.ID}, CeptorIDs: []int64{f.cep.ID}, Domains: []string{"minato.example.jp"}, Active: true}
	must(t, db.CreateOrg(ctx, f.op1))
	f.op2 = &ceptor.Organization{Name: "標的型信用金庫（デモ）", Type: ceptor.OrgOperator, SectorIDs: []int64{f.sector.ID}, Active: true}
	must(t, db.CreateOrg(ctx, f.op2))
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ceptor.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		must(t, db.Migrate(ctx))
		v, err := db.SchemaVersion(ctx)
		must(t, err)
		if v < 1 {
			t.Fatalf("schema version %d", v)
		}
	})
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)

		got, err := db.FindOrg(ctx, f.op1.ID)
		must(t, err)
		if got.Name != f.op1.Name || got.NameKana != "ミナトギンコウ" || len(got.SectorIDs) != 1 || len(got.CeptorIDs) != 1 || got.CeptorIDs[0] != f.cep.ID {
			t.Fatalf("FindOrg = %+v", got)
		}
		if len(got.Domains) != 1 || got.Domains[0] != "minato.example.jp" {
			t.Fatalf("domains = %v", got.Domains)
		}
		_, err = db.FindOrg(ctx, 999999)
		wantCode(t, err, ceptor.ENOTFOUND)

		dup := &ceptor.Organization{Name: "金融庁", Type: ceptor.OrgMinistry, Active: true}
		wantCode(t, db.CreateOrg(ctx, dup), ceptor.ECONFLICT)
		wantCode(t, db.CreateOrg(ctx, &ceptor.Organization{Name: "", Type: "bogus"}), ceptor.EINVALID)

		c, err := db.FindCeptor(ctx, f.cep.ID)
		must(t, err)
		if c.MemberCount != 1 || c.SecretariatOrgID != f.secretariat.ID {
			t.Fatalf("ceptor = %+v", c)
		}

		scenarios := []struct {
			name   string
			filter ceptor.OrgFilter
			want   []int64
		}{
			{"all", ceptor.OrgFilter{}, []int64{f.ministry.ID, f.secretariat.ID, f.op1.ID, f.op2.ID}},
			{"type", ceptor.OrgFilter{Type: ceptor.OrgOperator}, []int64{f.op1.ID, f.op2.ID}},
			{"sector", ceptor.OrgFilter{SectorID: f.sector.ID}, []int64{f.secretariat.ID, f.op1.ID, f.op2.ID}},
			{"ceptor", ceptor.OrgFilter{CeptorID: f.cep.ID}, []int64{f.op1.ID}},
			{"q japanese substring", ceptor.OrgFilter{Q: "標的型"}, []int64{f.op2.ID}},
			{"q two characters", ceptor.OrgFilter{Q: "銀行"}, []int64{f.secretariat.ID, f.op1.ID}},
			{"q english case-insensitive", ceptor.OrgFilter{Q: "minato"}, []int64{f.op1.ID}},
			{"q kana", ceptor.OrgFilter{Q: "ミナト"}, []int64{f.op1.ID}},
			{"q like metacharacters are literal", ceptor.OrgFilter{Q: "%"}, nil},
			{"ids", ceptor.OrgFilter{IDs: []int64{f.op2.ID}}, []int64{f.op2.ID}},
			{"visible predicate", ceptor.OrgFilter{Visible: func(o *ceptor.Organization) bool { return len(o.CeptorIDs) > 0 }}, []int64{f.op1.ID}},
			{"page", ceptor.OrgFilter{Limit: 2, Offset: 1}, []int64{f.secretariat.ID, f.op1.ID}},
		}
		for _, sc := range scenarios {
			list, total, err := db.ListOrgs(ctx, sc.filter)
			must(t, err)
			var ids []int64
			for _, o := range list {
				ids = append(ids, o.ID)
			}
			if len(ids) != len(sc.want) {
				t.Fatalf("%s: got %v want %v", sc.name, ids, sc.want)
			}
			for i := range ids {
				if ids[i] != sc.want[i] {
					t.Fatalf("%s: got %v want %v", sc.name, ids, sc.want)
				}
			}
			if sc.filter.Limit == 0 && total != len(sc.want) {
				t.Fatalf("%s: total %d", sc.name, total)
			}
		}

		// Update replaces memberships and sectors.
		got.CeptorIDs = nil
		got.NameEN = "Minato Bank Ltd."
		must(t, db.UpdateOrg(ctx, got))
		again, err := db.FindOrg(ctx, got.ID)
		must(t, err)
		if len(again.CeptorIDs) != 0 || again.NameEN != "Minato Bank Ltd." {
			t.Fatalf("after update %+v", again)
		}
		must(t, db.SetMembers(ctx, got.ID, []int64{f.cep.ID, f.cep.ID}))
		again, _ = db.FindOrg(ctx, got.ID)
		if len(again.CeptorIDs) != 1 {
			t.Fatalf("SetMembers: %v", again.CeptorIDs)
		}

		// Sectors.
		secs, err := db.ListSectors(ctx)
		must(t, err)
		if len(secs) != 1 || secs[0].MinistryOrgID != f.ministry.ID {
			t.Fatalf("sectors %+v", secs)
		}
		secs[0].NameEN = "Financial services"
		must(t, db.UpdateSector(ctx, secs[0]))
		s, _ := db.FindSector(ctx, secs[0].ID)
		if s.NameEN != "Financial services" {
			t.Fatal("sector not updated")
		}
	})
}

func TestContacts(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		alt := &ceptor.Contact{OrgID: f.op1.ID, Name: "佐藤 花子", Kind: ceptor.ContactAlternate, Email: "sato@minato.example.jp", Active: true}
		pri := &ceptor.Contact{OrgID: f.op1.ID, Name: "鈴木 一郎", Kind: ceptor.ContactPrimary, Phone: "03-1234-5678", Active: true}
		must(t, db.CreateContact(ctx, alt))
		must(t, db.CreateContact(ctx, pri))
		wantCode(t, db.CreateContact(ctx, &ceptor.Contact{OrgID: f.op1.ID, Name: "x"}), ceptor.EINVALID)
		wantCode(t, db.CreateContact(ctx, &ceptor.Contact{OrgID: 424242, Name: "x", Email: "a@b.example"}), ceptor.EINVALID)
		list, err := db.ListContacts(ctx, f.op1.ID)
		must(t, err)
		if len(list) != 2 || list[0].ID != pri.ID {
			t.Fatalf("primary first: %+v", list)
		}
		pri.Email = "suzuki@minato.example.jp"
		must(t, db.UpdateContact(ctx, pri))
		c, _ := db.FindContact(ctx, pri.ID)
		if c.Email != pri.Email || c.Lang != "ja" {
			t.Fatalf("contact %+v", c)
		}
		must(t, db.DeleteContact(ctx, alt.ID))
		wantCode(t, db.DeleteContact(ctx, alt.ID), ceptor.ENOTFOUND)
		all, err := db.ListAllContacts(ctx)
		must(t, err)
		if len(all[f.op1.ID]) != 1 {
			t.Fatalf("all contacts %v", all)
		}
	})
}

func TestImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		good := &ceptor.ImportRow{Line: 2, Org: ceptor.Organization{Name: "新規ガス（デモ）", Type: ceptor.OrgOperator, Active: true},
			Contacts: []ceptor.Contact{{Name: "田中", Email: "tanaka@gas.example.jp", Kind: ceptor.ContactPrimary, Active: true}}, ReplaceContacts: true}
		update := &ceptor.ImportRow{Line: 3, Org: *f.op2, ReplaceContacts: true,
			Contacts: []ceptor.Contact{{Name: "高橋", Email: "takahashi@shinkin.example.jp", Active: true}}}
		update.Org.NameEN = "Hyoteki Shinkin"
		clash := &ceptor.ImportRow{Line: 4, Org: ceptor.Organization{Name: "金融庁", Type: ceptor.OrgMinistry, Active: true}}

		_, err := db.ImportOrgs(ctx, []*ceptor.ImportRow{good, update, clash})
		wantCode(t, err, ceptor.ECONFLICT)
		if ceptor.ErrorFields(err)["line"] != "4" {
			t.Fatalf("line not reported: %v", ceptor.ErrorFields(err))
		}
		_, total, _ := db.ListOrgs(ctx, ceptor.OrgFilter{})
		if total != 4 {
			t.Fatalf("half-imported: %d organisations", total)
		}
		o, _ := db.FindOrg(ctx, f.op2.ID)
		if o.NameEN != "" {
			t.Fatal("update leaked out of a failed import")
		}

		res, err := db.ImportOrgs(ctx, []*ceptor.ImportRow{good, update})
		must(t, err)
		if res.Created != 1 || res.Updated != 1 || res.Contacts != 2 {
			t.Fatalf("result %+v", res)
		}
		o, _ = db.FindOrg(ctx, f.op2.ID)
		if o.NameEN != "Hyoteki Shinkin" {
			t.Fatal("update not applied")
		}
		missing := &ceptor.ImportRow{Line: 9, Org: ceptor.Organization{ID: 987654, Name: "幽霊", Type: ceptor.OrgOperator}}
		_, err = db.ImportOrgs(ctx, []*ceptor.ImportRow{missing})
		wantCode(t, err, ceptor.ENOTFOUND)
	})
}

func TestUsersSessionsTokens(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		u := &ceptor.User{OrgID: f.op1.ID, Email: " Analyst@Minato.Example.JP ", Name: "分析 太郎", Role: ceptor.RoleAnalyst, PasswordHash: "x"}
		must(t, db.CreateUser(ctx, u))
		if u.Email != "analyst@minato.example.jp" {
			t.Fatalf("email not normalised: %q", u.Email)
		}
		wantCode(t, db.CreateUser(ctx, &ceptor.User{OrgID: f.op1.ID, Email: "analyst@minato.example.jp", Name: "x", Role: ceptor.RoleAdmin}), ceptor.ECONFLICT)
		wantCode(t, db.CreateUser(ctx, &ceptor.User{OrgID: f.op1.ID, Email: "bad", Name: "x", Role: "root"}), ceptor.EINVALID)
		got, err := db.FindUserByEmail(ctx, "ANALYST@minato.example.jp")
		must(t, err)
		if got.ID != u.ID || got.Lang != "ja" {
			t.Fatalf("%+v", got)
		}
		until := time.Now().Add(time.Minute).UTC()
		got.FailedLogins, got.LockedUntil = 5, &until
		must(t, db.RecordLogin(ctx, got))
		got, _ = db.FindUser(ctx, u.ID)
		if got.FailedLogins != 5 || got.LockedUntil == nil || got.LockedUntil.Sub(until).Abs() > time.Second {
			t.Fatalf("lockout not stored: %+v", got)
		}
		got.OIDCSubject = "sub-123"
		must(t, db.UpdateUser(ctx, got))
		byOIDC, err := db.FindUserByOIDC(ctx, "sub-123")
		must(t, err)
		if byOIDC.ID != u.ID {
			t.Fatal("oidc lookup")
		}
		users, total, err := db.ListUsers(ctx, ceptor.UserFilter{OrgType: ceptor.OrgOperator})
		must(t, err)
		if total != 1 || len(users) != 1 {
			t.Fatalf("list users %d", total)
		}

		ok, err := db.UseTOTPStep(ctx, u.ID, 100)
		must(t, err)
		replay, err := db.UseTOTPStep(ctx, u.ID, 100)
		must(t, err)
		if !ok || replay {
			t.Fatalf("totp step: first %v replay %v", ok, replay)
		}

		must(t, db.SetRecoveryCodes(ctx, u.ID, []string{"h1", "h2"}))
		must(t, db.UseRecoveryCode(ctx, u.ID, "h1"))
		wantCode(t, db.UseRecoveryCode(ctx, u.ID, "h1"), ceptor.ENOTFOUND)
		n, _ := db.CountRecoveryCodes(ctx, u.ID)
		if n != 1 {
			t.Fatalf("recovery codes left %d", n)
		}

		now := time.Now().UTC()
		s := &ceptor.Session{IDHash: "abc", UserID: u.ID, CSRFToken: "csrf", MFAPending: true, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
		must(t, db.CreateSession(ctx, s))
		s.MFAPending = false
		must(t, db.UpdateSession(ctx, s))
		gs, err := db.FindSession(ctx, "abc")
		must(t, err)
		if gs.MFAPending || gs.CSRFToken != "csrf" {
			t.Fatalf("session %+v", gs)
		}
		old := &ceptor.Session{IDHash: "old", UserID: u.ID, CSRFToken: "c", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(-time.Hour)}
		must(t, db.CreateSession(ctx, old))
		n, err = db.DeleteExpiredSessions(ctx, now)
		must(t, err)
		if n != 1 {
			t.Fatalf("expired sessions deleted %d", n)
		}
		must(t, db.DeleteUserSessions(ctx, u.ID))
		_, err = db.FindSession(ctx, "abc")
		wantCode(t, err, ceptor.ENOTFOUND)

		tok := &ceptor.APIToken{UserID: u.ID, Name: "siem", Prefix: "cpt_abcd", Hash: "hash1", Scopes: []string{"read", "write"}}
		must(t, db.CreateToken(ctx, tok))
		wantCode(t, db.CreateToken(ctx, &ceptor.APIToken{UserID: u.ID, Name: "", Hash: "h"}), ceptor.EINVALID)
		ft, err := db.FindTokenByHash(ctx, "hash1")
		must(t, err)
		if len(ft.Scopes) != 2 || !ft.Usable(now) {
			t.Fatalf("token %+v", ft)
		}
		must(t, db.TouchToken(ctx, tok.ID, now))
		must(t, db.RevokeToken(ctx, tok.ID, now))
		wantCode(t, db.RevokeToken(ctx, tok.ID, now), ceptor.ENOTFOUND)
		list, _ := db.ListTokens(ctx, u.ID)
		if len(list) != 1 || list[0].LastUsedAt == nil || list[0].Usable(now) {
			t.Fatalf("tokens %+v", list[0])
		}
	})
}
