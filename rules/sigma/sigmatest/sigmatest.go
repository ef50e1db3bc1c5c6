// Package sigmatest reads the Sigma engine's conformance cases
// (rules/sigma/testdata/conformance) for the tests of every backend that
// must agree with the engine on them.
package sigmatest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/rules/sigma"
)

// Case is one conformance case: rule.yml (one or more documents), an
// optional pipeline.yml (a pipeline file) or pipeline (a built-in
// pipeline's name), and events in match.jsonl / nomatch.jsonl or
// events.jsonl with want.
type Case struct {
	Name     string
	Parts    map[string][]byte
	Pipeline *sigma.Pipeline // nil: no routing
	Set      *sigma.Set
}

// EventParts are the parts of a case that hold events.
var EventParts = []string{"match.jsonl", "nomatch.jsonl", "events.jsonl"}

// Files lists the cases in dir.
func Files(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no conformance cases in %s", dir)
	return files
}

// Load reads a case and parses its rules with its pipeline.
func Load(t testing.TB, file string) Case {
	t.Helper()
	ar, err := txtar.ParseFile(file)
	require.NoError(t, err)
	c := Case{Name: strings.TrimSuffix(filepath.Base(file), ".txtar"), Parts: map[string][]byte{}}
	for _, f := range ar.Files {
		c.Parts[f.Name] = f.Data
	}
	if data, ok := c.Parts["pipeline.yml"]; ok {
		c.Pipeline, err = sigma.ParsePipeline("pipeline.yml", data)
		require.NoError(t, err)
	}
	if name, ok := c.Parts["pipeline"]; ok {
		c.Pipeline, err = sigma.LoadPipeline(strings.TrimSpace(string(name)))
		require.NoError(t, err)
	}
	c.Set, err = sigma.Parse("rule.yml", c.Parts["rule.yml"], sigma.LoadOptions{Pipeline: c.Pipeline})
	require.NoError(t, err)
	return c
}

// WriteEvents writes the case's event parts into dir and returns their
// paths.
func (c Case) WriteEvents(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for _, part := range EventParts {
		if data, ok := c.Parts[part]; ok {
			f := filepath.Join(dir, part)
			require.NoError(t, os.WriteFile(f, data, 0o644))
			out = append(out, f)
		}
	}
	return out
}
