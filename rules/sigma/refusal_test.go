package sigma_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/rules/sigma"
)

// TestRefusals: every case in testdata/refusals is a rule the engine must
// refuse, with the file:line:col, feature and message in want. With
// ANTIBODY_UPDATE=1 the want sections are rewritten.
func TestRefusals(t *testing.T) {
	files, err := filepath.Glob("testdata/refusals/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			require.NoError(t, err)
			var rule []byte
			wantAt := -1
			for i, f := range ar.Files {
				switch f.Name {
				case "rule.yml":
					rule = f.Data
				case "want":
					wantAt = i
				}
			}
			require.GreaterOrEqual(t, wantAt, 0)
			set, err := sigma.Parse("rule.yml", rule, sigma.LoadOptions{})
			require.NoError(t, err)
			var got []string
			for _, r := range set.Refusals {
				got = append(got, r.Error())
			}
			gotText := strings.Join(got, "\n") + "\n"
			if os.Getenv("ANTIBODY_UPDATE") == "1" {
				ar.Files[wantAt].Data = []byte(gotText)
				require.NoError(t, os.WriteFile(file, txtar.Format(ar), 0o644))
				return
			}
			assert.Equal(t, string(ar.Files[wantAt].Data), gotText)
			assert.Empty(t, set.Detections(), "a refused rule must not load")
		})
	}
}
