package sigma_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/generators"
	gensigma "github.com/antibody-dev/antibody/generators/sigma"
	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// generateExample runs the Sigma generator over the example finding.
func generateExample(t *testing.T, g *gensigma.Generator) *generators.Result {
	t.Helper()
	ws, err := findings.LoadWorkspace("../../testdata/example")
	require.NoError(t, err)
	file := filepath.Join(ws.Root, "findings", "INC-2026-031.yaml")
	f, err := findings.Load(file, ws.Root)
	require.NoError(t, err)
	res, err := g.Generate(context.Background(), generators.Input{Finding: f, File: file, Workspace: ws})
	require.NoError(t, err)
	return res
}

// countingOnly is a backend without the in-memory shortcuts: it counts
// through Detect and hands events over only through Matched, and it
// records how many it handed over.
type countingOnly struct {
	sigma.MemoryBackend
	fetched *int
}

func (c countingOnly) Matched(ctx context.Context, set *sigma.Set, p *sigma.Pipeline, want func(*sigma.Rule) bool) ([]*events.Event, int, error) {
	evs, n, err := c.MemoryBackend.Matched(ctx, set, p, want)
	*c.fetched += len(evs)
	return evs, n, err
}

// Where the benign events live, and how many of them are fetched, does
// not change the rules: narrowing by counts on the backend until a draft
// matches at most MaxFetch events picks the same predicates as narrowing
// in memory, so every artifact is byte-identical.
func TestTuningByCountsEqualsInMemory(t *testing.T) {
	files, err := events.Files([]string{"../../testdata/example/benign/events"})
	require.NoError(t, err)
	// Every third benign event, so the drafts still collide with some
	// and the test stays quick under the race detector.
	var benign []*events.Event
	n := 0
	for _, f := range files {
		_, err := events.Read(f, func(ev *events.Event) error {
			if n%3 == 0 {
				benign = append(benign, ev.Clone())
			}
			n++
			return nil
		})
		require.NoError(t, err)
	}
	require.Equal(t, 6251, n)
	base := generateExample(t, &gensigma.Generator{Benign: sigma.MemoryBackend{Events: benign}})
	require.NotEmpty(t, base.Artifacts)

	for _, limit := range []int{1, 20} {
		fetched := 0
		got := generateExample(t, &gensigma.Generator{Benign: countingOnly{sigma.MemoryBackend{Events: benign}, &fetched}, MaxFetch: limit})
		require.Equal(t, len(base.Artifacts), len(got.Artifacts), "MaxFetch %d", limit)
		for i := range base.Artifacts {
			require.Equal(t, base.Artifacts[i].Path, got.Artifacts[i].Path, "MaxFetch %d", limit)
			require.Equal(t, string(base.Artifacts[i].Content), string(got.Artifacts[i].Content), "MaxFetch %d: %s", limit, got.Artifacts[i].Path)
		}
		require.Equal(t, base.Skipped, got.Skipped, "MaxFetch %d", limit)
		t.Logf("MaxFetch %d: %d benign events fetched of %d", limit, fetched, len(benign))
		require.LessOrEqual(t, fetched, 40*limit, "MaxFetch %d: fetched far more than drafts of that size", limit)
	}
}
