package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"ceptor/jobs"
	"ceptor/stix"
	"ceptor/web"

	"github.com/riverqueue/river"
)

// BenchmarkTAXIIIngest: the TAXII objects POST ingest rate (issue 5). A
// client posts N new indicators (env CEPTOR_BENCH_TAXII_ADD_N, default
// 20,000) to the everyone collection in envelopes of 1,000, one request
// after another, as the server started by the ceptor command handles them:
// each POST stores the envelope and a pending status with its job and
// answers 202; the job queue (TAXIIAddWorker) decodes, checks and stores
// the objects and completes the status. The client then follows the
// status resources until every add is complete.
//
// objects/s is the objects stored per second of wall time from the first
// POST to the last completed status; accepted-objects/s the objects per
// second of the POSTs alone (the client's wait).
//
//	CEPTOR_BENCH_TAXII_ADD_N=100000 go test ./web -run '^$' -bench BenchmarkTAXIIIngest -benchtime 1x
func BenchmarkTAXIIIngest(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("CEPTOR_BENCH_TAXII_ADD_N")); err == nil && v > 0 {
		n = v
	}
	const per = 1000
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			h := newHarness(b, engine)
			ctx := context.Background()
			if err := jobs.Migrate(ctx, h.db.SQL(), string(h.db.Dialect()), nil); err != nil {
				b.Fatal(err)
			}
			q, err := jobs.New(jobs.Config{DB: h.db.SQL(), Dialect: string(h.db.Dialect()), Poll: 20 * time.Millisecond}, func(rw *river.Workers) {
				river.AddWorker(rw, &web.TAXIIAddWorker{Server: h.srv})
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				b.Fatal(err)
			}
			defer q.Stop(context.Background())
			h.srv.UseTAXIIQueue(q)
			tok := h.token("analyst.nisc@demo.example", nil)
			coll := h.ts.URL + "/taxii2/ceptor/collections/" + stix.UUIDOf("taxii-collection:everyone-green") + "/objects/"
			client := h.ts.Client()
			do := func(method, url, body string) (int, []byte) {
				req, _ := http.NewRequest(method, url, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Accept", taxiiAccept)
				if body != "" {
					req.Header.Set("Content-Type", taxiiAccept)
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				defer resp.Body.Close()
				out, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, out
			}
			var posted, stored time.Duration
			total := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Envelopes of fresh indicators (new ids every iteration).
				var envs []string
				for j := 0; j < n; j += per {
					var objs []string
					for k := j; k < min(j+per, n); k++ {
						seq := i*n + k
						id := stix.UUIDOf(fmt.Sprintf("bench-ingest:%d", seq))
						objs = append(objs, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-10-01T00:00:00.000Z","modified":"2026-10-01T00:00:00.000Z","name":"bench %d","pattern":"[ipv4-addr:value = '10.%d.%d.%d']","pattern_type":"stix","valid_from":"2026-10-01T00:00:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`,
							id, seq, (seq>>16)&255, (seq>>8)&255, seq&255))
					}
					envs = append(envs, `{"objects":[`+strings.Join(objs, ",")+`]}`)
				}
				start := time.Now()
				var statuses []string
				for _, e := range envs {
					code, body := do("POST", coll, e)
					var st stix.Status
					if code != 202 || json.Unmarshal(body, &st) != nil || st.ID == "" {
						b.Fatalf("POST: %d %s", code, body)
					}
					statuses = append(statuses, st.ID)
				}
				posted += time.Since(start)
				for _, id := range statuses {
					for {
						code, body := do("GET", h.ts.URL+"/taxii2/ceptor/status/"+id+"/", "")
						var st stix.Status
						if code != 200 || json.Unmarshal(body, &st) != nil {
							b.Fatalf("status: %d %s", code, body)
						}
						if st.Status == "complete" {
							if st.FailureCount != 0 {
								b.Fatalf("add failed: %s", body)
							}
							total += st.SuccessCount
							break
						}
						time.Sleep(5 * time.Millisecond)
					}
				}
				stored += time.Since(start)
			}
			b.StopTimer()
			if total != b.N*n {
				b.Fatalf("stored %d objects, want %d", total, b.N*n)
			}
			b.ReportMetric(float64(total)/stored.Seconds(), "objects/s")
			b.ReportMetric(float64(total)/posted.Seconds(), "accepted-objects/s")
		})
	}
}
