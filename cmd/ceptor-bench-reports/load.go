package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// submitter is an operator user the clients submit as.
type submitter struct {
	Email      string
	Token      string
	OrgID      int64
	OrgName    string
	SectorID   int64
	MinistryID int64 // the ministry of SectorID
}

// loadResult is the outcome of one closed-loop run.
type loadResult struct {
	Warmup, Window time.Duration

	// Over the measured window (answers that arrived in it).
	Answers    int     // all answers
	OK         int     // 201 Created
	RPS        float64 // OK per second
	P50        time.Duration
	P95        time.Duration
	P99        time.Duration
	Max        time.Duration
	ErrorsIn   int    // errors in the window
	CPU        cpuUse // during the window
	CPUSampled bool

	// Over the whole run (warm-up, window and the requests in flight at
	// the end), for the check of the stored totals.
	Sent       int
	Created    int            // 201 answers
	ByRoute    map[string]int // 201 answers per route
	ByOrg      map[int64]int  // 201 answers per reporting organisation
	ByMinistry map[int64]int  // 201 answers on the ministry route per ministry
	Errors     int            // non-201 answers and transport errors
	ByStatus   map[string]int // error kinds: "HTTP 422", "transport"
	FirstError string
}

// sample is one answered request.
type sample struct {
	done time.Duration // since the start of the run
	lat  time.Duration
	ok   bool
}

// runLoad runs concurrency clients, each POSTing its next report as soon as
// the previous one is answered, for warmup+window. Client i submits as
// users[i%len(users)]; the submissions cycle through routes. cpu samples
// the machine at the start and the end of the measured window.
func runLoad(ctx context.Context, base string, users []submitter, routes []string, concurrency int,
	warmup, window time.Duration, cpu func(context.Context) (cpuSample, error)) (*loadResult, error) {
	tr := &http.Transport{MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: requestTimeout}
	target := base + "/api/v1/reports"

	type outcome struct {
		route string
		org   int64
		min   int64
	}
	type worker struct {
		samples    []sample
		created    []outcome
		byStatus   map[string]int
		firstError string
	}
	post := func(u submitter, body []byte) (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+u.Token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		return resp.StatusCode, b, err
	}

	// One submission before the run: a wrong body fails here, clearly.
	if status, b, err := post(users[0], newReportBody(0, routes[0], users[0].SectorID, time.Now())); err != nil {
		return nil, fmt.Errorf("POST /api/v1/reports: %w", err)
	} else if status != http.StatusCreated {
		return nil, fmt.Errorf("POST /api/v1/reports answered %d, want 201: %s", status, snippet(b))
	}
	res := &loadResult{Warmup: warmup, Window: window, Sent: 1, Created: 1,
		ByRoute: map[string]int{routes[0]: 1}, ByOrg: map[int64]int{users[0].OrgID: 1}, ByMinistry: map[int64]int{}, ByStatus: map[string]int{}}
	if routes[0] == "ministry" {
		res.ByMinistry[users[0].MinistryID]++
	}

	var seq atomic.Int64
	seq.Store(1)
	workers := make([]worker, concurrency)
	start := time.Now()
	warmEnd := start.Add(warmup)
	end := warmEnd.Add(window)

	// CPU use over the measured window.
	var cpuErr error
	cpuDone := make(chan struct{})
	go func() {
		defer close(cpuDone)
		if err := sleepUntil(ctx, warmEnd); err != nil {
			return
		}
		a, err := cpu(ctx)
		if err != nil {
			cpuErr = err
			return
		}
		t0 := time.Now()
		if err := sleepUntil(ctx, end); err != nil {
			return
		}
		b, err := cpu(ctx)
		if err != nil {
			cpuErr = err
			return
		}
		res.CPU, res.CPUSampled = cpuBetween(a, b, time.Since(t0)), true
	}()

	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.byStatus = map[string]int{}
		u := users[i%len(users)]
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(end) {
				n := int(seq.Add(1) - 1)
				route := routes[n%len(routes)]
				body := newReportBody(n, route, u.SectorID, time.Now())
				t0 := time.Now()
				status, b, err := post(u, body)
				t1 := time.Now()
				ok := err == nil && status == http.StatusCreated
				w.samples = append(w.samples, sample{done: t1.Sub(start), lat: t1.Sub(t0), ok: ok})
				if ok {
					w.created = append(w.created, outcome{route, u.OrgID, u.MinistryID})
					continue
				}
				if ctx.Err() != nil {
					return // interrupted: not an error of the server
				}
				kind := "transport error"
				if err == nil {
					kind = fmt.Sprintf("HTTP %d", status)
				}
				w.byStatus[kind]++
				if w.firstError == "" {
					if err != nil {
						w.firstError = fmt.Sprintf("%s (%s): %v", kind, u.Email, err)
					} else {
						w.firstError = fmt.Sprintf("%s (%s, route %s): %s", kind, u.Email, route, snippet(b))
					}
				}
			}
		})
	}
	wg.Wait()
	<-cpuDone
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if cpuErr != nil {
		return nil, cpuErr
	}

	from, to := warmup, warmup+window
	var lat []time.Duration
	for _, w := range workers {
		res.Sent += len(w.samples)
		for _, s := range w.samples {
			if !s.ok {
				res.Errors++
			}
			if s.done >= from && s.done < to {
				lat = append(lat, s.lat)
				res.Answers++
				if s.ok {
					res.OK++
				} else {
					res.ErrorsIn++
				}
			}
		}
		for _, c := range w.created {
			res.Created++
			res.ByRoute[c.route]++
			res.ByOrg[c.org]++
			if c.route == "ministry" {
				res.ByMinistry[c.min]++
			}
		}
		for k, n := range w.byStatus {
			res.ByStatus[k] += n
		}
		if res.FirstError == "" {
			res.FirstError = w.firstError
		}
	}
	slices.Sort(lat)
	res.RPS = float64(res.OK) / window.Seconds()
	res.P50, res.P95, res.P99 = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99)
	if len(lat) > 0 {
		res.Max = lat[len(lat)-1]
	}
	return res, nil
}

// percentile returns the p-th percentile (nearest rank) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// sleepUntil waits until t or until ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
