package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"ceptor"
	"ceptor/stix"
)

// publishAdvisory publishes an advisory of NISC through the API and returns its id.
func (w *repWorld) publishAdvisory(body map[string]any) int64 {
	w.t.Helper()
	var v struct {
		Advisory struct {
			ID int64 `json:"id"`
		} `json:"advisory"`
	}
	if code, b := w.call("POST", "/api/v1/advisories", w.niscTok, body, &v); code != http.StatusCreated {
		w.t.Fatalf("create advisory: %d %s", code, b)
	}
	a := v.Advisory
	if code, b := w.call("POST", fmt.Sprintf("/api/v1/advisories/%d/publish", a.ID), w.niscTok, nil, nil); code != http.StatusOK {
		w.t.Fatalf("publish advisory: %d %s", code, b)
	}
	return a.ID
}

func taxiiColl(key string) string {
	return "/taxii2/ceptor/collections/" + stix.UUIDOf("taxii-collection:"+key) + "/"
}

// taxiiHas reports whether GET path (an objects or manifest listing)
// names id.
func (w *repWorld) taxiiHas(path, tok, id string) bool {
	w.t.Helper()
	var env taxiiEnv
	w.taxiiGet(path, tok, 200, &env)
	return slices.Contains(objIDs(env), id)
}

// TestTAXIIAdvisoriesMISPVersionsDelete, on both engines: advisories are in
// the collections their audience and TLP allow and nowhere else, read only
// by those the advisory policy lets see them, through objects, one object,
// versions and manifest alike; a correction is a second version, a
// withdrawal a revoked third; drills are in no collection; a report keeps
// its follow-ups as versions, an anonymous one only its redacted text;
// imported MISP
// events appear with their TLP; TAXII DELETE removes versions of objects
// one's organisation added and is refused for anything else; other methods
// answer 405 with Allow.
func TestTAXIIAdvisoriesMISPVersionsDelete(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)
			ctx := context.Background()
			sectorColl := taxiiColl(fmt.Sprintf("sector-%d", w.sector))
			ceptorColl := taxiiColl(fmt.Sprintf("ceptor-%d", w.ceptorID))
			everyone := taxiiColl("everyone-green")
			outsider := w.otherOpTokOtherSector()
			niscIdentity := stix.ID("identity", fmt.Sprintf("organization:%d", w.niscOrg))
			byID := func(id string) string { return "&match[id]=" + url.QueryEscape(id) }

			// A GREEN advisory to the operator's sector: in the sector's
			// collection, not in everyone's.
			green := w.publishAdvisory(map[string]any{"title": "セクター向け注意喚起", "body": "本文 v1", "tlp": "green", "category": "alert",
				"audience": map[string]any{"sector_ids": []int64{w.sector}}})
			greenID := stix.ID("report", fmt.Sprintf("advisory:%d", green))
			var env taxiiEnv
			w.taxiiGet(sectorColl+"objects/?match[type]=report"+byID(greenID), w.opTok, 200, &env)
			if len(env.Objects) != 1 {
				t.Fatalf("the operator's sector collection lacks the advisory: %v", objIDs(env))
			}
			rep := env.Objects[0]
			if rep["created_by_ref"] != niscIdentity || fmt.Sprint(rep["object_marking_refs"]) != fmt.Sprint([]string{stix.MarkingID(ceptor.TLPGreen)}) ||
				rep["name"] != "セクター向け注意喚起" {
				t.Errorf("advisory as STIX: %v", rep)
			}
			for _, tok := range []string{w.niscTok, w.opTok, outsider} {
				if w.taxiiHas(everyone+"objects/?match[type]=report", tok, greenID) || w.taxiiHas(everyone+"manifest/", tok, greenID) {
					t.Error("an advisory to one sector is in the everyone collection")
				}
				w.taxiiGet(everyone+"objects/"+greenID+"/", tok, 404, nil)
				w.taxiiGet(everyone+"objects/"+greenID+"/versions/", tok, 404, nil)
			}
			// The outsider (another sector) reads nothing of it anywhere.
			for _, p := range []string{"objects/", "objects/" + greenID + "/", "objects/" + greenID + "/versions/", "manifest/"} {
				w.taxiiGet(sectorColl+p, outsider, 403, nil)
			}

			// A correction is a second version of the same report, with a
			// note; the listing gives the latest, versions both, first the
			// original.
			if code, b := w.call("POST", fmt.Sprintf("/api/v1/advisories/%d/correct", green), w.niscTok,
				map[string]any{"title": "セクター向け注意喚起（訂正）", "body": "本文 v2", "note": "対象を追加"}, nil); code != http.StatusOK {
				t.Fatalf("correct: %d %s", code, b)
			}
			var vers struct {
				Versions []string `json:"versions"`
			}
			w.taxiiGet(sectorColl+"objects/"+greenID+"/versions/", w.opTok, 200, &vers)
			if len(vers.Versions) != 2 || vers.Versions[0] >= vers.Versions[1] {
				t.Fatalf("versions after a correction: %v", vers.Versions)
			}
			var one, first, all taxiiEnv
			w.taxiiGet(sectorColl+"objects/"+greenID+"/", w.opTok, 200, &one)
			if len(one.Objects) != 1 || one.Objects[0]["name"] != "セクター向け注意喚起（訂正）" || one.Objects[0]["modified"] != vers.Versions[1] {
				t.Errorf("objects/{id} is not the latest: %v", one.Objects)
			}
			w.taxiiGet(sectorColl+"objects/"+greenID+"/?match[version]=first", w.opTok, 200, &first)
			if len(first.Objects) != 1 || first.Objects[0]["name"] != "セクター向け注意喚起" {
				t.Errorf("match[version]=first: %v", first.Objects)
			}
			w.taxiiGet(sectorColl+"objects/"+greenID+"/?match[version]="+url.QueryEscape(vers.Versions[0]), w.opTok, 200, &first)
			if len(first.Objects) != 1 || first.Objects[0]["modified"] != vers.Versions[0] {
				t.Errorf("match[version]=<first timestamp>: %v", first.Objects)
			}
			w.taxiiGet(sectorColl+"objects/?match[version]=all"+byID(greenID), w.opTok, 200, &all)
			if len(all.Objects) != 2 {
				t.Errorf("match[version]=all: %d versions", len(all.Objects))
			}
			env = taxiiEnv{}
			w.taxiiGet(sectorColl+"objects/"+"?match[type]=report"+byID(greenID), w.opTok, 200, &env)
			if len(env.Objects) != 1 {
				t.Errorf("the listing gives %d versions, want the latest only", len(env.Objects))
			}
			env = taxiiEnv{}
			w.taxiiGet(sectorColl+"objects/?match[type]=note", w.opTok, 200, &env)
			found := false
			for _, n := range env.Objects {
				if refs, _ := n["object_refs"].([]any); len(refs) == 1 && refs[0] == greenID && n["content"] == "対象を追加" {
					found = true
				}
			}
			if !found {
				t.Error("no note explains the correction")
			}
			// Withdrawal: a third version, revoked.
			if code, b := w.call("POST", fmt.Sprintf("/api/v1/advisories/%d/withdraw", green), w.niscTok, map[string]any{"reason": "誤送信"}, nil); code != http.StatusOK {
				t.Fatalf("withdraw: %d %s", code, b)
			}
			one = taxiiEnv{}
			w.taxiiGet(sectorColl+"objects/"+greenID+"/", w.opTok, 200, &one)
			if len(one.Objects) != 1 || one.Objects[0]["revoked"] != true {
				t.Errorf("a withdrawn advisory is not revoked: %v", one.Objects)
			}
			w.taxiiGet(sectorColl+"objects/"+greenID+"/versions/", w.opTok, 200, &vers)
			if len(vers.Versions) != 3 {
				t.Errorf("versions after withdrawal: %v", vers.Versions)
			}

			// AMBER+STRICT to the operator's CEPTOR: its members read it; the
			// ministry reads the CEPTOR's collection but is neither in the
			// audience nor on the way (AMBER+STRICT passes no hop): it sees
			// it nowhere.
			strict := w.publishAdvisory(map[string]any{"title": "会員限定の攻撃情報", "body": "本文", "tlp": "amber+strict", "category": "attack",
				"audience": map[string]any{"ceptor_ids": []int64{w.ceptorID}}})
			strictID := stix.ID("report", fmt.Sprintf("advisory:%d", strict))
			if !w.taxiiHas(ceptorColl+"objects/", w.opTok, strictID) {
				t.Error("a member does not read the CEPTOR's advisory")
			}
			if !w.taxiiHas(ceptorColl+"objects/", w.niscTok, strictID) {
				t.Error("the issuer does not read its own advisory")
			}
			if w.taxiiHas(ceptorColl+"objects/", w.minTok, strictID) || w.taxiiHas(ceptorColl+"manifest/", w.minTok, strictID) {
				t.Error("the ministry reads an AMBER+STRICT advisory through the CEPTOR collection")
			}
			w.taxiiGet(ceptorColl+"objects/"+strictID+"/", w.minTok, 404, nil)
			w.taxiiGet(ceptorColl+"objects/"+strictID+"/versions/", w.minTok, 404, nil)
			if w.taxiiHas(sectorColl+"objects/", w.opTok, strictID) || w.taxiiHas(everyone+"objects/", w.opTok, strictID) {
				t.Error("a CEPTOR's advisory is in the sector's or everyone's collection")
			}

			// Everyone, CLEAR: in everyone's collection, read by the outsider.
			clear := w.publishAdvisory(map[string]any{"title": "全体向けの事務連絡", "body": "本文", "tlp": "clear", "category": "notice",
				"audience": map[string]any{"everyone": true}})
			if !w.taxiiHas(everyone+"objects/", outsider, stix.ID("report", fmt.Sprintf("advisory:%d", clear))) {
				t.Error("an advisory to everyone marked CLEAR is not in the everyone collection")
			}
			// Everyone, AMBER: every sector's collection, not everyone's.
			amberAll := w.publishAdvisory(map[string]any{"title": "全体向けの AMBER 情報", "body": "本文", "tlp": "amber", "category": "alert",
				"audience": map[string]any{"everyone": true}})
			amberAllID := stix.ID("report", fmt.Sprintf("advisory:%d", amberAll))
			if !w.taxiiHas(sectorColl+"objects/", w.opTok, amberAllID) || w.taxiiHas(everyone+"objects/", w.niscTok, amberAllID) {
				t.Error("an AMBER advisory to everyone is not in the sector collections only")
			}
			// A drill (訓練) is in no collection.
			drill := w.publishAdvisory(map[string]any{"title": "訓練の情報提供", "body": "訓練です", "tlp": "green", "drill": true,
				"audience": map[string]any{"everyone": true}})
			drillID := stix.ID("report", fmt.Sprintf("advisory:%d", drill))
			for _, c := range []string{everyone, sectorColl, ceptorColl} {
				if w.taxiiHas(c+"objects/", w.niscTok, drillID) {
					t.Errorf("a drill advisory is in %s", c)
				}
			}

			// MISP: a GREEN event NISC imports is in everyone's collection
			// with its TLP and tags; an AMBER event the operator imports is
			// in its sector's collection for it and NISC only.
			greenEv := `{"Event":{"uuid":"6b1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f7","info":"Phishing wave","date":"2026-11-01","Orgc":{"name":"Partner CERT"},
"Tag":[{"name":"tlp:green"},{"name":"phishing"}],"Attribute":[{"type":"domain","value":"spoofed-portal.example"},{"type":"ip-dst","value":"198.51.100.45"}]}}`
			if code, _, b := apiCall(t, w.harness, "POST", "/api/v1/misp/events", w.niscTok, "application/json", greenEv, nil); code != http.StatusCreated && code != http.StatusOK {
				t.Fatalf("MISP import: %d %s", code, b)
			}
			mispRep := stix.ID("report", "misp-event:6b1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f7")
			env = taxiiEnv{}
			w.taxiiGet(everyone+"objects/?match[id]="+url.QueryEscape(mispRep), outsider, 200, &env)
			if len(env.Objects) != 1 || fmt.Sprint(env.Objects[0]["object_marking_refs"]) != fmt.Sprint([]string{stix.MarkingID(ceptor.TLPGreen)}) ||
				!strings.Contains(fmt.Sprint(env.Objects[0]["labels"]), "tlp:green") {
				t.Fatalf("the MISP event in everyone's collection: %v", env.Objects)
			}
			refs, _ := env.Objects[0]["object_refs"].([]any)
			if len(refs) != 2 {
				t.Errorf("the MISP report refers to %v, want its two indicators", refs)
			}
			amberEv := strings.NewReplacer("6b1c0a7e", "8b1c0a7e", "tlp:green", "tlp:amber", "spoofed-portal", "amber-portal").Replace(greenEv)
			if code, _, b := apiCall(t, w.harness, "POST", "/api/v1/misp/events", w.opTok, "application/json", amberEv, nil); code != http.StatusCreated && code != http.StatusOK {
				t.Fatalf("MISP import: %d %s", code, b)
			}
			amberRep := stix.ID("report", "misp-event:8b1c0a7e-1b2c-4d3e-8f90-a1b2c3d4e5f7")
			if !w.taxiiHas(sectorColl+"objects/", w.opTok, amberRep) || !w.taxiiHas(sectorColl+"objects/", w.niscTok, amberRep) {
				t.Error("an AMBER MISP import is not in its importer's sector collection")
			}
			if w.taxiiHas(everyone+"objects/", w.niscTok, amberRep) {
				t.Error("an AMBER MISP import is in everyone's collection")
			}
			if peer := w.peerTok(); peer != "" && w.taxiiHas(sectorColl+"objects/", peer, amberRep) {
				t.Error("another operator reads an AMBER MISP import")
			}
			if w.taxiiHas(sectorColl+"objects/", w.minTok, amberRep) {
				t.Error("the ministry reads an AMBER MISP import")
			}

			// DELETE: two versions of an indicator the operator adds.
			ind := map[string]any{"type": "indicator", "spec_version": "2.1", "id": "indicator--2f6f3c3a-58b5-4e9c-a4a3-6b1d2f2f7a01",
				"created": "2026-10-01T00:00:00.000Z", "modified": "2026-10-01T00:00:00.000Z", "pattern": "[domain-name:value = 'delete-me.example']",
				"pattern_type": "stix", "valid_from": "2026-10-01T00:00:00Z", "object_marking_refs": []string{stix.MarkingID(ceptor.TLPGreen)}}
			post := func(o map[string]any) {
				t.Helper()
				b, _ := json.Marshal(map[string]any{"objects": []any{o}})
				if code, _, resp := w.taxiiReq("POST", everyone+"objects/", "Bearer "+w.opTok, taxiiAccept, taxiiAccept, string(b)); code != 202 {
					t.Fatalf("POST: %d %s", code, resp)
				}
			}
			post(ind)
			ind2 := map[string]any{}
			for k, v := range ind {
				ind2[k] = v
			}
			ind2["modified"] = "2026-10-02T00:00:00.000Z"
			post(ind2)
			indID := ind["id"].(string)
			obj := everyone + "objects/" + indID + "/"
			w.taxiiGet(obj+"versions/", w.opTok, 200, &vers)
			if len(vers.Versions) != 2 {
				t.Fatalf("versions of the added indicator: %v", vers.Versions)
			}
			del := func(path, tok string, want int) {
				t.Helper()
				code, hdr, b := w.taxiiReq("DELETE", path, "Bearer "+tok, taxiiAccept, "", "")
				if code != want {
					t.Fatalf("DELETE %s: %d, want %d %s", path, code, want, b)
				}
				if ct := hdr.Get("Content-Type"); ct != taxiiAccept {
					t.Errorf("DELETE %s: Content-Type %q", path, ct)
				}
				if want >= 400 {
					var e struct {
						HTTPStatus string `json:"http_status"`
					}
					if json.Unmarshal(b, &e); e.HTTPStatus != fmt.Sprint(want) {
						t.Errorf("DELETE %s: not a TAXII error: %s", path, b)
					}
				}
			}
			del(obj, outsider, 403)  // another organisation's object
			del(obj, w.execTok, 403) // a read-only role
			del(obj, "not-a-token", 401)
			del(everyone+"objects/indicator--00000000-0000-4000-8000-000000000000/", w.opTok, 404)
			del(obj+"?match[version]=yesterday", w.opTok, 400)
			del(obj+"?match[spec_version]=2.0", w.opTok, 404)
			del(sectorColl+"objects/"+greenID+"/", w.niscTok, 403) // derived from an advisory
			del(everyone+"objects/"+mispRep+"/", w.niscTok, 403)   // derived from a MISP import
			del(sectorColl+"objects/"+indID+"/", w.opTok, 404)     // not in that collection
			del(obj+"?match[version]=first", w.opTok, 200)
			w.taxiiGet(obj+"versions/", w.opTok, 200, &vers)
			if len(vers.Versions) != 1 || vers.Versions[0] != "2026-10-02T00:00:00.000Z" {
				t.Errorf("versions after deleting the first: %v", vers.Versions)
			}
			del(obj, w.niscTok, 200) // NISC removes what a participant added
			w.taxiiGet(obj, w.opTok, 404, nil)
			del(obj, w.opTok, 404)
			entries, err := w.db.ListAudit(ctx, ceptor.AuditFilter{Action: "taxii.delete", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 2 {
				t.Errorf("%d audit entries of TAXII deletes, want 2", len(entries))
			}

			// Reports list the versions that may leave the server: a
			// follow-up is a second version, the first kept; of an anonymous
			// report only what the secretariat redacted, in every version.
			rb := w.reportBody(ceptor.RouteMinistry, "VPN 装置の不審なログイン", "本文", true)
			rb["tlp"] = "green"
			rid := w.create(w.opTok, rb)
			rSTIX := stix.ID("report", fmt.Sprintf("report:%d", rid))
			fu := w.reportBody(ceptor.RouteMinistry, "VPN 装置の不審なログイン（続報）", "復旧済み", false)
			delete(fu, "submit")
			fu["tlp"] = "green"
			if code, b := w.call("POST", fmt.Sprintf("/api/v1/reports/%d/updates", rid), w.opTok, fu, nil); code != http.StatusCreated {
				t.Fatalf("follow-up: %d %s", code, b)
			}
			w.taxiiGet(sectorColl+"objects/"+rSTIX+"/versions/", w.minTok, 200, &vers)
			if len(vers.Versions) != 2 {
				t.Errorf("a report's versions after a follow-up: %v", vers.Versions)
			}
			one = taxiiEnv{}
			w.taxiiGet(sectorColl+"objects/"+rSTIX+"/", w.minTok, 200, &one)
			if len(one.Objects) != 1 || one.Objects[0]["name"] != "VPN 装置の不審なログイン（続報）" {
				t.Errorf("the report's latest version: %v", one.Objects)
			}
			first = taxiiEnv{}
			w.taxiiGet(sectorColl+"objects/"+rSTIX+"/?match[version]=first", w.minTok, 200, &first)
			if len(first.Objects) != 1 || first.Objects[0]["name"] != "VPN 装置の不審なログイン" {
				t.Errorf("the report's first version: %v", first.Objects)
			}
			ab := w.reportBody(ceptor.RouteAnonymous, "社外秘の原題（山田）", "原文の本文", true)
			aid := w.create(w.opTok, ab)
			aSTIX := stix.ID("report", fmt.Sprintf("report:%d", aid))
			w.taxiiGet(ceptorColl+"objects/"+aSTIX+"/", w.secTok, 404, nil) // nothing before the secretariat's review
			w.relay(w.secTok, aid, map[string]any{"redacted": map[string]any{"title": "会員での不正アクセス", "body": "要約"}})
			w.relay(w.minTok, aid, nil)
			for _, tok := range []string{w.minTok, w.niscTok} {
				raw := w.taxiiGetRaw(ceptorColl+"objects/?match[version]=all"+byID(aSTIX), tok)
				if strings.Contains(string(raw), "社外秘") || strings.Contains(string(raw), "原文") || !strings.Contains(string(raw), "会員での不正アクセス") {
					t.Errorf("the versions of an anonymous report: %s", raw)
				}
			}

			// Methods an endpoint does not take: 405 with Allow.
			for path, allow := range map[string]string{obj: "GET, DELETE, HEAD", everyone + "objects/": "GET, POST, HEAD",
				"/taxii2/ceptor/collections/": "GET, HEAD", everyone + "manifest/": "GET, HEAD"} {
				for _, m := range []string{"PUT", "PATCH"} {
					code, hdr, b := w.taxiiReq(m, path, "Bearer "+w.opTok, taxiiAccept, taxiiAccept, "{}")
					if code != 405 || hdr.Get("Allow") != allow || hdr.Get("Content-Type") != taxiiAccept || !strings.Contains(string(b), `"http_status":"405"`) {
						t.Errorf("%s %s: %d Allow=%q %s", m, path, code, hdr.Get("Allow"), b)
					}
				}
			}
			if code, _, _ := w.taxiiReq("DELETE", everyone+"objects/", "Bearer "+w.opTok, taxiiAccept, "", ""); code != 405 {
				t.Errorf("DELETE on objects/: %d, want 405", code)
			}
			if code, _, _ := w.taxiiReq("PUT", "/taxii2/ceptor/nothing/", "Bearer "+w.opTok, taxiiAccept, "", ""); code != 404 {
				t.Errorf("PUT on no endpoint: %d, want 404", code)
			}
		})
	}
}
