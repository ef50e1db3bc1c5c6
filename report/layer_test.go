package report_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/regress"
	"github.com/antibody-dev/antibody/report"
)

func TestScoreTechniques(t *testing.T) {
	f := parse(t, "a.yaml", `schema: antibody/finding/v1
incident: {id: A, title: t, status: confirmed}
timeline:
  events:
    - {at: 2026-01-01T00:00:00Z, technique: T1001, summary: s}
    - {at: 2026-01-01T00:00:00Z, technique: T1002, summary: s}
    - {at: 2026-01-01T00:00:00Z, technique: T1003, summary: s}
    - {at: 2026-01-01T00:00:00Z, technique: T1004.001, summary: s}
`)
	rep := &regress.Report{Coverage: regress.Coverage{Techniques: []regress.TechniqueCoverage{
		{Technique: "T1002", Rules: 2},
		{Technique: "T1003", Rules: 2, Passing: 1},
		{Technique: "t1004.001", Rules: 1, Passing: 1, Tuned: 1},
		{Technique: "T1999", Rules: 1, Passing: 1, Tuned: 1},
	}}}
	scores := report.ScoreTechniques([]*findings.Finding{f}, rep)
	got := map[string]int{}
	for _, s := range scores {
		got[s.Technique] = s.Score
	}
	assert.Equal(t, map[string]int{"T1001": 1, "T1002": 2, "T1003": 3, "T1004.001": 4}, got, "only techniques seen in findings, scored by their best rule")
}

// The example's layer is valid 4.5 and scores what antibody test proves.
func TestExampleLayer(t *testing.T) {
	ws, err := findings.LoadWorkspace("../testdata/example")
	require.NoError(t, err)
	rep, err := regress.Run(context.Background(), regress.Options{Workspace: ws.Root})
	require.NoError(t, err)
	f, err := findings.Load("../testdata/example/findings/INC-2026-031.yaml", "")
	require.NoError(t, err)
	scores := report.ScoreTechniques([]*findings.Finding{f}, rep)
	byID := map[string]report.TechniqueScore{}
	for _, s := range scores {
		byID[s.Technique] = s
	}
	assert.Equal(t, report.ScoreTuned, byID["T1059.001"].Score)
	assert.Equal(t, 3, byID["T1059.001"].Passing)
	assert.Equal(t, report.ScoreObserved, byID["T1560.001"].Score, "no rule for the 7-Zip archive step")

	data, err := json.Marshal(report.NavigatorLayer("example", scores))
	require.NoError(t, err)
	assert.Empty(t, report.ValidateLayer(data))
}

// Each rule of the layer format is enforced: a broken copy of a valid
// layer is reported with the property at fault.
func TestValidateLayerRules(t *testing.T) {
	valid := `{"name":"l","versions":{"attack":"16","navigator":"5.1.0","layer":"4.5"},"domain":"enterprise-attack",
"sorting":3,"layout":{"layout":"side","aggregateFunction":"max","expandedSubtechniques":"annotated"},
"techniques":[{"techniqueID":"T1059.001","score":4,"enabled":true,"color":"","metadata":[{"name":"a","value":"b"},{"divider":true}]}],
"gradient":{"colors":["#ffffff","#2a9d8f"],"minValue":1,"maxValue":4},"legendItems":[{"label":"x","color":"#abcdef"}],
"links":[{"label":"x","url":"https://example.org"}]}`
	require.Empty(t, report.ValidateLayer([]byte(valid)))
	for _, c := range []struct{ from, to, want string }{
		{`"name":"l",`, ``, "name: required"},
		{`"domain":"enterprise-attack"`, `"domain":"enterprise"`, `domain: "enterprise" is not one of`},
		{`"layer":"4.5"`, `"layer":"4.4"`, `versions.layer: "4.4" (expected "4.5")`},
		{`"navigator":"5.1.0"`, `"navigator":"4.8.2"`, `versions.navigator: "4.8.2" (expected at least 4.9.0)`},
		{`"sorting":3`, `"sorting":7`, "sorting: 7 (expected 0, 1, 2 or 3)"},
		{`"layout":"side"`, `"layout":"wide"`, `layout.layout: "wide" is not one of`},
		{`"techniqueID":"T1059.001"`, `"techniqueID":"1059"`, `techniques[0].techniqueID: "1059" is not T#### or T####.###`},
		{`"score":4`, `"score":"4"`, "techniques[0].score: expected a number"},
		{`"enabled":true`, `"enabled":"yes"`, "techniques[0].enabled: expected a boolean"},
		{`{"name":"a","value":"b"}`, `{"name":"a"}`, "techniques[0].metadata[0].value: required"},
		{`"colors":["#ffffff","#2a9d8f"]`, `"colors":["#ffffff"]`, "gradient.colors: has 1 colours (expected at least 2)"},
		{`"colors":["#ffffff","#2a9d8f"]`, `"colors":["#ffffff","green"]`, `gradient.colors[1]: "green" is not a hexadecimal RGB colour`},
		{`"maxValue":4`, `"maxValue":1`, "gradient.maxValue: 1 is not above minValue 1"},
		{`{"label":"x","color":"#abcdef"}`, `{"label":"x"}`, "legendItems[0].color: required"},
		{`"url":"https://example.org"`, `"url":"example.org"`, `links[0].url: "example.org" has no protocol prefix`},
		{`"name":"l",`, `"name":"l","colour":"red",`, "layer.colour: not a property of the 4.5 format"},
		{`"versions":{"attack":"16","navigator":"5.1.0","layer":"4.5"},`, ``, "versions: required"},
	} {
		broken := strings.Replace(valid, c.from, c.to, 1)
		require.NotEqual(t, valid, broken, c.from)
		probs := report.ValidateLayer([]byte(broken))
		assert.True(t, containsPrefix(probs, c.want), "%s -> %s: got %v", c.from, c.to, probs)
	}
	assert.Equal(t, []string{"layer: not a JSON object: unexpected end of JSON input"}, report.ValidateLayer([]byte(``)))
}

func containsPrefix(list []string, want string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, want) {
			return true
		}
	}
	return false
}
