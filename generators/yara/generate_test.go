package yara_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/generators"
	genyara "github.com/antibody-dev/antibody/generators/yara"
	"github.com/antibody-dev/antibody/internal/example"
	"github.com/antibody-dev/antibody/rules/yara"
)

func exampleInput(t *testing.T) generators.Input {
	t.Helper()
	ws, err := findings.LoadWorkspace("../../testdata/example")
	require.NoError(t, err)
	file := "../../testdata/example/findings/INC-2026-031.yaml"
	f, err := findings.Load(file, ws.Root)
	require.NoError(t, err)
	return generators.Input{Finding: f, File: file, Workspace: ws}
}

func generate(t *testing.T, g *genyara.Generator) (map[string]string, *generators.Result) {
	t.Helper()
	res, err := g.Generate(context.Background(), exampleInput(t))
	require.NoError(t, err)
	rules := map[string]string{}
	for _, a := range res.Artifacts {
		if a.Kind == "yara" {
			rules[a.ID] = string(a.Content)
		}
	}
	return rules, res
}

// TestVariantsAreCaught: rules generated from the first builds of the
// loader and the credential tool catch second builds with new version
// strings, reordered strings and a new build time.
func TestVariantsAreCaught(t *testing.T) {
	rules, _ := generate(t, &genyara.Generator{})
	require.Contains(t, rules, "MAL_UpdateHelper_Loader_Mar26")
	require.Contains(t, rules, "HKTL_Vbrcreds_Tool_Mar26")
	want := map[string]string{"update_helper_v3.3.exe": "MAL_UpdateHelper_Loader_Mar26", "vbrcreds_v1.1.exe": "HKTL_Vbrcreds_Tool_Mar26"}
	for name, data := range example.Variants() {
		rs, ps, err := yara.CompileString(rules[want[name]])
		require.NoError(t, err)
		require.Empty(t, ps)
		hits, err := rs.ScanBytes(data)
		require.NoError(t, err)
		assert.Equal(t, []string{want[name]}, hits, "%s must be caught by the rule from the first build", name)
	}
}

// TestGoodwareAtScale scores strings against real binaries (the Go
// toolchain's own PE test files and tools) and proves no generated rule
// matches any of them.
func TestGoodwareAtScale(t *testing.T) {
	root := runtime.GOROOT()
	extra := []string{filepath.Join(root, "src", "debug", "pe", "testdata"), filepath.Join(root, "pkg", "tool")}
	for _, p := range extra {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("goodware folder %s not present: %v", p, err)
		}
	}
	rules, res := generate(t, &genyara.Generator{Goodware: extra})
	assert.Len(t, rules, 5, "skipped: %v", res.Skipped)
	files, err := yara.TargetFiles(extra)
	require.NoError(t, err)
	t.Logf("goodware: %d files", len(files))
	var all []string
	for _, r := range rules {
		all = append(all, r)
	}
	rs, ps, err := yara.CompileString(strings.Join(all, "\n"))
	require.NoError(t, err)
	require.Empty(t, ps)
	fps := 0
	require.NoError(t, rs.Scan(context.Background(), files, yara.ScanOptions{}, func(fr yara.FileResult) { fps += len(fr.Matches) }))
	assert.Zero(t, fps, "generated rules must not match goodware")
}

// TestYaraCommandCompiles: the generated rules compile with the yara
// command-line tool too, when it is installed, and match their artifacts.
func TestYaraCommandCompiles(t *testing.T) {
	bin, err := exec.LookPath("yara")
	if err != nil {
		t.Skip("the yara command is not installed (Debian package yara)")
	}
	rules, _ := generate(t, &genyara.Generator{})
	dir := t.TempDir()
	samples, err := filepath.Abs("../../testdata/example/samples/INC-2026-031/files")
	require.NoError(t, err)
	for name, text := range rules {
		path := filepath.Join(dir, name+".yar")
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		out, err := exec.Command(bin, "-w", path, samples).CombinedOutput()
		require.NoError(t, err, "%s: %s", name, out)
		assert.Contains(t, string(out), name+" ", "%s matches one of its artifacts", name)
	}
}
