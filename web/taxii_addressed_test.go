package web_test

import (
	"fmt"
	"strings"
	"testing"

	"ceptor/stix"
)

// TestTAXIIAddressedCollections, on both engines: an advisory to a named
// organisation is in that organisation's collection (org-<id>), which it
// finds in its list and reads, which another organisation may not read
// (403) nor finds listed, and which NISC reads by its alias; an advisory
// to an organisation type is in that type's collection (orgtype-<type>),
// read by the organisations of the type only. Neither is in any other
// collection; TLP:RED is in none; the TAXII page lists the reader's own.
func TestTAXIIAddressedCollections(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			w := newRepWorld(t, engine)
			opKey := fmt.Sprintf("org-%d", w.opOrg)
			opColl := taxiiColl(opKey)
			otherOps := "/taxii2/ceptor/collections/" + opKey + "/" // by alias
			ministries := taxiiColl("orgtype-ministry")
			operators := taxiiColl("orgtype-operator")
			listed := func(tok, key string) bool {
				t.Helper()
				var l struct {
					Collections []struct {
						ID      string `json:"id"`
						Alias   string `json:"alias"`
						CanRead bool   `json:"can_read"`
					} `json:"collections"`
				}
				w.taxiiGet("/taxii2/ceptor/collections/", tok, 200, &l)
				for _, c := range l.Collections {
					if c.Alias == key {
						if c.ID != stix.UUIDOf("taxii-collection:"+key) || !c.CanRead {
							t.Errorf("collection %s listed as %+v", key, c)
						}
						return true
					}
				}
				return false
			}
			// Every collection the reader lists, for "nowhere else".
			allColls := func(tok string) []string {
				var l struct {
					Collections []struct {
						Alias string `json:"alias"`
					} `json:"collections"`
				}
				w.taxiiGet("/taxii2/ceptor/collections/", tok, 200, &l)
				var out []string
				for _, c := range l.Collections {
					out = append(out, c.Alias)
				}
				return out
			}

			named := w.publishAdvisory(map[string]any{"title": "貴社宛ての注意喚起", "body": "本文", "tlp": "amber", "category": "alert",
				"audience": map[string]any{"org_ids": []int64{w.opOrg}}})
			namedID := stix.ID("report", fmt.Sprintf("advisory:%d", named))
			if !listed(w.opTok, opKey) {
				t.Error("the operator does not find its own collection in the list")
			}
			if !w.taxiiHas(opColl+"objects/", w.opTok, namedID) || !w.taxiiHas(opColl+"manifest/", w.opTok, namedID) {
				t.Fatal("the named operator does not read the advisory addressed to it")
			}
			w.taxiiGet(opColl+"objects/"+namedID+"/", w.opTok, 200, nil)
			if !w.taxiiHas(otherOps+"objects/", w.niscTok, namedID) {
				t.Error("NISC does not read an organisation's collection by its alias")
			}
			for _, tok := range []string{w.otherOpTok, w.minTok, w.secTok} {
				if listed(tok, opKey) {
					t.Error("another organisation lists the operator's collection")
				}
				for _, p := range []string{"", "objects/", "manifest/", "objects/" + namedID + "/", "objects/" + namedID + "/versions/"} {
					// By id another organisation's collection is unknown
					// (404: only one's own id resolves); by alias, forbidden.
					w.taxiiGet(opColl+p, tok, 404, nil)
					w.taxiiGet(otherOps+p, tok, 403, nil)
				}
			}
			// Nowhere else, for anyone (NISC lists every collection but the
			// organisations' own).
			for _, tok := range []string{w.niscTok, w.otherOpTok, w.opTok} {
				for _, key := range allColls(tok) {
					if key != opKey && w.taxiiHas(taxiiColl(key)+"objects/", tok, namedID) {
						t.Errorf("the advisory to a named organisation is in %s", key)
					}
				}
			}
			// Only NISC adds to an addressed collection.
			var view struct {
				CanWrite bool `json:"can_write"`
			}
			w.taxiiGet(opColl, w.opTok, 200, &view)
			if view.CanWrite {
				t.Error("the operator may add to its own addressed collection")
			}
			w.taxiiGet(taxiiColl("org-999999999")+"objects/", w.niscTok, 404, nil)
			w.taxiiGet("/taxii2/ceptor/collections/org-999999999/objects/", w.niscTok, 404, nil)

			// An organisation type: the ministries read it, operators do not.
			toMin := w.publishAdvisory(map[string]any{"title": "所管省庁各位", "body": "本文", "tlp": "amber", "category": "notice",
				"audience": map[string]any{"org_types": []string{"ministry"}}})
			toMinID := stix.ID("report", fmt.Sprintf("advisory:%d", toMin))
			if !listed(w.minTok, "orgtype-ministry") || listed(w.opTok, "orgtype-ministry") || !listed(w.opTok, "orgtype-operator") {
				t.Error("organisation type collections listed to the wrong readers")
			}
			if !w.taxiiHas(ministries+"objects/", w.minTok, toMinID) || !w.taxiiHas(ministries+"objects/", w.niscTok, toMinID) {
				t.Fatal("a ministry does not read the advisory to every ministry")
			}
			w.taxiiGet(ministries+"objects/", w.opTok, 403, nil)
			w.taxiiGet(ministries+"manifest/", w.secTok, 403, nil)
			for _, tok := range []string{w.niscTok, w.minTok} {
				for _, key := range allColls(tok) {
					if key != "orgtype-ministry" && w.taxiiHas(taxiiColl(key)+"objects/", tok, toMinID) {
						t.Errorf("the advisory to every ministry is in %s", key)
					}
				}
			}
			if w.taxiiHas(operators+"objects/", w.opTok, toMinID) {
				t.Error("the advisory to ministries is in the operators' collection")
			}

			// RED to a named organisation: in no collection.
			red := w.publishAdvisory(map[string]any{"title": "貴社限定", "body": "本文", "tlp": "red", "category": "alert",
				"audience": map[string]any{"org_ids": []int64{w.opOrg}}})
			redID := stix.ID("report", fmt.Sprintf("advisory:%d", red))
			for _, tok := range []string{w.opTok, w.niscTok} {
				for _, key := range append(allColls(tok), opKey) {
					if w.taxiiHas("/taxii2/ceptor/collections/"+key+"/objects/", tok, redID) {
						t.Errorf("a RED advisory is in %s", key)
					}
				}
			}

			// The TAXII page lists the operator's own collection.
			c := w.login(w.opEmail)
			code, body := c.get("/taxii")
			if code != 200 || !strings.Contains(body, opKey) || !strings.Contains(body, stix.UUIDOf("taxii-collection:"+opKey)) ||
				!strings.Contains(body, "orgtype-operator") || strings.Contains(body, "orgtype-ministry") {
				t.Errorf("TAXII page: %d, own collections missing or another type's listed", code)
			}
		})
	}
}
