package report_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/report"
)

func exampleExport(t *testing.T) (*report.Export, []byte) {
	t.Helper()
	ws, err := findings.LoadWorkspace("../testdata/example")
	require.NoError(t, err)
	f, err := findings.Load("../testdata/example/findings/INC-2026-031.yaml", ws.Root)
	require.NoError(t, err)
	ex, err := report.ExportSTIX(ws, f)
	require.NoError(t, err)
	data, err := json.Marshal(ex.Bundle)
	require.NoError(t, err)
	return ex, data
}

func TestExportSTIX(t *testing.T) {
	ex, data := exampleExport(t)
	require.Empty(t, report.ValidateSTIX(data))
	_, again := exampleExport(t)
	assert.Equal(t, string(data), string(again), "exporting twice gives the same bundle")

	var b struct {
		Objects []map[string]any `json:"objects"`
	}
	require.NoError(t, json.Unmarshal(data, &b))
	byType := map[string][]map[string]any{}
	byID := map[string]map[string]any{}
	for _, o := range b.Objects {
		byType[o["type"].(string)] = append(byType[o["type"].(string)], o)
		byID[o["id"].(string)] = o
	}
	require.Len(t, byType["report"], 1)
	require.Len(t, byType["incident"], 1)
	assert.Len(t, byType["attack-pattern"], 12)
	assert.Len(t, byType["course-of-action"], 9)
	patternTypes := map[string]int{}
	for _, o := range byType["indicator"] {
		patternTypes[o["pattern_type"].(string)]++
	}
	assert.Equal(t, map[string]int{"stix": 11, "sigma": 20, "yara": 5}, patternTypes)
	assert.Equal(t, []string{"indicators[9] (scheduled-task \\Microsoft\\Windows\\UpdateOrchestrator\\UpdateHelper): no STIX 2.1 observable for this type"}, ex.Skipped)
	assert.Len(t, byType["report"][0]["object_refs"], len(b.Objects)-2, "the report refers to everything but its author")

	// Every object carries the finding's TLP:AMBER marking.
	for _, o := range b.Objects {
		if o["type"] != "identity" {
			assert.Equal(t, []any{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"}, o["object_marking_refs"], o["id"])
		}
	}

	// The Office rule indicates the PowerShell technique; its pattern is
	// the rule as shared, without the generator's checksum line.
	var office map[string]any
	for _, o := range byType["indicator"] {
		if o["name"] == "WINWORD starts PowerShell with a hidden window and an encoded command" {
			office = o
		}
	}
	require.NotNil(t, office)
	assert.True(t, strings.HasPrefix(office["pattern"].(string), "title: 'WINWORD starts PowerShell"))
	found := false
	for _, r := range byType["relationship"] {
		if r["source_ref"] == office["id"] && r["relationship_type"] == "indicates" {
			ap := byID[r["target_ref"].(string)]
			assert.Equal(t, "T1059.001", ap["name"])
			found = true
		}
	}
	assert.True(t, found, "the rule indicates its technique")
	names := map[string]bool{}
	for _, o := range byType["indicator"] {
		names[o["name"].(string)] = true
	}
	assert.True(t, names["Many failed NTLM network logons to FS01 for different service accounts from one workstation"], "a correlation file is named after its correlation rule")
	assert.True(t, names["ipv4 203.0.113.45"])
}

// Each rule the STIX check enforces catches a broken copy of a valid
// bundle.
func TestValidateSTIXRules(t *testing.T) {
	_, data := exampleExport(t)
	valid := string(data)
	var b map[string]any
	require.NoError(t, json.Unmarshal(data, &b))
	objs := b["objects"].([]any)
	first := func(typ string) map[string]any {
		for _, o := range objs {
			if o.(map[string]any)["type"] == typ {
				return o.(map[string]any)
			}
		}
		t.Fatalf("no %s", typ)
		return nil
	}
	ind := first("indicator")
	rel := first("relationship")
	coa := first("course-of-action")
	for _, c := range []struct {
		name   string
		mutate func(m map[string]any)
		want   string
	}{
		{"id of another type", func(m map[string]any) { ind["id"] = strings.Replace(ind["id"].(string), "indicator--", "malware--", 1) }, ".id: \"malware--"},
		{"no spec_version", func(m map[string]any) { delete(ind, "spec_version") }, ".spec_version: <nil> (expected \"2.1\")"},
		{"no pattern", func(m map[string]any) { delete(ind, "pattern") }, "(indicator).pattern: required"},
		{"timestamp without millis", func(m map[string]any) { ind["created"] = "2026-03-24T00:00:00Z" }, `(indicator).created: "2026-03-24T00:00:00Z" is not a UTC timestamp with milliseconds`},
		{"modified before created", func(m map[string]any) { ind["modified"] = "2020-01-01T00:00:00.000Z" }, "(indicator).modified: 2020-01-01T00:00:00.000Z is before created"},
		{"valid_until before valid_from", func(m map[string]any) { ind["valid_until"] = "2020-01-01T00:00:00.000Z" }, "(indicator).valid_until: 2020-01-01T00:00:00.000Z is not after valid_from"},
		{"dangling ref", func(m map[string]any) { rel["target_ref"] = "attack-pattern--00000000-0000-4000-8000-000000000000" }, "(relationship).target_ref: attack-pattern--00000000-0000-4000-8000-000000000000 is not an object of the bundle"},
		{"indicates from a course of action", func(m map[string]any) {
			rel["relationship_type"], rel["source_ref"] = "indicates", coa["id"]
		}, "(relationship).source_ref: course-of-action--"},
		{"bad property name", func(m map[string]any) { ind["Bad-Name"] = "x" }, "(indicator).Bad-Name: property names are 3 to 250"},
		{"empty list", func(m map[string]any) { ind["labels"] = []any{} }, "(indicator).labels: an empty list"},
		{"external reference without id", func(m map[string]any) {
			first("attack-pattern")["external_references"] = []any{map[string]any{"source_name": "mitre-attack"}}
		}, "needs at least one of description, url and external_id"},
		{"unknown type", func(m map[string]any) { coa["type"] = "playbook-thing" }, `.type: "playbook-thing" is not a STIX 2.1`},
		{"bundle with spec_version", func(m map[string]any) { m["spec_version"] = "2.1" }, "bundle.spec_version: not a property of a STIX 2.1 bundle"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(valid), &m))
			objs = m["objects"].([]any)
			ind, rel, coa = first("indicator"), first("relationship"), first("course-of-action")
			c.mutate(m)
			broken, err := json.Marshal(m)
			require.NoError(t, err)
			probs := report.ValidateSTIX(broken)
			ok := false
			for _, p := range probs {
				ok = ok || strings.Contains(p, c.want)
			}
			assert.True(t, ok, "want %q in %v", c.want, probs)
		})
	}
}
