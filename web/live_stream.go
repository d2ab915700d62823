package web

import (
	"fmt"
	"net/http"
	"time"

	"ceptor/live"
)

// streamHints answers with a server-sent event stream of "refresh" hints on
// topic, for pages that reload a fragment when something changed (the
// situation board, the receipt dashboard, survey progress). A hint carries
// no data the page could not fetch itself; before each one, visible asks
// the policy again, and when the caller may no longer see the object the
// stream says "gone" and ends. With coalesce > 0, hints arriving in a burst
// become one refresh at most every coalesce. The caller has already checked
// visible once and answered 404 if not.
func (s *Server) streamHints(w http.ResponseWriter, r *http.Request, topic string, visible func() bool, coalesce time.Duration) {
	s.streamHints2(w, r, topic, "", visible, coalesce)
}

// streamHints2 is streamHints on two topics (the second may be empty).
func (s *Server) streamHints2(w http.ResponseWriter, r *http.Request, topic, topic2 string, visible func() bool, coalesce time.Duration) {
	ctx := r.Context()
	rc := http.NewResponseController(w)
	// Subscribe before answering, so that nothing published after the
	// client sees the stream open is missed.
	events, stop := s.live.Subscribe(topic)
	defer stop()
	var events2 <-chan live.Event // nil: never ready
	if topic2 != "" {
		var stop2 func()
		events2, stop2 = s.live.Subscribe(topic2)
		defer stop2()
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache, no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	// A long-lived stream must not be cut by a server-wide write timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	send := func(msg string) bool {
		if _, err := fmt.Fprint(w, msg); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 5000\n: connected\n\n") {
		return
	}
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	var pending <-chan time.Time
	var last time.Time
	refresh := func() bool {
		if !visible() {
			send("event: gone\ndata: {}\n\n")
			return false
		}
		return send(fmt.Sprintf("event: refresh\ndata: %d\n\n", last.UnixMilli()))
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			if !send(": ping\n\n") {
				return
			}
		case ev := <-events:
			last = ev.At
			if coalesce <= 0 {
				if !refresh() {
					return
				}
			} else if pending == nil {
				pending = time.After(coalesce)
			}
		case ev := <-events2:
			last = ev.At
			if coalesce <= 0 {
				if !refresh() {
					return
				}
			} else if pending == nil {
				pending = time.After(coalesce)
			}
		case <-pending:
			pending = nil
			if !refresh() {
				return
			}
		}
	}
}
