package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// api is a client of one ceptor server.
type api struct {
	base   string // http://127.0.0.1:port
	client *http.Client
}

// getJSON GETs path with token and decodes a 200 answer into out.
func (a *api) getJSON(ctx context.Context, path, token string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d: %s", path, resp.StatusCode, snippet(body))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: unexpected answer: %w", path, err)
	}
	return nil
}

// meAnswer is the part of GET /api/v1/me the bench uses.
type meAnswer struct {
	User struct {
		Email string `json:"email"`
	} `json:"user"`
	Organization struct {
		ID        int64   `json:"id"`
		Name      string  `json:"name"`
		Type      string  `json:"type"`
		SectorIDs []int64 `json:"sector_ids"`
	} `json:"organization"`
}

func (a *api) me(ctx context.Context, token string) (*meAnswer, error) {
	var m meAnswer
	if err := a.getJSON(ctx, "/api/v1/me", token, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// sectorMinistries maps each sector to the organisation id of its ministry.
func (a *api) sectorMinistries(ctx context.Context, token string) (map[int64]int64, error) {
	var list struct {
		Items []struct {
			ID       int64 `json:"id"`
			Ministry int64 `json:"ministry_org_id"`
		} `json:"items"`
		Total int `json:"total"`
	}
	if err := a.getJSON(ctx, "/api/v1/sectors?limit=500", token, &list); err != nil {
		return nil, err
	}
	out := map[int64]int64{}
	for _, s := range list.Items {
		out[s.ID] = s.Ministry
	}
	return out, nil
}

// reportTotal returns the total of GET /api/v1/reports?limit=1 (with the
// extra query, e.g. "queue=relay"): how many reports the caller's queue
// holds.
func (a *api) reportTotal(ctx context.Context, token, query string) (int, error) {
	path := "/api/v1/reports?limit=1"
	if query != "" {
		path += "&" + query
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
		Total *int              `json:"total"`
	}
	if err := a.getJSON(ctx, path, token, &list); err != nil {
		return 0, err
	}
	if list.Total == nil {
		return 0, fmt.Errorf("GET %s: the answer has no total", path)
	}
	return *list.Total, nil
}

// snippet shortens a response body for an error message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	if s == "" {
		s = "(empty body)"
	}
	return s
}
