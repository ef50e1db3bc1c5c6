package example

import (
	"bytes"
	"debug/pe"
	"os"
	"path/filepath"
	"testing"

	"github.com/antibody-dev/antibody/findings"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const workspace = "../../testdata/example"

// The committed samples must be exactly what the generator writes;
// refresh with ANTIBODY_UPDATE=1 go test ./internal/example.
func TestGeneratedFilesUpToDate(t *testing.T) {
	st := Generate()
	if os.Getenv("ANTIBODY_UPDATE") != "" {
		require.NoError(t, Write(workspace, st))
	}
	for name, want := range st.Files {
		got, err := os.ReadFile(filepath.Join(workspace, filepath.FromSlash(name)))
		require.NoError(t, err, "run ANTIBODY_UPDATE=1 go test ./internal/example")
		assert.True(t, bytes.Equal(want, got), "%s differs from the generator's output: run ANTIBODY_UPDATE=1 go test ./internal/example", name)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(), Generate()
	require.Equal(t, len(a.Files), len(b.Files))
	for name := range a.Files {
		assert.True(t, bytes.Equal(a.Files[name], b.Files[name]), name)
	}
}

func TestExampleIsLargeEnough(t *testing.T) {
	st := Generate()
	assert.GreaterOrEqual(t, st.AttackEvents, 300, "attack events")
	assert.GreaterOrEqual(t, st.BenignEvents, 5000, "benign events")
	for _, stage := range []string{"initial-access", "execution", "persistence", "command-and-control", "discovery", "credential-access", "lateral-movement", "collection", "exfiltration"} {
		assert.Positive(t, st.ByStage[stage], stage)
	}
	t.Logf("attack events %d %v, benign events %d", st.AttackEvents, st.ByStage, st.BenignEvents)
}

// The stand-in executables must parse as PE files with the imports they
// claim, so signature and import-hash work on them is meaningful.
func TestStandInExecutablesParse(t *testing.T) {
	a := makeArtifacts()
	for name, data := range map[string][]byte{"loader": a.loader.content, "tool": a.tool.content} {
		f, err := pe.NewFile(bytes.NewReader(data))
		require.NoError(t, err, name)
		syms, err := f.ImportedSymbols()
		require.NoError(t, err, name)
		assert.NotEmpty(t, syms, name)
		assert.Len(t, f.Sections, 3, name)
	}
	syms, _ := must(pe.NewFile(bytes.NewReader(a.loader.content))).ImportedSymbols()
	assert.Contains(t, syms, "InternetReadFile:WININET.dll")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Every record a behaviour of the hand-written finding names must be an
// attack event in that evidence, so regenerating the samples cannot leave
// the finding pointing at the wrong events.
func TestFindingRecordsAreAttackEvents(t *testing.T) {
	f, err := findings.Load(workspace+"/findings/"+Incident+".yaml", workspace)
	require.NoError(t, err)
	paths := map[string]string{}
	for _, e := range f.Evidence {
		paths[e.ID] = e.Path
	}
	st := Generate()
	n := 0
	for _, b := range f.Behaviors {
		for _, r := range b.Records {
			stage, ok := st.Attack[paths[b.Evidence]][r]
			assert.True(t, ok, "behavior %s: record %d is not an attack event in %s", b.ID, r, paths[b.Evidence])
			assert.NotEmpty(t, stage)
			n++
		}
	}
	assert.Greater(t, n, 10)
}
