package findings

import (
	_ "embed"
	"encoding/json"
	"reflect"

	"github.com/invopop/jsonschema"
)

// JSONSchema is the committed JSON Schema of the finding format,
// generated from the Go types and their comments (see GenerateSchema).
//
//go:embed finding.schema.json
var JSONSchema []byte

// GenerateSchema builds the JSON Schema of Finding from the Go types.
// Descriptions come from the doc comments in dir (the package's source
// folder), so it runs where the source is: in tests and `make schema`.
func GenerateSchema(dir string) ([]byte, error) {
	r := &jsonschema.Reflector{
		RequiredFromJSONSchemaTags: true,
		DoNotReference:             false,
		Mapper:                     schemaMapper,
	}
	if err := r.AddGoComments("github.com/antibody-dev/antibody/findings", dir); err != nil {
		return nil, err
	}
	s := r.Reflect(&Finding{})
	s.ID = "https://antibody.dev/schema/finding/v1.json"
	s.Title = "Antibody finding (antibody/finding/v1)"
	if m, ok := s.Definitions["Milestone"]; ok {
		obj := *m
		obj.Description = ""
		s.Definitions["Milestone"] = &jsonschema.Schema{
			Description: "a time in RFC 3339, or {at, fidelity} when it is only known roughly",
			OneOf:       []*jsonschema.Schema{schemaMapper(timeType), &obj},
		}
	}
	if def, ok := s.Definitions["Finding"]; ok {
		if p, ok := def.Properties.Get("schema"); ok {
			p.Const = SchemaV1
		}
	}
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

var (
	timeType      = reflect.TypeFor[Time]()
	dateType      = reflect.TypeFor[Date]()
	durationType  = reflect.TypeFor[Duration]()
	techniqueType = reflect.TypeFor[Technique]()
	enumType      = reflect.TypeFor[enum]()
)

// schemaMapper gives the types that read themselves from YAML the schema of
// what they accept.
func schemaMapper(t reflect.Type) *jsonschema.Schema {
	switch t {
	case timeType:
		return &jsonschema.Schema{Type: "string", Format: "date-time", Description: "RFC 3339 time with a zone, e.g. 2026-03-02T08:11:40Z"}
	case dateType:
		return &jsonschema.Schema{Type: "string", Format: "date", Description: "calendar date, YYYY-MM-DD"}
	case durationType:
		return &jsonschema.Schema{Type: "string", Pattern: isoDuration.String(), Description: "ISO 8601 duration in days, hours, minutes, seconds, e.g. PT1H30M"}
	case techniqueType:
		return &jsonschema.Schema{Type: "string", Pattern: techniqueID.String(), Description: "ATT&CK technique id, Tnnnn or Tnnnn.nnn"}
	}
	if t.Implements(enumType) && t.Kind() == reflect.String {
		vals := reflect.Zero(t).Interface().(enum).allowed()
		s := &jsonschema.Schema{Type: "string"}
		for _, v := range vals {
			s.Enum = append(s.Enum, v)
		}
		return s
	}
	return nil
}
