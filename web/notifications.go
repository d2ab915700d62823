package web

import (
	"bytes"
	"context"
	"database/sql"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/i18n"
	"ceptor/jobs"
)

// Notifications: the person's list at /notifications with the bell in the
// top bar, their e-mail choices at /notifications/settings, the same
// through /api/v1/notifications, and s.notify, which other modules call to
// tell people about something (it stores the notification and queues the
// e-mails that people's choices ask for, in one transaction).
//
// A person's notifications belong to their own account: reading them and
// marking them read is asked of the policy as access to their own user
// record, which every active person has (a token needs the read scope);
// changing e-mail choices through the API also needs the write scope.

// emailQueue queues e-mails in the caller's transaction (jobs.Queue).
type emailQueue interface {
	EnqueueEmailsTx(ctx context.Context, tx *sql.Tx, emails ...jobs.SendEmailArgs) error
}

// jobQueue is the server's access to background work.
type jobQueue struct {
	email emailQueue
	// mailOn reports whether an SMTP server is configured; without one,
	// queued e-mails are logged and recorded as not sent.
	mailOn bool
}

// UseJobs lets the server queue e-mails. Call it before serving; without
// it notifications are stored and shown but never e-mailed.
func (s *Server) UseJobs(q emailQueue) { s.jobs.email = q }

// UseMail tells the server whether e-mail really goes out (an SMTP server
// is configured), so that the settings page can say so.
func (s *Server) UseMail(configured bool) { s.jobs.mailOn = configured }

// mailOn reports whether notification e-mails really go out.
func (s *Server) mailOn() bool { return s.jobs.email != nil && s.jobs.mailOn }

// notificationStore is the storage the notifications need.
type notificationStore interface {
	ceptor.NotificationService
	NotifyWith(ctx context.Context, n *ceptor.Notification, then func(ctx context.Context, tx *sql.Tx) error) error
}

// notes returns the notification storage, or ENOTIMPL for a store without.
func (s *Server) notes() (notificationStore, error) {
	if ns, ok := s.store.(notificationStore); ok {
		return ns, nil
	}
	return nil, &ceptor.Error{Code: ceptor.ENOTIMPL, Message: "notifications are not available", Key: "err.not_impl"}
}

func (s *Server) routesNotifications() {
	s.mux.HandleFunc("GET /notifications", s.notificationsPage)
	s.mux.HandleFunc("POST /notifications/read", s.notificationsMarkRead)
	s.mux.HandleFunc("POST /notifications/read-all", s.notificationsMarkAllRead)
	s.mux.HandleFunc("POST /notifications/{id}/open", s.notificationOpen)
	s.mux.HandleFunc("GET /notifications/settings", s.notificationSettingsPage)
	s.mux.HandleFunc("POST /notifications/settings", s.notificationSettingsSave)
	s.mux.HandleFunc("POST /notifications/test", s.notificationTest)
	s.routesAPINotifications()
}

// ownAccount asks the policy whether the caller may use their own account
// (their own user record).
func ownAccount(a *ceptor.Actor) bool {
	return ceptor.Allow(a, ceptor.ActView, ceptor.Resource{Kind: ceptor.KindUser, OrgID: a.OrgID, OrgType: a.OrgType, UserID: a.UserID})
}

// scopeHas reports whether the caller's credential carries scope; a
// browser session carries every scope its role allows.
func scopeHas(a *ceptor.Actor, scope string) bool {
	return a.Scopes == nil || slices.Contains(a.Scopes, scope)
}

// ---- rendering ----

// notificationText renders a notification's message in lang.
func notificationText(lang string, n *ceptor.Notification) string {
	args := make([]any, len(n.Args))
	for i, a := range n.Args {
		args[i] = a.In(lang, func(l, k string) string { return i18n.T(l, k) })
	}
	return i18n.T(lang, n.MessageKey, args...)
}

// NotificationText renders a notification in the page language.
func (p *Page) NotificationText(n *ceptor.Notification) string { return notificationText(p.Lang, n) }

// NotificationGroup returns the label of a notification's group.
func (p *Page) NotificationGroup(n *ceptor.Notification) string {
	return i18n.T(p.Lang, "notify.group."+ceptor.NotificationGroup(n.Kind))
}

// unreadCount is the number on the bell. It must never break a page: an
// error is logged and shows as no badge.
func (s *Server) unreadCount(ctx context.Context, st *reqState) int {
	if st.user == nil || st.actor == nil || st.org == nil {
		return 0
	}
	ns, err := s.notes()
	if err != nil {
		return 0
	}
	n, err := ns.CountUnread(ctx, st.user.ID, st.org.ID)
	if err != nil {
		s.log.Warn("count unread notifications", "user_id", st.user.ID, "err", err)
		return 0
	}
	return n
}

// ---- sending ----

var _ ceptor.Notifier = (*Server)(nil)

// Notify stores n and queues an e-mail to every person it reaches whose
// choices ask for one, each in that person's language, in one transaction.
// The producer has already asked the policy whether the addressed
// organisation (or person) may see what the notification is about, and
// keeps anything sealed (an anonymous reporter) out of the arguments.
// Disabled people get no e-mail. Background jobs reach it as a
// ceptor.Notifier.
func (s *Server) Notify(ctx context.Context, n *ceptor.Notification) error {
	return s.notifyEmail(ctx, n, false)
}

// notify is Notify for handlers of this package.
func (s *Server) notify(ctx context.Context, n *ceptor.Notification) error { return s.Notify(ctx, n) }

// notifyEmail is notify; force e-mails the notification whatever the
// person's choices (the test notification).
func (s *Server) notifyEmail(ctx context.Context, n *ceptor.Notification, force bool) error {
	ns, err := s.notes()
	if err != nil {
		return err
	}
	if err := n.Validate(); err != nil {
		return err
	}
	if !i18n.Has(n.MessageKey) {
		s.log.Warn("notification message key not in the catalog", "key", n.MessageKey, "kind", n.Kind)
	}
	if n.UserID != 0 {
		// A personal notification belongs to its person's organisation.
		u, err := s.store.FindUser(ctx, n.UserID)
		if err != nil {
			return err
		}
		if u.OrgID != n.OrgID {
			return ceptor.Invalid(map[string]string{"user_id": "notify.err_user_org"})
		}
	}
	var recipients []*ceptor.User
	if s.jobs.email != nil {
		if recipients, err = s.emailRecipients(ctx, ns, n, force); err != nil {
			return err
		}
	}
	return ns.NotifyWith(ctx, n, func(ctx context.Context, tx *sql.Tx) error {
		if len(recipients) == 0 {
			return nil
		}
		emails := make([]jobs.SendEmailArgs, 0, len(recipients))
		for _, u := range recipients {
			emails = append(emails, s.renderEmail(u, n))
		}
		return s.jobs.email.EnqueueEmailsTx(ctx, tx, emails...)
	})
}

// orgPeople is what deciding an organisation's e-mail recipients reads:
// its people and their choices.
type orgPeople struct {
	people []*ceptor.User
	prefs  map[int64]ceptor.NotificationPrefs
}

type orgPeopleKey struct{}

// withOrgPeople reads, ahead of a write transaction, the people of the
// organisations that notifications sent inside it will reach. On SQLite the
// transaction holds the only write lock, so reading there would keep every
// other writer waiting; notifications sent with the returned context use
// what was read here. A failure leaves ctx as it was (the notification then
// reads for itself).
func (s *Server) withOrgPeople(ctx context.Context, orgIDs ...int64) context.Context {
	ns, err := s.notes()
	if err != nil || s.jobs.email == nil {
		return ctx
	}
	m := map[int64]*orgPeople{}
	now := time.Now()
	if prev, ok := ctx.Value(orgPeopleKey{}).(map[int64]*orgPeople); ok {
		for k, v := range prev {
			m[k] = v
		}
	}
	for _, id := range orgIDs {
		if id == 0 || m[id] != nil {
			continue
		}
		if op, ok := s.people.get(id, now); ok {
			m[id] = op
			continue
		}
		list, _, err := s.store.ListUsers(ctx, ceptor.UserFilter{OrgID: id, NoTotal: true})
		if err != nil {
			return ctx
		}
		ids := make([]int64, len(list))
		for i, u := range list {
			ids[i] = u.ID
		}
		prefs, err := ns.NotificationPrefsFor(ctx, ids)
		if err != nil {
			return ctx
		}
		m[id] = &orgPeople{people: list, prefs: prefs}
		s.people.put(id, m[id], now)
	}
	return context.WithValue(ctx, orgPeopleKey{}, m)
}

// emailRecipients lists the active people n reaches who want it by e-mail.
func (s *Server) emailRecipients(ctx context.Context, ns notificationStore, n *ceptor.Notification, force bool) ([]*ceptor.User, error) {
	if m, ok := ctx.Value(orgPeopleKey{}).(map[int64]*orgPeople); ok && n.UserID == 0 {
		if op := m[n.OrgID]; op != nil {
			return pickRecipients(op.people, op.prefs, n, force), nil
		}
	}
	var people []*ceptor.User
	if n.UserID != 0 {
		u, err := s.store.FindUser(ctx, n.UserID)
		if err != nil {
			return nil, err
		}
		people = []*ceptor.User{u}
	} else {
		list, _, err := s.store.ListUsers(ctx, ceptor.UserFilter{OrgID: n.OrgID, NoTotal: true})
		if err != nil {
			return nil, err
		}
		people = list
	}
	var ids []int64
	for _, u := range people {
		ids = append(ids, u.ID)
	}
	prefs, err := ns.NotificationPrefsFor(ctx, ids)
	if err != nil {
		return nil, err
	}
	return pickRecipients(people, prefs, n, force), nil
}

func pickRecipients(people []*ceptor.User, prefs map[int64]ceptor.NotificationPrefs, n *ceptor.Notification, force bool) []*ceptor.User {
	var out []*ceptor.User
	for _, u := range people {
		if u.Disabled || u.OrgID != n.OrgID || u.Email == "" {
			continue
		}
		if force || prefs[u.ID].WantsEmail(n) {
			out = append(out, u)
		}
	}
	return out
}

// emailHTML is the HTML part of a notification e-mail.
var emailHTML = template.Must(template.New("email").Parse(`<!doctype html>
<html lang="{{.Lang}}"><body style="font-family: sans-serif; color: #1b2430; line-height: 1.7">
<p>{{.Greeting}}</p>
{{if .Urgent}}<p style="color: #b42318; font-weight: bold">{{.UrgentLabel}}</p>{{end}}
<p style="font-size: 1.05em">{{.Text}}</p>
{{if .URL}}<p><a href="{{.URL}}">{{.Open}}</a></p>{{end}}
<hr style="border: 0; border-top: 1px solid #dde3ea">
<p style="font-size: .85em; color: #6b7685">{{.Footer}}<br><a href="{{.Settings}}">{{.SettingsLabel}}</a></p>
</body></html>`))

// renderEmail writes the e-mail of n for person u, in u's language.
func (s *Server) renderEmail(u *ceptor.User, n *ceptor.Notification) jobs.SendEmailArgs {
	lang := i18n.Normalize(u.Lang)
	if lang == "" {
		lang = i18n.Default
	}
	base := strings.TrimSuffix(s.cfg.PublicURL, "/")
	text := notificationText(lang, n)
	subjectKey := "notify.email_subject"
	if n.Urgent {
		subjectKey = "notify.email_subject_urgent"
	}
	// Subjects are one line: a message with line breaks keeps its first.
	first, _, _ := strings.Cut(text, "\n")
	d := struct {
		Lang, Greeting, Text, URL, Open, Footer, Settings, SettingsLabel, UrgentLabel string
		Urgent                                                                        bool
	}{
		Lang: lang, Greeting: i18n.T(lang, "notify.email_greeting", u.Name), Text: text,
		Open: i18n.T(lang, "notify.email_open"), Footer: i18n.T(lang, "notify.email_footer"),
		Settings: base + "/notifications/settings", SettingsLabel: i18n.T(lang, "notify.email_settings"),
		UrgentLabel: i18n.T(lang, "notify.urgent"), Urgent: n.Urgent,
	}
	if n.Link != "" {
		d.URL = base + n.Link
	}
	var b strings.Builder
	b.WriteString(d.Greeting + "\n\n")
	if n.Urgent {
		b.WriteString("【" + d.UrgentLabel + "】\n")
	}
	b.WriteString(text + "\n\n")
	if d.URL != "" {
		b.WriteString(d.Open + "\n" + d.URL + "\n\n")
	}
	b.WriteString("-- \n" + d.Footer + "\n" + d.SettingsLabel + ": " + d.Settings + "\n")
	var html bytes.Buffer
	if err := emailHTML.Execute(&html, d); err != nil {
		s.log.Error("render notification e-mail", "err", err)
		html.Reset()
	}
	return jobs.SendEmailArgs{To: []string{u.Email}, Subject: i18n.T(lang, subjectKey, first), Text: b.String(), HTML: html.String(), NotificationID: n.ID}
}

// ---- pages ----

const notificationsPerPage = 20

// notificationsData is what the list page shows.
type notificationsData struct {
	Tab        string // all, unread or settings
	Items      []*ceptor.Notification
	Pager      Pager
	UnreadOnly bool
	Unread     int
	// settings
	Groups  []string
	Choices []ceptor.EmailChoice
	Prefs   ceptor.NotificationPrefs
	Email   string
	MailOn  bool
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	ns, err := s.notes()
	if err == nil && !ownAccount(st.actor) {
		err = forbidden(st)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	d := notificationsData{Tab: "all", UnreadOnly: q.Get("unread") == "1" || q.Get("unread") == "true"}
	if d.UnreadOnly {
		d.Tab = "unread"
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	offset = max(offset, 0)
	items, total, err := ns.ListNotifications(r.Context(), st.user.ID, st.org.ID, d.UnreadOnly, notificationsPerPage, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Items, d.Pager = items, Pager{Total: total, Offset: offset, Limit: notificationsPerPage}
	p := s.page(w, r, i18n.T(st.lang, "notify.title"), &d)
	d.Unread = p.UnreadCount
	s.render(w, r, http.StatusOK, "notifications", p)
}

// backTo returns the list page to go back to after a form, keeping the tab.
func backTo(r *http.Request) string {
	next := r.PostFormValue("next")
	if next == "/notifications" || strings.HasPrefix(next, "/notifications?") {
		return next
	}
	return "/notifications"
}

func (s *Server) notificationsMarkRead(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	var ids []int64
	for _, v := range r.PostForm["id"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	if _, err := s.markRead(r, st, ids, false); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "notify.marked_read")
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
}

func (s *Server) notificationsMarkAllRead(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if _, err := s.markRead(r, st, nil, true); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "notify.marked_all_read")
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
}

// notificationOpen marks one notification read and follows its link.
func (s *Server) notificationOpen(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.findNotification(r.Context(), st, id)
	if err == nil && n.ReadAt == nil {
		_, err = s.markRead(r, st, []int64{id}, false)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(orDefault(n.Link, "/notifications")), http.StatusSeeOther)
}

// findNotification returns one of the caller's notifications, or not found.
func (s *Server) findNotification(ctx context.Context, st *reqState, id int64) (*ceptor.Notification, error) {
	ns, err := s.notes()
	if err != nil {
		return nil, err
	}
	if !ownAccount(st.actor) {
		return nil, notFound()
	}
	return ns.FindNotification(ctx, st.user.ID, st.org.ID, id)
}

// markRead marks the caller's notifications read (all of them when all)
// and records it in the audit log.
func (s *Server) markRead(r *http.Request, st *reqState, ids []int64, all bool) (int, error) {
	ns, err := s.notes()
	if err != nil {
		return 0, err
	}
	if !ownAccount(st.actor) {
		return 0, forbidden(st)
	}
	var n int
	if all {
		n, err = ns.MarkAllRead(r.Context(), st.user.ID, st.org.ID)
	} else {
		n, err = ns.MarkRead(r.Context(), st.user.ID, st.org.ID, ids...)
	}
	if err != nil {
		return 0, err
	}
	if n > 0 {
		detail := map[string]any{"marked": n}
		if all {
			detail["all"] = true
		} else if len(ids) <= 20 {
			detail["ids"] = ids
		}
		s.audit(r, "notification.read", ceptor.KindUser, st.user.ID, st.user.OrgID, detail)
	}
	return n, nil
}

func (s *Server) settingsData(r *http.Request, st *reqState) (*notificationsData, error) {
	ns, err := s.notes()
	if err != nil {
		return nil, err
	}
	prefs, err := ns.NotificationPrefs(r.Context(), st.user.ID)
	if err != nil {
		return nil, err
	}
	return &notificationsData{Tab: "settings", Groups: ceptor.NotificationGroups, Choices: ceptor.EmailChoices,
		Prefs: prefs.Complete(), Email: st.user.Email, MailOn: s.mailOn()}, nil
}

func (s *Server) notificationSettingsPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	d, err := s.settingsData(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(w, r, i18n.T(st.lang, "notify.settings"), d)
	d.Unread = p.UnreadCount
	s.render(w, r, http.StatusOK, "notifications", p)
}

func (s *Server) notificationSettingsSave(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	prefs := ceptor.NotificationPrefs{}
	for _, g := range ceptor.NotificationGroups {
		if v := r.PostFormValue("email_" + g); v != "" {
			prefs[g] = ceptor.EmailChoice(v)
		}
	}
	if err := s.savePrefs(r, st, prefs); err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		d, derr := s.settingsData(r, st)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		for g, c := range prefs {
			d.Prefs[g] = c
		}
		p := s.page(w, r, i18n.T(st.lang, "notify.settings"), d)
		d.Unread = p.UnreadCount
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, "err.invalid")
		s.render(w, r, http.StatusUnprocessableEntity, "notifications", p)
		return
	}
	s.setFlash(w, "common.saved")
	http.Redirect(w, r, "/notifications/settings", http.StatusSeeOther)
}

// savePrefs stores the caller's e-mail choices and audits what changed.
func (s *Server) savePrefs(r *http.Request, st *reqState, prefs ceptor.NotificationPrefs) error {
	ns, err := s.notes()
	if err != nil {
		return err
	}
	if !ownAccount(st.actor) || !scopeHas(st.actor, ceptor.ScopeWrite) {
		return forbidden(st)
	}
	if err := prefs.Validate(); err != nil {
		return err
	}
	before, err := ns.NotificationPrefs(r.Context(), st.user.ID)
	if err != nil {
		return err
	}
	changes := map[string][2]string{}
	for g, c := range prefs {
		if old := before.Email(g); old != c {
			changes[g] = [2]string{string(old), string(c)}
		}
	}
	if err := ns.SetNotificationPrefs(r.Context(), st.user.ID, prefs); err != nil {
		return err
	}
	if len(changes) > 0 {
		s.audit(r, "notification.preferences", ceptor.KindUser, st.user.ID, st.user.OrgID, changes)
	}
	return nil
}

// notificationTest sends the person a notification, by e-mail too whatever
// their choices, so that they can see that both reach them.
func (s *Server) notificationTest(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if !ownAccount(st.actor) {
		s.fail(w, r, forbidden(st))
		return
	}
	n := &ceptor.Notification{OrgID: st.user.OrgID, UserID: st.user.ID, Kind: "system.test", MessageKey: "notify.msg.test", Link: "/notifications/settings"}
	if err := s.notifyEmail(r.Context(), n, true); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "notification.test", ceptor.KindUser, st.user.ID, st.user.OrgID, map[string]any{"notification_id": n.ID, "email": s.jobs.email != nil, "smtp": s.jobs.mailOn})
	s.setFlash(w, "notify.test_sent")
	http.Redirect(w, r, "/notifications/settings", http.StatusSeeOther)
}

// ---- API ----

// apiNotification is a notification as the API shows it: the message
// rendered in the caller's language, and the key and arguments it was made
// from for clients that render themselves.
type apiNotification struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	Group  string `json:"group"`
	OrgID  int64  `json:"org_id"`
	UserID int64  `json:"user_id"`
	// ToOrganization is true for a notification to every person of the
	// organisation (read state is still per person).
	ToOrganization bool                     `json:"to_organization"`
	Message        string                   `json:"message"`
	MessageKey     string                   `json:"message_key"`
	Args           []ceptor.NotificationArg `json:"args"`
	Link           string                   `json:"link,omitempty"`
	Urgent         bool                     `json:"urgent"`
	Read           bool                     `json:"read"`
	ReadAt         *time.Time               `json:"read_at,omitempty"`
	CreatedAt      time.Time                `json:"created_at"`
}

func toAPINotification(lang string, n *ceptor.Notification) apiNotification {
	a := apiNotification{ID: n.ID, Kind: n.Kind, Group: ceptor.NotificationGroup(n.Kind), OrgID: n.OrgID, UserID: n.UserID, ToOrganization: n.UserID == 0,
		Message: notificationText(lang, n), MessageKey: n.MessageKey, Args: n.Args, Link: n.Link, Urgent: n.Urgent, Read: n.ReadAt != nil,
		ReadAt: n.ReadAt, CreatedAt: n.CreatedAt}
	if a.Args == nil {
		a.Args = []ceptor.NotificationArg{}
	}
	return a
}

// notificationsRead is the body of POST /api/v1/notifications/read.
type notificationsRead struct {
	// IDs are the notifications to mark read; ids that are not the
	// caller's or already read are skipped.
	IDs []int64 `json:"ids,omitempty"`
	// All marks every unread notification of the caller read.
	All bool `json:"all,omitempty"`
}

// notificationsReadResult answers a mark-read request.
type notificationsReadResult struct {
	Marked int `json:"marked"`
	Unread int `json:"unread"`
}

// unreadCountResult is the number on the bell.
type unreadCountResult struct {
	Unread int `json:"unread"`
}

// notificationPrefsBody is the caller's e-mail choices.
type notificationPrefsBody struct {
	// Email maps a group (reports, incidents, advisories, surveys, other)
	// to all, urgent or none. In a PUT, groups left out keep their choice.
	Email map[string]ceptor.EmailChoice `json:"email"`
	// EmailConfigured is false when the deployment has no SMTP server:
	// e-mails are then recorded but not sent (read-only).
	EmailConfigured bool `json:"email_configured"`
}

// notificationPrefsInput is the body of PUT /api/v1/notifications/preferences.
type notificationPrefsInput struct {
	Email map[string]ceptor.EmailChoice `json:"email"`
}

func (s *Server) routesAPINotifications() {
	s.handleAPI(apiDoc{
		Method: "GET", Path: "/api/v1/notifications", Tag: "notifications", Scope: ceptor.ScopeRead,
		Summary: "List the caller's notifications",
		Description: "Notifications addressed to the caller and to the caller's whole organisation, unread first, then newest first. " +
			"message is rendered in the caller's language; message_key and args are what it was made from.\n\n" +
			"呼び出し元あて、および所属組織あてのお知らせを、未読を先に新しい順で返します。message は利用者の言語で表示用に整形済みです。",
		Query: []apiParam{
			{Name: "unread", Type: "boolean", Description: "only unread notifications"},
			{Name: "limit", Type: "integer", Description: "1-500, default 50"}, {Name: "offset", Type: "integer"},
		},
		Response: ListResponse[apiNotification]{},
	}, s.apiListNotifications)

	s.handleAPI(apiDoc{
		Method: "GET", Path: "/api/v1/notifications/unread-count", Tag: "notifications", Scope: ceptor.ScopeRead,
		Summary:     "Count the caller's unread notifications",
		Description: "The number on the bell. / 未読のお知らせの件数 (画面上部のベルの数字) を返します。",
		Response:    unreadCountResult{},
	}, s.apiUnreadCount)

	s.handleAPI(apiDoc{
		Method: "POST", Path: "/api/v1/notifications/read", Tag: "notifications", Scope: ceptor.ScopeRead,
		Summary: "Mark notifications read",
		Description: "Marks the given notifications, or with all=true every unread one, read for the caller only: a notification to an organisation stays unread for its other people. " +
			"Ids that are not the caller's or already read are skipped. Marking read records that the caller has seen them and changes nothing others see, so the read scope suffices.\n\n" +
			"指定したお知らせ (all=true ならすべての未読) を呼び出し元について既読にします。組織あてのお知らせも、既読は利用者ごとです。",
		Body: notificationsRead{}, Response: notificationsReadResult{},
	}, s.apiMarkNotificationsRead)

	s.handleAPI(apiDoc{
		Method: "GET", Path: "/api/v1/notifications/preferences", Tag: "notifications", Scope: ceptor.ScopeRead,
		Summary:     "Get the caller's e-mail choices",
		Description: "For each group, whether notifications also come by e-mail: all, urgent (only urgent ones, the default) or none. Every notification is shown in the application whatever the choice.",
		Response:    notificationPrefsBody{},
	}, s.apiGetNotificationPrefs)

	s.handleAPI(apiDoc{
		Method: "PUT", Path: "/api/v1/notifications/preferences", Tag: "notifications", Scope: ceptor.ScopeWrite,
		Summary:     "Change the caller's e-mail choices",
		Description: "Sets the choice of the groups given (all, urgent or none); groups left out keep theirs. Answers the complete choices. / メール通知の設定を変更します。",
		Body:        notificationPrefsInput{}, Response: notificationPrefsBody{},
	}, s.apiPutNotificationPrefs)
}

func (s *Server) apiListNotifications(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	ns, err := s.notes()
	if err == nil && !ownAccount(st.actor) {
		err = forbidden(st)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit, offset, err := listPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unreadOnly := false
	if v := r.URL.Query().Get("unread"); v != "" {
		if unreadOnly, err = strconv.ParseBool(v); err != nil {
			s.fail(w, r, ceptor.Invalid(map[string]string{"unread": "err.type"}))
			return
		}
	}
	list, total, err := ns.ListNotifications(r.Context(), st.user.ID, st.org.ID, unreadOnly, limit, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiNotification, 0, len(list))
	for _, n := range list {
		items = append(items, toAPINotification(st.lang, n))
	}
	writeJSON(w, http.StatusOK, newList(r, items, total, limit, offset))
}

func (s *Server) apiUnreadCount(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	ns, err := s.notes()
	if err == nil && !ownAccount(st.actor) {
		err = forbidden(st)
	}
	var n int
	if err == nil {
		n, err = ns.CountUnread(r.Context(), st.user.ID, st.org.ID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, unreadCountResult{Unread: n})
}

func (s *Server) apiMarkNotificationsRead(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var in notificationsRead
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if !in.All && len(in.IDs) == 0 {
		s.fail(w, r, ceptor.Invalid(map[string]string{"ids": "notify.err_nothing"}))
		return
	}
	if in.All && len(in.IDs) > 0 {
		s.fail(w, r, ceptor.Invalid(map[string]string{"all": "notify.err_ids_and_all"}))
		return
	}
	marked, err := s.markRead(r, st, in.IDs, in.All)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, notificationsReadResult{Marked: marked, Unread: s.unreadCount(r.Context(), st)})
}

func (s *Server) apiGetNotificationPrefs(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	if !ownAccount(st.actor) {
		s.fail(w, r, forbidden(st))
		return
	}
	s.writePrefs(w, r, st)
}

func (s *Server) writePrefs(w http.ResponseWriter, r *http.Request, st *reqState) {
	ns, err := s.notes()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prefs, err := ns.NotificationPrefs(r.Context(), st.user.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, notificationPrefsBody{Email: prefs.Complete(), EmailConfigured: s.mailOn()})
}

func (s *Server) apiPutNotificationPrefs(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	var in notificationPrefsInput
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	prefs := ceptor.NotificationPrefs{}
	for g, c := range in.Email {
		prefs[g] = c
	}
	if err := s.savePrefs(r, st, prefs); err != nil {
		// Unknown groups are reported under email.<group>.
		if f := ceptor.ErrorFields(err); len(f) > 0 {
			out := map[string]string{}
			for k, v := range f {
				out["email."+k] = v
			}
			err = ceptor.Invalid(out)
		}
		s.fail(w, r, err)
		return
	}
	s.writePrefs(w, r, st)
}
