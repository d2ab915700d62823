package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"ceptor/demo"
)

// maxSignIns is the sign-in burst ceptor allows per client address (its
// default LoginBurst); more simultaneous sign-ins from the bench would be
// refused with 429 rather than measured.
const maxSignIns = 10

// csrfField finds the hidden CSRF field of the sign-in form.
func csrfField(page string) (string, bool) {
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// signIn signs in through the web form (GET /login for the CSRF token,
// then POST /login) with the demo password. The password check is what
// matters here: it runs argon2id with ceptor's production cost.
func signIn(ctx context.Context, base, email string) error {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	client := &http.Client{
		Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/login", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET /login: %w", err)
	}
	page, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("GET /login: %w", err)
	}
	token, ok := csrfField(string(page))
	if resp.StatusCode != http.StatusOK || !ok {
		return fmt.Errorf("GET /login answered %d without a csrf field in the form", resp.StatusCode)
	}
	form := url.Values{"email": {email}, "password": {demo.DemoPassword}, "csrf": {token}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err = client.Do(req); err != nil {
		return fmt.Errorf("POST /login: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("POST /login as %s answered %d, not 303 (signed in)", email, resp.StatusCode)
	}
	return nil
}

// signInMany runs n sign-ins at the same time and returns the first error.
func signInMany(ctx context.Context, base, email string, n int) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = signIn(ctx, base, email) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
