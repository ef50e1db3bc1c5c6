package sigma_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/rules/sigma"
)

const corpus = "../../../shared/corpus"

func needCorpus(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join(corpus, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not present at %s: %v", dir, err)
	}
	return dir
}

// TestSigmaHQCollectionLoads: every rule file in SigmaHQ's rules,
// rules-emerging-threats and rules-threat-hunting loads or is refused with
// a reason, and at least 99% load.
func TestSigmaHQCollectionLoads(t *testing.T) {
	root := needCorpus(t, "sigmahq")
	p, err := sigma.LoadPipeline("windows")
	require.NoError(t, err)
	var dirs []string
	for _, d := range []string{"rules", "rules-emerging-threats", "rules-threat-hunting"} {
		dirs = append(dirs, filepath.Join(root, d))
	}
	set, err := sigma.Load(dirs, sigma.LoadOptions{Pipeline: p})
	require.NoError(t, err)
	total := len(set.Rules) + len(set.Refusals)
	assert.Equal(t, set.Files, total, "every file is one rule or one refusal")
	assert.GreaterOrEqual(t, float64(len(set.Rules))/float64(total), 0.99)
	// The snapshot in VERSION: 3754 files, of which two use a
	// placeholder (%known_cdcs%) that the windows pipeline leaves
	// undefined.
	assert.Equal(t, 3754, set.Files)
	assert.Equal(t, 3752, len(set.Rules))
	require.Len(t, set.Refusals, 2)
	for _, r := range set.Refusals {
		assert.Equal(t, "placeholder", r.Feature)
		assert.Positive(t, r.Line)
		assert.Contains(t, r.Message, "%known_cdcs%")
	}
}

// TestSigmaHQTortureFolders: the deprecated and unsupported folders load
// or are refused, each refusal naming file, line and feature.
func TestSigmaHQTortureFolders(t *testing.T) {
	root := needCorpus(t, "sigmahq")
	set, err := sigma.Load([]string{filepath.Join(root, "unsupported"), filepath.Join(root, "deprecated"), filepath.Join(root, "rules-placeholder")}, sigma.LoadOptions{})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(set.Rules)+len(set.Refusals), set.Files)
	features := map[string]int{}
	for _, r := range set.Refusals {
		assert.NotEmpty(t, r.File)
		assert.Positive(t, r.Line, r.Error())
		assert.NotEmpty(t, r.Message)
		features[r.Feature]++
	}
	assert.Equal(t, 55, features["condition aggregation"], "v1 count() conditions")
	assert.Equal(t, 26, features["placeholder"], "placeholders without values")
	assert.Equal(t, 4, features["condition syntax"])
}

// TestAttackSamplesFire scans EVTX-ATTACK-SAMPLES with the SigmaHQ rules:
// the rules that name each file's technique fire on it.
func TestAttackSamplesFire(t *testing.T) {
	rules := filepath.Join(needCorpus(t, "sigmahq"), "rules")
	samples := needCorpus(t, "evtx-attack-samples")
	want := map[string][]string{
		"defense-evasion/DE_1102_security_log_cleared.evtx":                  {"d99b79d2-0a6f-4f46-ad8b-260b6e17f982"},
		"defense-evasion/DE_BYOV_Zam64_CA_Memdump_sysmon_7_10.evtx":          {"9bd012ee-0dff-44d7-84a0-aa698cfd87a3"},
		"defense-evasion/DE_Fake_ComputerAccount_4720.evtx":                  {"7b449a5e-1db5-4dd0-a2dc-4e3a67282538"},
		"execution/exec_sysmon_lobin_regsvr32_sct.evtx":                      {"867356ee-9352-41c9-a8f2-1be690d78216"},
		"execution/exec_wmic_xsl_internet_sysmon_3_1_11.evtx":                {"8d63dadf-b91b-4187-87b6-34a1114577ea"},
		"persistence/wmighost_sysmon_20_21_1.evtx":                           {"0f06a3a5-6a09-413f-8743-e6cf35561297", "ec1d5e28-8f3b-4188-a6f8-6e8df81dc28e"},
		"privilege-escalation/sysmon_privesc_psexec_dwell.evtx":              {"fdfcbd78-48f1-4a4b-90ac-d82241e368c5"},
		"privilege-escalation/security_4624_4673_token_manip.evtx":           {"192a0330-c20b-4356-90b6-7b7049ae0b87"},
		"persistence/persistence_security_dcshadow_4742.evtx":                {"32e19d25-4aed-4860-a55a-be99cb0bf7ed"},
		"defense-evasion/de_unmanagedpowershell_psinject_sysmon_7_8_10.evtx": {"092bc4b9-3d1d-43b4-a6b4-8c8acd83522f"},
	}
	fired := map[string]map[string]bool{}
	res, err := sigma.Scan(context.Background(), sigma.ScanOptions{Rules: []string{rules}, Events: []string{samples}}, func(d sigma.Detection) {
		rel, _ := filepath.Rel(samples, d.Source.File)
		if fired[rel] == nil {
			fired[rel] = map[string]bool{}
		}
		fired[rel][d.Rule.ID] = true
	})
	require.NoError(t, err)
	assert.Empty(t, res.Events.Damage)
	assert.Equal(t, 3269, res.Events.Records)
	for file, ids := range want {
		for _, id := range ids {
			assert.True(t, fired[file][id], "rule %s must fire on %s", id, file)
		}
	}
}
