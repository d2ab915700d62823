package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"ceptor"
)

// The answer to a report sent at once is built from what was stored, not
// read back (see SubmitNewReport); it must be exactly what reading the
// report back answers, on every route and both engines.
func TestCreatedReportAnswerEqualsReadBack(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)
			for _, route := range []ceptor.Route{ceptor.RouteMinistry, ceptor.RouteAnonymous, ceptor.RouteDirect} {
				body := w.reportBody(route, "回答と読み直しの一致 "+string(route), "本文", true)
				body["started_at"] = "2025-06-01T08:15:30.123456789+09:00"
				body["indicators"] = []map[string]string{{"type": "domain", "value": "evil[.]example"}, {"type": "domain", "value": "evil[.]example"}, {"type": "ipv4", "value": "192.0.2.7"}}
				code, created := w.call("POST", "/api/v1/reports", w.opTok, body, nil)
				if code != http.StatusCreated {
					t.Fatalf("%s: create: %d %s", route, code, created)
				}
				var a map[string]any
				if err := json.Unmarshal([]byte(created), &a); err != nil {
					t.Fatal(err)
				}
				id := int64(a["id"].(float64))
				code, read := w.call("GET", fmt.Sprintf("/api/v1/reports/%d", id), w.opTok, nil, nil)
				if code != http.StatusOK {
					t.Fatalf("%s: read: %d %s", route, code, read)
				}
				var b map[string]any
				if err := json.Unmarshal([]byte(read), &b); err != nil {
					t.Fatal(err)
				}
				// Warnings are about the request (a weak anonymity), not the report.
				delete(a, "warnings")
				delete(b, "warnings")
				if !reflect.DeepEqual(a, b) {
					for k := range a {
						if !reflect.DeepEqual(a[k], b[k]) {
							t.Errorf("%s: %q answered %v, read back %v", route, k, a[k], b[k])
						}
					}
					for k := range b {
						if _, ok := a[k]; !ok {
							t.Errorf("%s: %q missing from the answer (read back %v)", route, k, b[k])
						}
					}
				}
			}
		})
	}
}
