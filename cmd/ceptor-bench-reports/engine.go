package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"ceptor/internal/benchenv"
)

// engineResult holds what was measured on one engine.
type engineResult struct {
	Engine        string
	ServerVersion string // PostgreSQL server version; empty for SQLite
	Users         []submitter
	Load          *loadResult
	Checks        []check
	Verified      bool // every check passed
}

// check compares a queue total after the run with what the 201 answers
// say it must be.
type check struct {
	What          string
	Before, After int
	Want          int // expected growth
}

func (c check) ok() bool { return c.After-c.Before == c.Want }

// measureEngine runs the whole sequence on one engine and returns what it
// measured so far together with the first error.
func measureEngine(ctx context.Context, engine, bin, tmp string, o options, logf func(string, ...any)) (*engineResult, error) {
	r := &engineResult{Engine: engine}
	dataDir := filepath.Join(tmp, engine)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	dbArgs := []string{"--data-dir", dataDir}
	env := benchenv.CleanEnv()
	dbPIDs := func(context.Context) ([]int, error) { return nil, nil }
	var pgdb *benchenv.PG
	if engine == "postgres" {
		pg, err := benchenv.CreatePostgres(ctx, o.PostgresURL, "ceptor_benchrep_")
		if err != nil {
			return nil, err
		}
		logf("postgres: created database %s", pg.Name)
		defer func() {
			if err := pg.Drop(); err != nil {
				logf("postgres: %v", err)
			} else {
				logf("postgres: dropped database %s", pg.Name)
			}
		}()
		r.ServerVersion = pg.Version
		dbArgs = append(dbArgs, "--database-url", pg.URL)
		dbPIDs = pg.BackendPIDs
		pgdb = pg
		key := make([]byte, 32)
		rand.Read(key)
		env = append(env, "CEPTOR_SECRET_KEY="+hex.EncodeToString(key))
	}

	port, err := benchenv.FreePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	logf("%s: starting ceptor serve --demo on %s (migrations + demo load)", engine, addr)
	serveArgs := []string{"serve", "--demo", "--addr", addr, "--log-level", "warn"}
	if o.DebugAddr != "" {
		serveArgs = append(serveArgs, "--debug-addr", o.DebugAddr)
	}
	srv, err := startServer(bin, append(serveArgs, dbArgs...), env, addr)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if err := srv.waitReady(ctx, startTimeout); err != nil {
		return r, err
	}
	a := &api{base: "http://" + addr, client: &http.Client{Timeout: requestTimeout}}
	defer a.client.CloseIdleConnections()

	// Who submits, who checks.
	out, err := cli(ctx, bin, []string{"user", "list", "--format", "tsv"}, dbArgs, env)
	if err != nil {
		return r, err
	}
	listed, err := parseUserTSV(out)
	if err != nil {
		return r, err
	}
	ops := pickOperators(listed, o.Users)
	if len(ops) == 0 {
		return r, fmt.Errorf("ceptor user list shows no operator users (analyst.operator@demo.example, admin.op-*@demo.example)")
	}
	nisc := ""
	for _, u := range listed {
		if u.OrgType == "nisc" && (nisc == "" || u.Email == "analyst.nisc@demo.example") {
			nisc = u.Email
		}
	}
	if nisc == "" {
		return r, fmt.Errorf("ceptor user list shows no NISC user")
	}
	logf("%s: creating API tokens for %d operator users and %s", engine, len(ops), nisc)
	niscToken, err := createToken(ctx, bin, nisc, dbArgs, env)
	if err != nil {
		return r, err
	}
	ministries, err := a.sectorMinistries(ctx, niscToken)
	if err != nil {
		return r, err
	}
	for _, u := range ops {
		tok, err := createToken(ctx, bin, u.Email, dbArgs, env)
		if err != nil {
			return r, err
		}
		me, err := a.me(ctx, tok)
		if err != nil {
			return r, err
		}
		if me.Organization.Type != "operator" || len(me.Organization.SectorIDs) == 0 {
			logf("%s: skipping %s (organisation type %s, %d sectors)", engine, u.Email, me.Organization.Type, len(me.Organization.SectorIDs))
			continue
		}
		sector := me.Organization.SectorIDs[0]
		r.Users = append(r.Users, submitter{Email: u.Email, Token: tok, OrgID: me.Organization.ID, OrgName: me.Organization.Name,
			SectorID: sector, MinistryID: ministries[sector]})
	}
	if len(r.Users) == 0 {
		return r, fmt.Errorf("none of the operator users has a sector")
	}

	// The ministries the ministry route goes through, and a token of each.
	ministryTokens := map[int64]string{}
	if slices.Contains(o.Routes, "ministry") {
		need := map[int64]bool{}
		for _, u := range r.Users {
			if u.MinistryID == 0 {
				return r, fmt.Errorf("sector %d of %s has no ministry: the ministry route cannot be submitted", u.SectorID, u.Email)
			}
			need[u.MinistryID] = true
		}
		tried := map[string]bool{}
		for _, u := range listed {
			if len(ministryTokens) == len(need) {
				break
			}
			if u.OrgType != "ministry" || tried[u.OrgName] {
				continue
			}
			tried[u.OrgName] = true
			tok, err := createToken(ctx, bin, u.Email, dbArgs, env)
			if err != nil {
				return r, err
			}
			me, err := a.me(ctx, tok)
			if err != nil {
				return r, err
			}
			if need[me.Organization.ID] {
				ministryTokens[me.Organization.ID] = tok
			}
		}
		for id := range need {
			if ministryTokens[id] == "" {
				return r, fmt.Errorf("no user of ministry organisation %d in ceptor user list: its relay queue cannot be checked", id)
			}
		}
	}

	// Queue totals before the run.
	type queue struct {
		what, token, query string
		want               func(*loadResult) int
	}
	queues := []queue{{"NISC incoming queue (" + nisc + ")", niscToken, "", func(l *loadResult) int { return l.ByRoute["direct"] }}}
	for _, id := range sortedKeys(ministryTokens) {
		queues = append(queues, queue{fmt.Sprintf("relay queue of ministry %d", id), ministryTokens[id], "queue=relay",
			func(l *loadResult) int { return l.ByMinistry[id] }})
	}
	seenOrg := map[int64]bool{}
	for _, u := range r.Users {
		if seenOrg[u.OrgID] {
			continue
		}
		seenOrg[u.OrgID] = true
		queues = append(queues, queue{"own reports of " + u.OrgName + " (" + u.Email + ")", u.Token, "queue=mine",
			func(l *loadResult) int { return l.ByOrg[u.OrgID] }})
	}
	before := make([]int, len(queues))
	for i, q := range queues {
		if before[i], err = a.reportTotal(ctx, q.token, q.query); err != nil {
			return r, err
		}
	}

	logf("%s: %d clients as %d operators, routes %v: %s warm-up + %s measured", engine, o.Concurrency, len(r.Users), o.Routes, o.Warmup, o.Duration)
	cpu := func(ctx context.Context) (cpuSample, error) {
		pids, err := dbPIDs(ctx)
		if err != nil {
			return cpuSample{}, err
		}
		s, err := sampleCPU(srv.pid(), pids)
		if err != nil || pgdb == nil {
			return s, err
		}
		c, err := pgCountersOf(ctx, pgdb)
		s.pg = &c
		return s, err
	}
	if r.Load, err = runLoad(ctx, a.base, r.Users, o.Routes, o.Concurrency, o.Warmup, o.Duration, cpu); err != nil {
		return r, err
	}
	l := r.Load
	logf("%s: %.0f reports/s, p50 %s, p95 %s, p99 %s, max %s; %d created, %d errors", engine, l.RPS,
		fmtMS(l.P50), fmtMS(l.P95), fmtMS(l.P99), fmtMS(l.Max), l.Created, l.Errors)
	if pg := l.CPU.PG; pg != nil && l.OK > 0 {
		n := float64(l.OK)
		logf("%s: per report, PostgreSQL counted %.1f transactions, %.0f rows fetched, %.1f inserted, %.1f updated",
			engine, float64(pg.Xacts)/n, float64(pg.Fetched)/n, float64(pg.Inserted)/n, float64(pg.Updated)/n)
	}
	if l.FirstError != "" {
		logf("%s: first error: %s", engine, l.FirstError)
	}

	// The stored totals must have grown by exactly the 201 answers.
	r.Verified = true
	sumMine := 0
	for i, q := range queues {
		after, err := a.reportTotal(ctx, q.token, q.query)
		if err != nil {
			return r, err
		}
		c := check{What: q.what, Before: before[i], After: after, Want: q.want(l)}
		r.Checks = append(r.Checks, c)
		if !c.ok() {
			r.Verified = false
			logf("%s: CHECK FAILED: %s grew by %d, want %d", engine, c.What, c.After-c.Before, c.Want)
		}
		if q.query == "queue=mine" {
			sumMine += c.After - c.Before
		}
	}
	if sumMine != l.Created {
		r.Verified = false
		logf("%s: CHECK FAILED: the operators' own reports grew by %d in all, want %d", engine, sumMine, l.Created)
	}
	if r.Verified {
		logf("%s: verified: the queue totals grew by the %d reports created (NISC incoming +%d)", engine, l.Created, r.Checks[0].After-r.Checks[0].Before)
	}
	if err := srv.stop(); err != nil {
		return r, fmt.Errorf("stop: %w", err)
	}
	return r, nil
}

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func fmtMS(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
