package web

import (
	"net/http"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/i18n"
)

// The operator's inbox (受信箱) at /inbox: the advisories its organisation
// received, unread (by this person) and unconfirmed first, with filters,
// Japanese full-text search (標的型 finds 標的型メール: trigram search, as for
// reports) and the confirmation button.

func (s *Server) routesInbox() {
	s.mux.HandleFunc("GET /inbox", s.inboxPage)
}

type inboxData struct {
	Items       []ceptor.InboxItem
	Pager       Pager
	Q           string
	Category    string
	Drill       string
	Unconfirmed bool
	Unread      bool
	Cats        []ceptor.AdvisoryCategory
	Filtered    bool
	Back        string
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	f := inboxFilter(r, st)
	f.Q = strings.TrimSpace(f.Q)
	f.Limit, f.Offset = 30, max(offset, 0)
	items, total, err := s.inbox(r.Context(), st, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := inboxData{Items: items, Pager: Pager{Total: total, Limit: 30, Offset: f.Offset}, Q: f.Q, Category: string(f.Category),
		Drill: q.Get("drill"), Unconfirmed: f.Unconfirmed, Unread: f.Unread, Cats: ceptor.AdvisoryCategories}
	d.Filtered = d.Q != "" || d.Category != "" || d.Drill != "" || d.Unconfirmed || d.Unread
	d.Back = "/inbox"
	if r.URL.RawQuery != "" {
		d.Back += "?" + r.URL.RawQuery
	}
	s.render(w, r, http.StatusOK, "inbox", s.page(w, r, i18n.T(st.lang, "inbox.title"), d))
}
