package findings

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The committed schema must be what the Go types generate; refresh with
// ANTIBODY_UPDATE=1 go test ./findings.
func TestSchemaUpToDate(t *testing.T) {
	got, err := GenerateSchema(".")
	require.NoError(t, err)
	if os.Getenv("ANTIBODY_UPDATE") != "" {
		require.NoError(t, os.WriteFile("finding.schema.json", got, 0o644))
	}
	want, err := os.ReadFile("finding.schema.json")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, got), "finding.schema.json is stale: run ANTIBODY_UPDATE=1 go test ./findings")
}

// The field reference in docs/ is generated from the committed schema.
func TestFieldReferenceUpToDate(t *testing.T) {
	got, err := FieldReference(JSONSchema)
	require.NoError(t, err)
	const path = "../docs/finding-reference.md"
	if os.Getenv("ANTIBODY_UPDATE") != "" {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, []byte(got)), "docs/finding-reference.md is stale: run make update")
	assert.Contains(t, got, "| `technique` |")
	assert.Contains(t, got, "## Milestone")
}
