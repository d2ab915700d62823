package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"ceptor"
	"ceptor/stix"
)

// taxiiWalk follows next through path (objects or manifest, with a query)
// and returns every object or manifest record, page after page.
func (w *repWorld) taxiiWalk(path, tok string) []map[string]any {
	w.t.Helper()
	var out []map[string]any
	next := ""
	for pages := 0; ; pages++ {
		if pages > 500 {
			w.t.Fatalf("walk of %s does not end", path)
		}
		p := path
		if next != "" {
			p += "&next=" + url.QueryEscape(next)
		}
		var env taxiiEnv
		w.taxiiGet(p, tok, 200, &env)
		out = append(out, env.Objects...)
		if !env.More {
			return out
		}
		next = env.Next
	}
}

// TestTAXIISharedObjectsOncePerWalk, on both engines: objects several
// sources hold (the issuer's identity, a TLP marking definition) appear
// once per (id, version) in a walk of a collection in small pages, added
// over several syncs; the manifest walk lists the same (id, version)
// pairs; a shared object whose first copy the reader may not see still
// appears, at the copy it may see.
func TestTAXIISharedObjectsOncePerWalk(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)
			everyone := taxiiColl("everyone-green")
			niscIdentity := stix.ID("identity", fmt.Sprintf("organization:%d", w.niscOrg))
			clearMarking := stix.MarkingID(ceptor.TLPClear)
			// Five CLEAR advisories to everyone, each synced on its own (a
			// read between publications), each carrying NISC's identity and
			// the CLEAR marking definition.
			for i := 0; i < 5; i++ {
				w.publishAdvisory(map[string]any{"title": fmt.Sprintf("全体向け連絡 %d", i), "body": "本文", "tlp": "clear", "category": "notice",
					"audience": map[string]any{"everyone": true}})
				w.taxiiGet(everyone+"objects/?limit=1", w.opTok, 200, nil)
			}
			for _, tok := range []string{w.opTok, w.niscTok, w.otherOpTok} {
				for _, limit := range []int{1, 2, 3, 7} {
					objs := w.taxiiWalk(fmt.Sprintf("%sobjects/?limit=%d", everyone, limit), tok)
					man := w.taxiiWalk(fmt.Sprintf("%smanifest/?limit=%d", everyone, limit), tok)
					seen := map[string]int{}
					for _, o := range objs {
						v, _ := o["modified"].(string)
						if v == "" {
							v, _ = o["created"].(string)
						}
						seen[fmt.Sprint(o["id"], " ", v)]++
					}
					for k, n := range seen {
						if n > 1 {
							t.Errorf("limit %d: %s served %d times in one walk", limit, k, n)
						}
					}
					count := func(id string) int {
						n := 0
						for _, o := range objs {
							if o["id"] == id {
								n++
							}
						}
						return n
					}
					if count(niscIdentity) != 1 || count(clearMarking) != 1 {
						t.Errorf("limit %d: NISC's identity %d times, the CLEAR marking %d times, want once each", limit, count(niscIdentity), count(clearMarking))
					}
					if len(man) != len(objs) {
						t.Errorf("limit %d: manifest walk %d records, objects walk %d", limit, len(man), len(objs))
					}
					for _, m := range man {
						if seen[fmt.Sprint(m["id"], " ", m["version"])] != 1 {
							t.Errorf("limit %d: manifest record %v is not once in the objects walk", limit, m)
						}
					}
					// versions of a shared object: its one version, once.
					var vers struct {
						Versions []string `json:"versions"`
					}
					w.taxiiGet(everyone+"objects/"+niscIdentity+"/versions/", tok, 200, &vers)
					if len(vers.Versions) != 1 {
						t.Errorf("versions of NISC's identity: %v", vers.Versions)
					}
				}
			}

			// The first copy hidden, a later one visible: an AMBER MISP event
			// the operator imports (read by it and NISC only), then an AMBER
			// advisory of NISC to the sector: both carry the AMBER marking
			// definition; whoever reads the advisory gets it, once.
			sectorColl := taxiiColl(fmt.Sprintf("sector-%d", w.sector))
			ev := `{"Event":{"uuid":"9c1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f7","info":"AMBER wave","date":"2026-11-01","Orgc":{"name":"Partner CERT"},
"Tag":[{"name":"tlp:amber"}],"Attribute":[{"type":"domain","value":"amber-wave.example"}]}}`
			if code, _, b := apiCall(t, w.harness, "POST", "/api/v1/misp/events", w.opTok, "application/json", ev, nil); code != http.StatusCreated && code != http.StatusOK {
				t.Fatalf("MISP import: %d %s", code, b)
			}
			w.taxiiGet(sectorColl+"objects/?limit=1", w.opTok, 200, nil)
			adv := w.publishAdvisory(map[string]any{"title": "セクター向け AMBER", "body": "本文", "tlp": "amber", "category": "alert",
				"audience": map[string]any{"sector_ids": []int64{w.sector}}})
			advID := stix.ID("report", fmt.Sprintf("advisory:%d", adv))
			amber := stix.MarkingID(ceptor.TLPAmber)
			for _, tok := range []string{w.opTok, w.niscTok, w.minTok} {
				objs := w.taxiiWalk(sectorColl+"objects/?limit=2", tok)
				hasAdv, markings := false, 0
				for _, o := range objs {
					hasAdv = hasAdv || o["id"] == advID
					if o["id"] == amber {
						markings++
					}
				}
				if hasAdv && markings != 1 {
					t.Errorf("a reader of the AMBER advisory gets the AMBER marking definition %d times", markings)
				}
				if (tok == w.opTok || tok == w.minTok) && !hasAdv {
					t.Error("the operator or the ministry does not read the advisory to the sector")
				}
			}
		})
	}
}
