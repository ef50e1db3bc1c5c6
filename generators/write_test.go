package generators_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/generators"
)

func TestIDIsStable(t *testing.T) {
	a := generators.ID("INC-2026-031", "b-lsass-comsvcs")
	assert.Equal(t, a, generators.ID("INC-2026-031", "b-lsass-comsvcs"))
	assert.NotEqual(t, a, generators.ID("INC-2026-032", "b-lsass-comsvcs"))
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, a, "a version 5 UUID")
}

func TestPlanProtectsHandEdits(t *testing.T) {
	root := t.TempDir()
	art := func(body string) generators.Artifact {
		return generators.Artifact{Path: "rules/x.yml", Content: generators.Seal([]byte(body))}
	}
	plan := func(a generators.Artifact) generators.Change {
		t.Helper()
		cs, err := generators.Plan(root, []generators.Artifact{a})
		require.NoError(t, err)
		require.Len(t, cs, 1)
		return cs[0]
	}
	c := plan(art("title: one\n"))
	assert.Equal(t, generators.Create, c.Action)
	assert.Contains(t, c.Diff, "+title: one")
	require.NoError(t, generators.Apply(root, []generators.Change{c}))

	assert.Equal(t, generators.Unchanged, plan(art("title: one\n")).Action)

	c = plan(art("title: two\n"))
	assert.Equal(t, generators.Update, c.Action, "a sealed, untouched file is regenerated")
	assert.Contains(t, c.Diff, "-title: one")
	require.NoError(t, generators.Apply(root, []generators.Change{c}))

	path := filepath.Join(root, "rules/x.yml")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(data, []byte("level: low\n")...), 0o644))
	c = plan(art("title: three\n"))
	assert.Equal(t, generators.Kept, c.Action, "a hand-edited file is kept")
	assert.Equal(t, "rules/x.yml.new", c.Target)
	require.NoError(t, generators.Apply(root, []generators.Change{c}))
	edited, _ := os.ReadFile(path)
	assert.Contains(t, string(edited), "level: low")
	fresh, _ := os.ReadFile(path + ".new")
	assert.Contains(t, string(fresh), "title: three")

	require.NoError(t, os.WriteFile(filepath.Join(root, "rules/human.yml"), []byte("title: mine\n"), 0o644))
	cs, err := generators.Plan(root, []generators.Artifact{{Path: "rules/human.yml", Content: generators.Seal([]byte("title: generated\n"))}})
	require.NoError(t, err)
	assert.Equal(t, generators.Kept, cs[0].Action, "a file without the seal was written by a human")

	_, err = generators.Plan(root, []generators.Artifact{art("a"), art("b")})
	assert.Error(t, err, "two artifacts cannot claim one path")
}
