package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"ceptor"
	"ceptor/i18n"
)

// The situation board of an incident (状況ボード), its live event stream and
// the situation report (状況報告).
//
// The board page loads its rows from /incidents/{id}/board/rows, a fragment
// that re-reads everything through the policy. /incidents/{id}/events is a
// server-sent event stream that says "refresh" whenever something about the
// incident changes (the live broker's topic incident:<id>); the page then
// fetches the fragment again, and also every 60 seconds in case a hint was
// missed. Events carry no data: what a person sees is always what the
// policy lets them see at that moment.

// sseHeartbeat keeps idle connections (and the proxies between) alive.
var sseHeartbeat = 25 * time.Second

func (s *Server) routesIncidentBoard() {
	s.mux.HandleFunc("GET /incidents/{id}/board", s.incBoard)
	s.mux.HandleFunc("GET /incidents/{id}/board/rows", s.incBoardRows)
	s.mux.HandleFunc("GET /incidents/{id}/events", s.incEvents)
	s.mux.HandleFunc("GET /incidents/{id}/sitrep", s.incSitrep)
}

// boardData is the board and its fragment.
type boardData struct {
	Inc     *ceptor.Incident
	Current *ceptor.Evaluation
	// FromReports: the incident has no evaluation of its own yet, and
	// Current is the highest current evaluation among its reports.
	FromReports bool
	Rows        []incRow
	Sectors     []incSectorRow
	Orgs        int
	Overdue     int
	DueSoon     int
	NextDue     time.Time
	At          time.Time // when the rows were read
	Since       string
	Sitrep      int // number of this situation report
	CreatedBy   string
	Notes       []incEvent
	Timeline    []incEvent
	GeneratedBy string
}

// loadBoard reads the incident and its rows as the caller may see them.
func (s *Server) loadBoard(ctx context.Context, st *reqState, id int64, act ceptor.Action) (*boardData, *incNames, error) {
	inc, err := s.incFor(ctx, st, id, act)
	if err != nil {
		return nil, nil, err
	}
	names, err := s.incNamesFor(ctx, st.lang)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	d := &boardData{Inc: inc, At: now, CreatedBy: names.Org(inc.CreatedByOrg)}
	if e, err := s.store.CurrentEvaluation(ctx, ceptor.SubjectIncident, inc.ID); err == nil {
		d.Current = e
	} else if ceptor.ErrorCode(err) != ceptor.ENOTFOUND {
		return nil, nil, err
	}
	if d.Rows, d.Sectors, err = s.incRows(ctx, st.actor, inc, names, now); err != nil {
		return nil, nil, err
	}
	if d.Current == nil {
		// Until NISC evaluates the incident itself, the board shows the
		// gravest evaluation among the reports the caller can see.
		for _, row := range d.Rows {
			if e := row.Eval; e != nil && (d.Current == nil || e.Overall > d.Current.Overall) {
				d.Current, d.FromReports = e, true
			}
		}
	}
	orgs := map[string]bool{}
	for _, row := range d.Rows {
		// Several reports of one reporter count once; masked reporters
		// count per report (the caller cannot tell them apart).
		key := "r" + strconv.FormatInt(row.ReportID, 10)
		if row.OrgID != 0 {
			key = "o" + strconv.FormatInt(row.OrgID, 10)
		}
		orgs[key] = true
		if row.Overdue {
			d.Overdue++
		}
		if row.DueSoon {
			d.DueSoon++
		}
		if !row.Due.IsZero() && (d.NextDue.IsZero() || row.Due.Before(d.NextDue)) {
			d.NextDue = row.Due
		}
	}
	d.Orgs = len(orgs)
	if inc.LargeScale && inc.ModeSince != nil {
		d.Since = incDurationText(st.lang, now.Sub(*inc.ModeSince))
	}
	return d, names, nil
}

func (s *Server) incBoard(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	d, _, err := s.loadBoard(r.Context(), st, id, ceptor.ActView)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "incident_board", s.page(w, r, i18n.T(st.lang, "inc.board.title", d.Inc.Title), d))
}

// incBoardRows answers the board's body alone, for the page's script.
func (s *Server) incBoardRows(w http.ResponseWriter, r *http.Request) {
	st, ok := s.liveUser(w, r)
	if !ok {
		return
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		http.Error(w, i18n.T(st.lang, "err.not_found"), http.StatusNotFound)
		return
	}
	d, _, err := s.loadBoard(r.Context(), st, id, ceptor.ActView)
	if err != nil {
		code := ceptor.ErrorCode(err)
		if code == ceptor.EINTERNAL {
			s.log.Error("board rows", "incident_id", id, "err", err)
		}
		http.Error(w, i18n.T(st.lang, messageKey(err)), statusOf(code))
		return
	}
	// Not s.page: a fragment must not take the flash meant for a page.
	p := &Page{Lang: st.lang, User: st.user, Org: st.org, Actor: st.actor, Path: r.URL.Path, Query: r.URL.Query(), Data: d, Version: s.cfg.Version}
	t := s.tmpl["incident_board"]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "board_body", p); err != nil {
		s.log.Error("render board rows", "err", err)
		http.Error(w, i18n.T(st.lang, "err.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}

// liveUser is requireUser for the requests a page's script makes (the
// rows fragment, the event stream): it answers 401 rather than redirecting
// to the sign-in page, which a script could not show.
func (s *Server) liveUser(w http.ResponseWriter, r *http.Request) (*reqState, bool) {
	st := state(r)
	if st.actor == nil || st.session == nil || st.session.MFAPending || st.org.Require2FA && !st.user.TOTPEnabled {
		http.Error(w, i18n.T(st.lang, "err.unauthorized"), http.StatusUnauthorized)
		return nil, false
	}
	return st, true
}

// incEvents streams "refresh" events while the caller may see the incident.
func (s *Server) incEvents(w http.ResponseWriter, r *http.Request) {
	st, ok := s.liveUser(w, r)
	if !ok {
		return
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		http.Error(w, i18n.T(st.lang, "err.not_found"), http.StatusNotFound)
		return
	}
	ctx := r.Context()
	if _, err := s.incVisible(ctx, st.actor, id); err != nil {
		http.Error(w, i18n.T(st.lang, messageKey(err)), statusOf(ceptor.ErrorCode(err)))
		return
	}
	// Hints only: the policy is asked again before each refresh, since the
	// incident may have changed in a way that hides it (TLP, sectors, mode).
	s.streamHints(w, r, incTopic(id), func() bool {
		_, err := s.incVisible(ctx, st.actor, id)
		return err == nil
	}, 0)
}

// incSitrep produces a situation report at any time, in the page language
// (?lang=en for English), ready to print. Producing one is recorded in the
// timeline (numbered 第N報) and the audit log: it is how the incident's
// picture leaves the system.
func (s *Server) incSitrep(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	d, names, err := s.loadBoard(ctx, st, id, ceptor.ActExport)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	events, err := s.store.IncidentEvents(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n := 1
	for _, e := range events {
		if e.Kind == ceptor.EventSitrep {
			n++
		}
	}
	rec := &ceptor.IncidentEvent{IncidentID: id, Kind: ceptor.EventSitrep, OrgID: st.actor.OrgID, UserID: st.actor.UserID,
		Detail: []byte(fmt.Sprintf(`{"number":%d,"lang":%q}`, n, st.lang))}
	if err := s.store.AddIncidentEvent(ctx, rec); err != nil {
		s.fail(w, r, err)
		return
	}
	events = append(events, rec)
	s.audit(r, "incident.sitrep", ceptor.KindIncident, id, d.Inc.CreatedByOrg, map[string]any{"number": n, "lang": st.lang})
	s.incPublish(ctx, id)
	d.Sitrep, d.At, d.GeneratedBy = n, rec.At, names.Org(st.actor.OrgID)
	d.Timeline = incTimeline(st.lang, names, events)
	for _, e := range d.Timeline {
		if e.Kind == ceptor.EventNote || e.Kind == ceptor.EventModeOff {
			d.Notes = append(d.Notes, e)
		}
	}
	slices.Reverse(d.Notes)
	// The report's timeline leaves out the records of earlier reports.
	d.Timeline = slices.DeleteFunc(d.Timeline, func(e incEvent) bool { return e.Kind == ceptor.EventSitrep })
	s.render(w, r, http.StatusOK, "incident_sitrep", s.page(w, r, i18n.T(st.lang, "inc.sitrep.title", n, d.Inc.Title), d))
}
