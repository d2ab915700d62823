// Package taxiiclient polls TAXII 2.1 collections of other servers: it
// asks for what was added after the last poll, follows the server's
// pagination (more/next), and hands each page to the caller, who stores it
// together with the new cursor so that a restart resumes where it stopped.
package taxiiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ceptor/stix"
)

// Media is the TAXII 2.1 media type.
const Media = "application/taxii+json;version=2.1"

// Limits.
const (
	MaxPageBytes = 32 << 20
	MaxPages     = 1000 // pages in one poll
	PageLimit    = 500  // objects asked per page
)

// Source is a collection to poll.
type Source struct {
	APIRoot      string // e.g. https://taxii.example/api1/ (with the trailing slash)
	CollectionID string
	Username     string // HTTP Basic user ("" with a Bearer token)
	Secret       string // password, or the bearer token when Username is ""
}

// ObjectsURL is the collection's objects endpoint.
func (s Source) ObjectsURL() (string, error) {
	u, err := url.Parse(s.APIRoot)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("taxiiclient: the API root must be an http(s) URL")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if strings.ContainsAny(s.CollectionID, "/?#") || s.CollectionID == "" {
		return "", errors.New("taxiiclient: bad collection id")
	}
	u.Path += "collections/" + s.CollectionID + "/objects/"
	u.RawPath = ""
	u.RawQuery = ""
	return u.String(), nil
}

// Page is one page of a poll.
type Page struct {
	Objects []json.RawMessage
	// Cursor is the added_after to resume from once this page is stored:
	// X-TAXII-Date-Added-Last, or the previous cursor when absent.
	Cursor string
	// Next is the server's continuation token for the following page.
	Next string
}

// Client polls TAXII servers.
type Client struct {
	HTTP *http.Client
}

// StatusError is an HTTP error answer.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("taxiiclient: HTTP %d: %s", e.Status, e.Body)
}

// Poll fetches everything added after cursor, page by page, calling store
// for each; it stops at the end of the collection, at MaxPages, or at the
// first error (what store accepted stays stored). It returns the last
// cursor stored.
func (c *Client) Poll(ctx context.Context, src Source, cursor string, store func(ctx context.Context, p *Page) error) (string, error) {
	base, err := src.ObjectsURL()
	if err != nil {
		return cursor, err
	}
	next := ""
	for i := 0; i < MaxPages; i++ {
		q := url.Values{}
		if cursor != "" {
			q.Set("added_after", cursor)
		}
		q.Set("limit", fmt.Sprint(PageLimit))
		if next != "" {
			q.Set("next", next)
		}
		p, more, err := c.page(ctx, src, base+"?"+q.Encode())
		if err != nil {
			return cursor, err
		}
		if p.Cursor == "" {
			p.Cursor = cursor
		}
		if err := store(ctx, p); err != nil {
			return cursor, err
		}
		// Objects come in the order they were added: after this page the
		// poll may resume after its last one, whatever happens next.
		cursor = p.Cursor
		if !more || len(p.Objects) == 0 {
			return cursor, nil
		}
		// With a next token the server continues from its own position;
		// without one, the next request starts after the newest object seen.
		next = p.Next
	}
	return cursor, nil
}

func (c *Client) page(ctx context.Context, src Source, u string) (*Page, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Accept", Media)
	switch {
	case src.Username != "":
		req.SetBasicAuth(src.Username, src.Secret)
	case src.Secret != "":
		req.Header.Set("Authorization", "Bearer "+src.Secret)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPageBytes+1))
	if err != nil {
		return nil, false, err
	}
	if resp.StatusCode != http.StatusOK {
		if len(body) > 300 {
			body = body[:300]
		}
		return nil, false, &StatusError{Status: resp.StatusCode, Body: string(body)}
	}
	if len(body) > MaxPageBytes {
		return nil, false, errors.New("taxiiclient: page too large")
	}
	var env struct {
		More    bool              `json:"more"`
		Next    string            `json:"next"`
		Objects []json.RawMessage `json:"objects"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, false, fmt.Errorf("taxiiclient: envelope: %w", err)
		}
	}
	if len(env.Objects) > stix.MaxObjects {
		return nil, false, errors.New("taxiiclient: too many objects in one page")
	}
	p := &Page{Objects: env.Objects, Next: env.Next}
	if last := resp.Header.Get("X-TAXII-Date-Added-Last"); last != "" {
		if _, err := stix.ParseTime(last); err == nil {
			p.Cursor = last
		}
	}
	return p, env.More, nil
}
