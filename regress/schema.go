package regress

import (
	_ "embed"
	"encoding/json"

	"github.com/invopop/jsonschema"
)

// ReportSchema is the committed JSON Schema of the JSON report
// (antibody test --format json), generated from the Go types and their
// comments (see GenerateSchema).
//
//go:embed report.schema.json
var ReportSchema []byte

// GenerateSchema builds the JSON Schema of Report; descriptions come from
// the doc comments in dir, the package's source folder.
func GenerateSchema(dir string) ([]byte, error) {
	r := &jsonschema.Reflector{}
	if err := r.AddGoComments("github.com/antibody-dev/antibody/regress", dir); err != nil {
		return nil, err
	}
	s := r.Reflect(&Report{})
	s.ID = "https://antibody.dev/schema/test-report/v1.json"
	s.Title = "Antibody test report (version 1)"
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
