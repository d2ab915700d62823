package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/i18n"
)

var jst = func() *time.Location {
	l, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*60*60)
	}
	return l
}()

// Page is the data every template receives. Handlers put their own data in
// Data; templates reach helpers through methods ({{.T "key"}}).
type Page struct {
	Lang      string
	Title     string
	User      *ceptor.User
	Org       *ceptor.Organization
	Actor     *ceptor.Actor
	CSRF      string
	Flash     string
	Path      string
	Query     url.Values
	Nav       []NavItem
	Data      any
	Errors    map[string]string // field -> translated message
	FormError string
	Version   string
	// UnreadCount is the number on the notification bell.
	UnreadCount int
}

// T translates key into the page's language.
func (p *Page) T(key string, args ...any) string { return i18n.T(p.Lang, key, args...) }

// OrgType returns the label of an organisation type.
func (p *Page) OrgType(t ceptor.OrgType) string { return i18n.T(p.Lang, "orgtype."+string(t)) }

// Role returns the label of a role.
func (p *Page) Role(r ceptor.Role) string { return i18n.T(p.Lang, "role."+string(r)) }

// OrgName returns an organisation's name in the page language.
func (p *Page) OrgName(o *ceptor.Organization) string {
	if o == nil {
		return ""
	}
	return o.DisplayName(p.Lang)
}

// Pick returns ja or en by page language (for data with two name fields).
func (p *Page) Pick(ja, en string) string {
	if p.Lang == "en" && en != "" {
		return en
	}
	return ja
}

// Time formats t in Japan time.
func (p *Page) Time(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return p.T("common.never")
		}
		return v.In(jst).Format("2006-01-02 15:04")
	case *time.Time:
		if v == nil || v.IsZero() {
			return p.T("common.never")
		}
		return v.In(jst).Format("2006-01-02 15:04")
	}
	return ""
}

// Err returns the translated error of a form field.
func (p *Page) Err(field string) string { return p.Errors[field] }

// Can asks the policy from a template: {{if .Can "update" "organization" .Data.Org}}.
func (p *Page) Can(act, kind string, o *ceptor.Organization) bool {
	if o == nil {
		return ceptor.Allow(p.Actor, ceptor.Action(act), ceptor.Resource{Kind: ceptor.Kind(kind)})
	}
	return ceptor.Allow(p.Actor, ceptor.Action(act), ceptor.OrgResource(ceptor.Kind(kind), o))
}

// URLWith returns the current path with one query value replaced.
func (p *Page) URLWith(key, value string) string {
	q := url.Values{}
	for k, v := range p.Query {
		q[k] = v
	}
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	if len(q) == 0 {
		return p.Path
	}
	return p.Path + "?" + q.Encode()
}

// Selected returns "selected" when a == b (for <option>).
func (p *Page) Selected(a, b any) template.HTMLAttr {
	if fmt.Sprint(a) == fmt.Sprint(b) {
		return "selected"
	}
	return ""
}

// Checked returns "checked" when cond.
func (p *Page) Checked(cond bool) template.HTMLAttr {
	if cond {
		return "checked"
	}
	return ""
}

// Pager describes one page of a list.
type Pager struct {
	Total, Offset, Limit int
}

// From is the 1-based index of the first item shown.
func (g Pager) From() int {
	if g.Total == 0 {
		return 0
	}
	return g.Offset + 1
}

// To is the index of the last item shown.
func (g Pager) To() int { return min(g.Offset+g.Limit, g.Total) }

// HasPrev reports whether there is a previous page.
func (g Pager) HasPrev() bool { return g.Offset > 0 }

// HasNext reports whether there is a next page.
func (g Pager) HasNext() bool { return g.Offset+g.Limit < g.Total }

// PrevOffset is the offset of the previous page.
func (g Pager) PrevOffset() string { return strconv.Itoa(max(g.Offset-g.Limit, 0)) }

// NextOffset is the offset of the next page.
func (g Pager) NextOffset() string { return strconv.Itoa(g.Offset + g.Limit) }

var funcs = template.FuncMap{
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
	"json": func(v any) (template.JS, error) {
		b, err := json.Marshal(v)
		return template.JS(b), err
	},
	"contains": func(list []int64, v int64) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	},
	"str": func(v any) string { return fmt.Sprint(v) },
}

// parseTemplates parses layout.html with each page template into its own set.
func parseTemplates() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", base, err)
		}
		out[strings.TrimSuffix(base, ".html")] = t
	}
	return out, nil
}

// page builds the common page data for a request.
func (s *Server) page(w http.ResponseWriter, r *http.Request, title string, data any) *Page {
	st := state(r)
	p := &Page{Lang: st.lang, Title: title, User: st.user, Org: st.org, Actor: st.actor, Path: r.URL.Path, Query: r.URL.Query(), Data: data, Version: s.cfg.Version}
	if st.session != nil {
		p.CSRF = st.session.CSRFToken
	} else {
		p.CSRF = s.preCSRF(w, r)
	}
	p.Flash = s.takeFlash(w, r)
	if st.actor != nil {
		p.Nav = navFor(st.actor, r.URL.Path)
		p.UnreadCount = s.unreadCount(r.Context(), st)
	}
	return p
}

// render executes a page template into a buffer first, so that a template
// error becomes a clean error page rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	t, ok := s.tmpl[name]
	if !ok {
		s.log.Error("unknown template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.Error("render template", "name", name, "err", err)
		http.Error(w, i18n.T(p.Lang, "err.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// statusOf maps an error code to an HTTP status: the one table.
func statusOf(code string) int {
	switch code {
	case ceptor.EINVALID:
		return http.StatusUnprocessableEntity
	case ceptor.ENOTFOUND:
		return http.StatusNotFound
	case ceptor.ECONFLICT:
		return http.StatusConflict
	case ceptor.EFORBIDDEN:
		return http.StatusForbidden
	case ceptor.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case ceptor.ETOOMANY:
		return http.StatusTooManyRequests
	case ceptor.ENOTIMPL:
		return http.StatusNotImplemented
	case ceptor.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// messageKey returns the catalog key for an error.
func messageKey(err error) string {
	if e, ok := err.(*ceptor.Error); ok && e.Key != "" {
		return e.Key
	}
	var e *ceptor.Error
	if ok := asError(err, &e); ok && e.Key != "" {
		return e.Key
	}
	return "err." + ceptor.ErrorCode(err)
}

// fieldErrors translates per-field error keys.
// renderForm shows a form page: as it is (200) when err is nil, with the
// field and form messages (422) when err is an EINVALID error; any other
// error is answered as such.
func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, st *reqState, name string, p *Page, err error) {
	status := http.StatusOK
	if err != nil {
		if ceptor.ErrorCode(err) != ceptor.EINVALID {
			s.fail(w, r, err)
			return
		}
		status = http.StatusUnprocessableEntity
		p.Errors = fieldErrors(st.lang, err)
		p.FormError = i18n.T(st.lang, messageKey(err))
	}
	s.render(w, r, status, name, p)
}

func fieldErrors(lang string, err error) map[string]string {
	f := ceptor.ErrorFields(err)
	if len(f) == 0 {
		return nil
	}
	out := make(map[string]string, len(f))
	for k, v := range f {
		if i18n.Has(v) {
			out[k] = i18n.T(lang, v)
		} else {
			out[k] = v
		}
	}
	return out
}

// fail answers with an error: JSON for the API, a page for the UI. Internal
// errors are logged here, once, and never shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := ceptor.ErrorCode(err)
	if code == ceptor.EINTERNAL || code == ceptor.EUNAVAILABLE {
		s.log.Error("request failed", "path", r.URL.Path, "method", r.Method, "err", err)
	}
	st := state(r)
	status := statusOf(code)
	if isAPI(r) {
		s.apiError(w, r, status, code, err)
		return
	}
	if code == ceptor.EUNAUTHORIZED {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	d := errorPage{Status: status, Message: i18n.T(st.lang, messageKey(err)), Fields: fieldErrors(st.lang, err)}
	if code == ceptor.ENOTFOUND && r.Pattern == "" {
		d.Message = i18n.T(st.lang, "err.page_not_found")
	}
	s.render(w, r, status, "error", s.page(w, r, i18n.T(st.lang, "common.error_title"), d))
}

func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/taxii2/")
}

// Initial returns the first character of a name, for the avatar.
func (p *Page) Initial(name string) string {
	for _, r := range name {
		return string(r)
	}
	return "?"
}

// errorPage is what the error template shows.
type errorPage struct {
	Status  int
	Message string
	Fields  map[string]string
}

// AuditAction returns the label of an audit action, or the action code when
// it has none (new actions show up readable rather than blank).
func (p *Page) AuditAction(action string) string {
	if i18n.Has("auditact." + action) {
		return i18n.T(p.Lang, "auditact."+action)
	}
	return action
}
