package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"ceptor"
	"ceptor/stix"

	"github.com/riverqueue/river"
)

// Adding objects to a collection (TAXII objects POST). With a job queue
// (the server as started by the ceptor command) the add is asynchronous:
// the POST stores the envelope and a pending status in one transaction with
// the job that decodes and stores the objects, and answers 202 at once; the
// client follows the status resource. Without a queue (tests, tools) the
// add completes inside the request and the 202 carries the final status.

// taxiiQueue inserts jobs in the caller's transaction (jobs.Queue).
type taxiiQueue interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// UseTAXIIQueue makes TAXII adds asynchronous through q. Call it before
// serving, and register TAXIIAddWorker on the queue.
func (s *Server) UseTAXIIQueue(q taxiiQueue) { s.taxiiQ = q }

// TAXIIAddArgs is the job that completes one pending add.
type TAXIIAddArgs struct {
	StatusID string `json:"status_id"`
}

// Kind names the job in the queue.
func (TAXIIAddArgs) Kind() string { return "taxii_add" }

// TAXIIAddWorker completes pending adds.
type TAXIIAddWorker struct {
	river.WorkerDefaults[TAXIIAddArgs]
	Server *Server
}

// Work decodes, checks and stores the objects of one add, then marks its
// status complete. Done twice, it stores nothing twice.
func (w *TAXIIAddWorker) Work(ctx context.Context, job *river.Job[TAXIIAddArgs]) error {
	return w.Server.completeAdd(ctx, job.Args.StatusID)
}

func (s *Server) completeAdd(ctx context.Context, id string) error {
	store, err := s.stixStore()
	if err != nil {
		return err
	}
	st, raws, err := store.PendingAdd(ctx, id)
	if err != nil {
		return err
	}
	if st.Status == stix.StatusComplete {
		return nil
	}
	set, err := s.taxiiCollections(ctx, "en")
	if err != nil {
		return err
	}
	c := set.key(st.Collection)
	var rows []*stix.ReceivedRow
	if c == nil {
		// The collection went away (a sector or CEPTOR deactivated).
		st.Failures, st.Successes = nil, nil
		for _, p := range st.Pendings {
			st.Failures = append(st.Failures, stix.StatusDetail{ID: p.ID, Version: p.Version, Message: "the collection no longer exists"})
		}
	} else {
		rows = s.decodeAdd(c, st, raws)
	}
	st.Pendings, st.PendingCount = nil, 0
	st.SuccessCount, st.FailureCount, st.Status = len(st.Successes), len(st.Failures), stix.StatusComplete
	return store.CompleteAdd(ctx, st, rows)
}

// decodeAdd decides each object of an add: indicators, observables and
// relationships are kept (with their ids, versions, markings and links);
// known TLP markings and identities succeed without being stored; anything
// else fails with its reason.
func (s *Server) decodeAdd(c *taxiiCollection, st *stix.Status, raws []json.RawMessage) []*stix.ReceivedRow {
	var rows []*stix.ReceivedRow
	st.Successes, st.Failures = nil, nil
	for _, raw := range raws {
		rec, err := stix.Decode(raw)
		switch {
		case errors.Is(err, stix.Skipped):
			st.Successes = append(st.Successes, stix.StatusDetail{ID: rec.ID, Version: rec.Version()})
			continue
		case err != nil:
			st.Failures = append(st.Failures, stix.StatusDetail{ID: rawID(raw), Message: err.Error()})
			continue
		}
		if rec.TLP == "" {
			rec.TLP = ceptor.TLPAmber
			if c.MaxTLP.Rank() < rec.TLP.Rank() {
				rec.TLP = c.MaxTLP
			}
		}
		// Narrower than the collection carries is refused, except RED
		// outside the everyone collection: it stays with the sender and NISC.
		if !rec.TLP.AtMost(c.MaxTLP) && (rec.TLP != ceptor.TLPRed || c.Audience == ceptor.FeedEveryone) {
			st.Failures = append(st.Failures, stix.StatusDetail{ID: rec.ID, Version: rec.Version(),
				Message: fmt.Sprintf("%s is narrower than this collection carries (%s at most)", rec.TLP.Label(), c.MaxTLP.Label())})
			continue
		}
		rows = append(rows, &stix.ReceivedRow{Collection: c.Key, OrgID: st.OrgID, UserID: st.UserID, Received: rec})
		st.Successes = append(st.Successes, stix.StatusDetail{ID: rec.ID, Version: rec.Version()})
	}
	st.SuccessCount, st.FailureCount = len(st.Successes), len(st.Failures)
	return rows
}

func rawID(raw json.RawMessage) string {
	var h struct {
		ID string `json:"id"`
	}
	json.Unmarshal(raw, &h)
	if len(h.ID) > 300 {
		return h.ID[:300]
	}
	return h.ID
}

func (s *Server) taxiiAddObjects(w http.ResponseWriter, r *http.Request, st *reqState) {
	if !isTAXIIContent(r.Header.Get("Content-Type")) {
		s.taxiiError(w, http.StatusUnsupportedMediaType, "taxii.err_content_type", st.lang)
		return
	}
	c := s.taxiiCollectionFor(w, r, st, ceptor.ActCreate)
	if c == nil {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, taxiiMaxBody))
	if err != nil {
		s.taxiiError(w, http.StatusRequestEntityTooLarge, "taxii.err_too_large", st.lang, taxiiMaxBody)
		return
	}
	raws, err := stix.ParseObjects(body)
	if err != nil {
		s.taxiiError(w, http.StatusBadRequest, "taxii.err_envelope", st.lang, err.Error())
		return
	}
	store, err := s.stixStore()
	if err != nil {
		s.taxiiFail(w, r, st, err)
		return
	}
	now := s.now().UTC()
	status := &stix.Status{ID: stix.UUIDOf(fmt.Sprintf("taxii-status:%d:%d:%s", st.actor.UserID, now.UnixNano(), c.Key)),
		Collection: c.Key, OrgID: st.actor.OrgID, UserID: st.actor.UserID, RequestTimestamp: now, TotalCount: len(raws)}
	if s.taxiiQ != nil {
		status.Status, status.PendingCount = stix.StatusPending, len(raws)
		for _, raw := range raws {
			status.Pendings = append(status.Pendings, stix.StatusDetail{ID: rawID(raw)})
		}
		err = store.AddPending(r.Context(), status, raws, func(ctx context.Context, tx *sql.Tx) error {
			return s.taxiiQ.InsertTx(ctx, tx, TAXIIAddArgs{StatusID: status.ID}, nil)
		})
	} else {
		rows := s.decodeAdd(c, status, raws)
		status.Status = stix.StatusComplete
		err = store.AddReceived(r.Context(), status, rows)
	}
	if err != nil {
		s.taxiiFail(w, r, st, err)
		return
	}
	s.audit(r, "taxii.add", ceptor.KindFeed, c.Key, st.actor.OrgID, map[string]any{"status": status.ID, "total": status.TotalCount})
	taxiiJSON(w, http.StatusAccepted, status)
}
