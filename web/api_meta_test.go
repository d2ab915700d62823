package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"
	"time"

	"ceptor"
)

// JSONSchemaForTest exposes the schema generator to the external tests: the
// schema of v's type and the components it references.
func JSONSchemaForTest(v any) []byte {
	g := newSchemaGen()
	root := g.schemaOfValue(v)
	b, err := json.Marshal(map[string]any{"schema": root, "components": map[string]any{"schemas": g.schemas}})
	if err != nil {
		panic(err)
	}
	return b
}

type schemaPair[A, B any] struct {
	A A `json:"a"`
	B B `json:"b"`
}

func TestAPIMetaComponentNames(t *testing.T) {
	t.Parallel()
	// A type of this package that shares its name with a domain type.
	type Organization struct {
		Local bool `json:"local"`
	}
	tests := []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"generic list of pointers", reflect.TypeFor[ListResponse[*ceptor.Organization]](), "ListResponse_Organization"},
		{"generic list of values", reflect.TypeFor[ListResponse[ceptor.Sector]](), "ListResponse_Sector"},
		{"plain domain type", reflect.TypeFor[ceptor.Organization](), "Organization"},
		{"same name, other package", reflect.TypeFor[Organization](), "web_Organization"},
		{"two type arguments", reflect.TypeFor[schemaPair[string, []int64]](), "SchemaPair_String_List_Int64"},
		{"unexported name is capitalised", reflect.TypeFor[apiIndex](), "ApiIndex"},
	}
	g := newSchemaGen()
	for _, tt := range tests {
		ref := g.schemaOf(tt.typ).Ref
		if ref != "#/components/schemas/"+tt.want {
			t.Errorf("%s: %s is %q, want %q", tt.name, tt.typ, ref, tt.want)
		}
	}
	// The same type always gets the same component.
	if again := g.schemaOf(reflect.TypeFor[ceptor.Organization]()).Ref; again != "#/components/schemas/Organization" {
		t.Errorf("second reference to Organization: %q", again)
	}
}

func TestAPIMetaPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, pattern string
		path            string
		params          []string
		opID            string
	}{
		{"GET", "/api/v1/{$}", "/api/v1/", nil, "getIndex"},
		{"GET", "/api/v1/openapi.json", "/api/v1/openapi.json", nil, "getOpenapiJson"},
		{"GET", "/api/v1/organizations/{id}", "/api/v1/organizations/{id}", []string{"id"}, "getOrganizationsById"},
		{"DELETE", "/api/v1/orgs/{org_id}/contacts/{contactID}", "/api/v1/orgs/{org_id}/contacts/{contactID}", []string{"org_id", "contactID"}, "deleteOrgsByOrgIdContactsByContactID"},
		{"GET", "/api/v1/files/{name...}", "/api/v1/files/{name}", []string{"name"}, "getFilesByName"},
		{"POST", "/api/v1/account/api-tokens", "/api/v1/account/api-tokens", nil, "postAccountApiTokens"},
	}
	for _, tt := range tests {
		p := openAPIPath(tt.pattern)
		if p != tt.path {
			t.Errorf("openAPIPath(%q) = %q, want %q", tt.pattern, p, tt.path)
		}
		if got := pathParams(p); !slices.Equal(got, tt.params) {
			t.Errorf("pathParams(%q) = %q, want %q", p, got, tt.params)
		}
		if got := operationID(tt.method, p); got != tt.opID {
			t.Errorf("operationID(%s %s) = %q, want %q", tt.method, p, got, tt.opID)
		}
	}
	for name, want := range map[string]bool{"id": true, "org_id": true, "contactID": true, "tokenId": true, "code": false, "uuid": false, "name": false} {
		if isIDName(name) != want {
			t.Errorf("isIDName(%q) = %v", name, !want)
		}
	}
	seen := map[string]bool{}
	if a, b := uniqueID("getX", seen), uniqueID("getX", seen); a != "getX" || b != "getX2" {
		t.Errorf("uniqueID: %q, %q", a, b)
	}
}

// fuzzBody is a representative request body: every kind of field the API's
// bodies use.
type fuzzBody struct {
	Name     string            `json:"name"`
	Count    int               `json:"count"`
	Ratio    float64           `json:"ratio,omitempty"`
	Active   *bool             `json:"active"`
	Tags     []string          `json:"tags"`
	IDs      []int64           `json:"ids"`
	Meta     map[string]string `json:"meta"`
	At       time.Time         `json:"at"`
	Deadline *time.Time        `json:"deadline"`
	Kind     ceptor.OrgType    `json:"kind"`
	Inner    struct {
		ID int64 `json:"id"`
	} `json:"inner"`
	Any any `json:"any"`
}

// FuzzDecodeJSON: whatever a client sends, decodeJSON never panics and every
// refusal is an EINVALID *ceptor.Error, which the API answers with 422.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `1`, `"x"`, `{"name":"銀行","count":3,"tags":["a"],"meta":{"k":"v"}}`,
		`{"name":`, `{"unknown":1}`, `{"count":"three"}`, `{"count":1e400}`, `{"at":"2026-01-02T03:04:05+09:00"}`,
		`{"at":"yesterday"}`, `{"ids":[1,2,-3]}`, `{"inner":{"id":"1"}}`, `{"active":null,"deadline":null}`,
		`{"any":{"deep":[[[[{}]]]]}}`, `{} trailing`, "\xff\xfe", `{"name":"\ud800"}`, `{"kind":"operator"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, target := range []any{&fuzzBody{}, &ceptor.Organization{}, &map[string]any{}} {
			r := httptest.NewRequest("POST", "/api/v1/x", bytes.NewReader(data))
			err := decodeJSON(r, target)
			if err == nil {
				if _, err := json.Marshal(target); err != nil {
					t.Fatalf("decoded %q into %T but cannot encode it again: %v", data, target, err)
				}
				continue
			}
			e, ok := err.(*ceptor.Error)
			if !ok {
				t.Fatalf("decode %q into %T: error %T (%v), want *ceptor.Error", data, target, err, err)
			}
			if e.Code != ceptor.EINVALID {
				t.Fatalf("decode %q into %T: code %q, want invalid", data, target, e.Code)
			}
			if e.Key == "" {
				t.Fatalf("decode %q into %T: no message key", data, target)
			}
			var ce *ceptor.Error
			if !errors.As(err, &ce) || ceptor.ErrorCode(err) != ceptor.EINVALID {
				t.Fatalf("decode %q: ErrorCode = %q", data, ceptor.ErrorCode(err))
			}
		}
	})
}
