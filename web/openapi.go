package web

import (
	"bytes"
	"encoding"
	"encoding/json"
	"net/http"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"ceptor"
)

// This file turns the apiDoc of every registered route into an OpenAPI 3.1
// document. Request and response schemas come from the Go types themselves
// (by reflection, following encoding/json's rules), so that the document
// describes what the handlers really read and write.

// openAPI is the root of an OpenAPI 3.1 document.
type openAPI struct {
	OpenAPI    string                                  `json:"openapi"`
	Info       openAPIInfo                             `json:"info"`
	Servers    []openAPIServer                         `json:"servers"`
	Tags       []openAPITag                            `json:"tags"`
	Paths      map[string]map[string]*openAPIOperation `json:"paths"`
	Components openAPIComponents                       `json:"components"`
}

type openAPIInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

type openAPIServer struct {
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
}

type openAPITag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

type openAPIOperation struct {
	OperationID string                `json:"operationId"`
	Summary     string                `json:"summary"`
	Description string                `json:"description,omitempty"`
	Tags        []string              `json:"tags"`
	Parameters  []openAPIParameter    `json:"parameters,omitempty"`
	RequestBody *openAPIRequestBody   `json:"requestBody,omitempty"`
	Responses   map[string]any        `json:"responses"`
	Security    []map[string][]string `json:"security"` // [] marks a public operation
	Scope       string                `json:"x-required-scope,omitempty"`
}

type openAPIParameter struct {
	Name        string      `json:"name"`
	In          string      `json:"in"`
	Description string      `json:"description,omitempty"`
	Required    bool        `json:"required"`
	Schema      *jsonSchema `json:"schema"`
}

type openAPIRequestBody struct {
	Required bool                    `json:"required"`
	Content  map[string]openAPIMedia `json:"content"`
}

type openAPIMedia struct {
	Schema *jsonSchema `json:"schema"`
}

type openAPIResponse struct {
	Description string                  `json:"description"`
	Headers     map[string]any          `json:"headers,omitempty"`
	Content     map[string]openAPIMedia `json:"content,omitempty"`
}

type openAPIRef struct {
	Ref string `json:"$ref"`
}

type openAPIComponents struct {
	Schemas         map[string]*jsonSchema           `json:"schemas"`
	Responses       map[string]*openAPIResponse      `json:"responses"`
	SecuritySchemes map[string]openAPISecurityScheme `json:"securitySchemes"`
}

type openAPISecurityScheme struct {
	Type        string `json:"type"`
	Scheme      string `json:"scheme,omitempty"`
	In          string `json:"in,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description"`
}

// jsonSchema is the subset of JSON Schema 2020-12 that the generator writes.
// Type is a string, or a list of strings for nullable values.
type jsonSchema struct {
	Ref                  string        `json:"$ref,omitempty"`
	Type                 any           `json:"type,omitempty"`
	Format               string        `json:"format,omitempty"`
	Description          string        `json:"description,omitempty"`
	Enum                 []string      `json:"enum,omitempty"`
	Items                *jsonSchema   `json:"items,omitempty"`
	MinItems             *int          `json:"minItems,omitempty"`
	MaxItems             *int          `json:"maxItems,omitempty"`
	Minimum              *int          `json:"minimum,omitempty"`
	Properties           *schemaProps  `json:"properties,omitempty"`
	Required             []string      `json:"required,omitempty"`
	AdditionalProperties any           `json:"additionalProperties,omitempty"` // *jsonSchema or false
	AnyOf                []*jsonSchema `json:"anyOf,omitempty"`
	ContentEncoding      string        `json:"contentEncoding,omitempty"`
	ContentMediaType     string        `json:"contentMediaType,omitempty"`
}

// schemaProps keeps properties in the order of the struct fields, which is
// the order a reader expects and the order the handlers write them in.
type schemaProps struct {
	names []string
	m     map[string]*jsonSchema
}

func (p *schemaProps) add(name string, s *jsonSchema) {
	if p.m == nil {
		p.m = map[string]*jsonSchema{}
	}
	p.names = append(p.names, name)
	p.m[name] = s
}

// MarshalJSON writes the properties as an object in field order.
func (p *schemaProps) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, n := range p.names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(n)
		v, err := json.Marshal(p.m[n])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// schemaGen builds JSON Schemas from Go types. Named struct types become
// components/schemas entries referenced with $ref, which also stops the
// recursion of self-referencing types.
type schemaGen struct {
	schemas map[string]*jsonSchema
	names   map[reflect.Type]string
	taken   map[string]reflect.Type
}

func newSchemaGen() *schemaGen {
	return &schemaGen{schemas: map[string]*jsonSchema{}, names: map[reflect.Type]string{}, taken: map[string]reflect.Type{}}
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// schemaOfValue returns the schema of a zero value's type.
func (g *schemaGen) schemaOfValue(v any) *jsonSchema {
	if v == nil {
		return &jsonSchema{}
	}
	return g.schemaOf(reflect.TypeOf(v))
}

// schemaOf returns the schema of t as encoding/json writes it.
func (g *schemaGen) schemaOf(t reflect.Type) *jsonSchema {
	switch t {
	case timeType:
		return &jsonSchema{Type: "string", Format: "date-time"}
	case rawMessageType:
		return &jsonSchema{}
	}
	if t.Kind() == reflect.Pointer {
		return nullable(g.schemaOf(t.Elem()))
	}
	if implements(t, jsonMarshalerType) {
		return &jsonSchema{} // custom encoding: nothing reliable to say
	}
	if implements(t, textMarshalerType) {
		return &jsonSchema{Type: "string"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return &jsonSchema{Type: "boolean"}
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return &jsonSchema{Type: "integer", Format: "int32"}
	case reflect.Int, reflect.Int64:
		return &jsonSchema{Type: "integer", Format: "int64"}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return &jsonSchema{Type: "integer", Format: "int32", Minimum: new(0)}
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return &jsonSchema{Type: "integer", Format: "int64", Minimum: new(0)}
	case reflect.Float32:
		return &jsonSchema{Type: "number", Format: "float"}
	case reflect.Float64:
		return &jsonSchema{Type: "number", Format: "double"}
	case reflect.String:
		return &jsonSchema{Type: "string"}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !implements(t.Elem(), jsonMarshalerType) && !implements(t.Elem(), textMarshalerType) {
			return &jsonSchema{Type: "string", ContentEncoding: "base64"}
		}
		return &jsonSchema{Type: "array", Items: g.schemaOf(t.Elem())}
	case reflect.Array:
		n := t.Len()
		return &jsonSchema{Type: "array", Items: g.schemaOf(t.Elem()), MinItems: &n, MaxItems: &n}
	case reflect.Map:
		return &jsonSchema{Type: "object", AdditionalProperties: g.schemaOf(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.structSchema(t)
		}
		return g.ref(t)
	}
	// Interfaces hold anything; channels and functions cannot be encoded.
	return &jsonSchema{}
}

func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(iface))
}

// nullable widens s to also accept null.
func nullable(s *jsonSchema) *jsonSchema {
	switch typ := s.Type.(type) {
	case string:
		s.Type = []string{typ, "null"}
		return s
	case []string:
		if !slices.Contains(typ, "null") {
			s.Type = append(typ, "null")
		}
		return s
	}
	if s.Ref != "" {
		return &jsonSchema{AnyOf: []*jsonSchema{s, {Type: "null"}}}
	}
	if len(s.AnyOf) > 0 {
		for _, a := range s.AnyOf {
			if a.Type == "null" {
				return s
			}
		}
		s.AnyOf = append(s.AnyOf, &jsonSchema{Type: "null"})
	}
	return s // the empty schema already allows null
}

// ref returns a reference to the component of a named struct type, building
// the component the first time.
func (g *schemaGen) ref(t reflect.Type) *jsonSchema {
	name, ok := g.names[t]
	if !ok {
		name = g.componentName(t)
		g.names[t] = name
		g.taken[name] = t
		g.schemas[name] = &jsonSchema{} // placeholder while recursing
		g.schemas[name] = g.structSchema(t)
	}
	return &jsonSchema{Ref: "#/components/schemas/" + name}
}

var (
	pkgQualifier = regexp.MustCompile(`(?:[\w.\-]+/)*[\w\-]+\.`)
	notNameChar  = regexp.MustCompile(`[^A-Za-z0-9_]+`)
)

// componentName gives a type a component name that OpenAPI accepts:
// ListResponse[*ceptor.Organization] becomes ListResponse_Organization. A
// name already used by another type is qualified by its package.
func (g *schemaGen) componentName(t reflect.Type) string {
	name := pkgQualifier.ReplaceAllString(t.Name(), "")
	name = strings.NewReplacer("*", "", "[]", "List_", "map[", "Map_").Replace(name)
	parts := strings.FieldsFunc(notNameChar.ReplaceAllString(name, "_"), func(r rune) bool { return r == '_' })
	for i, p := range parts {
		r := []rune(p)
		r[0] = unicode.ToUpper(r[0])
		parts[i] = string(r)
	}
	name = strings.Join(parts, "_")
	if name == "" {
		name = "Object"
	}
	if _, used := g.taken[name]; used {
		name = path.Base(t.PkgPath()) + "_" + name
	}
	base := name
	for i := 2; ; i++ {
		if _, used := g.taken[name]; !used {
			return name
		}
		name = base + strconv.Itoa(i)
	}
}

// structSchema lists a struct's JSON fields as properties; fields without
// omitempty or omitzero are always written, so they are required.
func (g *schemaGen) structSchema(t reflect.Type) *jsonSchema {
	s := &jsonSchema{Type: "object", Properties: &schemaProps{}}
	for _, f := range jsonFields(t) {
		ps := g.schemaOf(f.typ)
		if f.quoted {
			ps = &jsonSchema{Type: "string", Description: typeLabel(ps) + " written as a JSON string"}
		}
		s.Properties.add(f.name, ps)
		if !f.optional {
			s.Required = append(s.Required, f.name)
		}
	}
	return s
}

func typeLabel(s *jsonSchema) string {
	if t, ok := s.Type.(string); ok {
		return t
	}
	return "value"
}

// jsonField is one field as encoding/json sees it.
type jsonField struct {
	name     string
	typ      reflect.Type
	optional bool // omitempty or omitzero
	quoted   bool // the ",string" option
	tagged   bool
	depth    int
}

// jsonFields follows encoding/json: "-" is skipped, unexported fields are
// skipped, untagged embedded structs are flattened, and when names clash the
// shallowest field wins (a tagged one over an untagged one at the same depth;
// otherwise the clash hides them all).
//
// Slices and maps are documented as arrays and objects, not as nullable,
// although encoding/json writes a nil one as null: the API promises arrays
// (storage returns empty slices, newList replaces nil items), and
// TestOpenAPIRoutesAgree holds real answers to that promise.
func jsonFields(t reflect.Type) []jsonField {
	var all []jsonField
	// optional: reached through an embedded pointer, which encoding/json
	// skips entirely when it is nil.
	var walk func(t reflect.Type, depth int, optional bool, seen map[reflect.Type]bool)
	walk = func(t reflect.Type, depth int, optional bool, seen map[reflect.Type]bool) {
		if seen[t] {
			return
		}
		seen[t] = true
		defer delete(seen, t)
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if sf.Anonymous {
				ft, ptr := sf.Type, sf.Type.Kind() == reflect.Pointer
				if ptr {
					ft = ft.Elem()
				}
				if name == "" && ft.Kind() == reflect.Struct {
					walk(ft, depth+1, optional || ptr, seen)
					continue
				}
				if !sf.IsExported() && ft.Kind() != reflect.Struct {
					continue // a tagged embedded struct is written even when unexported
				}
			} else if !sf.IsExported() {
				continue
			}
			if sf.Type.Kind() == reflect.Func || sf.Type.Kind() == reflect.Chan {
				continue
			}
			f := jsonField{name: name, typ: sf.Type, tagged: name != "", depth: depth, optional: optional}
			if f.name == "" {
				f.name = sf.Name
			}
			for o := range strings.SplitSeq(opts, ",") {
				switch o {
				case "omitempty", "omitzero":
					f.optional = true
				case "string":
					switch deref(sf.Type).Kind() {
					case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
						reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64, reflect.String:
						f.quoted = true
					}
				}
			}
			all = append(all, f)
		}
	}
	walk(t, 0, false, map[reflect.Type]bool{})

	var out []jsonField
	for i, f := range all {
		if slices.IndexFunc(all[:i], func(o jsonField) bool { return o.name == f.name }) >= 0 {
			continue // decided at its first occurrence
		}
		var rivals []jsonField
		for _, o := range all {
			if o.name == f.name {
				rivals = append(rivals, o)
			}
		}
		if w, ok := dominant(rivals); ok {
			out = append(out, w)
		}
	}
	return out
}

func dominant(fs []jsonField) (jsonField, bool) {
	minDepth := fs[0].depth
	for _, f := range fs {
		minDepth = min(minDepth, f.depth)
	}
	var top []jsonField
	for _, f := range fs {
		if f.depth == minDepth {
			top = append(top, f)
		}
	}
	if len(top) == 1 {
		return top[0], true
	}
	var tagged []jsonField
	for _, f := range top {
		if f.tagged {
			tagged = append(tagged, f)
		}
	}
	if len(tagged) == 1 {
		return tagged[0], true
	}
	return jsonField{}, false
}

func deref(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

// apiErrorCodes are the values of error.code; the first nine are the domain
// codes, the last is written by the /api/ fallback for a known path asked
// with the wrong method.
var apiErrorCodes = []string{
	ceptor.EINVALID, ceptor.EUNAUTHORIZED, ceptor.EFORBIDDEN, ceptor.ENOTFOUND, ceptor.ECONFLICT,
	ceptor.ETOOMANY, ceptor.ENOTIMPL, ceptor.EUNAVAILABLE, ceptor.EINTERNAL, codeMethodNotAllowed,
}

// errorSchemas is the one error shape of the API (apiErrorBody). It is
// written by hand to carry descriptions; a test checks real error answers
// against it, and additionalProperties:false makes any drift fail there.
func errorSchemas() map[string]*jsonSchema {
	detail := &schemaProps{}
	detail.add("code", &jsonSchema{Type: "string", Enum: apiErrorCodes,
		Description: "Machine-readable reason; stable across languages and releases."})
	detail.add("message", &jsonSchema{Type: "string",
		Description: "Human-readable explanation in the caller's language: ?lang=, else the user's preference, else Accept-Language; Japanese by default."})
	detail.add("fields", &jsonSchema{Type: "object", AdditionalProperties: &jsonSchema{Type: "string"},
		Description: "For code invalid: the problem with each field or query parameter, keyed by its name."})
	body := &schemaProps{}
	body.add("error", &jsonSchema{Ref: "#/components/schemas/ErrorDetail"})
	return map[string]*jsonSchema{
		"Error": {Type: "object", Properties: body, Required: []string{"error"}, AdditionalProperties: false,
			Description: "Every error answer of the API has this shape. / API のエラー応答はすべてこの形式です。"},
		"ErrorDetail": {Type: "object", Properties: detail, Required: []string{"code", "message"}, AdditionalProperties: false},
	}
}

// tagDescriptions describes the tags we know of; other tags are listed by
// name only.
var tagDescriptions = map[string]string{
	"meta":          "The API itself: this document and the index. / API 自体の情報 (この文書と索引)",
	"registry":      "Sectors, CEPTORs, organisations and their contacts. / 重要インフラ分野・セプター・組織と連絡先",
	"account":       "The caller's own account and API tokens. / 利用者自身のアカウントと API トークン",
	"admin":         "Users and the audit log, for administrators and auditors. / 利用者の管理と監査ログ (管理者・監査担当者向け)",
	"notifications": "The caller's in-app notifications and e-mail preferences. / 通知と通知設定",
	"reports":       "Upward reports (情報連絡): routes, relay, anonymity, follow-ups. / 情報連絡（報告）",
	"incidents":     "Incidents, severity evaluation and large-scale mode. / インシデント・深刻度評価・大規模障害対応",
	"stats":         "Programme statistics by fiscal year. / 年度別の統計",
}

const openAPIDescription = `The JSON API of ceptor, the platform of the critical-infrastructure protection programme.

Authenticate with an API token in the Authorization header (Bearer). Tokens are created on the page
/account/tokens or with ` + "`ceptor token create`" + `, and carry scopes (read, write, admin). What a caller may
see and change is decided by the same policy as in the web UI; objects the caller may not see answer 404.

Lists are paginated with limit (1-500, default 50) and offset, and answer {items, total, limit, offset, next}.
Errors always answer {"error": {"code", "message", "fields"}}. Messages are in the language the token's user
prefers; ?lang=en or ?lang=ja chooses for one request, and without either Accept-Language decides (Japanese by default).

---

重要インフラ防護の情報共有基盤 ceptor の JSON API です。

Authorization ヘッダーに API トークンを Bearer 形式で指定してください。トークンは /account/tokens の画面、
または ` + "`ceptor token create`" + ` コマンドで発行でき、スコープ (read, write, admin) を持ちます。閲覧・変更できる範囲は
Web 画面と同じポリシーで判定され、閲覧権限のない対象は 404 を返します。

一覧は limit (1〜500、既定 50) と offset でページングし、{items, total, limit, offset, next} を返します。
エラーは常に {"error": {"code", "message", "fields"}} の形式です。メッセージは利用者の設定言語で返します。
?lang=en または ?lang=ja で要求ごとに指定でき、どちらもなければ Accept-Language で決まります (既定は日本語)。`

// openAPIDocument builds the document from the documentation of every
// registered API route.
func (s *Server) openAPIDocument() *openAPI {
	g := newSchemaGen()
	doc := &openAPI{
		OpenAPI: "3.1.0",
		Info:    openAPIInfo{Title: "ceptor API", Version: orDefault(s.cfg.Version, "dev"), Description: openAPIDescription},
		Servers: []openAPIServer{{URL: "/", Description: "this ceptor server / この ceptor サーバー"}},
		Tags:    []openAPITag{},
		Paths:   map[string]map[string]*openAPIOperation{},
		Components: openAPIComponents{
			Schemas:         errorSchemas(),
			Responses:       map[string]*openAPIResponse{},
			SecuritySchemes: securitySchemes(),
		},
	}
	for name := range doc.Components.Schemas {
		g.taken[name] = nil // reserve the hand-written names
	}
	seenTag := map[string]bool{}
	opIDs := map[string]bool{}
	for _, d := range s.apiDocs {
		p := openAPIPath(d.Path)
		op := s.openAPIOperation(g, doc, d)
		op.OperationID = uniqueID(operationID(d.Method, p), opIDs)
		if doc.Paths[p] == nil {
			doc.Paths[p] = map[string]*openAPIOperation{}
		}
		doc.Paths[p][strings.ToLower(d.Method)] = op
		if !seenTag[op.Tags[0]] {
			seenTag[op.Tags[0]] = true
			doc.Tags = append(doc.Tags, openAPITag{Name: op.Tags[0], Description: tagDescriptions[op.Tags[0]]})
		}
	}
	for name, sch := range g.schemas {
		doc.Components.Schemas[name] = sch
	}
	return doc
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func securitySchemes() map[string]openAPISecurityScheme {
	return map[string]openAPISecurityScheme{
		"bearerAuth": {Type: "http", Scheme: "bearer", Description: "An API token (it starts with \"cpt\"), created on the page /account/tokens or with `ceptor token create`. " +
			"The token's scopes (read, write, admin) limit what it may do; the operation's x-required-scope names the scope it needs. " +
			"/ API トークン (/account/tokens の画面または `ceptor token create` で発行)。操作に必要なスコープは x-required-scope に示します。"},
		"basicAuth": {Type: "http", Scheme: "basic", Description: "For clients that only speak HTTP Basic (TAXII 2.1): any user name, and the API token as the password. " +
			"/ HTTP Basic のみ対応するクライアント (TAXII 2.1) 向け: ユーザー名は任意、パスワードに API トークンを指定します。"},
		"cookieAuth": {Type: "apiKey", In: "cookie", Name: sessionCookie, Description: "The session of a signed-in browser. Unsafe methods also need the header X-CSRF-Token with the session's CSRF token. " +
			"/ Web 画面にログインしたブラウザのセッション。POST などの変更系の要求には X-CSRF-Token ヘッダーも必要です。"},
	}
}

// openAPIOperation documents one route.
func (s *Server) openAPIOperation(g *schemaGen, doc *openAPI, d apiDoc) *openAPIOperation {
	tag := orDefault(d.Tag, "other")
	op := &openAPIOperation{Summary: d.Summary, Description: d.Description, Tags: []string{tag}, Responses: map[string]any{}}
	authenticated := d.authenticated()
	if authenticated {
		roles := []string{}
		if d.Scope != "" {
			roles = []string{d.Scope}
			op.Scope = d.Scope
			op.Description = strings.TrimSpace(op.Description + "\n\nRequired token scope / 必要なスコープ: `" + d.Scope + "`")
		}
		op.Security = []map[string][]string{{"bearerAuth": roles}, {"basicAuth": roles}, {"cookieAuth": {}}}
	} else {
		op.Security = []map[string][]string{}
	}

	p := openAPIPath(d.Path)
	for _, name := range pathParams(p) {
		sch := &jsonSchema{Type: "string"}
		if isIDName(name) {
			sch = &jsonSchema{Type: "integer", Format: "int64", Minimum: new(1)}
		}
		op.Parameters = append(op.Parameters, openAPIParameter{Name: name, In: "path", Required: true, Schema: sch})
	}
	for _, q := range d.Query {
		sch := &jsonSchema{Type: orDefault(q.Type, "string"), Enum: q.Enum}
		if q.Type == "integer" {
			sch.Format = "int64"
		}
		op.Parameters = append(op.Parameters, openAPIParameter{Name: q.Name, In: "query", Description: q.Description, Required: q.Required, Schema: sch})
	}

	jsonBody := false
	if d.Body != nil {
		ct := orDefault(d.BodyContent, "application/json")
		jsonBody = isJSONContent(ct)
		op.RequestBody = &openAPIRequestBody{Required: true, Content: map[string]openAPIMedia{ct: {Schema: contentSchema(g, ct, d.Body)}}}
	}

	// The success answer.
	status := d.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := &openAPIResponse{Description: http.StatusText(status)}
	if d.Response != nil {
		ct := orDefault(d.ResponseContent, "application/json")
		ok.Content = map[string]openAPIMedia{ct: {Schema: contentSchema(g, ct, d.Response)}}
	}
	op.Responses[strconv.Itoa(status)] = ok

	// Error answers: the declared ones and those every operation of its kind
	// can give (no credentials, bad input, an unknown id).
	errs := slices.Clone(d.Errors)
	if authenticated {
		errs = append(errs, http.StatusUnauthorized)
	}
	if d.Scope != "" {
		errs = append(errs, http.StatusForbidden)
	}
	if jsonBody || len(d.Query) > 0 {
		errs = append(errs, http.StatusUnprocessableEntity)
	}
	if len(pathParams(p)) > 0 {
		errs = append(errs, http.StatusNotFound)
	}
	slices.Sort(errs)
	for _, code := range slices.Compact(errs) {
		name := errorResponseName(code)
		if _, ok := doc.Components.Responses[name]; !ok {
			doc.Components.Responses[name] = errorResponse(code)
		}
		op.Responses[strconv.Itoa(code)] = openAPIRef{Ref: "#/components/responses/" + name}
	}
	if _, ok := doc.Components.Responses["UnexpectedError"]; !ok {
		doc.Components.Responses["UnexpectedError"] = &openAPIResponse{
			Description: "Any other error, such as 500 internal or 503 unavailable (database unreachable).",
			Content:     map[string]openAPIMedia{"application/json": {Schema: &jsonSchema{Ref: "#/components/schemas/Error"}}},
		}
	}
	op.Responses["default"] = openAPIRef{Ref: "#/components/responses/UnexpectedError"}
	return op
}

func isJSONContent(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	return ct == "application/json" || strings.HasSuffix(ct, "+json")
}

// contentSchema describes a body of content type ct holding values like v.
func contentSchema(g *schemaGen, ct string, v any) *jsonSchema {
	base, _, _ := strings.Cut(ct, ";")
	switch {
	case isJSONContent(ct), base == "multipart/form-data", base == "application/x-www-form-urlencoded":
		return g.schemaOfValue(v)
	case strings.HasPrefix(base, "text/"):
		return &jsonSchema{Type: "string"}
	}
	return &jsonSchema{Type: "string", ContentMediaType: base}
}

func errorResponseName(code int) string {
	return strings.ReplaceAll(strings.ReplaceAll(http.StatusText(code), " ", ""), "-", "")
}

var errorHints = map[int]string{
	http.StatusBadRequest:          "The request is malformed.",
	http.StatusUnauthorized:        "No credentials, or the token is unknown, expired or revoked (code unauthorized).",
	http.StatusForbidden:           "The policy does not allow this, or the token's scopes are too narrow (code forbidden).",
	http.StatusNotFound:            "No such object, or the caller may not see it (code not_found).",
	http.StatusConflict:            "The change clashes with existing data (code conflict).",
	http.StatusUnprocessableEntity: "The input is not valid: malformed JSON, an unknown field, or a wrong value; fields says where (code invalid).",
	http.StatusTooManyRequests:     "Too many requests; wait and retry (code too_many).",
	http.StatusNotImplemented:      "The feature is not configured on this server (code not_impl).",
}

func errorResponse(code int) *openAPIResponse {
	desc := errorHints[code]
	if desc == "" {
		desc = http.StatusText(code)
	}
	r := &openAPIResponse{Description: desc, Content: map[string]openAPIMedia{"application/json": {Schema: &jsonSchema{Ref: "#/components/schemas/Error"}}}}
	if code == http.StatusUnauthorized {
		r.Headers = map[string]any{"WWW-Authenticate": map[string]any{"schema": map[string]string{"type": "string"}, "description": `Bearer realm="ceptor"`}}
	}
	return r
}

var pathParamRE = regexp.MustCompile(`\{([^}]+)\}`)

// openAPIPath turns a ServeMux pattern path into an OpenAPI path: a final
// {$} goes, and a wildcard {name...} becomes {name}.
func openAPIPath(p string) string {
	p = strings.TrimSuffix(p, "{$}")
	return pathParamRE.ReplaceAllStringFunc(p, func(m string) string { return strings.Replace(m, "...", "", 1) })
}

func pathParams(p string) []string {
	var out []string
	for _, m := range pathParamRE.FindAllStringSubmatch(p, -1) {
		out = append(out, m[1])
	}
	return out
}

// isIDName reports whether a path parameter names a numeric identifier (id,
// org_id, tokenID ...).
func isIDName(name string) bool {
	l := strings.ToLower(name)
	return strings.HasSuffix(l, "id") && !strings.HasSuffix(l, "uuid")
}

// operationID derives a stable identifier from the method and path:
// GET /api/v1/organizations/{id}/contacts is getOrganizationsByIdContacts.
func operationID(method, p string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	rest := strings.TrimPrefix(p, "/api/v1")
	n := 0
	for seg := range strings.SplitSeq(rest, "/") {
		if seg == "" {
			continue
		}
		n++
		if strings.HasPrefix(seg, "{") {
			b.WriteString("By")
			seg = strings.Trim(seg, "{}")
		}
		for w := range strings.FieldsFuncSeq(seg, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			r := []rune(w)
			r[0] = unicode.ToUpper(r[0])
			b.WriteString(string(r))
		}
	}
	if n == 0 {
		b.WriteString("Index")
	}
	return b.String()
}

func uniqueID(id string, seen map[string]bool) string {
	out := id
	for i := 2; seen[out]; i++ {
		out = id + strconv.Itoa(i)
	}
	seen[out] = true
	return out
}
