package findings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each testdata/cases/*.txtar is a small workspace plus the exact problems
// Validate must report for the path in its comment (default
// findings/finding.yaml), in a "want" file. Refresh with ANTIBODY_UPDATE=1.
func TestCases(t *testing.T) {
	files, err := filepath.Glob("testdata/cases/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			require.NoError(t, err)
			dir := t.TempDir()
			var want []byte
			for _, f := range ar.Files {
				if f.Name == "want" {
					want = f.Data
					continue
				}
				p := filepath.Join(dir, filepath.FromSlash(f.Name))
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, f.Data, 0o644))
			}
			target := strings.TrimSpace(string(ar.Comment))
			if target == "" {
				target = "findings/finding.yaml"
			}
			wd, err := os.Getwd()
			require.NoError(t, err)
			t.Chdir(dir)
			rep := Validate([]string{target})
			var got strings.Builder
			for _, p := range rep.Problems {
				got.WriteString(p.String() + "\n")
			}
			if os.Getenv("ANTIBODY_UPDATE") != "" {
				for i := range ar.Files {
					if ar.Files[i].Name == "want" {
						ar.Files[i].Data = []byte(got.String())
					}
				}
				require.NoError(t, os.WriteFile(filepath.Join(wd, file), txtar.Format(ar), 0o644))
				return
			}
			assert.Equal(t, string(want), got.String())
		})
	}
}
