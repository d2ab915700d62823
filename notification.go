package ceptor

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Notification tells people that something needs their attention: a
// reporting clock running out, an overdue report, an update due in
// large-scale mode, a report waiting to be relayed. It is addressed to one
// person, or to every person of an organisation (UserID 0); each person
// marks it read on their own.
//
// The text is not stored: MessageKey and Args are rendered in the reader's
// language when the notification is shown or e-mailed, so that one
// notification to an organisation reads in Japanese for some of its people
// and in English for others.
type Notification struct {
	ID     int64 `json:"id"`
	OrgID  int64 `json:"org_id"`
	UserID int64 `json:"user_id"` // 0: every person of the organisation
	// Kind says what happened, as "<area>.<event>" (report.overdue,
	// incident.update_due ...); its area decides the preference group.
	Kind       string            `json:"kind"`
	MessageKey string            `json:"message_key"`
	Args       []NotificationArg `json:"args"`
	// Link is a local path (/reports/42) to what the notification is about.
	Link      string     `json:"link"`
	Urgent    bool       `json:"urgent"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"` // for the person reading; nil: unread
}

// NotificationArg is one value for a placeholder of the message: plain text,
// a text per language (an organisation's Japanese and English names), or a
// message key translated for the reader (an organisation type, a status).
type NotificationArg struct {
	Text string `json:"text,omitempty"`
	JA   string `json:"ja,omitempty"`
	EN   string `json:"en,omitempty"`
	Key  string `json:"key,omitempty"`
}

// ArgText is a placeholder value that reads the same in every language.
func ArgText(s string) NotificationArg { return NotificationArg{Text: s} }

// ArgLang is a placeholder value with a Japanese and an English text.
func ArgLang(ja, en string) NotificationArg { return NotificationArg{JA: ja, EN: en} }

// ArgKey is a placeholder value that is itself a message key.
func ArgKey(key string) NotificationArg { return NotificationArg{Key: key} }

// In returns the value for a reader of language lang; translate looks a key
// up in the message catalog.
func (a NotificationArg) In(lang string, translate func(lang, key string) string) string {
	switch {
	case a.Key != "":
		return translate(lang, a.Key)
	case lang == "en" && a.EN != "":
		return a.EN
	case a.JA != "":
		return a.JA
	case a.EN != "":
		return a.EN
	}
	return a.Text
}

// Notification preference groups: people choose per group whether they
// also get e-mail. Kinds map to groups by their area (the part before the
// first dot).
const (
	NotifyReports    = "reports"    // report.*: clocks, reminders, overdue, received, relay needed
	NotifyIncidents  = "incidents"  // incident.*: large-scale mode, update cadences
	NotifyAdvisories = "advisories" // advisory.*: new advisories, receipt reminders
	NotifySurveys    = "surveys"    // survey.*: invitations and deadlines
	NotifyOther      = "other"      // anything else, such as account and test messages
)

// NotificationGroups lists the groups in display order.
var NotificationGroups = []string{NotifyReports, NotifyIncidents, NotifyAdvisories, NotifySurveys, NotifyOther}

// NotificationGroup returns the preference group of a notification kind.
func NotificationGroup(kind string) string {
	area, _, _ := strings.Cut(kind, ".")
	switch area {
	case "report":
		return NotifyReports
	case "incident":
		return NotifyIncidents
	case "advisory":
		return NotifyAdvisories
	case "survey":
		return NotifySurveys
	}
	return NotifyOther
}

// EmailChoice is when a person also gets a notification by e-mail. Every
// notification is shown in the application whatever the choice.
type EmailChoice string

// E-mail choices.
const (
	EmailAll    EmailChoice = "all"    // every notification of the group
	EmailUrgent EmailChoice = "urgent" // only urgent ones (overdue, large-scale mode ...)
	EmailNone   EmailChoice = "none"   // in the application only
)

// EmailChoices lists the choices in display order.
var EmailChoices = []EmailChoice{EmailAll, EmailUrgent, EmailNone}

// Valid reports whether c is a known choice.
func (c EmailChoice) Valid() bool { return c == EmailAll || c == EmailUrgent || c == EmailNone }

// DefaultEmailChoice applies to a group a person has not chosen for: urgent
// matters reach people who are not looking at the screen, routine ones wait
// in the application.
const DefaultEmailChoice = EmailUrgent

// NotificationPrefs is a person's e-mail choice per group.
type NotificationPrefs map[string]EmailChoice

// Email returns the choice for a group (the default when none was made).
func (p NotificationPrefs) Email(group string) EmailChoice {
	if c, ok := p[group]; ok && c.Valid() {
		return c
	}
	return DefaultEmailChoice
}

// WantsEmail reports whether n should also be e-mailed to the person.
func (p NotificationPrefs) WantsEmail(n *Notification) bool {
	switch p.Email(NotificationGroup(n.Kind)) {
	case EmailAll:
		return true
	case EmailUrgent:
		return n.Urgent
	}
	return false
}

// Complete returns the choice for every group, defaults filled in.
func (p NotificationPrefs) Complete() NotificationPrefs {
	out := NotificationPrefs{}
	for _, g := range NotificationGroups {
		out[g] = p.Email(g)
	}
	return out
}

// Validate checks the groups and choices.
func (p NotificationPrefs) Validate() error {
	f := map[string]string{}
	for g, c := range p {
		known := false
		for _, x := range NotificationGroups {
			known = known || x == g
		}
		switch {
		case !known:
			f[g] = "notify.err_group"
		case !c.Valid():
			f[g] = "notify.err_choice"
		}
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// Validate checks a notification before it is stored.
func (n *Notification) Validate() error {
	f := map[string]string{}
	n.Kind = strings.TrimSpace(n.Kind)
	n.Link = strings.TrimSpace(n.Link)
	if n.OrgID == 0 {
		f["org_id"] = "err.required"
	}
	switch {
	case n.Kind == "":
		f["kind"] = "err.required"
	case len(n.Kind) > 100 || strings.ContainsAny(n.Kind, " \t\r\n"):
		f["kind"] = "notify.err_kind"
	}
	if n.MessageKey == "" || len(n.MessageKey) > 200 {
		f["message_key"] = "err.required"
	}
	// Links stay on this site: a notification is no way to send people
	// elsewhere.
	if n.Link != "" && (!strings.HasPrefix(n.Link, "/") || strings.HasPrefix(n.Link, "//") ||
		strings.HasPrefix(n.Link, "/\\") || strings.ContainsAny(n.Link, "\r\n") || len(n.Link) > 500) {
		f["link"] = "notify.err_link"
	}
	if len(n.Args) > 10 {
		f["args"] = "err.too_long"
	}
	for _, a := range n.Args {
		if utf8.RuneCountInString(a.Text+a.JA+a.EN+a.Key) > 1000 {
			f["args"] = "err.too_long"
		}
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// Notifier tells people about something: it stores the notification and
// sends the e-mails that their preferences ask for. Background jobs
// (reporting clocks, update cadences) get one injected; the web server is
// the implementation, since it renders messages in each reader's language.
type Notifier interface {
	Notify(ctx context.Context, n *Notification) error
}

// NotificationService stores notifications, who has read them, and each
// person's e-mail preferences. A person's notifications are those addressed
// to them and those addressed to their organisation as a whole.
type NotificationService interface {
	// Notify stores n, setting its ID and CreatedAt.
	Notify(ctx context.Context, n *Notification) error
	// ListNotifications returns a person's notifications, unread first and
	// newest first, with ReadAt set for that person, and the total.
	ListNotifications(ctx context.Context, userID, orgID int64, unreadOnly bool, limit, offset int) ([]*Notification, int, error)
	// FindNotification returns one of a person's notifications, with
	// ReadAt for them; ENOTFOUND when it is not theirs.
	FindNotification(ctx context.Context, userID, orgID, id int64) (*Notification, error)
	// CountUnread returns how many of a person's notifications are unread.
	CountUnread(ctx context.Context, userID, orgID int64) (int, error)
	// MarkRead marks notifications read for a person, ignoring ids that are
	// not theirs or already read; it returns how many it marked.
	MarkRead(ctx context.Context, userID, orgID int64, ids ...int64) (int, error)
	// MarkAllRead marks every unread notification of a person read.
	MarkAllRead(ctx context.Context, userID, orgID int64) (int, error)
	// NotificationPrefs returns the choices a person has made (groups
	// without a choice are absent).
	NotificationPrefs(ctx context.Context, userID int64) (NotificationPrefs, error)
	// NotificationPrefsFor returns the choices of many people at once.
	NotificationPrefsFor(ctx context.Context, userIDs []int64) (map[int64]NotificationPrefs, error)
	// SetNotificationPrefs stores a person's choices for the groups given.
	SetNotificationPrefs(ctx context.Context, userID int64, p NotificationPrefs) error
}
