package regress_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/regress"
)

// TestReportSchema: report.schema.json is what the types say (refresh
// with ANTIBODY_UPDATE=1 go test ./regress), and a real report validates
// against it.
func TestReportSchema(t *testing.T) {
	got, err := regress.GenerateSchema(".")
	require.NoError(t, err)
	if os.Getenv("ANTIBODY_UPDATE") != "" {
		require.NoError(t, os.WriteFile("report.schema.json", got, 0o644))
	}
	want, err := os.ReadFile("report.schema.json")
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, got), "report.schema.json is stale: run ANTIBODY_UPDATE=1 go test ./regress")

	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(want))
	require.NoError(t, err)
	require.NoError(t, c.AddResource("report.schema.json", doc))
	schema, err := c.Compile("report.schema.json")
	require.NoError(t, err)

	var buf bytes.Buffer
	require.NoError(t, regress.JSON(&buf, failingRun(t)))
	out, err := jsonschema.UnmarshalJSON(&buf)
	require.NoError(t, err)
	assert.NoError(t, schema.Validate(out))
}
