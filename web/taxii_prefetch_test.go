package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"ceptor"
	"ceptor/stix"
)

// TestTAXIIReadAhead: a page walk gets the same objects whether or not the
// next batch was read ahead, and a batch read ahead is not served once the
// index changed: an object deleted between two pages of a walk is not in
// the second page (the rows read ahead still held it).
func TestTAXIIReadAhead(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)
			everyone := taxiiColl("everyone-green")
			var ids []string
			for i := 0; i < 6; i++ {
				id := fmt.Sprintf("indicator--2f6f3c3a-58b5-4e9c-a4a3-6b1d2f2f7b%02d", i)
				ids = append(ids, id)
				o := map[string]any{"type": "indicator", "spec_version": "2.1", "id": id,
					"created": "2026-10-01T00:00:00.000Z", "modified": "2026-10-01T00:00:00.000Z",
					"pattern": fmt.Sprintf("[domain-name:value = 'ahead-%d.example']", i), "pattern_type": "stix",
					"valid_from": "2026-10-01T00:00:00Z", "object_marking_refs": []string{stix.MarkingID(ceptor.TLPGreen)}}
				b, _ := json.Marshal(map[string]any{"objects": []any{o}})
				if code, _, resp := w.taxiiReq("POST", everyone+"objects/", "Bearer "+w.opTok, taxiiAccept, taxiiAccept, string(b)); code != 202 {
					t.Fatalf("POST: %d %s", code, resp)
				}
			}
			type env struct {
				More    bool             `json:"more"`
				Next    string           `json:"next"`
				Objects []map[string]any `json:"objects"`
			}
			// walk pages through the indicators of the collection, calling
			// between after each page but the last, and returns the ids of
			// all of them.
			walk := func(limit int, between func(page int)) []string {
				t.Helper()
				var got []string
				next := ""
				for page := 0; ; page++ {
					path := fmt.Sprintf("%sobjects/?match[type]=indicator&limit=%d", everyone, limit)
					if next != "" {
						path += "&next=" + url.QueryEscape(next)
					}
					var e env
					w.taxiiGet(path, w.niscTok, 200, &e)
					for _, o := range e.Objects {
						id, _ := o["id"].(string)
						got = append(got, id)
					}
					if !e.More {
						return got
					}
					next = e.Next
					if between != nil {
						between(page)
					}
				}
			}
			all := walk(2, nil)
			ours := func(l []string) []string {
				return slices.DeleteFunc(slices.Clone(l), func(id string) bool { return !slices.Contains(ids, id) })
			}
			if !slices.Equal(ours(all), ids) {
				t.Fatalf("walk: %v, want ours %v", all, ids)
			}
			// Again (pages read ahead by the first walk's requests or its own).
			if again := walk(3, nil); !slices.Equal(again, all) {
				t.Fatalf("second walk: %v, want %v", again, all)
			}
			// Delete an object of the second page once the first is served:
			// the first page holds what comes before our first object (the
			// demo data's indicators), the second starts with it.
			limit := max(slices.Index(all, ids[0]), 1)
			gone := all[limit]
			got := walk(limit, func(page int) {
				if page != 0 {
					return
				}
				// Let the read ahead of the next batch finish first (if it
				// read after the deletion there would be nothing to test).
				time.Sleep(300 * time.Millisecond)
				if code, _, b := w.taxiiReq("DELETE", everyone+"objects/"+gone+"/", "Bearer "+w.opTok, taxiiAccept, "", ""); code != 200 {
					t.Fatalf("DELETE: %d %s", code, b)
				}
			})
			if slices.Contains(got, gone) || len(got) != len(all)-1 {
				t.Errorf("after deleting %s: %v (before: %v)", gone, got, all)
			}
		})
	}
}
