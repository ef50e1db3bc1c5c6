package regress_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/regress"
)

func intp(n int) *int { return &n }

func TestBounds(t *testing.T) {
	cases := []struct {
		name string
		test regress.Test
		want string
		pass []int
		fail []int
	}{
		{"default", regress.Test{}, "at least 1", []int{1, 5}, []int{0}},
		{"match_count", regress.Test{MatchCount: intp(2)}, "at least 2", []int{2, 3}, []int{1}},
		{"no-match", regress.Test{Expect: "no-match"}, "no detection", []int{0}, []int{1}},
		{"exactly", regress.Test{Exactly: intp(3)}, "exactly 3", []int{3}, []int{2, 4}},
		{"range", regress.Test{AtLeast: intp(2), AtMost: intp(4)}, "2 to 4", []int{2, 4}, []int{1, 5}},
		{"budget", regress.Test{Expect: "no-match", AtMost: intp(2)}, "0 to 2", []int{0, 2}, []int{3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.test.Bounds()
			assert.Equal(t, c.want, b.String())
			for _, n := range c.pass {
				assert.True(t, b.Holds(n), "%d", n)
			}
			for _, n := range c.fail {
				assert.False(t, b.Holds(n), "%d", n)
			}
		})
	}
}

func TestParseInfo(t *testing.T) {
	good := `id: 0b5c7e0d-6a1f-4f59-9c1e-2d8b3a7f6e41
description: N/A
date: 2026-03-12
author: me
rule_metadata:
    - id: 2a8e5c41-97d3-4f0b-8c6e-5d1f3b9a7e20
      title: T
regression_tests_info:
    - name: Positive Detection Test
      type: evtx
      provider: Microsoft-Windows-Sysmon
      match_count: 1
      path: regression_data/x/2a8e5c41-97d3-4f0b-8c6e-5d1f3b9a7e20.evtx
`
	info, err := regress.ParseInfo("info.yml", []byte(good))
	require.NoError(t, err)
	require.Len(t, info.Tests, 1)
	assert.Equal(t, 9, info.Tests[0].Line)
	out, err := info.Marshal()
	require.NoError(t, err)
	assert.Equal(t, good, string(out), "SigmaHQ's layout survives a round trip")

	for name, c := range map[string]struct{ doc, want string }{
		"unknown key": {strings.Replace(good, "match_count: 1", "match_cnt: 1", 1), "info.yml:12: field match_cnt not found in type regress.Test (expected SigmaHQ's info.yml keys"},
		"bad expect":  {strings.Replace(good, "match_count: 1", "expect: maybe", 1), `info.yml:9: expect "maybe" (expected match or no-match)`},
		"bad type":    {strings.Replace(good, "type: evtx", "type: csv", 1), `info.yml:9: type "csv" (expected evtx, json, ndjson, jsonl, file for YARA, or config for policies)`},
		"no path":     {strings.Replace(good, "      path: regression_data/x/2a8e5c41-97d3-4f0b-8c6e-5d1f3b9a7e20.evtx\n", "", 1), "info.yml:9: test has no path"},
		"bounds":      {strings.Replace(good, "match_count: 1", "at_least: 3\n      at_most: 2", 1), "info.yml:9: bounds ask for 3 to 2 detections"},
		"empty":       {"", "info.yml:1: info.yml is empty"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := regress.ParseInfo("info.yml", []byte(c.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// failingRun runs one rule that misses its positive sample and one that
// passes, against the example workspace's samples.
func failingRun(t *testing.T) *regress.Report {
	t.Helper()
	example, err := filepath.Abs("../testdata/example")
	require.NoError(t, err)
	dir := t.TempDir()
	sample := filepath.Join(example, "samples/INC-2026-031/events/ws-fin-07-sysmon.jsonl")
	write := func(name, body string) {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	}
	write("miss.yml", `title: Misses
id: 11111111-1111-4111-8111-111111111111
tags: [attack.t1003.001]
logsource: {category: process_creation, product: windows}
detection:
    sel: {CommandLine|contains: 'never-there'}
    condition: sel
regression_tests_path: regression_data/miss/info.yml
`)
	write("regression_data/miss/info.yml", `rule_metadata:
    - id: 11111111-1111-4111-8111-111111111111
      title: Misses
regression_tests_info:
    - name: Positive Detection Test
      type: jsonl
      path: `+sample+"\n")
	write("hit.yml", `title: Hits
id: 22222222-2222-4222-8222-222222222222
logsource: {category: process_creation, product: windows}
detection:
    sel: {CommandLine|contains: 'comsvcs'}
    condition: sel
regression_tests_path: regression_data/hit/info.yml
`)
	write("regression_data/hit/info.yml", `rule_metadata:
    - id: 22222222-2222-4222-8222-222222222222
      title: Hits
regression_tests_info:
    - name: Positive Detection Test
      type: jsonl
      path: `+sample+"\n")
	rep, err := regress.Run(context.Background(), regress.Options{Paths: []string{dir}})
	require.NoError(t, err)
	require.Equal(t, 2, rep.Totals.Cases)
	require.Equal(t, 1, rep.Totals.Failed)
	return rep
}

func TestJUnitParses(t *testing.T) {
	rep := failingRun(t)
	var buf bytes.Buffer
	require.NoError(t, regress.JUnit(&buf, rep))
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
	assert.Equal(t, 2, doc.Tests)
	assert.Equal(t, 1, doc.Failures)
	require.Len(t, doc.Suites, 2)
	var failures []string
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil {
				failures = append(failures, s.Name+": "+c.Failure.Message)
			}
		}
	}
	assert.Equal(t, []string{"sigma: Misses [11111111-1111-4111-8111-111111111111]: missed: no detection on a sample it must detect"}, failures)
}

func TestSARIFValidates(t *testing.T) {
	rep := failingRun(t)
	var buf bytes.Buffer
	require.NoError(t, regress.SARIF(&buf, rep))

	c := jsonschema.NewCompiler()
	schemaFile, err := os.Open("testdata/sarif-2.1.0.json")
	require.NoError(t, err)
	defer schemaFile.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(schemaFile)
	require.NoError(t, err)
	require.NoError(t, c.AddResource("sarif-2.1.0.json", schemaDoc))
	schema, err := c.Compile("sarif-2.1.0.json")
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	require.NoError(t, schema.Validate(doc))

	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &log))
	require.Len(t, log.Runs[0].Results, 1)
	r := log.Runs[0].Results[0]
	assert.Equal(t, "11111111-1111-4111-8111-111111111111", r.RuleID)
	assert.True(t, strings.HasSuffix(r.Locations[0].PhysicalLocation.ArtifactLocation.URI, "/miss.yml"))
	assert.Equal(t, 1, r.Locations[0].PhysicalLocation.Region.StartLine)

	// And the schema does reject a broken log, so the check above means
	// something.
	bad, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"version": "2.1.0", "runs": [{"results": []}]}`))
	require.NoError(t, err)
	assert.Error(t, schema.Validate(bad))
}

func TestCompare(t *testing.T) {
	base := failingRun(t)
	cur := *base
	cur.Cases = append([]regress.Case(nil), base.Cases...)
	for i := range cur.Cases {
		if cur.Cases[i].Status == regress.Pass {
			cur.Cases[i].Count = 7
		} else {
			cur.Cases[i].Status = regress.Pass
			cur.Cases[i].Count = 1
		}
	}
	var got []string
	for _, c := range regress.Compare(base, &cur) {
		got = append(got, c.What+" "+c.Artifact)
	}
	assert.Equal(t, []string{
		"count-changed sigma:22222222-2222-4222-8222-222222222222",
		"newly-passing sigma:11111111-1111-4111-8111-111111111111",
	}, got)
}

// TestRelativeWorkspace runs the example named by a relative path: a sample
// a rule reaches by an absolute path and the same file named by a finding's
// evidence are read once, so correlation rules count each event once.
func TestRelativeWorkspace(t *testing.T) {
	rep, err := regress.Run(context.Background(), regress.Options{Workspace: "../testdata/example"})
	require.NoError(t, err)
	assert.Equal(t, 0, rep.Totals.Failed+rep.Totals.Errors, "every case of the example passes")
	assert.Equal(t, rep.Totals.Cases, rep.Totals.Passed)
	assert.Greater(t, rep.Totals.Cases, 50)
}
