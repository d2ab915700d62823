package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/i18n"
)

// The operator's inbox (受信箱) at /inbox: the advisories its organisation
// received, unread (by this person) and unconfirmed first, with filters,
// Japanese full-text search (標的型 finds 標的型メール: trigram search, as for
// reports) and the confirmation button. The list updates without reload:
// the page re-reads it from /inbox/rows (same filters) whenever the live
// topics say that an advisory arrived, changed or was withdrawn ("inbox",
// for every inbox: each re-reads its own list through the policy, so an
// event tells nobody what arrived nor for whom) or that the caller's
// organisation confirmed one ("inbox:<org>").

func (s *Server) routesInbox() {
	s.mux.HandleFunc("GET /inbox", s.inboxPage)
	s.mux.HandleFunc("GET /inbox/rows", s.inboxRows)
	s.mux.HandleFunc("GET /inbox/events", s.inboxEvents)
}

const inboxTopic = "inbox"

func inboxOrgTopic(org int64) string { return "inbox:" + strconv.FormatInt(org, 10) }

// inboxArrived wakes the open inboxes: an advisory was published, relayed,
// corrected or withdrawn.
func (s *Server) inboxArrived(ctx context.Context) { s.live.Publish(ctx, inboxTopic) }

// inboxConfirmed wakes the open inboxes of an organisation that confirmed.
func (s *Server) inboxConfirmed(ctx context.Context, org int64) {
	s.live.Publish(ctx, inboxOrgTopic(org))
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
	Rows        string // the list as a fragment, same query
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	d, err := s.inboxData(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "inbox", s.page(w, r, i18n.T(st.lang, "inbox.title"), d))
}

// inboxRows is the list of the inbox page (same query) as a fragment.
func (s *Server) inboxRows(w http.ResponseWriter, r *http.Request) {
	st, ok := s.liveUser(w, r)
	if !ok {
		return
	}
	d, err := s.inboxData(r, st)
	if err != nil {
		http.Error(w, i18n.T(st.lang, messageKey(err)), statusOf(ceptor.ErrorCode(err)))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	p := s.page(w, r, "", d)
	p.Path = "/inbox" // the pager's links
	if err := s.tmpl["inbox"].ExecuteTemplate(w, "inbox-body", p); err != nil {
		s.log.Error("render inbox fragment", "err", err)
	}
}

// inboxEvents streams "refresh" hints for the caller's inbox.
func (s *Server) inboxEvents(w http.ResponseWriter, r *http.Request) {
	st, ok := s.liveUser(w, r)
	if !ok {
		return
	}
	// The list is read through the policy on every refresh; the stream
	// itself shows nothing. A burst (a publication, many confirmations)
	// becomes one refresh a second at most.
	s.streamHints2(w, r, inboxTopic, inboxOrgTopic(st.actor.OrgID), func() bool { return true }, time.Second)
}

func (s *Server) inboxData(r *http.Request, st *reqState) (inboxData, error) {
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	f := inboxFilter(r, st)
	f.Q = strings.TrimSpace(f.Q)
	f.Limit, f.Offset = 30, max(offset, 0)
	items, total, err := s.inbox(r.Context(), st, f)
	if err != nil {
		return inboxData{}, err
	}
	d := inboxData{Items: items, Pager: Pager{Total: total, Limit: 30, Offset: f.Offset}, Q: f.Q, Category: string(f.Category),
		Drill: q.Get("drill"), Unconfirmed: f.Unconfirmed, Unread: f.Unread, Cats: ceptor.AdvisoryCategories}
	d.Filtered = d.Q != "" || d.Category != "" || d.Drill != "" || d.Unconfirmed || d.Unread
	d.Back, d.Rows = "/inbox", "/inbox/rows"
	if r.URL.RawQuery != "" {
		d.Back += "?" + r.URL.RawQuery
		d.Rows += "?" + r.URL.RawQuery
	}
	return d, nil
}
