package stix

import "encoding/json"

// Object is one STIX object ceptor produces.
type Object interface {
	// Ident returns the object's id, type and version (modified, or created
	// for objects that are never modified, or "" for observables).
	Ident() (id, typ, version string)
}

// Core holds the properties every domain and relationship object has.
type Core struct {
	Type               string              `json:"type"`
	SpecVersion        string              `json:"spec_version"`
	ID                 string              `json:"id"`
	CreatedByRef       string              `json:"created_by_ref,omitempty"`
	Created            string              `json:"created"`
	Modified           string              `json:"modified"`
	Revoked            bool                `json:"revoked,omitempty"`
	Labels             []string            `json:"labels,omitempty"`
	Confidence         *int                `json:"confidence,omitempty"`
	Lang               string              `json:"lang,omitempty"`
	ExternalReferences []ExternalReference `json:"external_references,omitempty"`
	ObjectMarkingRefs  []string            `json:"object_marking_refs,omitempty"`
}

// Ident implements Object.
func (c *Core) Ident() (string, string, string) { return c.ID, c.Type, c.Modified }

// ExternalReference points outside STIX (here: back to ceptor).
type ExternalReference struct {
	SourceName  string `json:"source_name"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	ExternalID  string `json:"external_id,omitempty"`
}

// Identity is an organisation (or a CEPTOR, which anonymous reports name
// as their creator).
type Identity struct {
	Core
	Name          string   `json:"name"`
	Description   string   `json:"description,omitempty"`
	IdentityClass string   `json:"identity_class,omitempty"`
	Sectors       []string `json:"sectors,omitempty"`
	// Ceptor-specific: the organisation type in the programme.
	XCeptorOrgType string `json:"x_ceptor_org_type,omitempty"`
}

// Report is a STIX report: ceptor's report (情報連絡) as a container of the
// observed data, indicators and observables it carries.
type Report struct {
	Core
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	ReportTypes []string `json:"report_types,omitempty"`
	Published   string   `json:"published"`
	ObjectRefs  []string `json:"object_refs"`

	XCeptorEventClass     string   `json:"x_ceptor_event_class,omitempty"`
	XCeptorCauses         []string `json:"x_ceptor_causes,omitempty"`
	XCeptorCriticalOutage bool     `json:"x_ceptor_critical_outage,omitempty"`
	XCeptorSector         string   `json:"x_ceptor_sector,omitempty"`
	XCeptorDrill          bool     `json:"x_ceptor_drill,omitempty"`
	XCeptorVersion        int      `json:"x_ceptor_version,omitempty"`
	// Advisories (情報提供): their category and urgency.
	XCeptorAdvisoryCategory string `json:"x_ceptor_advisory_category,omitempty"`
	XCeptorUrgency          string `json:"x_ceptor_urgency,omitempty"`
}

// IncidentExtensionID is the extension definition of the STIX Incident
// Core Extension (OASIS CTI TC, incident-core).
const IncidentExtensionID = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"

// IncidentCore holds the Incident Core Extension properties ceptor fills.
type IncidentCore struct {
	ExtensionType       string   `json:"extension_type"` // property-extension
	Determination       string   `json:"determination"`
	InvestigationStatus string   `json:"investigation_status"`
	Criticality         *int     `json:"criticality,omitempty"`
	IncidentTypes       []string `json:"incident_types,omitempty"`
	Recoverability      string   `json:"recoverability,omitempty"`
}

// Incident is a STIX incident with the Incident Core Extension.
type Incident struct {
	Core
	Name        string                  `json:"name"`
	Description string                  `json:"description,omitempty"`
	Extensions  map[string]IncidentCore `json:"extensions,omitempty"`

	XCeptorLargeScale bool     `json:"x_ceptor_large_scale,omitempty"`
	XCeptorSectors    []string `json:"x_ceptor_sectors,omitempty"`
}

// ObservedData records what a reporter saw: the observables of its report.
type ObservedData struct {
	Core
	FirstObserved  string   `json:"first_observed"`
	LastObserved   string   `json:"last_observed"`
	NumberObserved int      `json:"number_observed"`
	ObjectRefs     []string `json:"object_refs"`
}

// Indicator is a STIX indicator with a STIX pattern.
type Indicator struct {
	Core
	Name           string   `json:"name,omitempty"`
	Description    string   `json:"description,omitempty"`
	IndicatorTypes []string `json:"indicator_types,omitempty"`
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	PatternVersion string   `json:"pattern_version,omitempty"`
	ValidFrom      string   `json:"valid_from"`
	ValidUntil     string   `json:"valid_until,omitempty"`
}

// Relationship links two objects.
type Relationship struct {
	Core
	RelationshipType string `json:"relationship_type"`
	Description      string `json:"description,omitempty"`
	SourceRef        string `json:"source_ref"`
	TargetRef        string `json:"target_ref"`
}

// Note is a comment on other objects (an incident's timeline notes).
type Note struct {
	Core
	Abstract   string   `json:"abstract,omitempty"`
	Content    string   `json:"content"`
	Authors    []string `json:"authors,omitempty"`
	ObjectRefs []string `json:"object_refs"`
}

// CourseOfAction is a response taken or recommended.
type CourseOfAction struct {
	Core
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// SCO is a cyber-observable object (url, domain-name, ipv4-addr, ipv6-addr,
// file, email-addr). Its id is deterministic from its value.
type SCO struct {
	Type              string            `json:"type"`
	SpecVersion       string            `json:"spec_version"`
	ID                string            `json:"id"`
	Value             string            `json:"value,omitempty"`
	Hashes            map[string]string `json:"hashes,omitempty"`
	ObjectMarkingRefs []string          `json:"object_marking_refs,omitempty"`
}

// Ident implements Object; observables have no version.
func (o *SCO) Ident() (string, string, string) { return o.ID, o.Type, "" }

// Bundle is a STIX bundle.
type Bundle struct {
	Type    string   `json:"type"`
	ID      string   `json:"id"`
	Objects []Object `json:"objects"`
}

// NewBundle wraps objects in a bundle whose id is derived from key, so the
// same export yields the same bundle.
func NewBundle(key string, objs []Object) *Bundle {
	if objs == nil {
		objs = []Object{}
	}
	return &Bundle{Type: "bundle", ID: ID("bundle", key), Objects: objs}
}

// Marshal serialises an object.
func Marshal(o Object) ([]byte, error) { return json.Marshal(o) }
