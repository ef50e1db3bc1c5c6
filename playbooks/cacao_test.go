package playbooks

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const exampleCACAO = "../testdata/example/playbooks/malware-intrusion.cacao.json"

func TestCACAORoundTrip(t *testing.T) {
	data, err := os.ReadFile(exampleCACAO)
	require.NoError(t, err)
	c, err := ParseCACAO(data)
	require.NoError(t, err)
	assert.Empty(t, c.Validate())
	out, err := json.Marshal(c)
	require.NoError(t, err)
	assert.True(t, SameJSON(data, out), "the model keeps every property, extensions included")
	assert.Contains(t, string(out), "x_corvid_owner")
	assert.Contains(t, string(out), `"commands"`)
}

func TestCACAOValidate(t *testing.T) {
	data, err := os.ReadFile(exampleCACAO)
	require.NoError(t, err)
	c, err := ParseCACAO(data)
	require.NoError(t, err)
	// Break the graph: a dangling reference and an unreachable step.
	for id, s := range c.Workflow {
		if s.Type == "start" {
			s.OnCompletion = "action--00000000-0000-0000-0000-000000000000"
			_ = id
		}
	}
	problems := c.Validate()
	assert.Contains(t, problems[0]+problems[len(problems)-1], "action--00000000-0000-0000-0000-000000000000")
	unreachable := 0
	for _, p := range problems {
		if strings.Contains(p, "cannot be reached from workflow_start") {
			unreachable++
		}
	}
	assert.Equal(t, 11, unreachable, "the ten actions and the end step are cut off: %v", problems)
}

func TestCACAOPatchAppliesAndValidates(t *testing.T) {
	data, err := os.ReadFile(exampleCACAO)
	require.NoError(t, err)
	c, err := ParseCACAO(data)
	require.NoError(t, err)
	ops := []Op{
		{Kind: "add", Phase: "containment", Step: "Isolate the affected host from the network with the EDR.", Text: "Disable the user at the identity provider", Owner: "identity-team", Reason: "missing step", Source: "s-disable-idp"},
		{Kind: "add", Phase: "detection-and-analysis", Text: "Check for failed-logon bursts", Source: "s-spray-check"},
		{Kind: "annotate", Phase: "detection-and-analysis", Step: "x", Text: "y", Source: "s-late"},
	}
	patch, conflicts := CACAOPatch(c, ops, func(op Op) string {
		return "action--11111111-2222-4333-8444-" + map[string]string{"s-disable-idp": "000000000001", "s-spray-check": "000000000002"}[op.Source]
	})
	require.Empty(t, conflicts)
	require.Len(t, patch, 6)
	raw, err := json.Marshal(patch)
	require.NoError(t, err)
	out, err := ApplyPatch(data, raw)
	require.NoError(t, err)
	patched, err := ParseCACAO(out)
	require.NoError(t, err)
	assert.Empty(t, patched.Validate())
	isolate := patched.Workflow["action--11111111-2222-4333-8444-000000000001"]
	require.NotNil(t, isolate)
	assert.Equal(t, "Isolate the affected host from the network with the EDR.", patched.Workflow[isolate.OnCompletion].Name)

	// A patch whose anchor step is gone conflicts instead of guessing.
	_, conflicts = CACAOPatch(c, []Op{{Kind: "add", Step: "No such step", Text: "x", Source: "s"}}, func(Op) string { return "action--11111111-2222-4333-8444-000000000003" })
	require.Len(t, conflicts, 1)
}
