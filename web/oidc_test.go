package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"ceptor/web"

	jose "github.com/go-jose/go-jose/v4"
)

// fakeIdP is a minimal OpenID Connect provider: discovery, authorisation
// (which signs the user in at once), token endpoint with PKCE check, JWKS.
type fakeIdP struct {
	t       *testing.T
	srv     *httptest.Server
	key     *rsa.PrivateKey
	mu      sync.Mutex
	codes   map[string]authReq
	subject string
	email   string
	emailOK bool
	nonce   string // override the nonce put in the ID token when set
}

type authReq struct{ nonce, challenge string }

func newFakeIdP(t *testing.T) *fakeIdP {
	p := &fakeIdP{t: t, codes: map[string]authReq{}}
	var err error
	if p.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" {
			http.Error(w, "PKCE required", 400)
			return
		}
		code := "code-" + q.Get("state")
		p.mu.Lock()
		p.codes[code] = authReq{nonce: q.Get("nonce"), challenge: q.Get("code_challenge")}
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		p.mu.Lock()
		req, ok := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code"))
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != req.challenge {
			http.Error(w, `{"error":"invalid_grant"}`, 400)
			return
		}
		nonce := req.nonce
		if p.nonce != "" {
			nonce = p.nonce
		}
		now := time.Now()
		claims, _ := json.Marshal(map[string]any{"iss": p.srv.URL, "sub": p.subject, "aud": "ceptor-test", "exp": now.Add(time.Hour).Unix(),
			"iat": now.Unix(), "nonce": nonce, "email": p.email, "email_verified": p.emailOK})
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: p.key, KeyID: "k1"}}, nil)
		if err != nil {
			t.Error(err)
			return
		}
		jws, _ := signer.Sign(claims)
		idt, _ := jws.CompactSerialize()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": idt})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// signIn walks the browser side of the flow and returns the final status
// and location.
func (p *fakeIdP) signIn(c *client) (int, string, string) {
	c.h.t.Helper()
	req, _ := http.NewRequest("GET", c.h.ts.URL+"/auth/oidc/login?next=/registry/orgs", nil)
	code, _, hdr := c.do(req)
	if code != http.StatusFound || !strings.HasPrefix(hdr.Get("Location"), p.srv.URL+"/authorize") {
		c.h.t.Fatalf("oidc login: %d %q", code, hdr.Get("Location"))
	}
	req, _ = http.NewRequest("GET", hdr.Get("Location"), nil)
	code, _, hdr = c.do(req)
	if code != http.StatusFound {
		c.h.t.Fatalf("authorize: %d", code)
	}
	req, _ = http.NewRequest("GET", hdr.Get("Location"), nil)
	code, body, hdr := c.do(req)
	return code, hdr.Get("Location"), body
}

func TestOIDCSignIn(t *testing.T) {
	t.Parallel()
	idp := newFakeIdP(t)
	h := newHarnessWith(t, "sqlite", func(c *web.Config) {
		c.OIDC = &web.OIDCConfig{Issuer: idp.srv.URL, ClientID: "ceptor-test", ClientSecret: "s3cret", Label: "テストIdP"}
	})
	ctx := context.Background()

	// The sign-in page offers the provider.
	c := h.client()
	if _, body := c.get("/login"); !strings.Contains(body, "テストIdP でログイン") {
		t.Fatal("OIDC button missing")
	}

	scenarios := []struct {
		name            string
		subject, email  string
		verified        bool
		badNonce        bool
		wantStatus      int
		wantLocation    string
		wantBodyContain string
	}{
		{"unknown e-mail is refused, no account is created", "sub-x", "nobody@example.jp", true, false, 401, "", "外部認証でログインできませんでした"},
		{"unverified e-mail does not link", "sub-1", "analyst.ministry@demo.example", false, false, 401, "", "外部認証"},
		{"verified e-mail links the account", "sub-1", "analyst.ministry@demo.example", true, false, 303, "/registry/orgs", ""},
		{"linked subject signs in even with another e-mail", "sub-1", "changed@example.jp", false, false, 303, "/registry/orgs", ""},
		{"a nonce mismatch is refused", "sub-1", "analyst.ministry@demo.example", true, true, 401, "", "外部認証"},
		{"the 2FA user still owes the second factor", "sub-2", "mfa.operator@demo.example", true, false, 303, "/login/2fa?next=%2Fregistry%2Forgs", ""},
	}
	for _, sc := range scenarios {
		idp.subject, idp.email, idp.emailOK = sc.subject, sc.email, sc.verified
		idp.nonce = ""
		if sc.badNonce {
			idp.nonce = "forged"
		}
		c := h.client()
		code, loc, body := idp.signIn(c)
		if code != sc.wantStatus || loc != sc.wantLocation || !strings.Contains(body, sc.wantBodyContain) {
			t.Fatalf("%s: status %d location %q", sc.name, code, loc)
		}
		if sc.wantLocation == "/registry/orgs" {
			if code, _ := c.get("/"); code != 200 {
				t.Fatalf("%s: not signed in", sc.name)
			}
		}
	}
	u, err := h.db.FindUserByEmail(ctx, "analyst.ministry@demo.example")
	if err != nil || u.OIDCSubject != idp.srv.URL+"|sub-1" {
		t.Fatalf("subject not linked: %+v %v", u, err)
	}

	// A callback without the state cookie (e.g. forged link) is refused.
	c = h.client()
	if code, _ := c.get("/auth/oidc/callback?code=x&state=y"); code != 401 {
		t.Fatalf("callback without state: %d", code)
	}
}

func TestOIDCNotConfigured(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	c := h.client()
	if code, _ := c.get("/auth/oidc/login"); code != http.StatusNotImplemented {
		t.Fatalf("unconfigured OIDC: %d", code)
	}
	if _, body := c.get("/login"); strings.Contains(body, "/auth/oidc/login") {
		t.Fatal("OIDC button shown without configuration")
	}
}
