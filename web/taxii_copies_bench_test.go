package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/stix"
)

// BenchmarkTAXIIPagingShared pages, as an operator, through the everyone
// collection holding N indicators NISC added over TAXII (env
// CEPTOR_BENCH_TAXII_SHARED_N, default 5,000), each added with its TLP:GREEN
// marking: the index holds 2N rows, N of them copies of the one marking
// definition (flagged shared), as a collection fed by a partner looks.
// objects/s counts the objects served per second of wall time, rows/s the
// index rows walked; every walk must serve the marking definition once.
//
//	go test ./web -run '^$' -bench BenchmarkTAXIIPagingShared -benchtime 3x
func BenchmarkTAXIIPagingShared(b *testing.B) {
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("CEPTOR_BENCH_TAXII_SHARED_N")); err == nil && v > 0 {
		n = v
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			h := newHarness(b, engine)
			nisc := h.token("analyst.nisc@demo.example", nil)
			op := h.token("analyst.operator@demo.example", nil)
			coll := "/taxii2/ceptor/collections/" + stix.UUIDOf("taxii-collection:everyone-green") + "/objects/"
			green := stix.MarkingID(ceptor.TLPGreen)
			for start := 0; start < n; start += 500 {
				var objs []string
				for i := start; i < min(start+500, n); i++ {
					objs = append(objs, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-%012x","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.%d.%d.%d']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00.000Z","object_marking_refs":["%s"]}`,
						i, i, i>>16&255, i>>8&255, i&255, green))
				}
				code, _, body := apiCall(b, h, "POST", coll, nisc, "application/taxii+json;version=2.1", `{"objects":[`+strings.Join(objs, ",")+`]}`,
					map[string]string{"Accept": "application/taxii+json;version=2.1"})
				if code != http.StatusAccepted {
					b.Fatalf("add: %d %s", code, body)
				}
				var st struct {
					ID     string `json:"id"`
					Status string `json:"status"`
				}
				json.Unmarshal(body, &st)
				for deadline := time.Now().Add(time.Minute); st.Status != "complete"; {
					if time.Now().After(deadline) {
						b.Fatalf("add not complete: %s", body)
					}
					time.Sleep(20 * time.Millisecond)
					_, _, body = apiCall(b, h, "GET", "/taxii2/ceptor/status/"+st.ID+"/", nisc, "", "", map[string]string{"Accept": "application/taxii+json;version=2.1"})
					json.Unmarshal(body, &st)
				}
			}
			w := &repWorld{harness: h}
			walk := func() (objects, markings int) {
				next := ""
				for {
					path := coll + "?limit=1000"
					if next != "" {
						path += "&next=" + url.QueryEscape(next)
					}
					code, _, body := w.taxiiReqB(b, path, op)
					if code != 200 {
						b.Fatalf("%d %s", code, body)
					}
					var env struct {
						More    bool              `json:"more"`
						Next    string            `json:"next"`
						Objects []json.RawMessage `json:"objects"`
					}
					if err := json.Unmarshal(body, &env); err != nil {
						b.Fatal(err)
					}
					objects += len(env.Objects)
					for _, o := range env.Objects {
						if strings.Contains(string(o[:min(len(o), 120)]), green) {
							markings++
						}
					}
					if !env.More {
						return objects, markings
					}
					next = env.Next
				}
			}
			fill := time.Now()
			walk() // the sync of the adds, outside the timing
			b.Logf("%d adds synced by the first walk in %v", n, time.Since(fill))
			b.ResetTimer()
			start := time.Now()
			total, marks := 0, 0
			for i := 0; i < b.N; i++ {
				o, m := walk()
				total, marks = total+o, marks+m
			}
			el := time.Since(start)
			b.ReportMetric(float64(total)/el.Seconds(), "objects/s")
			b.ReportMetric(float64(b.N*2*n)/el.Seconds(), "rows/s")
			b.ReportMetric(float64(marks)/float64(b.N), "markings/walk")
		})
	}
}
