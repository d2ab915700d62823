package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"

	"ceptor"
	"ceptor/sqldb"
	"ceptor/sqldb/sqldbtest"
)

func mustUser(t *testing.T, db *sqldb.DB, org *ceptor.Organization, email string) *ceptor.User {
	t.Helper()
	u := &ceptor.User{OrgID: org.ID, Email: email, Name: email, Role: ceptor.RoleAnalyst}
	must(t, db.CreateUser(ctx, u))
	return u
}

func notificationIDs(list []*ceptor.Notification) []int64 {
	out := make([]int64, len(list))
	for i, n := range list {
		out[i] = n.ID
	}
	return out
}

// A notification to an organisation reaches each of its people, who read
// it separately; a personal one reaches its person only; nobody outside
// the organisation sees either.
func TestNotificationsReadStatePerPerson(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		alice := mustUser(t, db, f.op1, "alice@minato.example.jp")
		bob := mustUser(t, db, f.op1, "bob@minato.example.jp")
		carol := mustUser(t, db, f.op2, "carol@shinkin.example.jp")

		orgWide := &ceptor.Notification{OrgID: f.op1.ID, Kind: "report.clock_reminder", MessageKey: "notify.msg.test",
			Args: []ceptor.NotificationArg{ceptor.ArgText("R-1"), ceptor.ArgLang("みなと銀行", "Minato Bank"), ceptor.ArgKey("orgtype.operator")}, Link: "/reports/1"}
		must(t, db.Notify(ctx, orgWide))
		personal := &ceptor.Notification{OrgID: f.op1.ID, UserID: alice.ID, Kind: "report.overdue", MessageKey: "notify.msg.test", Urgent: true}
		must(t, db.Notify(ctx, personal))
		other := &ceptor.Notification{OrgID: f.op2.ID, Kind: "incident.update_due", MessageKey: "notify.msg.test"}
		must(t, db.Notify(ctx, other))
		if orgWide.ID == 0 || orgWide.CreatedAt.IsZero() {
			t.Fatalf("Notify did not set id and time: %+v", orgWide)
		}

		count := func(u *ceptor.User) int {
			t.Helper()
			n, err := db.CountUnread(ctx, u.ID, u.OrgID)
			must(t, err)
			return n
		}
		list := func(u *ceptor.User, unreadOnly bool) ([]*ceptor.Notification, int) {
			t.Helper()
			l, total, err := db.ListNotifications(ctx, u.ID, u.OrgID, unreadOnly, 50, 0)
			must(t, err)
			return l, total
		}

		for _, c := range []struct {
			who  *ceptor.User
			want []int64
		}{
			{alice, []int64{personal.ID, orgWide.ID}},
			{bob, []int64{orgWide.ID}},
			{carol, []int64{other.ID}},
		} {
			got, total := list(c.who, false)
			if !slices.Equal(notificationIDs(got), c.want) || total != len(c.want) || count(c.who) != len(c.want) {
				t.Errorf("%s sees %v (total %d, unread %d), want %v", c.who.Email, notificationIDs(got), total, count(c.who), c.want)
			}
		}

		// The arguments come back as stored, the link and urgency too.
		got, _ := list(alice, false)
		if n := got[1]; len(n.Args) != 3 || n.Args[1].JA != "みなと銀行" || n.Args[2].Key != "orgtype.operator" || n.Link != "/reports/1" || n.ReadAt != nil {
			t.Fatalf("stored notification = %+v", n)
		}
		if !got[0].Urgent || got[0].UserID != alice.ID || got[1].UserID != 0 {
			t.Fatalf("urgent/user = %+v %+v", got[0], got[1])
		}

		// Alice reads the organisation's notification: Bob still has it unread.
		n, err := db.MarkRead(ctx, alice.ID, alice.OrgID, orgWide.ID)
		must(t, err)
		if n != 1 || count(alice) != 1 || count(bob) != 1 {
			t.Fatalf("after Alice reads: marked %d, alice %d, bob %d", n, count(alice), count(bob))
		}
		// Marking again, or marking what is not one's own, changes nothing.
		n, err = db.MarkRead(ctx, alice.ID, alice.OrgID, orgWide.ID, other.ID, 999999)
		must(t, err)
		if n != 0 {
			t.Fatalf("re-marking marked %d", n)
		}
		n, err = db.MarkRead(ctx, bob.ID, bob.OrgID, personal.ID)
		must(t, err)
		if n != 0 || count(alice) != 1 {
			t.Fatalf("Bob marked Alice's notification: %d", n)
		}
		if n, _ := db.MarkRead(ctx, carol.ID, carol.OrgID); n != 0 {
			t.Fatal("MarkRead without ids marked something")
		}

		// Unread first, then newest first; read ones carry the time.
		got, _ = list(alice, false)
		if !slices.Equal(notificationIDs(got), []int64{personal.ID, orgWide.ID}) || got[1].ReadAt == nil || got[0].ReadAt != nil {
			t.Fatalf("order after read: %v", notificationIDs(got))
		}
		unreadList, total := list(alice, true)
		if !slices.Equal(notificationIDs(unreadList), []int64{personal.ID}) || total != 1 {
			t.Fatalf("unread only: %v total %d", notificationIDs(unreadList), total)
		}

		// Mark all read is per person too.
		n, err = db.MarkAllRead(ctx, bob.ID, bob.OrgID)
		must(t, err)
		if n != 1 || count(bob) != 0 || count(alice) != 1 || count(carol) != 1 {
			t.Fatalf("mark all: %d; bob %d alice %d carol %d", n, count(bob), count(alice), count(carol))
		}
		n, err = db.MarkAllRead(ctx, alice.ID, alice.OrgID)
		must(t, err)
		if n != 1 || count(alice) != 0 {
			t.Fatalf("alice mark all: %d, %d left", n, count(alice))
		}
	})
}

func TestNotificationsPaginationAndValidation(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		u := mustUser(t, db, f.op1, "pager@minato.example.jp")
		var ids []int64
		for i := 0; i < 7; i++ {
			n := &ceptor.Notification{OrgID: f.op1.ID, Kind: "report.received", MessageKey: "notify.msg.test"}
			if i%2 == 0 {
				n.UserID = u.ID
			}
			must(t, db.Notify(ctx, n))
			ids = append(ids, n.ID)
		}
		// Read the newest two: they go to the end.
		_, err := db.MarkRead(ctx, u.ID, u.OrgID, ids[6], ids[5])
		must(t, err)
		want := []int64{ids[4], ids[3], ids[2], ids[1], ids[0], ids[6], ids[5]}
		var got []int64
		for off := 0; off < 7; off += 3 {
			page, total, err := db.ListNotifications(ctx, u.ID, u.OrgID, false, 3, off)
			must(t, err)
			if total != 7 {
				t.Fatalf("total %d", total)
			}
			got = append(got, notificationIDs(page)...)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("pages %v, want %v", got, want)
		}

		for _, c := range []struct {
			name  string
			n     ceptor.Notification
			field string
		}{
			{"no organisation", ceptor.Notification{Kind: "report.x", MessageKey: "k"}, "org_id"},
			{"no kind", ceptor.Notification{OrgID: f.op1.ID, MessageKey: "k"}, "kind"},
			{"no message", ceptor.Notification{OrgID: f.op1.ID, Kind: "report.x"}, "message_key"},
			{"link elsewhere", ceptor.Notification{OrgID: f.op1.ID, Kind: "report.x", MessageKey: "k", Link: "https://evil.example/"}, "link"},
			{"protocol-relative link", ceptor.Notification{OrgID: f.op1.ID, Kind: "report.x", MessageKey: "k", Link: "//evil.example/"}, "link"},
		} {
			err := db.Notify(ctx, &c.n)
			if ceptor.ErrorCode(err) != ceptor.EINVALID || ceptor.ErrorFields(err)[c.field] == "" {
				t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
			}
		}
		// A notification to a person who does not exist is refused.
		err = db.Notify(ctx, &ceptor.Notification{OrgID: f.op1.ID, UserID: 999999, Kind: "report.x", MessageKey: "k"})
		wantCode(t, err, ceptor.EINVALID)

		_, err = db.MarkRead(ctx, u.ID, u.OrgID, make([]int64, 501)...)
		wantCode(t, err, ceptor.EINVALID)
	})
}

// A notification stored in a transaction that rolls back leaves nothing;
// NotifyWith commits the notification and what runs after it together.
func TestNotifyFollowsTheTransaction(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		u := mustUser(t, db, f.op1, "tx@minato.example.jp")
		tx, err := db.SQL().BeginTx(ctx, nil)
		must(t, err)
		must(t, db.NotifyTx(ctx, tx, &ceptor.Notification{OrgID: f.op1.ID, Kind: "report.x", MessageKey: "k"}))
		must(t, tx.Rollback())

		boom := errors.New("enqueue failed")
		err = db.NotifyWith(ctx, &ceptor.Notification{OrgID: f.op1.ID, Kind: "report.x", MessageKey: "k"}, func(ctx context.Context, tx *sql.Tx) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("NotifyWith error %v", err)
		}
		if n, _ := db.CountUnread(ctx, u.ID, u.OrgID); n != 0 {
			t.Fatalf("%d notifications survived a rollback", n)
		}
		ran := false
		must(t, db.NotifyWith(ctx, &ceptor.Notification{OrgID: f.op1.ID, Kind: "report.x", MessageKey: "k"}, func(ctx context.Context, tx *sql.Tx) error { ran = true; return nil }))
		if n, _ := db.CountUnread(ctx, u.ID, u.OrgID); n != 1 || !ran {
			t.Fatalf("NotifyWith: %d stored, ran %v", n, ran)
		}
	})
}

func TestNotificationPrefs(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := mustFixture(t, db)
		a := mustUser(t, db, f.op1, "prefs-a@minato.example.jp")
		b := mustUser(t, db, f.op1, "prefs-b@minato.example.jp")

		p, err := db.NotificationPrefs(ctx, a.ID)
		must(t, err)
		if len(p) != 0 || p.Email(ceptor.NotifyReports) != ceptor.DefaultEmailChoice {
			t.Fatalf("fresh prefs %v", p)
		}
		must(t, db.SetNotificationPrefs(ctx, a.ID, ceptor.NotificationPrefs{ceptor.NotifyReports: ceptor.EmailAll, ceptor.NotifyIncidents: ceptor.EmailNone}))
		// A second save changes what it names and keeps the rest.
		must(t, db.SetNotificationPrefs(ctx, a.ID, ceptor.NotificationPrefs{ceptor.NotifyIncidents: ceptor.EmailUrgent}))
		p, err = db.NotificationPrefs(ctx, a.ID)
		must(t, err)
		if p[ceptor.NotifyReports] != ceptor.EmailAll || p[ceptor.NotifyIncidents] != ceptor.EmailUrgent || len(p) != 2 {
			t.Fatalf("prefs %v", p)
		}
		must(t, db.SetNotificationPrefs(ctx, b.ID, ceptor.NotificationPrefs{ceptor.NotifyAdvisories: ceptor.EmailNone}))
		all, err := db.NotificationPrefsFor(ctx, []int64{a.ID, b.ID, 999999})
		must(t, err)
		if len(all) != 2 || all[b.ID][ceptor.NotifyAdvisories] != ceptor.EmailNone || all[a.ID][ceptor.NotifyReports] != ceptor.EmailAll {
			t.Fatalf("prefs for many: %v", all)
		}

		for _, bad := range []ceptor.NotificationPrefs{{"weather": ceptor.EmailAll}, {ceptor.NotifyReports: "sometimes"}} {
			if err := db.SetNotificationPrefs(ctx, a.ID, bad); ceptor.ErrorCode(err) != ceptor.EINVALID {
				t.Errorf("SetNotificationPrefs(%v) = %v", bad, err)
			}
		}
	})
}

func TestDeleteOldNotifications(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines {
		t.Run(engine, func(t *testing.T) {
			now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
			db := sqldbtest.Open(t, engine, sqldbtest.Options{Now: func() time.Time { return now }})
			f := mustFixture(t, db)
			u := mustUser(t, db, f.op1, "old@minato.example.jp")
			old := &ceptor.Notification{OrgID: f.op1.ID, Kind: "report.x", MessageKey: "k"}
			must(t, db.Notify(ctx, old))
			_, err := db.MarkRead(ctx, u.ID, u.OrgID, old.ID)
			must(t, err)
			now = now.AddDate(0, 6, 0)
			must(t, db.Notify(ctx, &ceptor.Notification{OrgID: f.op1.ID, Kind: "report.x", MessageKey: "k"}))
			n, err := db.DeleteNotificationsBefore(ctx, now.AddDate(0, -1, 0))
			must(t, err)
			if _, total, _ := db.ListNotifications(ctx, u.ID, u.OrgID, false, 10, 0); n != 1 || total != 1 {
				t.Fatalf("deleted %d, %d left", n, total)
			}
		})
	}
}
