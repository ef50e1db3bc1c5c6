package report_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/report"
)

func parse(t *testing.T, name, doc string) *findings.Finding {
	t.Helper()
	f, ps := findings.Parse(name, []byte(doc))
	require.Empty(t, ps)
	return f
}

// Three closed incidents detected 2h, 5h and 30h after compromise, one
// still open and not contained, one closed without a compromise time.
func handSet(t *testing.T) []*findings.Finding {
	mk := func(id, extra string) *findings.Finding {
		return parse(t, id+".yaml", "schema: antibody/finding/v1\nincident: {id: "+id+", title: t, status: confirmed, category: phishing}\ntimeline:\n"+extra)
	}
	return []*findings.Finding{
		mk("A", "  compromise: 2026-01-10T00:00:00Z\n  detected: 2026-01-10T02:00:00Z\n  contained: 2026-01-10T03:00:00Z\n  closed: 2026-01-20T00:00:00Z\n"),
		mk("B", "  compromise: 2026-02-10T00:00:00Z\n  detected: 2026-02-10T05:00:00Z\n  contained: 2026-02-10T09:00:00Z\n  closed: 2026-02-20T00:00:00Z\n"),
		mk("C", "  compromise: 2026-04-01T00:00:00Z\n  detected: 2026-04-02T06:00:00Z\n  contained: 2026-04-02T07:00:00Z\n  closed: 2026-04-20T00:00:00Z\n"),
		mk("D", "  compromise: 2026-05-01T00:00:00Z\n  detected: 2026-05-01T10:00:00Z\n"),
		mk("E", "  detected: 2026-06-01T10:00:00Z\n  contained: 2026-06-01T12:00:00Z\n  closed: 2026-06-05T00:00:00Z\n"),
	}
}

func stat(t *testing.T, m *report.Metrics, name string) report.DurationStats {
	t.Helper()
	for _, d := range m.Durations {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no duration %q", name)
	return report.DurationStats{}
}

// TestDurationsHandChecked: the values below were worked out by hand.
func TestDurationsHandChecked(t *testing.T) {
	m, err := report.ComputeMetrics(handSet(t), "quarter")
	require.NoError(t, err)
	assert.Equal(t, 5, m.Incidents)
	assert.Equal(t, 1, m.Open)

	ttd := stat(t, m, "time to detect")
	assert.Equal(t, "compromise", ttd.From)
	assert.Equal(t, "detected", ttd.To)
	// 2h, 5h, 30h (A, B, C) and 10h (D, open but detected).
	assert.Equal(t, 4, ttd.N)
	assert.Equal(t, 7.5*3600, ttd.Median)       // (5h + 10h) / 2
	assert.InDelta(t, 24.0*3600, ttd.P90, 1e-6) // 10h + 0.7 * (30h - 10h)
	assert.Equal(t, 11.75*3600, ttd.Mean)       // 47h / 4
	assert.Equal(t, 2.0*3600, ttd.Min)
	assert.Equal(t, 30.0*3600, ttd.Max)
	assert.Equal(t, 0, ttd.Open)
	assert.Equal(t, []string{"E"}, ttd.UnknownIDs, "closed without a compromise time: unknown, not guessed")

	ttc := stat(t, m, "time to contain")
	assert.Equal(t, 4, ttc.N) // 1h, 4h, 1h, 2h
	assert.Equal(t, 1.5*3600, ttc.Median)
	assert.Equal(t, []string{"D"}, ttc.OpenIDs, "still open, not contained yet")
	assert.Equal(t, 0, ttc.Unknown)

	assert.Equal(t, []string{"2026-Q1", "2026-Q2"}, m.Periods)
}

func TestStatistics(t *testing.T) {
	assert.Equal(t, 2.5, report.Quantile([]float64{1, 2, 3, 4}, 0.5))
	assert.InDelta(t, 3.7, report.Quantile([]float64{1, 2, 3, 4}, 0.9), 1e-12)
	lo, hi := report.Wilson(5, 20)
	assert.InDelta(t, 0.11186, lo, 1e-5)
	assert.InDelta(t, 0.46870, hi, 1e-5)
	// sum (t - 3.5) x = 42, variance 20/8 * 42 = 105.
	assert.InDelta(t, 42/10.246950766, report.TrendZ([]int{0, 0, 1, 1, 2, 4, 5, 7}), 1e-6)
	assert.Equal(t, 0.0, report.TrendZ([]int{3, 3, 3, 3}))
}

func loadHistory(t *testing.T) []*findings.Finding {
	t.Helper()
	files, err := findings.ListFindings("../testdata/history")
	require.NoError(t, err)
	var list []*findings.Finding
	for _, f := range files {
		fd, err := findings.Load(f, "")
		require.NoError(t, err, f)
		list = append(list, fd)
	}
	return list
}

// TestHistory finds the rise planted in the history and reports open and
// unknown cases apart. Expected durations were computed separately from
// the YAML files.
func TestHistory(t *testing.T) {
	m, err := report.ComputeMetrics(loadHistory(t), "quarter")
	require.NoError(t, err)
	assert.Equal(t, 33, m.Incidents)
	assert.Equal(t, 3, m.Open)
	assert.Equal(t, []string{"HIST-2026-FP1"}, m.Excluded)
	assert.Len(t, m.Periods, 8)

	ttd := stat(t, m, "time to detect")
	assert.Equal(t, 30, ttd.N)
	assert.Equal(t, 3, ttd.Unknown)
	assert.Equal(t, 18.0*3600, ttd.Median)
	assert.InDelta(t, 214.0*3600, ttd.P90, 1e-6)
	assert.InDelta(t, 70.9333333*3600, ttd.Mean, 1)
	ttc := stat(t, m, "time to contain")
	assert.Equal(t, 32, ttc.N)
	assert.Equal(t, 1, ttc.Open)
	assert.Equal(t, 6.0*3600, ttc.Median)

	var phishing, exploitation *report.Trend
	for i, tr := range m.Trends {
		if tr.Dimension == "category" && tr.Value == "phishing" {
			phishing = &m.Trends[i]
		}
		if tr.Dimension == "category" && tr.Value == "exploitation" {
			exploitation = &m.Trends[i]
		}
	}
	require.NotNil(t, phishing)
	assert.Equal(t, []int{0, 0, 1, 1, 2, 4, 5, 7}, phishing.Counts)
	assert.Equal(t, "rising", phishing.Direction)
	assert.Less(t, phishing.Q, 0.001)
	require.NotNil(t, exploitation)
	assert.Equal(t, "steady", exploitation.Direction)
	for _, tr := range m.Trends {
		assert.NotEqual(t, "falling", tr.Direction, tr.Value)
	}
	assert.Contains(t, m.Text(), "category phishing: 0 -> 0 -> 1 -> 1 -> 2 -> 4 -> 5 -> 7 per quarter, rising")

	monthly, err := report.ComputeMetrics(loadHistory(t), "month")
	require.NoError(t, err)
	assert.Len(t, monthly.Periods, 24)
	_, err = report.ComputeMetrics(nil, "week")
	assert.ErrorContains(t, err, `period "week" is not known (expected quarter or month)`)
}

// TestMetricsHTMLInBrowser renders the metrics page in headless Chromium.
func TestMetricsHTMLInBrowser(t *testing.T) {
	m, err := report.ComputeMetrics(loadHistory(t), "quarter")
	require.NoError(t, err)
	page, err := m.HTML()
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(string(page), "<svg "))
	dom, shot := inBrowser(t, page, "metrics")
	assert.Contains(t, dom, `data-charts="3"`)
	assert.NotContains(t, dom, "data-errors")
	t.Logf("screenshot: %s", shot)
}

// inBrowser loads a page in headless Chromium and returns the DOM after
// load and the path of a screenshot. Without chromium it skips, unless
// ANTIBODY_REQUIRE_BROWSER is set (as CI does).
func inBrowser(t *testing.T, page []byte, name string) (string, string) {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("ANTIBODY_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium is not installed and ANTIBODY_REQUIRE_BROWSER is set (Debian package chromium)")
		}
		t.Skip("chromium is not installed (Debian package chromium; .ci/run installs it)")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, name+".html")
	require.NoError(t, os.WriteFile(file, page, 0o644))
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + filepath.Join(dir, "profile")}
	run := func(args ...string) []byte {
		ctx, cancel := contextWithTimeout(t, 60*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, bin, append(flags, args...)...).Output()
		require.NoError(t, err)
		return out
	}
	dom := string(run("--virtual-time-budget=3000", "--dump-dom", "file://"+file))
	shotDir := os.Getenv("ANTIBODY_ARTIFACTS")
	if shotDir == "" {
		shotDir = os.TempDir()
	}
	require.NoError(t, os.MkdirAll(shotDir, 0o755))
	shot := filepath.Join(shotDir, name+"-screenshot.png")
	run("--window-size=1100,2200", "--screenshot="+shot, "file://"+file)
	info, err := os.Stat(shot)
	require.NoError(t, err)
	assert.Greater(t, info.Size(), int64(10000))
	return dom, shot
}
