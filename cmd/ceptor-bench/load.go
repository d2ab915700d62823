package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// requestTimeout bounds a single request of the load run.
const requestTimeout = 30 * time.Second

// loadResult is the outcome of one closed-loop load run.
type loadResult struct {
	User, Label string

	Rows  int // items in one response (checked before the run)
	Total int // total the endpoint reports for this caller
	Bytes int // size of one response body

	Requests   int
	Errors     int // non-200 answers and transport errors
	FirstError string
	Elapsed    time.Duration
	RPS        float64
	P50        time.Duration
	P95        time.Duration
	P99        time.Duration
	Max        time.Duration
	CPU        cpuUse // CPU time during the run (server, bench, others)

	Err error // the run could not be made at all
}

// runLoad checks that target answers 200 with a list, then runs
// concurrency clients, each sending its next request as soon as the previous
// one is answered, until d has passed. Requests in flight at the end are
// completed and counted. serverPID is the server's process and dbPIDs lists
// the database server's processes; their CPU time is measured.
func runLoad(ctx context.Context, target, token string, concurrency int, d time.Duration,
	serverPID int, dbPIDs func(context.Context) ([]int, error)) loadResult {
	tr := &http.Transport{MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: requestTimeout}
	get := func() (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		return resp.StatusCode, body, err
	}

	var res loadResult
	status, body, err := get()
	switch {
	case err != nil:
		res.Err = fmt.Errorf("GET %s: %w", target, err)
		return res
	case status == http.StatusNotFound:
		res.Err = fmt.Errorf("GET %s returned 404: this build of ceptor has no such endpoint yet (%s)", target, snippet(body))
		return res
	case status != http.StatusOK:
		res.Err = fmt.Errorf("GET %s returned %d: %s", target, status, snippet(body))
		return res
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
		Total int               `json:"total"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		res.Err = fmt.Errorf("GET %s: the answer is not a list: %w", target, err)
		return res
	}
	res.Rows, res.Total, res.Bytes = len(list.Items), list.Total, len(body)

	type worker struct {
		lat        []time.Duration
		errors     int
		firstError string
	}
	workers := make([]worker, concurrency)
	pids, err := dbPIDs(ctx)
	if err != nil {
		res.Err = err
		return res
	}
	cpu0, err := sampleCPU(serverPID, pids)
	if err != nil {
		res.Err = err
		return res
	}
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(end) {
				t0 := time.Now()
				status, body, err := get()
				w.lat = append(w.lat, time.Since(t0))
				if err != nil || status != http.StatusOK {
					w.errors++
					if w.firstError == "" {
						if err != nil {
							w.firstError = err.Error()
						} else {
							w.firstError = fmt.Sprintf("HTTP %d: %s", status, snippet(body))
						}
					}
				}
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if pids, err = dbPIDs(ctx); err != nil {
		res.Err = err
		return res
	}
	cpu1, err := sampleCPU(serverPID, pids)
	if err != nil {
		res.Err = err
		return res
	}
	res.CPU = cpuBetween(cpu0, cpu1)

	var all []time.Duration
	for _, w := range workers {
		all = append(all, w.lat...)
		res.Errors += w.errors
		if res.FirstError == "" {
			res.FirstError = w.firstError
		}
	}
	if ctx.Err() != nil {
		res.Err = ctx.Err()
		return res
	}
	slices.Sort(all)
	res.Requests = len(all)
	res.RPS = float64(res.Requests) / res.Elapsed.Seconds()
	res.P50, res.P95, res.P99 = percentile(all, 50), percentile(all, 95), percentile(all, 99)
	if len(all) > 0 {
		res.Max = all[len(all)-1]
	}
	return res
}

// perRequest divides a CPU time by the number of requests.
func (l loadResult) perRequest(d time.Duration) time.Duration {
	if l.Requests == 0 {
		return 0
	}
	return d / time.Duration(l.Requests)
}

// percentile returns the p-th percentile (nearest rank) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// snippet shortens a response body for an error message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	if s == "" {
		s = "(empty body)"
	}
	return s
}
