package stix

import "ceptor"

// TLP2ExtensionID is the extension definition under which the OASIS CTI TC
// published the TLP 2.0 marking definitions.
const TLP2ExtensionID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// tlp2Created is the created timestamp of the published TLP 2.0 objects:
// part of the objects, like their ids.
const tlp2Created = "2022-10-01T00:00:00.000Z"

// tlp2IDs are the published ids of the TLP 2.0 marking definitions;
// consumers recognise the markings by these ids.
var tlp2IDs = map[ceptor.TLP]string{
	ceptor.TLPClear:       "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	ceptor.TLPGreen:       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	ceptor.TLPAmber:       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	ceptor.TLPAmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	ceptor.TLPRed:         "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

// tlp1IDs are the STIX 2.1 TLP 1.0 marking definitions, accepted on import
// (WHITE is CLEAR).
var tlp1IDs = map[string]ceptor.TLP{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": ceptor.TLPClear,
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": ceptor.TLPGreen,
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": ceptor.TLPAmber,
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": ceptor.TLPRed,
}

// MarkingDefinition is a TLP 2.0 marking definition as published.
type MarkingDefinition struct {
	Type        string                   `json:"type"`
	SpecVersion string                   `json:"spec_version"`
	ID          string                   `json:"id"`
	Created     string                   `json:"created"`
	Name        string                   `json:"name"`
	Extensions  map[string]tlp2Extension `json:"extensions"`
}

type tlp2Extension struct {
	ExtensionType string `json:"extension_type"`
	TLP20         string `json:"tlp_2_0"`
}

// Ident implements Object.
func (m *MarkingDefinition) Ident() (string, string, string) { return m.ID, m.Type, m.Created }

// MarkingID returns the id of the TLP 2.0 marking definition of t ("" for
// an unknown level).
func MarkingID(t ceptor.TLP) string { return tlp2IDs[t] }

// Marking returns the TLP 2.0 marking definition of t, nil for an unknown
// level.
func Marking(t ceptor.TLP) *MarkingDefinition {
	id, ok := tlp2IDs[t]
	if !ok {
		return nil
	}
	return &MarkingDefinition{Type: "marking-definition", SpecVersion: SpecVersion, ID: id, Created: tlp2Created,
		Name: t.Label(), Extensions: map[string]tlp2Extension{TLP2ExtensionID: {ExtensionType: "property-extension", TLP20: string(t)}}}
}

// TLPOfMarking returns the TLP level a marking-definition id stands for
// (TLP 2.0, or TLP 1.0 as STIX 2.1 predefines it).
func TLPOfMarking(id string) (ceptor.TLP, bool) {
	for t, x := range tlp2IDs {
		if x == id {
			return t, true
		}
	}
	t, ok := tlp1IDs[id]
	return t, ok
}
