package web_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/i18n"
	"ceptor/web"
)

// The OpenAPI document is generated from the same table that registers the
// API routes. These tests hold the two together from both sides: every
// documented operation is answered by a real route with the documented
// statuses and shapes, and no /api/ route is registered without a document.

// apiCall sends one request and returns status, headers and body.
func apiCall(t testing.TB, h *harness, method, path, token, contentType, body string, hdr map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// oaDoc is the part of the document the tests read.
type oaDoc struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title, Version, Description string
	} `json:"info"`
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Tags []struct {
		Name string `json:"name"`
	} `json:"tags"`
	Paths      map[string]map[string]oaOperation `json:"paths"`
	Components struct {
		Schemas         map[string]any `json:"schemas"`
		Responses       map[string]any `json:"responses"`
		SecuritySchemes map[string]any `json:"securitySchemes"`
	} `json:"components"`
	raw map[string]any
}

type oaOperation struct {
	OperationID string                `json:"operationId"`
	Summary     string                `json:"summary"`
	Tags        []string              `json:"tags"`
	Security    []map[string][]string `json:"security"`
	Scope       string                `json:"x-required-scope"`
	Parameters  []oaParam             `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema any `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]map[string]any `json:"responses"`
}

type oaParam struct {
	Name     string         `json:"name"`
	In       string         `json:"in"`
	Required bool           `json:"required"`
	Schema   map[string]any `json:"schema"`
}

// operation is one documented method and path.
type operation struct {
	Method, Path string
	Op           oaOperation
}

func (o operation) String() string { return o.Method + " " + o.Path }

func fetchDoc(t testing.TB, h *harness) *oaDoc {
	t.Helper()
	code, hdr, b := apiCall(t, h, "GET", "/api/v1/openapi.json", "", "", "", nil)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json: %d %s\n%s", code, hdr.Get("Content-Type"), b)
	}
	var d oaDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("document is not JSON: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&d.raw); err != nil {
		t.Fatal(err)
	}
	return &d
}

// operations lists the documented operations: reads first, removals last,
// so that what one call changes disturbs the others as little as possible.
func (d *oaDoc) operations() []operation {
	rank := map[string]int{"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}
	var out []operation
	for p, item := range d.Paths {
		for m, op := range item {
			out = append(out, operation{Method: strings.ToUpper(m), Path: p, Op: op})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[strings.ToLower(a.Method)] != rank[strings.ToLower(b.Method)] {
			return rank[strings.ToLower(a.Method)] < rank[strings.ToLower(b.Method)]
		}
		return a.Path < b.Path
	})
	return out
}

// schemaValidator checks a decoded JSON value against the subset of JSON
// Schema that the generator writes. A keyword it does not know is an error,
// so that a schema can never pass merely because nobody checked it.
type schemaValidator struct {
	root map[string]any // the document (or a {components:{schemas}} holder)
}

var knownKeywords = map[string]bool{
	"$ref": true, "type": true, "format": true, "description": true, "enum": true, "items": true,
	"minItems": true, "maxItems": true, "minimum": true, "properties": true, "required": true,
	"additionalProperties": true, "anyOf": true, "contentEncoding": true, "contentMediaType": true,
}

func (v *schemaValidator) resolve(ref string) (any, error) {
	p, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("$ref %q is not local", ref)
	}
	var cur any = v.root
	for seg := range strings.SplitSeq(p, "/") {
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not inside an object", ref, seg)
		}
		if cur, ok = m[seg]; !ok {
			return nil, fmt.Errorf("$ref %q does not resolve (no %q)", ref, seg)
		}
	}
	return cur, nil
}

func (v *schemaValidator) validate(at string, schema, value any) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		if b, isBool := schema.(bool); isBool {
			if !b {
				return []string{at + ": no value is allowed here"}
			}
			return nil
		}
		return []string{fmt.Sprintf("%s: schema is a %T", at, schema)}
	}
	var errs []string
	for k := range s {
		if !knownKeywords[k] {
			errs = append(errs, fmt.Sprintf("%s: the test's validator does not know keyword %q", at, k))
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		target, err := v.resolve(ref)
		if err != nil {
			return append(errs, at+": "+err.Error())
		}
		errs = append(errs, v.validate(at, target, value)...)
	}
	if any, ok := s["anyOf"].([]any); ok {
		matched := false
		for _, alt := range any {
			if len(v.validate(at, alt, value)) == 0 {
				matched = true
				break
			}
		}
		if !matched {
			errs = append(errs, fmt.Sprintf("%s: %s matches none of anyOf", at, short(value)))
		}
	}
	if t, ok := s["type"]; ok {
		var types []string
		switch tt := t.(type) {
		case string:
			types = []string{tt}
		case []any:
			for _, x := range tt {
				types = append(types, fmt.Sprint(x))
			}
		}
		if !slices.ContainsFunc(types, func(typ string) bool { return hasType(typ, value) }) {
			return append(errs, fmt.Sprintf("%s: %s is not of type %v", at, short(value), types))
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, value) {
		errs = append(errs, fmt.Sprintf("%s: %s is not one of %v", at, short(value), enum))
	}
	if f, _ := s["format"].(string); f == "date-time" {
		if str, ok := value.(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a date-time", at, str))
			}
		}
	}
	if enc, _ := s["contentEncoding"].(string); enc == "base64" {
		if str, ok := value.(string); ok {
			if _, err := base64.StdEncoding.DecodeString(str); err != nil {
				errs = append(errs, fmt.Sprintf("%s: not base64", at))
			}
		}
	}
	if min, ok := s["minimum"].(json.Number); ok {
		if n, isNum := value.(json.Number); isNum {
			a, _ := n.Float64()
			b, _ := min.Float64()
			if a < b {
				errs = append(errs, fmt.Sprintf("%s: %s is below %s", at, n, min))
			}
		}
	}
	switch val := value.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, present := val[r.(string)]; !present {
					errs = append(errs, fmt.Sprintf("%s: required property %q is missing", at, r))
				}
			}
		}
		for k, x := range val {
			if ps, ok := props[k]; ok {
				errs = append(errs, v.validate(at+"."+k, ps, x)...)
			} else if ap, ok := s["additionalProperties"]; ok {
				errs = append(errs, v.validate(at+"."+k, ap, x)...)
			}
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, x := range val {
				errs = append(errs, v.validate(at+"["+strconv.Itoa(i)+"]", items, x)...)
			}
		}
	}
	return errs
}

func hasType(typ string, value any) bool {
	switch typ {
	case "null":
		return value == nil
	case "boolean":
		_, ok := value.(bool)
		return ok
	case "string":
		_, ok := value.(string)
		return ok
	case "number":
		_, ok := value.(json.Number)
		return ok
	case "integer":
		n, ok := value.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	case "array":
		_, ok := value.([]any)
		return ok
	case "object":
		_, ok := value.(map[string]any)
		return ok
	}
	return false
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

func decodeNumbers(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

// TestOpenAPIDocument checks the document itself: version, metadata, and
// that every operation is complete and every reference resolves.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	d := fetchDoc(t, h)
	if d.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", d.OpenAPI)
	}
	if d.Info.Title != "ceptor API" || d.Info.Version != "test" {
		t.Errorf("info = %+v", d.Info)
	}
	if !strings.Contains(d.Info.Description, "API トークン") || !strings.Contains(d.Info.Description, "API token") {
		t.Error("info.description should be in Japanese and English")
	}
	if len(d.Servers) != 1 || d.Servers[0].URL != "/" {
		t.Errorf("servers = %+v", d.Servers)
	}
	for _, name := range []string{"bearerAuth", "basicAuth", "cookieAuth"} {
		if d.Components.SecuritySchemes[name] == nil {
			t.Errorf("security scheme %s missing", name)
		}
	}
	if d.Components.Schemas["Error"] == nil {
		t.Error("components.schemas.Error missing")
	}

	tags := map[string]bool{}
	for _, tag := range d.Tags {
		tags[tag.Name] = true
	}
	ids := map[string]string{}
	ops := d.operations()
	if len(ops) < 3 {
		t.Fatalf("only %d operations documented", len(ops))
	}
	for _, o := range ops {
		op := o.Op
		if !strings.HasPrefix(o.Path, "/api/") {
			t.Errorf("%s: path outside /api/", o)
		}
		if strings.Contains(o.Path, "{$}") || strings.Contains(o.Path, "...}") {
			t.Errorf("%s: ServeMux syntax left in the path", o)
		}
		if op.Summary == "" {
			t.Errorf("%s: no summary", o)
		}
		if len(op.Tags) == 0 || !tags[op.Tags[0]] {
			t.Errorf("%s: tags %v not declared at the top", o, op.Tags)
		}
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", o)
		} else if other, dup := ids[op.OperationID]; dup {
			t.Errorf("%s: operationId %q also used by %s", o, op.OperationID, other)
		}
		ids[op.OperationID] = o.String()
		if op.Security == nil {
			t.Errorf("%s: security must be stated (empty list for public operations)", o)
		}
		if op.Scope != "" && !slices.Contains(ceptor.Scopes, op.Scope) {
			t.Errorf("%s: unknown scope %q", o, op.Scope)
		}
		success := 0
		for code := range op.Responses {
			if strings.HasPrefix(code, "2") {
				success++
			}
		}
		if success != 1 || op.Responses["default"] == nil {
			t.Errorf("%s: responses %v: want one success status and a default", o, slices.Sorted(mapKeys(op.Responses)))
		}
		// Every path parameter is declared, and every declared one is in the path.
		var declared []string
		for _, p := range op.Parameters {
			if p.In == "path" {
				declared = append(declared, p.Name)
				if !p.Required {
					t.Errorf("%s: path parameter %s not required", o, p.Name)
				}
			}
		}
		var inPath []string
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(o.Path, -1) {
			inPath = append(inPath, m[1])
		}
		if !slices.Equal(declared, inPath) {
			t.Errorf("%s: path parameters %v, declared %v", o, inPath, declared)
		}
	}

	// Every $ref anywhere in the document resolves.
	v := &schemaValidator{root: d.raw}
	var walk func(at string, x any)
	refs := 0
	walk = func(at string, x any) {
		switch val := x.(type) {
		case map[string]any:
			if ref, ok := val["$ref"].(string); ok {
				refs++
				if _, err := v.resolve(ref); err != nil {
					t.Errorf("%s: %v", at, err)
				}
			}
			for k, c := range val {
				walk(at+"/"+k, c)
			}
		case []any:
			for i, c := range val {
				walk(at+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("#", d.raw)
	if refs == 0 {
		t.Error("no $ref found: the walk did not run")
	}
	// Every component schema uses only keywords the validator understands
	// (so that the response checks below really check).
	for name, s := range d.raw["components"].(map[string]any)["schemas"].(map[string]any) {
		for _, e := range v.validate("#/components/schemas/"+name, s, nil) {
			if strings.Contains(e, "does not know keyword") {
				t.Error(e)
			}
		}
	}
	if t.Failed() {
		b, _ := json.MarshalIndent(d.raw, "", "  ")
		t.Logf("document:\n%s", b)
	}

	// The document is cached with a validator.
	_, hdr, _ := apiCall(t, h, "GET", "/api/v1/openapi.json", "", "", "", nil)
	if code, _, _ := apiCall(t, h, "GET", "/api/v1/openapi.json", "", "", "", map[string]string{"If-None-Match": hdr.Get("ETag")}); hdr.Get("ETag") == "" || code != http.StatusNotModified {
		t.Errorf("conditional GET: ETag %q, status %d", hdr.Get("ETag"), code)
	}
}

func mapKeys[M ~map[K]V, K comparable, V any](m M) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// schemaSample exercises every rule of the schema generator.
type schemaBase struct {
	ID     int64  `json:"id"`
	Hidden string `json:"-"`
	Note   string `json:"note,omitempty"`
}

type schemaKind string

type schemaInner struct {
	X int `json:"x"`
}

type schemaNode struct {
	Name     string        `json:"name"`
	Children []*schemaNode `json:"children"`
	Parent   *schemaNode   `json:"parent,omitempty"`
}

type schemaEmbA struct {
	Name string `json:"name"`
	A    int    `json:"a"`
}

type schemaEmbB struct {
	Label string
	B     int `json:"b"`
}

type schemaEmbC struct {
	Label string
	C     int `json:"c"`
}

type schemaSample struct {
	schemaBase
	*schemaInner
	schemaEmbA `json:"emb_a"`
	Name       string         `json:"name"`
	Kind       schemaKind     `json:"kind"`
	At         time.Time      `json:"at"`
	When       *time.Time     `json:"when,omitempty"`
	Count      *int           `json:"count"`
	Score      float64        `json:"score"`
	Small      uint8          `json:"small"`
	OK         bool           `json:"ok"`
	Tags       []string       `json:"tags"`
	Grid       [2]int         `json:"grid"`
	Meta       map[string]int `json:"meta"`
	Any        any            `json:"any"`
	Raw        json.RawMessage
	Blob       []byte       `json:"blob"`
	Inner      schemaInner  `json:"inner"`
	InnerPtr   *schemaInner `json:"inner_ptr"`
	Anon       struct {
		A string `json:"a"`
	} `json:"anon"`
	Big        int64 `json:"big,string"`
	NoTag      string
	Zero       time.Time `json:"zero,omitzero"`
	Node       schemaNode
	hidden     string
	Fn         func()       `json:"-"`
	Recursive  []schemaNode `json:"recursive,omitempty"`
	Ambiguous1 schemaAmbiguous
}

// schemaAmbiguous: the two Label fields hide each other, as in encoding/json.
type schemaAmbiguous struct {
	schemaEmbB
	schemaEmbC
	Own string `json:"own"`
}

// TestOpenAPISchemaGenerator checks the generated schemas against what
// encoding/json really writes, for zero values and filled ones.
func TestOpenAPISchemaGenerator(t *testing.T) {
	t.Parallel()
	var out struct {
		Schema     map[string]any `json:"schema"`
		Components map[string]any `json:"components"`
	}
	if err := json.Unmarshal(web.JSONSchemaForTest(schemaSample{}), &out); err != nil {
		t.Fatal(err)
	}
	schemas := out.Components["schemas"].(map[string]any)
	sample := schemas["SchemaSample"].(map[string]any)
	props := sample["properties"].(map[string]any)
	prop := func(name string) string {
		b, _ := json.Marshal(props[name])
		return string(b)
	}
	for name, want := range map[string]string{
		"id":        `{"format":"int64","type":"integer"}`,
		"x":         `{"format":"int64","type":"integer"}`,
		"emb_a":     `{"$ref":"#/components/schemas/SchemaEmbA"}`,
		"kind":      `{"type":"string"}`,
		"at":        `{"format":"date-time","type":"string"}`,
		"when":      `{"format":"date-time","type":["string","null"]}`,
		"count":     `{"format":"int64","type":["integer","null"]}`,
		"score":     `{"format":"double","type":"number"}`,
		"small":     `{"format":"int32","minimum":0,"type":"integer"}`,
		"ok":        `{"type":"boolean"}`,
		"tags":      `{"items":{"type":"string"},"type":"array"}`,
		"grid":      `{"items":{"format":"int64","type":"integer"},"maxItems":2,"minItems":2,"type":"array"}`,
		"meta":      `{"additionalProperties":{"format":"int64","type":"integer"},"type":"object"}`,
		"any":       `{}`,
		"Raw":       `{}`,
		"blob":      `{"contentEncoding":"base64","type":"string"}`,
		"inner":     `{"$ref":"#/components/schemas/SchemaInner"}`,
		"inner_ptr": `{"anyOf":[{"$ref":"#/components/schemas/SchemaInner"},{"type":"null"}]}`,
		"anon":      `{"properties":{"a":{"type":"string"}},"required":["a"],"type":"object"}`,
		"big":       `{"description":"integer written as a JSON string","type":"string"}`,
		"NoTag":     `{"type":"string"}`,
		"Node":      `{"$ref":"#/components/schemas/SchemaNode"}`,
	} {
		if got := prop(name); got != want {
			t.Errorf("property %s = %s, want %s", name, got, want)
		}
	}
	for _, absent := range []string{"Hidden", "hidden", "Fn", "schemaBase", "schemaInner", "schemaEmbA"} {
		if _, ok := props[absent]; ok {
			t.Errorf("property %s should not exist", absent)
		}
	}
	amb := schemas["SchemaAmbiguous"].(map[string]any)["properties"].(map[string]any)
	if _, ok := amb["Label"]; ok || len(amb) != 3 {
		t.Errorf("ambiguous embedded names must hide each other as in encoding/json: %v", slices.Sorted(mapKeys(amb)))
	}
	node := schemas["SchemaNode"].(map[string]any)["properties"].(map[string]any)
	if b, _ := json.Marshal(node["children"]); string(b) != `{"items":{"anyOf":[{"$ref":"#/components/schemas/SchemaNode"},{"type":"null"}]},"type":"array"}` {
		t.Errorf("recursive children: %s", b)
	}

	// Properties are in field order.
	raw := string(web.JSONSchemaForTest(schemaSample{}))
	if i, j := strings.Index(raw, `"id":{`), strings.Index(raw, `"recursive":{`); i < 0 || j < i {
		t.Error("properties are not in field order")
	}

	// Against encoding/json: the zero value writes exactly the required
	// properties, and zero and filled values validate.
	v := &schemaValidator{root: map[string]any{"components": out.Components}}
	var required []string
	for _, r := range sample["required"].([]any) {
		required = append(required, r.(string))
	}
	zero, _ := json.Marshal(schemaSample{})
	written := decodeNumbers(t, zero).(map[string]any)
	if got := slices.Sorted(mapKeys(written)); !slices.Equal(got, slices.Sorted(slices.Values(required))) {
		t.Errorf("zero value writes %v, schema requires %v", got, slices.Sorted(slices.Values(required)))
	}
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.FixedZone("JST", 9*3600))
	n := 3
	full := schemaSample{
		schemaBase: schemaBase{ID: 7, Note: "n"}, schemaInner: &schemaInner{X: 1}, Name: "東京電力", Kind: "operator",
		At: now, When: &now, Count: &n, Score: 0.5, Small: 200, OK: true, Tags: []string{"a"}, Meta: map[string]int{"k": 1},
		Any: map[string]any{"x": []int{1}}, Raw: json.RawMessage(`[1,"x"]`), Blob: []byte{0, 255}, InnerPtr: &schemaInner{X: 2},
		Big: 1 << 60, Zero: now, Node: schemaNode{Name: "root", Children: []*schemaNode{{Name: "leaf", Children: []*schemaNode{}}, nil}},
		Recursive: []schemaNode{{Name: "r", Children: []*schemaNode{}}}, schemaEmbA: schemaEmbA{Name: "a"},
	}
	b, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range v.validate("full", out.Schema, decodeNumbers(t, b)) {
		t.Error(e)
	}
	// And the validator does fail on a wrong value.
	if errs := v.validate("wrong", out.Schema, decodeNumbers(t, []byte(`{"id":"seven"}`))); len(errs) < 2 {
		t.Errorf("validator accepted a wrong value: %v", errs)
	}

	// The list envelope of the API.
	if err := json.Unmarshal(web.JSONSchemaForTest(web.ListResponse[*ceptor.Organization]{}), &out); err != nil {
		t.Fatal(err)
	}
	if ref := out.Schema["$ref"]; ref != "#/components/schemas/ListResponse_Organization" {
		t.Errorf("list envelope: %v", ref)
	}
}

// TestOpenAPIRoutesAgree calls every documented operation on the real
// server: the route must exist (no router fallback), answer a status the
// document lists, and a body that matches the documented schema.
func TestOpenAPIRoutesAgree(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, engine)
			d := fetchDoc(t, h)
			v := &schemaValidator{root: d.raw}
			tok := h.token("admin.nisc@demo.example", nil)
			en := map[string]string{"Accept-Language": "en"}

			// The fallback is recognised, or this test could not fail.
			for _, miss := range []struct{ method, path string }{{"GET", "/api/v1/no-such-route"}, {"GET", "/api/v1/organizations/1/no-such-child"}} {
				code, _, body := apiCall(t, h, miss.method, miss.path, tok, "", "", en)
				if !isFallback(code, body) {
					t.Fatalf("%s %s: %d %s is not recognised as the router's fallback", miss.method, miss.path, code, body)
				}
			}

			for _, o := range d.operations() {
				path := o.Path
				q := []string{}
				for _, p := range o.Op.Parameters {
					val := "1"
					if typ, _ := p.Schema["type"].(string); typ == "string" {
						val = "x"
						if enum, ok := p.Schema["enum"].([]any); ok && len(enum) > 0 {
							val = fmt.Sprint(enum[0])
						}
					} else if typ == "boolean" {
						val = "true"
					}
					switch {
					case p.In == "path":
						path = strings.ReplaceAll(path, "{"+p.Name+"}", val)
					case p.In == "query" && p.Required:
						q = append(q, p.Name+"="+val)
					}
				}
				if len(q) > 0 {
					path += "?" + strings.Join(q, "&")
				}
				ct, body := "", ""
				if o.Op.RequestBody != nil {
					for c := range o.Op.RequestBody.Content {
						ct = c
					}
					if ct == "application/json" {
						body = "{}"
					}
				}
				code, hdr, resp := apiCall(t, h, o.Method, path, tok, ct, body, en)
				if isFallback(code, resp) {
					t.Errorf("%s: documented but not routed (%s %s answered %d %s)", o, o.Method, path, code, resp)
					continue
				}
				if code >= 500 {
					t.Errorf("%s: server error %d %s", o, code, resp)
					continue
				}
				resDoc, documented := o.Op.Responses[strconv.Itoa(code)]
				if !documented {
					t.Errorf("%s: answered %d, which the document does not list (%v)\n%s", o, code, slices.Sorted(mapKeys(o.Op.Responses)), resp)
					continue
				}
				if code == http.StatusNoContent || code == http.StatusNotModified || len(resp) == 0 {
					continue
				}
				rct := hdr.Get("Content-Type")
				if !strings.HasPrefix(rct, "application/json") {
					continue
				}
				schema := any(map[string]any{"$ref": "#/components/schemas/Error"})
				if code < 300 {
					content, _ := resDoc["content"].(map[string]any)
					media, _ := content["application/json"].(map[string]any)
					if media == nil {
						t.Errorf("%s: answered JSON but documents %v", o, slices.Sorted(mapKeys(content)))
						continue
					}
					schema = media["schema"]
				}
				for _, e := range v.validate(o.String(), schema, decodeNumbers(t, resp)) {
					t.Errorf("%s answered %d: %s", o, code, e)
				}
				if code >= 400 {
					checkTranslated(t, o.String(), resp)
				}
			}
		})
	}
}

// messageKeyRE matches a catalog key such as registry.err.not_member: an
// error message that looks like one was never translated.
var messageKeyRE = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)

// checkTranslated fails when an error answer shows a message key instead of
// text (a key missing from the catalog).
func checkTranslated(t testing.TB, what string, body []byte) {
	t.Helper()
	var e struct {
		Error struct {
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return
	}
	if messageKeyRE.MatchString(e.Error.Message) {
		t.Errorf("%s: error message %q is an untranslated key", what, e.Error.Message)
	}
	for f, m := range e.Error.Fields {
		if messageKeyRE.MatchString(m) {
			t.Errorf("%s: message %q for field %s is an untranslated key", what, m, f)
		}
	}
}

// isFallback tells the router's answer for an unknown route (405, or 404
// with the "page not found" message) from a handler's answer (such as 404
// with "not found" for an unknown id).
func isFallback(code int, body []byte) bool {
	if code == http.StatusMethodNotAllowed {
		return true
	}
	if code != http.StatusNotFound {
		return false
	}
	var e struct {
		Error struct{ Code, Message string }
	}
	if json.Unmarshal(body, &e) != nil || e.Error.Code != ceptor.ENOTFOUND {
		return false
	}
	for _, lang := range i18n.Languages {
		if e.Error.Message == i18n.T(lang, "err.page_not_found") {
			return true
		}
	}
	return false
}

// TestOpenAPINoUndocumentedRoutes reads the web package's source: an /api/
// route may only be registered through handleAPI, which documents it.
func TestOpenAPINoUndocumentedRoutes(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
					return true
				}
				checked++
				pattern, literal := constantString(call.Args[0])
				if fn.Name.Name == "handleAPI" {
					return true // the one documented way
				}
				_, p, _ := strings.Cut(pattern, " ")
				if !strings.Contains(pattern, " ") {
					p = pattern
				}
				if !strings.Contains(pattern, "/api/") {
					return true
				}
				// The API's own fallback (404 and 405 answers) is not a route.
				if fn.Name.Name == "routesAPIMeta" && literal && p == "/api/" {
					return true
				}
				t.Errorf("%s: %s registers %q outside handleAPI, so the OpenAPI document does not know it; use s.handleAPI(apiDoc{...}, handler)",
					fset.Position(call.Pos()), fn.Name.Name, pattern)
				return true
			})
		}
	}
	if checked < 5 {
		t.Fatalf("found only %d route registrations: the scan is broken", checked)
	}
}

// constantString returns the string literals of a pattern expression joined
// (for "GET " + "/api/v1/x" style concatenations) and whether it was wholly
// literal.
func constantString(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			s, err := strconv.Unquote(x.Value)
			return s, err == nil
		}
	case *ast.BinaryExpr:
		a, okA := constantString(x.X)
		b, okB := constantString(x.Y)
		return a + b, okA && okB
	case *ast.ParenExpr:
		return constantString(x.X)
	}
	return "", false
}

// TestOpenAPIErrorShape checks the one error shape on the answers every
// operation shares: no credentials, bad JSON, bad paging, wrong method,
// unknown path.
func TestOpenAPIErrorShape(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	d := fetchDoc(t, h)
	v := &schemaValidator{root: d.raw}
	tok := h.token("admin.nisc@demo.example", nil)
	errRef := map[string]any{"$ref": "#/components/schemas/Error"}

	type apiErr struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	check := func(what string, code int, hdr http.Header, body []byte, wantStatus int, wantCode string) apiErr {
		t.Helper()
		var e apiErr
		if code != wantStatus {
			t.Errorf("%s: status %d, want %d\n%s", what, code, wantStatus, body)
			return e
		}
		if !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Errorf("%s: Content-Type %q", what, hdr.Get("Content-Type"))
			return e
		}
		for _, msg := range v.validate(what, errRef, decodeNumbers(t, body)) {
			t.Error(msg)
		}
		if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != wantCode || e.Error.Message == "" {
			t.Errorf("%s: error %+v (%v), want code %q", what, e.Error, err, wantCode)
		}
		return e
	}

	// Unknown path, and a known path with a method it does not serve.
	code, hdr, body := apiCall(t, h, "GET", "/api/v1/no-such-thing", tok, "", "", nil)
	if e := check("unknown path", code, hdr, body, http.StatusNotFound, ceptor.ENOTFOUND); e.Error.Message != "ページが見つかりません" {
		t.Errorf("unknown path message %q", e.Error.Message)
	}
	code, hdr, body = apiCall(t, h, "POST", "/api/v1/openapi.json?lang=en", tok, "application/json", "{}", nil)
	if e := check("POST openapi.json", code, hdr, body, http.StatusMethodNotAllowed, "method_not_allowed"); e.Error.Message != "Method not allowed" {
		t.Errorf("405 message %q", e.Error.Message)
	}
	if hdr.Get("Allow") != "GET, HEAD" {
		t.Errorf("405 Allow %q", hdr.Get("Allow"))
	}
	// Every documented path: a method it does not serve answers 405 listing
	// exactly the methods the document gives.
	for p, item := range d.Paths {
		var allow []string
		for m := range item {
			allow = append(allow, strings.ToUpper(m))
		}
		var other string
		for _, m := range []string{"DELETE", "PATCH", "PUT", "POST", "GET"} {
			if !slices.Contains(allow, m) {
				other = m
				break
			}
		}
		if other == "" {
			continue
		}
		path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(p, "1")
		code, hdr, body := apiCall(t, h, other, path, tok, "application/json", "{}", nil)
		check(other+" "+p, code, hdr, body, http.StatusMethodNotAllowed, "method_not_allowed")
		if slices.Contains(allow, "GET") {
			allow = append(allow, "HEAD")
		}
		got := strings.Split(hdr.Get("Allow"), ", ")
		if slices.Sort(got); !slices.Equal(got, slices.Sorted(slices.Values(allow))) {
			t.Errorf("%s %s: Allow %q, document has %v", other, p, hdr.Get("Allow"), allow)
		}
	}

	ops := d.operations()

	// No credentials on an operation that needs them: 401 in the caller's
	// language, with the challenge header.
	var authed []operation
	for _, o := range ops {
		if len(o.Op.Security) > 0 && o.Method == "GET" {
			authed = append(authed, o)
		}
	}
	if len(authed) == 0 {
		t.Log("no authenticated GET operation is documented yet; the 401 checks did not run")
	}
	for _, o := range authed {
		path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(o.Path, "1")
		for _, c := range []struct {
			lang, token, msg string
		}{
			{"", "", "ログインしてください"},
			{"en", "", "Please sign in"},
			{"", "cpt_not-a-real-token", "ログインしてください"},
		} {
			hdrs := map[string]string{}
			if c.lang != "" {
				hdrs["Accept-Language"] = c.lang
			}
			code, hdr, body := apiCall(t, h, "GET", path, c.token, "", "", hdrs)
			if e := check(o.String()+" without credentials", code, hdr, body, http.StatusUnauthorized, ceptor.EUNAUTHORIZED); e.Error.Message != c.msg {
				t.Errorf("%s lang %q: message %q, want %q", o, c.lang, e.Error.Message, c.msg)
			}
			if code == http.StatusUnauthorized && !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: WWW-Authenticate %q", o, hdr.Get("WWW-Authenticate"))
			}
		}
	}

	// Bad JSON bodies: malformed, an unknown field, the wrong type. An
	// operation on a collection must say 422; one on an object may first
	// say that the object does not exist or is not the caller's to change.
	for _, o := range ops {
		if o.Op.RequestBody == nil || o.Op.RequestBody.Content["application/json"].Schema == nil {
			continue
		}
		hasPathParams := strings.Contains(o.Path, "{")
		path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(o.Path, "1")
		for _, bad := range []string{`{"name":`, `{"definitely_not_a_field":1}`, `[1,2`, `"text"`} {
			code, hdr, body := apiCall(t, h, o.Method, path, tok, "application/json", bad, nil)
			if hasPathParams && (code == http.StatusNotFound || code == http.StatusForbidden) {
				check(o.String()+" with body "+bad, code, hdr, body, code, map[int]string{404: ceptor.ENOTFOUND, 403: ceptor.EFORBIDDEN}[code])
				continue
			}
			check(o.String()+" with body "+bad, code, hdr, body, http.StatusUnprocessableEntity, ceptor.EINVALID)
		}
	}

	// Paging parameters out of range: 422 naming the parameter.
	for _, o := range ops {
		if o.Method != "GET" || strings.Contains(o.Path, "{") || !slices.ContainsFunc(o.Op.Parameters, func(p oaParam) bool { return p.In == "query" && p.Name == "limit" }) {
			continue
		}
		for _, c := range []struct{ query, field string }{{"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=abc", "limit"}, {"offset=-1", "offset"}} {
			code, hdr, body := apiCall(t, h, "GET", o.Path+"?"+c.query, tok, "", "", nil)
			e := check(o.String()+"?"+c.query, code, hdr, body, http.StatusUnprocessableEntity, ceptor.EINVALID)
			if e.Error.Fields[c.field] == "" {
				t.Errorf("%s?%s: fields %v should name %s", o, c.query, e.Error.Fields, c.field)
			}
		}
	}
}

// TestOpenAPIRequiredOperations: the operations the registry issue asks for
// are documented (and, through TestOpenAPIRoutesAgree, routed).
func TestOpenAPIRequiredOperations(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	d := fetchDoc(t, h)
	for _, p := range []string{"/api/v1/me", "/api/v1/sectors", "/api/v1/ceptors", "/api/v1/organizations", "/api/v1/organizations/{id}"} {
		op, ok := d.Paths[p]["get"]
		if !ok {
			t.Errorf("GET %s is not documented", p)
			continue
		}
		if len(op.Security) == 0 {
			t.Errorf("GET %s: documented as public, but it reads registry data", p)
		}
		if _, ok := op.Responses["200"]; !ok {
			t.Errorf("GET %s: no 200 response", p)
		}
	}
}

// TestAPIMetaIndexAndDocsPage: the index points to the document and the
// reference page lists every operation, in both languages.
func TestAPIMetaIndexAndDocsPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite")
	code, _, body := apiCall(t, h, "GET", "/api/v1/", "", "", "", nil)
	var idx struct{ Name, Version, OpenAPI, Docs string }
	if err := json.Unmarshal(body, &idx); code != http.StatusOK || err != nil || idx.OpenAPI != "/api/v1/openapi.json" || idx.Version != "test" {
		t.Errorf("index: %d %s", code, body)
	}
	d := fetchDoc(t, h)
	for _, c := range []struct{ lang, title string }{{"", "API リファレンス"}, {"en", "API reference"}} {
		code, hdr, body := apiCall(t, h, "GET", "/api/v1/docs", "", "", "", map[string]string{"Accept-Language": c.lang})
		page := string(body)
		if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(page, c.title) {
			t.Errorf("docs page (%q): %d %s", c.lang, code, hdr.Get("Content-Type"))
			continue
		}
		for _, o := range d.operations() {
			if !strings.Contains(page, `id="`+o.Op.OperationID+`"`) || !strings.Contains(page, "<code>"+o.Path+"</code>") {
				t.Errorf("docs page (%q) does not list %s", c.lang, o)
			}
		}
	}
	// Signed in, the page sits in the application's frame.
	c := h.login("analyst.operator@demo.example")
	if code, body := c.get("/api/v1/docs"); code != http.StatusOK || !strings.Contains(body, "/account/tokens") {
		t.Errorf("docs page signed in: %d", code)
	}
}
