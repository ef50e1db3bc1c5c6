package clickhouse_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/regress"
	"github.com/antibody-dev/antibody/rules/clickhouse"
	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
	"github.com/antibody-dev/antibody/rules/sigma/sigmatest"
)

// server returns the table to test with, on the ClickHouse named by
// ANTIBODY_CLICKHOUSE (http://host:port); when ANTIBODY_CLICKHOUSE_CLUSTER
// names a cluster, the table is Distributed over the shards listed in
// ANTIBODY_CLICKHOUSE_SHARDS (comma-separated URLs). Without a server the
// test skips, unless ANTIBODY_REQUIRE_CLICKHOUSE is set (as make
// backtest-test sets it).
func server(t *testing.T, name string) *clickhouse.Table {
	t.Helper()
	url := os.Getenv("ANTIBODY_CLICKHOUSE")
	if url == "" {
		if os.Getenv("ANTIBODY_REQUIRE_CLICKHOUSE") != "" {
			t.Fatal("ANTIBODY_REQUIRE_CLICKHOUSE is set but ANTIBODY_CLICKHOUSE names no server")
		}
		t.Skip("no ClickHouse: set ANTIBODY_CLICKHOUSE=http://127.0.0.1:8123 (make backtest-test starts a two-shard cluster from Debian's clickhouse-server)")
	}
	c, err := clickhouse.NewClient(url, "", "", "default")
	require.NoError(t, err)
	_, err = c.Version(context.Background())
	require.NoError(t, err, "ClickHouse at %s", url)
	tbl := &clickhouse.Table{Client: c, Name: "antibody_test_" + name, Cluster: os.Getenv("ANTIBODY_CLICKHOUSE_CLUSTER")}
	if tbl.Cluster != "" {
		for _, u := range strings.Split(os.Getenv("ANTIBODY_CLICKHOUSE_SHARDS"), ",") {
			sh, err := clickhouse.NewClient(strings.TrimSpace(u), "", "", "default")
			require.NoError(t, err)
			tbl.Shards = append(tbl.Shards, sh)
		}
	}
	t.Cleanup(func() { _ = tbl.Drop(context.Background()) })
	return tbl
}

type key struct {
	rule, file string
	record     uint64
	line       int
}

func detections(t *testing.T, b sigma.Backend, set *sigma.Set, p *sigma.Pipeline) (map[key]int, *sigma.BackendReport) {
	t.Helper()
	out := map[key]int{}
	rep, err := b.Detect(context.Background(), set, p, func(d sigma.Detection) {
		f, _ := filepath.Abs(d.Source.File)
		out[key{d.Rule.Ref(), f, d.Source.Record, d.Source.Line}]++
	})
	require.NoError(t, err)
	return out, rep
}

// differential loads events into ClickHouse, runs the rules both ways and
// requires the same detections; rules the compiler refuses are listed.
func differential(t *testing.T, name string, rulePaths, eventPaths []string) {
	tbl := server(t, name)
	ctx := context.Background()
	require.NoError(t, tbl.Drop(ctx))
	require.NoError(t, tbl.Init(ctx))

	var abs []string
	for _, p := range eventPaths {
		a, err := filepath.Abs(p)
		require.NoError(t, err)
		abs = append(abs, a)
	}
	files, err := events.Files(abs)
	require.NoError(t, err)
	st, err := tbl.Load(ctx, files, clickhouse.LoadOptions{})
	require.NoError(t, err)
	t.Logf("loaded %d events from %d files in %d batches, %.0f events/s", st.Events, st.Files, st.Batches, float64(st.Events)/st.Elapsed.Seconds())
	if len(tbl.Shards) > 0 {
		sum := 0
		for _, sh := range tbl.Shards {
			n := 0
			require.NoError(t, sh.Rows(ctx, "SELECT count() FROM "+tbl.Name+"_local", func(c []string) error { n, _ = strconv.Atoi(c[0]); return nil }))
			assert.Greater(t, n, 0, "shard %s holds part of the events", sh.URL)
			sum += n
		}
		assert.Equal(t, st.Events, sum, "the shards hold every event once")
	}

	p, err := sigma.LoadPipeline("windows")
	require.NoError(t, err)
	set, err := sigma.Load(rulePaths, sigma.LoadOptions{Pipeline: p})
	require.NoError(t, err)
	want, local := detections(t, sigma.FilesBackend{Files: files}, set, p)
	ch := &clickhouse.Backend{Table: tbl}
	got, remote := detections(t, ch, set, p)
	refusedRule := map[string]bool{}
	for _, r := range remote.Refused {
		refusedRule[r.Rule.Ref()] = true
		t.Logf("refused: %s", r.Error())
	}
	for k := range want {
		if refusedRule[k.rule] {
			delete(want, k)
		}
	}
	assert.Equal(t, local.Events, remote.Events, "both examined the same events")
	var missing, extra []string
	for k, n := range want {
		if got[k] != n {
			missing = append(missing, fmt.Sprintf("%s %s:%d record %d (in-process %d, clickhouse %d)", k.rule, k.file, k.line, k.record, n, got[k]))
		}
	}
	for k, n := range got {
		if want[k] == 0 {
			extra = append(extra, fmt.Sprintf("%s %s:%d record %d (clickhouse %d)", k.rule, k.file, k.line, k.record, n))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	assert.Empty(t, missing, "detections the ClickHouse backend missed")
	assert.Empty(t, extra, "detections only the ClickHouse backend made")
	total := 0
	for _, n := range want {
		total += n
	}
	t.Logf("%d rules compiled, %d refused; %d detections agree", remote.Rules, len(remote.Refused), total)
	assert.Greater(t, total, 0)

	// Counting in the table (many rules to a query, as the generator's
	// tuning does) agrees with the engine's per-rule counts.
	plain := &sigma.Set{}
	for _, r := range set.Rules {
		if r.Kind != sigma.KindCorrelation && !refusedRule[r.Ref()] {
			plain.Rules = append(plain.Rules, r)
		}
	}
	wantN, err := sigma.CountDetections(ctx, sigma.FilesBackend{Files: files}, plain, p)
	require.NoError(t, err)
	gotN, err := ch.Count(ctx, plain, p)
	require.NoError(t, err)
	counted := 0
	for _, r := range plain.Detections() {
		assert.Equal(t, wantN[r], gotN[r], "count of %s", r.Ref())
		counted += gotN[r]
	}
	t.Logf("counts of %d rules agree (%d events matched)", len(plain.Detections()), counted)
}

func TestDifferentialExample(t *testing.T) {
	differential(t, "example", []string{"../../testdata/example/rules/sigma"},
		[]string{"../../testdata/example/samples", "../../testdata/example/benign/events"})
}

func TestDifferentialCorpus(t *testing.T) {
	const corpus = "../../../shared/corpus"
	if _, err := os.Stat(corpus + "/evtx-attack-samples"); err != nil {
		t.Skip("../shared/corpus is absent: " + corpus + "/evtx-attack-samples")
	}
	// A few hundred SigmaHQ rules: every Windows rule whose file name
	// sorts into the chosen slices, so the set is stable.
	var rules []string
	for _, dir := range []string{"process_creation", "registry/registry_set", "file/file_event", "network_connection", "builtin/security", "powershell/powershell_script"} {
		matches, _ := filepath.Glob(filepath.Join(corpus, "sigmahq/rules/windows", dir, "*.yml"))
		sort.Strings(matches)
		step := max(1, len(matches)/80)
		for i := 0; i < len(matches); i += step {
			rules = append(rules, matches[i])
		}
	}
	require.Greater(t, len(rules), 200)
	differential(t, "corpus", rules, []string{corpus + "/evtx-attack-samples"})
}

// TestDifferentialConformance runs the Sigma engine's conformance cases
// (every modifier, filters, pipelines) through both backends.
func TestDifferentialConformance(t *testing.T) {
	tbl := server(t, "conformance")
	ctx := context.Background()
	files := sigmatest.Files(t, "../sigma/testdata/conformance")
	compared := 0
	for _, file := range files {
		c := sigmatest.Load(t, file)
		name, set, p := c.Name, c.Set, c.Pipeline
		t.Run(name, func(t *testing.T) {
			evFiles := c.WriteEvents(t, t.TempDir())
			require.NoError(t, tbl.Drop(ctx))
			require.NoError(t, tbl.Init(ctx))
			_, err := tbl.Load(ctx, evFiles, clickhouse.LoadOptions{})
			require.NoError(t, err)
			want, _ := detections(t, sigma.FilesBackend{Files: evFiles}, set, p)
			got, remote := detections(t, &clickhouse.Backend{Table: tbl}, set, p)
			refused := map[string]string{}
			for _, r := range remote.Refused {
				refused[r.Rule.Ref()] = r.Reason
			}
			for k := range want {
				if _, ok := refused[k.rule]; ok {
					delete(want, k)
				}
			}
			for ref, why := range refused {
				t.Logf("refused %s: %s", ref, why)
			}
			if name != "time_modifiers" {
				assert.Empty(t, refused, "only the time-part modifiers are refused")
			}
			assert.Equal(t, want, got)
			compared += len(want)
		})
	}
	t.Logf("%d cases, %d detections compared", len(files), compared)
}

// TestDifferentialRegressionSuite backtests the example's generated rules
// over the sample files its regression suite reads and requires, for
// every rule and sample the suite expects a match in, the same count as
// antibody test reports.
func TestDifferentialRegressionSuite(t *testing.T) {
	tbl := server(t, "regress")
	ctx := context.Background()
	ws, err := filepath.Abs("../../testdata/example")
	require.NoError(t, err)
	rulesDir := filepath.Join(ws, "rules", "sigma", "inc-2026-031")
	rep, err := regress.Run(ctx, regress.Options{Workspace: ws, Paths: []string{rulesDir}})
	require.NoError(t, err)

	type ruleFile struct{ rule, file string }
	want := map[ruleFile]int{}
	sampleSet := map[string]bool{}
	for _, c := range rep.Cases {
		if c.Artifact.Kind != "sigma" || c.Expect != "match" {
			continue
		}
		f, err := filepath.Abs(c.Sample)
		require.NoError(t, err)
		want[ruleFile{c.Artifact.ID, f}] = c.Count
		sampleSet[f] = true
	}
	require.NotEmpty(t, want)
	var samples []string
	for f := range sampleSet {
		_, err := os.Stat(f)
		require.NoError(t, err, "sample %s", f)
		samples = append(samples, f)
	}
	sort.Strings(samples)

	require.NoError(t, tbl.Drop(ctx))
	require.NoError(t, tbl.Init(ctx))
	_, err = tbl.Load(ctx, samples, clickhouse.LoadOptions{})
	require.NoError(t, err)
	p, err := sigma.LoadPipeline("windows")
	require.NoError(t, err)
	set, err := sigma.Load([]string{rulesDir}, sigma.LoadOptions{Pipeline: p})
	require.NoError(t, err)
	got := map[ruleFile]int{}
	remote, err := (&clickhouse.Backend{Table: tbl}).Detect(ctx, set, p, func(d sigma.Detection) {
		f, _ := filepath.Abs(d.Source.File)
		got[ruleFile{d.Rule.ID, f}]++
	})
	require.NoError(t, err)
	require.Empty(t, remote.Refused)
	total := 0
	for k, n := range want {
		assert.Equal(t, n, got[k], "rule %s in %s: antibody test counts %d", k.rule, filepath.Base(k.file), n)
		total += n
	}
	t.Logf("%d rule x sample expectations of antibody test, %d detections, equal in the backtest over %d sample files", len(want), total, len(samples))
}

// A table made before the dup column, or none at all, is refused with
// what it is, before any rule runs or any event is sent.
func TestOldTableRefused(t *testing.T) {
	tbl := server(t, "old")
	ctx := context.Background()
	require.NoError(t, tbl.Drop(ctx))
	old := strings.Replace(clickhouse.Schema, ",\n    dup UInt8", "", 1)
	require.NotEqual(t, clickhouse.Schema, old)
	require.NoError(t, tbl.Client.Exec(ctx, "CREATE TABLE "+tbl.Client.Database+"."+tbl.Name+" "+old+" ENGINE = MergeTree() ORDER BY time"))
	p, err := sigma.LoadPipeline("windows")
	require.NoError(t, err)
	set, err := sigma.Load([]string{"../../testdata/example/rules/sigma/inc-2026-031"}, sigma.LoadOptions{Pipeline: p})
	require.NoError(t, err)
	var refused *clickhouse.OldTable
	_, err = (&clickhouse.Backend{Table: tbl}).Detect(ctx, set, p, func(sigma.Detection) {})
	require.ErrorAs(t, err, &refused)
	assert.False(t, refused.Missing)
	_, err = tbl.Load(ctx, []string{"../../testdata/example/samples/INC-2026-031/events/fs01-security.jsonl"}, clickhouse.LoadOptions{})
	require.ErrorAs(t, err, &refused)

	require.NoError(t, tbl.Drop(ctx))
	_, err = (&clickhouse.Backend{Table: tbl}).Detect(ctx, set, p, func(sigma.Detection) {})
	require.ErrorAs(t, err, &refused)
	assert.True(t, refused.Missing)
}
