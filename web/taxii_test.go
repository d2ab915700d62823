package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/auth"
	"ceptor/jobs"
	"ceptor/stix"
	"ceptor/web"

	"github.com/riverqueue/river"
)

const taxiiAccept = "application/taxii+json;version=2.1"

// taxiiReq sends a TAXII request; auth is "Bearer <tok>", "Basic <tok>"
// (the token as password) or "".
func (w *repWorld) taxiiReq(method, path, authz, accept, ct, body string) (int, http.Header, []byte) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.ts.URL+path, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	if kind, tok, ok := strings.Cut(authz, " "); ok {
		if kind == "Basic" {
			req.SetBasicAuth("taxii-client", tok)
		} else {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// taxiiGet fetches a TAXII resource that must answer want, decoding it.
func (w *repWorld) taxiiGet(path, tok string, want int, out any) http.Header {
	w.t.Helper()
	code, hdr, b := w.taxiiReq("GET", path, "Bearer "+tok, taxiiAccept, "", "")
	if code != want {
		w.t.Fatalf("GET %s: %d, want %d\n%s", path, code, want, b)
	}
	if ct := hdr.Get("Content-Type"); ct != taxiiAccept {
		w.t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			w.t.Fatalf("GET %s: %v\n%s", path, err, b)
		}
	}
	return hdr
}

type taxiiEnv struct {
	More    bool             `json:"more"`
	Next    string           `json:"next"`
	Objects []map[string]any `json:"objects"`
}

func objIDs(env taxiiEnv) []string {
	var out []string
	for _, o := range env.Objects {
		out = append(out, o["id"].(string))
	}
	return out
}

func objOfType(env taxiiEnv, typ string) []map[string]any {
	var out []map[string]any
	for _, o := range env.Objects {
		if o["type"] == typ {
			out = append(out, o)
		}
	}
	return out
}

// TestTAXIIConformance exercises every TAXII 2.1 endpoint, filter and error
// case of ceptor's server, on both engines: discovery, API root,
// collections, objects (GET and POST with status), one object, versions,
// manifest; media types (406, 415), unknown collection (404), no access
// (403), no credentials (401); added_after, limit, next, match[id],
// match[type], match[version], match[spec_version]; pagination across a
// restart of the server; the policy and anonymity inside collections.
func TestTAXIIConformance(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)
			ctx := context.Background()
			// The demo data makes this operator a C4TAP participant (issue 5,
			// c4tap.go); the checks below are about a non-participant.
			if err := w.db.SetC4TAPMember(ctx, w.opOrg, 0, false); err != nil {
				t.Fatal(err)
			}

			// A named report (ministry route, GREEN, several indicators),
			// relayed to NISC; an anonymous one, relayed with redaction.
			named := w.reportBody(ceptor.RouteMinistry, "VPN 装置への不正アクセス", "事業者Aの VPN 装置に不正ログイン", true)
			named["tlp"] = "green"
			named["indicators"] = []map[string]string{{"type": "domain", "value": "evil[.]example"}, {"type": "ipv4", "value": "192.0.2.10"},
				{"type": "url", "value": "hxxp://evil.example/login"}, {"type": "sha256", "value": strings.Repeat("ab", 32)}, {"type": "email", "value": "ceo@evil.example"}}
			namedID := w.create(w.opTok, named)
			w.relay(w.minTok, namedID, nil)
			anon := w.reportBody(ceptor.RouteAnonymous, "社内の秘密の件名 (原文)", "原文: 当社システム部の山田が発見", true)
			anonID := w.create(w.opTok, anon)
			// Not relayed yet: nothing of it may leave the server.
			if code, _ := w.call("GET", fmt.Sprintf("/api/v1/reports/%d/stix", anonID), w.secTok, nil, nil); code != http.StatusConflict {
				t.Errorf("export of an unreviewed anonymous report: %d, want 409", code)
			}
			w.relay(w.secTok, anonID, map[string]any{"redacted": map[string]any{"title": "会員からの不正アクセスの報告", "body": "ある会員で不正ログイン"}})
			w.relay(w.minTok, anonID, nil)

			collURL := func(key string) string {
				return "/taxii2/ceptor/collections/" + stix.UUIDOf("taxii-collection:"+key) + "/"
			}
			sectorColl := collURL(fmt.Sprintf("sector-%d", w.sector))
			ceptorColl := collURL(fmt.Sprintf("ceptor-%d", w.ceptorID))
			everyone := collURL("everyone-green")

			// Discovery, API root, collections.
			var disc struct {
				Default  string   `json:"default"`
				APIRoots []string `json:"api_roots"`
			}
			w.taxiiGet("/taxii2/", w.niscTok, 200, &disc)
			if !strings.HasSuffix(disc.Default, "/taxii2/ceptor/") || len(disc.APIRoots) != 1 {
				t.Errorf("discovery: %+v", disc)
			}
			var root struct {
				Versions []string `json:"versions"`
				Max      int      `json:"max_content_length"`
			}
			w.taxiiGet("/taxii2/ceptor/", w.niscTok, 200, &root)
			if !slices.Contains(root.Versions, taxiiAccept) || root.Max <= 0 {
				t.Errorf("api root: %+v", root)
			}
			var colls struct {
				Collections []struct {
					ID       string `json:"id"`
					Alias    string `json:"alias"`
					CanRead  bool   `json:"can_read"`
					CanWrite bool   `json:"can_write"`
				} `json:"collections"`
			}
			w.taxiiGet("/taxii2/ceptor/collections/", w.opTok, 200, &colls)
			var aliases []string
			for _, c := range colls.Collections {
				aliases = append(aliases, c.Alias)
				if !c.CanRead {
					t.Errorf("listed a collection the operator cannot read: %s", c.Alias)
				}
			}
			for _, want := range []string{"everyone-green", fmt.Sprintf("sector-%d", w.sector), fmt.Sprintf("ceptor-%d", w.ceptorID)} {
				if !slices.Contains(aliases, want) {
					t.Errorf("operator's collections %v lack %s", aliases, want)
				}
			}
			if slices.Contains(aliases, "c4tap") {
				t.Error("an operator reads the C4TAP collection")
			}
			w.taxiiGet(sectorColl, w.opTok, 200, nil)

			// Errors: credentials, media types, unknown collection, no access.
			if code, hdr, b := w.taxiiReq("GET", "/taxii2/", "", taxiiAccept, "", ""); code != 401 || hdr.Get("WWW-Authenticate") == "" || hdr.Get("Content-Type") != taxiiAccept {
				t.Errorf("no credentials: %d %v %s", code, hdr, b)
			}
			if code, _, _ := w.taxiiReq("GET", "/taxii2/", "Bearer not-a-token", taxiiAccept, "", ""); code != 401 {
				t.Errorf("bad token: %d", code)
			}
			if code, _, b := w.taxiiReq("GET", "/taxii2/ceptor/collections/", "Basic "+w.opTok, taxiiAccept, "", ""); code != 200 {
				t.Errorf("HTTP Basic with the token: %d %s", code, b)
			}
			for _, acc := range []string{"application/json", "text/html", "application/taxii+json;version=2.0"} {
				code, _, b := w.taxiiReq("GET", "/taxii2/ceptor/collections/", "Bearer "+w.opTok, acc, "", "")
				var e struct {
					Title      string `json:"title"`
					HTTPStatus string `json:"http_status"`
				}
				json.Unmarshal(b, &e)
				if code != 406 || e.HTTPStatus != "406" {
					t.Errorf("Accept %s: %d %s", acc, code, b)
				}
			}
			w.taxiiGet("/taxii2/ceptor/collections/00000000-0000-4000-8000-000000000000/", w.niscTok, 404, nil)
			w.taxiiGet("/taxii2/ceptor/collections/00000000-0000-4000-8000-000000000000/objects/", w.niscTok, 404, nil)
			w.taxiiGet("/taxii2/ceptor/no-such-thing/", w.niscTok, 404, nil)
			w.taxiiGet(collURL("c4tap")+"objects/", w.opTok, 403, nil)
			w.taxiiGet(sectorColl+"objects/", w.otherOpTokOtherSector(), 403, nil)
			w.taxiiGet(sectorColl+"objects/?limit=0", w.niscTok, 400, nil)
			w.taxiiGet(sectorColl+"objects/?next=forged", w.niscTok, 400, nil)
			w.taxiiGet(sectorColl+"objects/?added_after=yesterday", w.niscTok, 400, nil)
			w.taxiiGet(sectorColl+"objects/?match[version]=newest", w.niscTok, 400, nil)

			// NISC reads the sector collection: both reports, their
			// indicators, observables and markings.
			var all taxiiEnv
			hdr := w.taxiiGet(sectorColl+"objects/", w.niscTok, 200, &all)
			if hdr.Get("X-TAXII-Date-Added-First") == "" || hdr.Get("X-TAXII-Date-Added-Last") == "" {
				t.Error("no X-TAXII-Date-Added headers")
			}
			namedSTIX := stix.ID("report", fmt.Sprintf("report:%d", namedID))
			anonSTIX := stix.ID("report", fmt.Sprintf("report:%d", anonID))
			ids := objIDs(all)
			if !slices.Contains(ids, namedSTIX) || !slices.Contains(ids, anonSTIX) {
				t.Fatalf("NISC's sector collection lacks the reports: %v", ids)
			}
			// The named report's five; the anonymous report's redacted copy
			// carries none (the secretariat's redaction decides).
			if n := len(objOfType(all, "indicator")); n != 5 {
				t.Errorf("%d indicators, want 5", n)
			}
			if len(objOfType(all, "marking-definition")) == 0 || len(objOfType(all, "url")) == 0 {
				t.Error("markings or observables missing")
			}
			raw, _ := json.Marshal(all)
			// Anonymity: the CEPTOR is the creator, the reporter is nowhere,
			// the original text is nowhere.
			opIdentity := stix.ID("identity", fmt.Sprintf("organization:%d", w.opOrg))
			cepIdentity := stix.ID("identity", fmt.Sprintf("ceptor:%d", w.ceptorID))
			for _, o := range all.Objects {
				if o["id"] == anonSTIX && o["created_by_ref"] != cepIdentity {
					t.Errorf("anonymous report created by %v, want the CEPTOR", o["created_by_ref"])
				}
				if o["id"] == namedSTIX && o["created_by_ref"] != opIdentity {
					t.Errorf("named report created by %v", o["created_by_ref"])
				}
			}
			for _, leak := range []string{"原文", "山田", "社内の秘密"} {
				if strings.Contains(string(raw), leak) {
					t.Errorf("the TAXII collection carries the anonymous report's original text %q", leak)
				}
			}
			var cepEnv taxiiEnv
			w.taxiiGet(ceptorColl+"objects/", w.niscTok, 200, &cepEnv)
			if !slices.Contains(objIDs(cepEnv), anonSTIX) || slices.Contains(objIDs(cepEnv), namedSTIX) {
				t.Errorf("CEPTOR collection: %v", objIDs(cepEnv))
			}
			cepRaw, _ := json.Marshal(cepEnv)
			if strings.Contains(string(cepRaw), opIdentity) {
				t.Error("the CEPTOR collection names the anonymous reporter")
			}

			// The policy inside a collection: the ministry sees the named
			// report it relayed; the other operators of the sector see
			// neither report; the reporter sees its named report.
			var minEnv, opEnv, peerEnv taxiiEnv
			w.taxiiGet(sectorColl+"objects/?match[type]=report", w.minTok, 200, &minEnv)
			if !slices.Contains(objIDs(minEnv), namedSTIX) {
				t.Errorf("ministry: %v", objIDs(minEnv))
			}
			w.taxiiGet(sectorColl+"objects/?match[type]=report", w.opTok, 200, &opEnv)
			if !slices.Contains(objIDs(opEnv), namedSTIX) {
				t.Errorf("reporter: %v", objIDs(opEnv))
			}
			if peer := w.peerTok(); peer != "" {
				w.taxiiGet(sectorColl+"objects/", peer, 200, &peerEnv)
				// (The demo's advisory to the sector is the peer's to read.)
				for _, id := range objIDs(peerEnv) {
					if id == namedSTIX || id == anonSTIX || strings.HasPrefix(id, "indicator--") || strings.HasPrefix(id, "observed-data--") {
						t.Errorf("a peer operator reads others' reports: %v", objIDs(peerEnv))
					}
				}
			}
			// GREEN: the named report is in everyone's collection too (for
			// those the policy lets see it).
			var evEnv taxiiEnv
			w.taxiiGet(everyone+"objects/?match[type]=report", w.niscTok, 200, &evEnv)
			if !slices.Contains(objIDs(evEnv), namedSTIX) || slices.Contains(objIDs(evEnv), anonSTIX) {
				t.Errorf("everyone-green: %v", objIDs(evEnv))
			}

			// Filters.
			var f taxiiEnv
			w.taxiiGet(sectorColl+"objects/?match[type]=indicator,url", w.niscTok, 200, &f)
			for _, o := range f.Objects {
				if o["type"] != "indicator" && o["type"] != "url" {
					t.Errorf("match[type] let through %v", o["type"])
				}
			}
			if len(f.Objects) != 6 {
				t.Errorf("indicators and urls: %d, want 6", len(f.Objects))
			}
			f = taxiiEnv{}
			w.taxiiGet(sectorColl+"objects/?match[id]="+url.QueryEscape(namedSTIX), w.niscTok, 200, &f)
			if len(f.Objects) != 1 || f.Objects[0]["id"] != namedSTIX {
				t.Errorf("match[id]: %v", objIDs(f))
			}
			f = taxiiEnv{}
			w.taxiiGet(sectorColl+"objects/?match[spec_version]=2.0", w.niscTok, 200, &f)
			if len(f.Objects) != 0 {
				t.Errorf("match[spec_version]=2.0 returned %d objects", len(f.Objects))
			}
			bothReports := "&match[id]=" + url.QueryEscape(namedSTIX+","+anonSTIX) // not the demo's advisories
			w.taxiiGet(sectorColl+"objects/?match[spec_version]=2.0,2.1&match[version]=all&match[type]=report"+bothReports, w.niscTok, 200, &f)
			if len(f.Objects) != 2 {
				t.Errorf("spec_version 2.1, all versions: %d reports", len(f.Objects))
			}
			var first taxiiEnv
			w.taxiiGet(sectorColl+"objects/?match[version]=first&match[id]="+url.QueryEscape(namedSTIX), w.niscTok, 200, &first)
			if len(first.Objects) != 1 {
				t.Errorf("match[version]=first: %d", len(first.Objects))
			}
			modified, _ := first.Objects[0]["modified"].(string)
			f = taxiiEnv{}
			w.taxiiGet(sectorColl+"objects/?match[version]="+url.QueryEscape(modified)+"&match[id]="+url.QueryEscape(namedSTIX), w.niscTok, 200, &f)
			if len(f.Objects) != 1 {
				t.Errorf("match[version]=<timestamp>: %d", len(f.Objects))
			}

			// One object, versions, manifest.
			var one taxiiEnv
			w.taxiiGet(sectorColl+"objects/"+namedSTIX+"/", w.niscTok, 200, &one)
			if len(one.Objects) != 1 || one.Objects[0]["id"] != namedSTIX {
				t.Errorf("objects/{id}: %v", objIDs(one))
			}
			w.taxiiGet(sectorColl+"objects/"+namedSTIX+"/", w.otherOpTokOtherSector(), 403, nil)
			w.taxiiGet(sectorColl+"objects/report--00000000-0000-4000-8000-000000000000/", w.niscTok, 404, nil)
			if peer := w.peerTok(); peer != "" {
				w.taxiiGet(sectorColl+"objects/"+namedSTIX+"/", peer, 404, nil)
			}
			var vers struct {
				Versions []string `json:"versions"`
			}
			w.taxiiGet(sectorColl+"objects/"+namedSTIX+"/versions/", w.niscTok, 200, &vers)
			if len(vers.Versions) != 1 || vers.Versions[0] != modified {
				t.Errorf("versions: %v (modified %s)", vers.Versions, modified)
			}
			var man struct {
				Objects []struct {
					ID, DateAdded, Version, MediaType string
				} `json:"objects"`
			}
			raw2 := w.taxiiGetRaw(sectorColl+"manifest/?match[type]=report"+bothReports, w.niscTok)
			json.Unmarshal(raw2, &man)
			if len(man.Objects) != 2 {
				t.Fatalf("manifest: %s", raw2)
			}
			var manRec []map[string]string
			json.Unmarshal([]byte(strings.TrimSuffix(strings.SplitN(string(raw2), `"objects":`, 2)[1], "}\n")), &manRec)
			for _, m := range manRec {
				if m["date_added"] == "" || m["version"] == "" || m["media_type"] != "application/stix+json;version=2.1" {
					t.Errorf("manifest record %v", m)
				}
			}

			// Pagination with limit and next, across a restart of the server
			// (a new process over the same database and key).
			var full []string
			var cur string
			pages := 0
			for {
				path := sectorColl + "objects/?limit=3"
				if cur != "" {
					path += "&next=" + url.QueryEscape(cur)
				}
				var pg taxiiEnv
				w.taxiiGet(path, w.niscTok, 200, &pg)
				if len(pg.Objects) > 3 {
					t.Fatalf("page of %d objects with limit=3", len(pg.Objects))
				}
				full = append(full, objIDs(pg)...)
				pages++
				if pages == 2 {
					w.restart()
				}
				if !pg.More {
					break
				}
				if pg.Next == "" {
					t.Fatal("more without next")
				}
				cur = pg.Next
				if pages > 50 {
					t.Fatal("pagination does not end")
				}
			}
			if pages < 3 {
				t.Errorf("only %d pages", pages)
			}
			// An object met on two pages (a marking several sources share)
			// is listed once by a single answer.
			var once []string
			for _, id := range full {
				if !slices.Contains(once, id) {
					once = append(once, id)
				}
			}
			if !slices.Equal(once, ids) {
				t.Errorf("paged listing differs from the whole:\n%v\n%v", full, ids)
			}
			// next is bound to its collection.
			var p1 taxiiEnv
			w.taxiiGet(sectorColl+"objects/?limit=1", w.niscTok, 200, &p1)
			w.taxiiGet(everyone+"objects/?next="+url.QueryEscape(p1.Next), w.niscTok, 400, nil)

			// added_after: nothing after the last; a follow-up appears after it.
			last := hdr.Get("X-TAXII-Date-Added-Last")
			var after taxiiEnv
			w.taxiiGet(sectorColl+"objects/?added_after="+url.QueryEscape(last), w.niscTok, 200, &after)
			if len(after.Objects) != 0 {
				t.Errorf("added_after the last: %v", objIDs(after))
			}
			fu := w.reportBody(ceptor.RouteMinistry, "VPN 装置への不正アクセス (続報)", "復旧済み", false)
			delete(fu, "submit")
			fu["tlp"] = "green"
			if code, b := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/updates", namedID), w.opTok, fu, nil); code != http.StatusCreated {
				t.Fatalf("follow-up: %d %s", code, b)
			}
			after = taxiiEnv{}
			w.taxiiGet(sectorColl+"objects/?added_after="+url.QueryEscape(last), w.niscTok, 200, &after)
			if !slices.Contains(objIDs(after), namedSTIX) || slices.Contains(objIDs(after), anonSTIX) {
				t.Errorf("after a follow-up: %v", objIDs(after))
			}
			for _, o := range after.Objects {
				if o["id"] == namedSTIX && (o["modified"] == modified || o["name"] != "VPN 装置への不正アクセス (続報)") {
					t.Errorf("the follow-up did not make a new version: %v", o)
				}
			}

			// POST objects: media type, access, and what is kept.
			ind := map[string]any{"type": "indicator", "spec_version": "2.1", "id": "indicator--0f6f3c3a-58b5-4e9c-a4a3-6b1d2f2f7a01",
				"created": "2026-10-01T00:00:00.000Z", "modified": "2026-10-01T00:00:00.000Z", "pattern": "[domain-name:value = 'phish.example']",
				"pattern_type": "stix", "valid_from": "2026-10-01T00:00:00Z", "object_marking_refs": []string{stix.MarkingID(ceptor.TLPGreen)}}
			sco := map[string]any{"type": "url", "spec_version": "2.1", "id": "url--0f6f3c3a-58b5-4e9c-a4a3-6b1d2f2f7a02", "value": "http://phish.example/a"}
			rel := map[string]any{"type": "relationship", "spec_version": "2.1", "id": "relationship--0f6f3c3a-58b5-4e9c-a4a3-6b1d2f2f7a03",
				"created": "2026-10-01T00:00:00.000Z", "modified": "2026-10-01T00:00:00.000Z", "relationship_type": "indicates",
				"source_ref": ind["id"], "target_ref": sco["id"], "object_marking_refs": []string{stix.MarkingID(ceptor.TLPGreen)}}
			amber := map[string]any{}
			for k, v := range ind {
				amber[k] = v
			}
			amber["id"], amber["object_marking_refs"] = "indicator--0f6f3c3a-58b5-4e9c-a4a3-6b1d2f2f7a04", []string{stix.MarkingID(ceptor.TLPAmber)}
			malware := map[string]any{"type": "malware", "spec_version": "2.1", "id": "malware--0f6f3c3a-58b5-4e9c-a4a3-6b1d2f2f7a05",
				"created": "2026-10-01T00:00:00.000Z", "modified": "2026-10-01T00:00:00.000Z", "name": "x", "is_family": false}
			env, _ := json.Marshal(map[string]any{"objects": []any{ind, sco, rel, amber, malware, stix.Marking(ceptor.TLPGreen)}})
			if code, _, _ := w.taxiiReq("POST", everyone+"objects/", "Bearer "+w.opTok, taxiiAccept, "application/json", string(env)); code != 415 {
				t.Errorf("POST as application/json: %d, want 415", code)
			}
			if code, _, _ := w.taxiiReq("POST", everyone+"objects/", "Bearer "+w.opTok, "text/html", taxiiAccept, string(env)); code != 406 {
				t.Errorf("POST accepting HTML: %d, want 406", code)
			}
			if code, _, _ := w.taxiiReq("POST", everyone+"objects/", "Bearer "+w.execTok, taxiiAccept, taxiiAccept, string(env)); code != 403 {
				t.Errorf("POST by an executive: %d, want 403", code)
			}
			if code, _, _ := w.taxiiReq("POST", collURL("c4tap")+"objects/", "Bearer "+w.opTok, taxiiAccept, taxiiAccept, string(env)); code != 403 {
				t.Errorf("POST to a collection the operator cannot read: %d, want 403", code)
			}
			if code, _, _ := w.taxiiReq("POST", everyone+"objects/", "Bearer "+w.opTok, taxiiAccept, taxiiAccept, "{not json"); code != 400 {
				t.Errorf("POST of garbage: %d, want 400", code)
			}
			code, _, b := w.taxiiReq("POST", everyone+"objects/", "Basic "+w.opTok, taxiiAccept, taxiiAccept, string(env))
			var status stix.Status
			json.Unmarshal(b, &status)
			if code != 202 || status.Status != "complete" || status.TotalCount != 6 || status.SuccessCount != 4 || status.FailureCount != 2 {
				t.Fatalf("POST: %d %s", code, b)
			}
			var st2 stix.Status
			w.taxiiGet("/taxii2/ceptor/status/"+status.ID+"/", w.opTok, 200, &st2)
			if st2.ID != status.ID || st2.SuccessCount != 4 || len(st2.Failures) != 2 {
				t.Errorf("status: %+v", st2)
			}
			w.taxiiGet("/taxii2/ceptor/status/"+status.ID+"/", w.otherOpTokOtherSector(), 404, nil)
			w.taxiiGet("/taxii2/ceptor/status/no-such-status/", w.opTok, 404, nil)
			// Another participant reads what was added, with its ids,
			// marking and relationship kept.
			var got taxiiEnv
			w.taxiiGet(everyone+"objects/?match[id]="+url.QueryEscape(ind["id"].(string)+","+sco["id"].(string)+","+rel["id"].(string)), w.otherOpTokOtherSector(), 200, &got)
			if len(got.Objects) != 3 {
				t.Fatalf("posted objects read back: %v", objIDs(got))
			}
			for _, o := range got.Objects {
				if o["id"] == rel["id"] && (o["source_ref"] != ind["id"] || o["target_ref"] != sco["id"]) {
					t.Errorf("relationship changed: %v", o)
				}
				if o["id"] == ind["id"] && (o["pattern"] != ind["pattern"] || fmt.Sprint(o["object_marking_refs"]) != fmt.Sprint(ind["object_marking_refs"])) {
					t.Errorf("indicator changed: %v", o)
				}
			}
			// The same objects again are successes that store nothing.
			code, _, b = w.taxiiReq("POST", everyone+"objects/", "Bearer "+w.opTok, taxiiAccept, taxiiAccept, string(env))
			json.Unmarshal(b, &status)
			if code != 202 || status.SuccessCount != 4 {
				t.Errorf("second POST: %d %s", code, b)
			}
			var again taxiiEnv
			w.taxiiGet(everyone+"objects/?match[type]=indicator", w.niscTok, 200, &again)
			// The follow-up left the report one indicator; one was posted.
			// (The demo's GREEN MISP events are there too: not counted.)
			n := 0
			for _, o := range objOfType(again, "indicator") {
				if o["created_by_ref"] == opIdentity || o["id"] == ind["id"] {
					n++
				}
			}
			if n != 2 {
				t.Errorf("indicators in everyone-green after two posts: %d, want 2", n)
			}
			// RED added to the sector collection stays with its sender and NISC.
			red := map[string]any{}
			for k, v := range ind {
				red[k] = v
			}
			red["id"], red["object_marking_refs"] = "indicator--0f6f3c3a-58b5-4e9c-a4a3-6b1d2f2f7a06", []string{stix.MarkingID(ceptor.TLPRed)}
			env, _ = json.Marshal(map[string]any{"objects": []any{red}})
			if code, _, b := w.taxiiReq("POST", sectorColl+"objects/", "Bearer "+w.opTok, taxiiAccept, taxiiAccept, string(env)); code != 202 {
				t.Fatalf("POST RED: %d %s", code, b)
			}
			w.taxiiGet(sectorColl+"objects/"+red["id"].(string)+"/", w.opTok, 200, nil)
			w.taxiiGet(sectorColl+"objects/"+red["id"].(string)+"/", w.niscTok, 200, nil)
			w.taxiiGet(sectorColl+"objects/"+red["id"].(string)+"/", w.minTok, 404, nil)

			// STIX export through the API and the pages.
			var bundle struct {
				Type    string           `json:"type"`
				Objects []map[string]any `json:"objects"`
			}
			if code, body := w.call("GET", fmt.Sprintf("/api/v1/reports/%d/stix", anonID), w.minTok, nil, &bundle); code != 200 || bundle.Type != "bundle" {
				t.Fatalf("report export: %d %s", code, body)
			} else if strings.Contains(body, "原文") || strings.Contains(body, opIdentity) {
				t.Error("the export of an anonymous report leaks the original or the reporter")
			}
			if code, _ := w.call("GET", fmt.Sprintf("/api/v1/reports/%d/stix", namedID), w.otherOpTok, nil, nil); code != 404 {
				t.Errorf("export by an outsider: %d", code)
			}
			inc := &ceptor.Incident{Title: "VPN 装置の脆弱性", TLP: ceptor.TLPAmber, CreatedByOrg: w.niscOrg}
			if err := w.db.CreateIncident(ctx, inc); err != nil {
				t.Fatal(err)
			}
			if err := w.db.AddReportToIncident(ctx, inc.ID, namedID, w.niscOrg, 0); err != nil {
				t.Fatal(err)
			}
			if code, body := w.call("GET", fmt.Sprintf("/api/v1/incidents/%d/stix", inc.ID), w.niscTok, nil, &bundle); code != 200 || !strings.Contains(body, stix.IncidentExtensionID) {
				t.Fatalf("incident export: %d %s", code, body)
			}
			var incEnv taxiiEnv
			w.taxiiGet(sectorColl+"objects/?match[type]=incident", w.minTok, 200, &incEnv)
			if len(incEnv.Objects) != 1 {
				t.Errorf("the ministry's sector collection: %d incidents", len(incEnv.Objects))
			}
			var opInc taxiiEnv
			w.taxiiGet(sectorColl+"objects/?match[type]=incident", w.opTok, 200, &opInc)
			if len(opInc.Objects) != 0 {
				t.Error("an operator reads the incident in its sector collection")
			}
			c := w.login(w.minEmail)
			if code, body := c.get(fmt.Sprintf("/reports/%d/stix", namedID)); code != 200 || !strings.Contains(body, namedSTIX) {
				t.Errorf("download from the report page: %d", code)
			}
			if code, body := c.get(fmt.Sprintf("/reports/%d", namedID)); code != 200 || !strings.Contains(body, fmt.Sprintf("/reports/%d/stix", namedID)) {
				t.Errorf("report page without the STIX button: %d", code)
			}
			nc := w.login(w.nisc)
			if code, body := nc.get(fmt.Sprintf("/incidents/%d", inc.ID)); code != 200 || !strings.Contains(body, fmt.Sprintf("/incidents/%d/stix", inc.ID)) {
				t.Errorf("incident page without the STIX button: %d", code)
			}
			if code, body := nc.get(fmt.Sprintf("/incidents/%d/stix", inc.ID)); code != 200 || !strings.Contains(body, "incident--") {
				t.Errorf("download from the incident page: %d", code)
			}
			if code, body := c.get("/taxii"); code != 200 || !strings.Contains(body, "/taxii2/ceptor/") {
				t.Errorf("TAXII page: %d", code)
			}
		})
	}
}

func (w *repWorld) taxiiGetRaw(path, tok string) []byte {
	w.t.Helper()
	code, _, b := w.taxiiReq("GET", path, "Bearer "+tok, taxiiAccept, "", "")
	if code != 200 {
		w.t.Fatalf("GET %s: %d %s", path, code, b)
	}
	return b
}

// restart replaces the server by a new one over the same database and
// service key, as after a restart or on another node.
func (w *repWorld) restart() {
	w.t.Helper()
	srv, err := web.New(web.Config{PublicURL: w.ts.URL, Password: auth.TestParams, LoginRate: 1000, LoginBurst: 1000, Version: "test"},
		w.db, w.sealer, slog.New(slog.DiscardHandler), nil, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	w.srv = srv
}

// otherOpTokOtherSector is a token of an operator outside the report's
// sector (and CEPTOR).
func (w *repWorld) otherOpTokOtherSector() string {
	w.t.Helper()
	ctx := context.Background()
	users, _, err := w.db.ListUsers(ctx, ceptor.UserFilter{Limit: 100000})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, u := range users {
		o, err := w.db.FindOrg(ctx, u.OrgID)
		if err != nil || o.Type != ceptor.OrgOperator || u.Role != ceptor.RoleAnalyst && u.Role != ceptor.RoleAdmin || slices.Contains(o.SectorIDs, w.sector) {
			continue
		}
		return w.token(u.Email, nil)
	}
	w.t.Fatal("no operator outside the sector")
	return ""
}

// peerTok is a token of another operator of the same sector, "" if none.
func (w *repWorld) peerTok() string {
	ctx := context.Background()
	users, _, err := w.db.ListUsers(ctx, ceptor.UserFilter{Limit: 100000})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, u := range users {
		o, err := w.db.FindOrg(ctx, u.OrgID)
		if err != nil || o.ID == w.opOrg || o.Type != ceptor.OrgOperator || !slices.Contains(o.SectorIDs, w.sector) {
			continue
		}
		return w.token(u.Email, nil)
	}
	return ""
}

// TestTAXIIAsyncAdd: with the job queue, an add answers 202 with a pending
// status at once; the job completes it, and the objects then appear.
func TestTAXIIAsyncAdd(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)
			ctx := context.Background()
			if err := jobs.Migrate(ctx, w.db.SQL(), string(w.db.Dialect()), nil); err != nil {
				t.Fatal(err)
			}
			q, err := jobs.New(jobs.Config{DB: w.db.SQL(), Dialect: string(w.db.Dialect()), Poll: 50 * time.Millisecond}, func(rw *river.Workers) {
				river.AddWorker(rw, &web.TAXIIAddWorker{Server: w.srv})
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer q.Stop(context.Background())
			w.srv.UseTAXIIQueue(q)

			everyone := "/taxii2/ceptor/collections/" + stix.UUIDOf("taxii-collection:everyone-green") + "/"
			ind := map[string]any{"type": "indicator", "spec_version": "2.1", "id": "indicator--1f6f3c3a-58b5-4e9c-a4a3-6b1d2f2f7a01",
				"created": "2026-10-01T00:00:00.000Z", "modified": "2026-10-01T00:00:00.000Z", "pattern": "[ipv4-addr:value = '198.51.100.9']",
				"pattern_type": "stix", "valid_from": "2026-10-01T00:00:00Z"}
			bad := map[string]any{"type": "tool", "spec_version": "2.1", "id": "tool--1f6f3c3a-58b5-4e9c-a4a3-6b1d2f2f7a02",
				"created": "2026-10-01T00:00:00.000Z", "modified": "2026-10-01T00:00:00.000Z", "name": "x"}
			env, _ := json.Marshal(map[string]any{"objects": []any{ind, bad}})
			code, _, b := w.taxiiReq("POST", everyone+"objects/", "Bearer "+w.opTok, taxiiAccept, taxiiAccept, string(env))
			var st stix.Status
			json.Unmarshal(b, &st)
			if code != 202 || st.Status != "pending" || st.PendingCount != 2 || len(st.Pendings) != 2 {
				t.Fatalf("POST: %d %s", code, b)
			}
			deadline := time.Now().Add(30 * time.Second)
			for st.Status != "complete" {
				if time.Now().After(deadline) {
					t.Fatalf("the add is still pending: %+v", st)
				}
				time.Sleep(50 * time.Millisecond)
				id := st.ID
				st = stix.Status{}
				w.taxiiGet("/taxii2/ceptor/status/"+id+"/", w.opTok, 200, &st)
			}
			if st.SuccessCount != 1 || st.FailureCount != 1 || st.PendingCount != 0 || len(st.Pendings) != 0 {
				t.Errorf("completed status: %+v", st)
			}
			var got taxiiEnv
			w.taxiiGet(everyone+"objects/?match[id]="+url.QueryEscape(ind["id"].(string)), w.niscTok, 200, &got)
			if len(got.Objects) != 1 || got.Objects[0]["pattern"] != ind["pattern"] {
				t.Errorf("the added indicator: %v", got.Objects)
			}
		})
	}
}
