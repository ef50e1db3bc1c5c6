package sigma_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
	"github.com/antibody-dev/antibody/rules/sigma/sigmatest"
)

// TestConformance runs the cases in testdata/conformance, one per file:
// rule.yml (one or more documents), optional pipeline.yml (a pipeline
// file) or pipeline (a built-in pipeline's name), and either
// match.jsonl / nomatch.jsonl (each line alone must / must not produce a
// detection) or events.jsonl with want (detections per rule title over
// the whole stream, correlations included).
func TestConformance(t *testing.T) {
	for _, file := range sigmatest.Files(t, "testdata/conformance") {
		c := sigmatest.Load(t, file)
		t.Run(c.Name, func(t *testing.T) {
			parts, p, set := c.Parts, c.Pipeline, c.Set
			require.Empty(t, set.Refusals, "rule.yml must load")
			e := sigma.NewEngine(set, p)
			if want, ok := parts["want"]; ok {
				m := e.NewMatcher()
				count := map[string]int{}
				for _, ev := range readLines(t, parts["events.jsonl"]) {
					m.Match(ev, func(d sigma.Detection) { count[d.Rule.Title]++ })
				}
				for _, d := range e.Correlate(m) {
					count[d.Rule.Title]++
				}
				var got []string
				for title, n := range count {
					if len(set.Rules) > 0 && isCorrelationOrListed(title, want) {
						got = append(got, fmt.Sprintf("%s %d", title, n))
					}
				}
				sort.Strings(got)
				assert.Equal(t, strings.TrimSpace(string(want)), strings.Join(got, "\n"))
				return
			}
			for _, ev := range readLines(t, parts["match.jsonl"]) {
				n := 0
				e.NewMatcher().Match(ev, func(sigma.Detection) { n++ })
				assert.Positive(t, n, "must match: %v", ev.Fields)
			}
			for _, ev := range readLines(t, parts["nomatch.jsonl"]) {
				n := 0
				e.NewMatcher().Match(ev, func(sigma.Detection) { n++ })
				assert.Zero(t, n, "must not match: %v", ev.Fields)
			}
		})
	}
}

// isCorrelationOrListed keeps the titles the want section speaks about.
func isCorrelationOrListed(title string, want []byte) bool {
	for _, line := range strings.Split(string(want), "\n") {
		if strings.HasPrefix(line, title+" ") {
			return true
		}
	}
	return false
}

func readLines(t *testing.T, data []byte) []*events.Event {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	var out []*events.Event
	st, err := events.Read(path, func(ev *events.Event) error {
		out = append(out, ev.Clone())
		return nil
	})
	require.NoError(t, err)
	require.Empty(t, st.Damage)
	require.Equal(t, bytes.Count(bytes.TrimSpace(data), []byte("\n"))+boolInt(len(bytes.TrimSpace(data)) > 0), len(out))
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// FuzzParse feeds arbitrary rule files to the loader and runs what loads
// over a small event: nothing may panic, and every refusal is positioned.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/conformance/*.txtar")
	more, _ := filepath.Glob("testdata/refusals/*.txtar")
	for _, s := range append(seeds, more...) {
		ar, err := txtar.ParseFile(s)
		if err != nil {
			continue
		}
		for _, file := range ar.Files {
			if file.Name == "rule.yml" {
				f.Add(file.Data)
			}
		}
	}
	ev := &events.Event{Fields: []events.Field{{Name: "Image", Value: `C:\x.exe`}, {Name: "EventID", Value: "1"}, {Name: "TimeCreated", Value: "2026-03-02T10:00:00Z"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := sigma.Parse("rule.yml", data, sigma.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range set.Refusals {
			if r.Line <= 0 || r.Feature == "" {
				t.Fatalf("refusal without position or feature: %#v", r)
			}
		}
		e := sigma.NewEngine(set, nil)
		m := e.NewMatcher()
		m.Match(ev, func(sigma.Detection) {})
		e.Correlate(m)
	})
}
