package sigma_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/generators"
	gensigma "github.com/antibody-dev/antibody/generators/sigma"
	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// A held-out case: rules are generated from one recording of a technique
// (the cited records are its malicious events) and must catch other
// recordings of the same technique, which the generator never saw.
type heldOut struct {
	name      string
	technique string
	train     string
	records   []int64
	others    []string
}

var heldOutCases = []heldOut{
	{"rundll32 zipfldr RouteTheCall", "T1218.011", "execution/exec_sysmon_1_11_lolbin_rundll32_zipfldr_RouteTheCall.evtx", []int64{16443},
		[]string{"execution/sysmon_lolbas_rundll32_zipfldr_routethecall_shell.evtx"}},
	{"regsvr32 scrobj squiblydoo", "T1218.010", "execution/exec_sysmon_lobin_regsvr32_sct.evtx", []int64{16792},
		[]string{"execution/exec_sysmon_1_lolbin_renamed_regsvr32_scrobj.evtx"}},
	{"rundll32 OpenURL", "T1218.011", "execution/exec_sysmon_1_11_lolbin_rundll32_openurl_FileProtocolHandler.evtx", []int64{16388},
		[]string{"execution/exec_sysmon_1_11_lolbin_rundll32_shdocvw_openurl.evtx"}},
	{"WMI event consumer", "T1546.003", "persistence/wmighost_sysmon_20_21_1.evtx", []int64{7195, 7197},
		[]string{"persistence/sysmon_20_21_1_CommandLineEventConsumer.evtx"}},
	{"named-pipe impersonation", "T1134.001", "privilege-escalation/privesc_seimpersonate_tosys_spoolsv_sysmon_17_18.evtx", []int64{110431},
		[]string{"privilege-escalation/privesc_roguepotato_sysmon_17_18.evtx", "privilege-escalation/EfsPotato_sysmon_17_18_privesc_seimpersonate_to_system.evtx"}},
	{"UAC bypass through a shell open command", "T1548.002", "privilege-escalation/Sysmon_13_1_UAC_Bypass_EventVwrBypass.evtx", []int64{11112},
		[]string{"privilege-escalation/sysmon_13_1_compmgmtlauncherUACBypass.evtx", "privilege-escalation/Sysmon_13_1_UACBypass_SDCLTBypass.evtx"}},
}

// TestGeneralisesToHeldOutRecordings measures how many held-out
// recordings the generated rules catch, and that they stay silent on the
// example workspace's benign events.
func TestGeneralisesToHeldOutRecordings(t *testing.T) {
	corpusDir, err := filepath.Abs("../../../shared/corpus/evtx-attack-samples")
	require.NoError(t, err)
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not present at %s: %v", corpusDir, err)
	}
	benignDir, err := filepath.Abs("../../testdata/example/benign/events")
	require.NoError(t, err)
	rel := func(p string) string { return strings.TrimPrefix(filepath.ToSlash(p), "/") }
	ws := &findings.Workspace{Root: "/", Paths: findings.DefaultPaths,
		Benign: []findings.BenignCorpus{{Path: rel(benignDir), Kind: "events"}}}
	var benign []*events.Event
	files, err := events.Files([]string{benignDir})
	require.NoError(t, err)
	for _, f := range files {
		_, err := events.Read(f, func(ev *events.Event) error {
			benign = append(benign, ev.Clone())
			return nil
		})
		require.NoError(t, err)
	}
	pipeline, err := sigma.LoadPipeline("windows")
	require.NoError(t, err)

	caught, total, benignHits := 0, 0, 0
	for _, c := range heldOutCases {
		f := &findings.Finding{
			Incident: findings.Incident{ID: "HELD-OUT"},
			Evidence: []findings.Evidence{{ID: "ev", Kind: "events", Path: rel(filepath.Join(corpusDir, c.train))}},
			Behaviors: []findings.Behavior{{ID: "b-" + strings.ReplaceAll(c.name, " ", "-"), Technique: findings.Technique(c.technique),
				Summary: c.name, Evidence: "ev", Records: c.records}},
		}
		res, err := (&gensigma.Generator{Pipeline: pipeline}).Generate(context.Background(), generators.Input{Finding: f, File: "held-out.yaml", Workspace: ws})
		require.NoError(t, err, c.name)
		var docs []string
		for _, a := range res.Artifacts {
			if a.Kind == "sigma" {
				docs = append(docs, string(a.Content))
			}
		}
		if !assert.NotEmpty(t, docs, "%s: no rule generated (skipped: %v)", c.name, res.Skipped) {
			continue
		}
		set, err := sigma.Parse("generated", []byte(strings.Join(docs, "---\n")), sigma.LoadOptions{Pipeline: pipeline})
		require.NoError(t, err)
		require.Empty(t, set.Refusals, c.name)
		e := sigma.NewEngine(set, pipeline)
		m := e.NewMatcher()
		for _, ev := range benign {
			m.Match(ev, func(sigma.Detection) { benignHits++ })
		}
		for _, other := range c.others {
			n := 0
			_, err := events.Read(filepath.Join(corpusDir, other), func(ev *events.Event) error {
				m.Match(ev, func(sigma.Detection) { n++ })
				return nil
			})
			require.NoError(t, err)
			total++
			if n > 0 {
				caught++
			}
			t.Logf("%s: %s -> %s: %d detections", c.name, filepath.Base(c.train), filepath.Base(other), n)
			if n == 0 && os.Getenv("ANTIBODY_DEBUG") != "" {
				t.Log(strings.Join(docs, "---\n"))
			}
		}
	}
	t.Logf("held-out recordings caught: %d of %d; benign events hit: %d of %d", caught, total, benignHits, len(benign))
	assert.Zero(t, benignHits, "generated rules must stay silent on the benign corpus")
	assert.GreaterOrEqual(t, caught, 6, "generalisation regressed")
}
