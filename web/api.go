package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"ceptor"
	"ceptor/i18n"
)

// apiErrorBody is the one shape of every API error.
type apiErrorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (s *Server) apiError(w http.ResponseWriter, r *http.Request, status int, code string, err error) {
	lang := state(r).lang
	body := apiErrorBody{Error: apiError{Code: code, Message: i18n.T(lang, messageKey(err)), Fields: fieldErrors(lang, err)}}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ceptor"`)
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// apiActor returns the caller of an API request: a bearer token, or a
// browser session (whose unsafe requests the middleware has already checked
// for CSRF).
func (s *Server) apiActor(w http.ResponseWriter, r *http.Request) (*reqState, bool) {
	st := state(r)
	if st.actor == nil && st.authErr != nil {
		s.fail(w, r, st.authErr)
		return nil, false
	}
	if st.actor == nil {
		s.fail(w, r, &ceptor.Error{Code: ceptor.EUNAUTHORIZED, Message: "missing or invalid credentials", Key: "err.unauthorized"})
		return nil, false
	}
	return st, true
}

// forbidden is the generic refusal for callers that have no single action
// to name; where one is known, ceptor.Authorize (or regAuthorize) says
// whether a token's scope is the obstacle.
func forbidden(*reqState) error {
	return &ceptor.Error{Code: ceptor.EFORBIDDEN, Message: "you are not allowed to do this", Key: "err.forbidden"}
}

// listPage reads limit and offset (limit 1..500, default 50).
func listPage(r *http.Request) (limit, offset int, err error) {
	q := r.URL.Query()
	limit, offset = 50, 0
	if v := q.Get("limit"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 1 || n > 500 {
			return 0, 0, ceptor.Invalid(map[string]string{"limit": "err.limit"})
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 0 {
			return 0, 0, ceptor.Invalid(map[string]string{"offset": "err.offset"})
		}
		offset = n
	}
	return limit, offset, nil
}

// ListResponse is the envelope of every paginated list.
type ListResponse[T any] struct {
	Items  []T    `json:"items"`
	Total  int    `json:"total"`
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
	Next   string `json:"next,omitempty"`
}

// apiPagedList answers a list endpoint with the caller's page (limit,
// offset) of what list returns for the caller's actor.
func apiPagedList[T any](s *Server, w http.ResponseWriter, r *http.Request, list func(ctx context.Context, st *reqState, limit, offset int) ([]T, int, error)) {
	st, ok := s.apiActor(w, r)
	if !ok {
		return
	}
	limit, offset, err := listPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, total, err := list(r.Context(), st, limit, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(r, items, total, limit, offset))
}

func newList[T any](r *http.Request, items []T, total, limit, offset int) ListResponse[T] {
	if items == nil {
		items = []T{}
	}
	lr := ListResponse[T]{Items: items, Total: total, Limit: limit, Offset: offset}
	if offset+limit < total {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(offset+limit))
		q.Set("limit", strconv.Itoa(limit))
		lr.Next = (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
	}
	return lr
}

// decodeJSON reads a JSON body of at most 1 MiB into v, refusing unknown
// fields so that typos are reported rather than ignored.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typ) && typ.Field != "":
			return ceptor.Invalid(map[string]string{typ.Field: "err.type"})
		case errors.As(err, &syn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return &ceptor.Error{Code: ceptor.EINVALID, Message: "malformed JSON", Key: "err.json", Err: err}
		}
		return &ceptor.Error{Code: ceptor.EINVALID, Message: "malformed JSON", Key: "err.json", Err: err}
	}
	// One JSON value and nothing after it.
	if _, err := dec.Token(); err != io.EOF {
		return &ceptor.Error{Code: ceptor.EINVALID, Message: "unexpected data after the JSON value", Key: "err.json"}
	}
	return nil
}
