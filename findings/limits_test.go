package findings

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func codes(ps Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

func TestHostileDocuments(t *testing.T) {
	deep := "schema: antibody/finding/v1\nlessons: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"
	bomb := "schema: antibody/finding/v1\nx0: &a0 [1,1,1,1,1,1,1,1,1,1]\n"
	for i := 1; i < 9; i++ {
		bomb += strings.Replace(strings.Replace("xN: &aN [*aP,*aP,*aP,*aP,*aP,*aP,*aP,*aP,*aP,*aP]\n", "N", string(rune('0'+i)), 2), "P", string(rune('0'+i-1)), 10)
	}
	bomb += "behaviors:\n  - id: b\n    technique: T1059\n    fields: {x: *a8}\n"
	cases := map[string]struct {
		data []byte
		code string
	}{
		"too large":     {bytes.Repeat([]byte("a"), MaxDocumentBytes+1), CodeFile},
		"deep nesting":  {[]byte(deep), CodeSyntax},
		"alias bomb":    {[]byte(bomb), CodeSyntax},
		"nul bytes":     {[]byte("schema: antibody/finding/v1\x00\x00"), CodeFile},
		"bad utf8":      {[]byte("schema: \xff\xfe"), CodeFile},
		"two documents": {[]byte("schema: antibody/finding/v1\n---\nschema: x\n"), CodeSyntax},
		"tab indent":    {[]byte("schema: antibody/finding/v1\nincident:\n\tid: x\n"), CodeSyntax},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f, ps := Parse("f.yaml", c.data)
			require.NotEmpty(t, ps)
			assert.Contains(t, codes(ps), c.code, ps.Error())
			_ = f
		})
	}
}

func TestReadDocumentRefusesHugeFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.yaml")
	require.NoError(t, os.WriteFile(p, bytes.Repeat([]byte("# padding\n"), 5<<20), 0o644))
	rep := Validate([]string{p})
	require.Len(t, rep.Problems, 1)
	assert.Equal(t, CodeFile, rep.Problems[0].Code)
	assert.Contains(t, rep.Problems[0].Message, "file is 52428800 bytes")
	assert.Contains(t, rep.Problems[0].Message, "at most 8 MiB")
}

func TestSymlinkOutOfWorkspace(t *testing.T) {
	root := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.txt")
	require.NoError(t, os.WriteFile(outside, []byte("x"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "samples"), 0o755))
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "samples", "link.txt")))
	f, ps := Parse("f.yaml", []byte(`schema: antibody/finding/v1
incident: {id: I, title: t, status: suspected}
timeline: {}
evidence:
  - {id: e, kind: file, path: samples/link.txt, sha256: 2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881}
`))
	require.Empty(t, ps)
	ps = CheckFiles(f, root)
	require.Len(t, ps, 1)
	assert.Equal(t, CodePath, ps[0].Code)
	assert.Contains(t, ps[0].Message, "outside the workspace")
	assert.Equal(t, 5, ps[0].Line)
}

func TestExampleFindingIsValid(t *testing.T) {
	rep := Validate([]string{"../testdata/example"})
	require.Empty(t, rep.Problems, rep.Problems.Error())
	require.Len(t, rep.Files, 2)
	s := rep.Files[1].Summary
	require.NotNil(t, s)
	assert.Equal(t, "INC-2026-031", s.ID)
	assert.Equal(t, 4, s.Evidence["events"])
	assert.Equal(t, 4, s.Evidence["file"])
	assert.Equal(t, 6, s.Evidence["config"])
	assert.Equal(t, "first_action", s.Durations[0].From)
	assert.Equal(t, "3d 6h 18m", HumanDuration(s.Durations[0].Value))
}

func TestDurationRoundTrip(t *testing.T) {
	for _, s := range []string{"PT1H", "PT45M", "P1DT2H", "P2D", "PT1H30M15S", "PT0S"} {
		d, err := ParseDuration(s)
		require.NoError(t, err, s)
		out, _ := Duration{d}.MarshalText()
		assert.Equal(t, s, string(out))
	}
	for _, s := range []string{"P", "PT", "1H", "PT1.5H", "P1W"} {
		_, err := ParseDuration(s)
		assert.Error(t, err, s)
	}
}

func TestFidelityTolerance(t *testing.T) {
	_, ps := Parse("f.yaml", []byte(`schema: antibody/finding/v1
incident: {id: I, title: t, status: suspected}
timeline:
  first_action: 2026-03-02T12:00:00Z
  detected: {at: 2026-03-02T00:00:00Z, fidelity: day}
`))
	assert.Empty(t, ps, "a day-fidelity detection on the same day is not before the first action")
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"../testdata/example/findings/INC-2026-031.yaml", "scaffold/finding.yaml"} {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte("schema: antibody/finding/v1\ntimeline: {first_action: {at: 2026-03-02T00:00:00Z, fidelity: week}}\n"))
	f.Add([]byte(`{"schema":"antibody/finding/v1","behaviors":[{"id":"b","match":{"a|b":1}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				panic(fmt.Sprintf("Parse took over 3s on %q", data))
			}
		}()
		defer close(done)
		fd, ps := Parse("fuzz.yaml", data)
		for _, p := range ps {
			if p.Code == "" || p.Message == "" {
				t.Fatalf("problem without code or message: %+v", p)
			}
		}
		if fd == nil && len(ps) == 0 {
			t.Fatal("no finding and no problems")
		}
	})
}

func FuzzParseWorkspace(f *testing.F) {
	data, err := os.ReadFile("scaffold/antibody.yaml")
	require.NoError(f, err)
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		w, ps := ParseWorkspace("antibody.yaml", data)
		if w == nil && len(ps) == 0 {
			t.Fatal("no workspace and no problems")
		}
	})
}
