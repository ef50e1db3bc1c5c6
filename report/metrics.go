package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/antibody-dev/antibody/findings"
)

// Measure is a duration the review metrics report, named by the two
// milestones it runs between, never by a bare acronym.
type Measure struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// Measures are the durations of the review metrics, in the order of an
// incident's life.
var Measures = []Measure{
	{"time to compromise", "first_action", "compromise"},
	{"time to detect", "compromise", "detected"},
	{"time to respond", "detected", "acknowledged"},
	{"time to declare", "detected", "declared"},
	{"time to contain", "detected", "contained"},
	{"time to eradicate", "contained", "eradicated"},
	{"time to recover", "detected", "recovered"},
	{"time to close", "detected", "closed"},
	{"time to review", "closed", "review_completed"},
	{"dwell time", "first_action", "contained"},
}

// Incident is one finding as the metrics see it.
type Incident struct {
	ID         string    `json:"id"`
	File       string    `json:"file"`
	Period     string    `json:"period"`
	Open       bool      `json:"open"`
	Category   string    `json:"category"`
	RootCauses []string  `json:"root_causes"`
	Techniques []string  `json:"techniques"`
	Discovery  string    `json:"discovery"`
	At         time.Time `json:"at"`
	milestones map[string]*findings.Milestone
}

// DurationStats summarises one measure across the incidents that have
// both of its milestones.
type DurationStats struct {
	Measure
	N int `json:"n"`
	// Seconds; zero when N is 0.
	Median float64 `json:"median_seconds"`
	P90    float64 `json:"p90_seconds"`
	Mean   float64 `json:"mean_seconds"`
	Min    float64 `json:"min_seconds"`
	Max    float64 `json:"max_seconds"`
	// Open counts incidents still open that have not reached the end
	// milestone yet; Unknown those closed (or lacking the start) where a
	// milestone was not recorded. Neither is in N.
	Open       int      `json:"open"`
	Unknown    int      `json:"unknown"`
	OpenIDs    []string `json:"open_ids"`
	UnknownIDs []string `json:"unknown_ids"`
}

// Metrics are the review metrics across many findings.
type Metrics struct {
	Version   int             `json:"version"`
	Period    string          `json:"period"`
	Incidents int             `json:"incidents"`
	Open      int             `json:"open"`
	Excluded  []string        `json:"excluded"` // false positives, not counted
	Periods   []string        `json:"periods"`
	Durations []DurationStats `json:"durations"`
	Trends    []Trend         `json:"trends"`
	List      []Incident      `json:"list"`
}

// Trend is how often one value of one dimension (a category, a root
// cause, a technique, a discovery method) occurs per period.
type Trend struct {
	Dimension string `json:"dimension"`
	Value     string `json:"value"`
	Total     int    `json:"total"`
	// Counts and Shares are per period, in the order of Metrics.Periods;
	// Share is the proportion of that period's incidents, with a 95%
	// Wilson interval.
	Counts []int     `json:"counts"`
	Shares []float64 `json:"shares"`
	Low    []float64 `json:"share_low"`
	High   []float64 `json:"share_high"`
	// Z is the score statistic of a log-linear trend in the counts
	// (positive: rising), P its two-sided p-value and Q the p-value
	// adjusted for testing every trend of the run (Benjamini-Hochberg).
	Z         float64 `json:"z"`
	P         float64 `json:"p"`
	Q         float64 `json:"q"`
	Direction string  `json:"direction"` // rising, falling or steady
}

// Significance is the false discovery rate under which a trend is
// flagged as rising or falling.
const Significance = 0.05

// minTrendTotal is the fewest occurrences a value needs before its trend
// is tested at all.
const minTrendTotal = 6

// isOpen says whether the incident is still running: it has not been
// closed, so a missing later milestone is not reached yet rather than
// unknown.
func isOpen(ms map[string]*findings.Milestone) bool { return ms["closed"] == nil }

// notReached says whether a missing milestone comes after every recorded
// one, so an open incident has simply not got there yet; a gap before a
// recorded milestone is unknown, not pending.
func notReached(ms map[string]*findings.Milestone, name string) bool {
	if ms[name] != nil {
		return false
	}
	at := -1
	for i, n := range milestoneOrder {
		if n == name {
			at = i
		}
	}
	for i := at + 1; i < len(milestoneOrder); i++ {
		if ms[milestoneOrder[i]] != nil {
			return false
		}
	}
	return true
}

// ComputeMetrics computes the review metrics of the findings, with trends
// per "quarter" or "month".
func ComputeMetrics(list []*findings.Finding, period string) (*Metrics, error) {
	if period != "quarter" && period != "month" {
		return nil, fmt.Errorf("period %q is not known (expected quarter or month)", period)
	}
	m := &Metrics{Version: 1, Period: period, Excluded: []string{}, Durations: []DurationStats{}, Trends: []Trend{}, List: []Incident{}, Periods: []string{}}
	for _, f := range list {
		if f.Incident.Status == "false-positive" {
			m.Excluded = append(m.Excluded, f.Incident.ID)
			continue
		}
		inc := Incident{ID: f.Incident.ID, File: f.File, Category: string(f.Incident.Category), milestones: f.Timeline.Milestones()}
		if inc.Category == "" {
			inc.Category = "unknown"
		}
		inc.Open = isOpen(inc.milestones)
		for _, name := range []string{"detected", "declared", "first_action", "compromise"} {
			if ms := inc.milestones[name]; ms != nil {
				inc.At = ms.At.UTC()
				break
			}
		}
		if !inc.At.IsZero() {
			inc.Period = periodOf(inc.At, period)
		}
		seen := map[string]bool{}
		for _, rc := range f.RootCauses {
			if c := string(rc.Category); !seen[c] {
				seen[c] = true
				inc.RootCauses = append(inc.RootCauses, c)
			}
		}
		seen = map[string]bool{}
		add := func(t string) {
			if t != "" && !seen[t] {
				seen[t] = true
				inc.Techniques = append(inc.Techniques, t)
			}
		}
		for _, b := range f.Behaviors {
			add(string(b.Technique))
		}
		for _, e := range f.Timeline.Events {
			add(string(e.Technique))
		}
		sort.Strings(inc.Techniques)
		inc.Discovery = "unknown"
		if d := f.Incident.Discovery; d != nil {
			inc.Discovery = string(d.Source)
			if d.Variety != "" {
				inc.Discovery += ": " + d.Variety
			}
		}
		if inc.Open {
			m.Open++
		}
		m.List = append(m.List, inc)
	}
	m.Incidents = len(m.List)
	sort.SliceStable(m.List, func(i, j int) bool { return m.List[i].At.Before(m.List[j].At) })
	for _, ms := range Measures {
		m.Durations = append(m.Durations, durationStats(ms, m.List))
	}
	m.Periods = periodsBetween(m.List, period)
	m.trends()
	return m, nil
}

func durationStats(ms Measure, list []Incident) DurationStats {
	ds := DurationStats{Measure: ms, OpenIDs: []string{}, UnknownIDs: []string{}}
	var vals []float64
	for _, inc := range list {
		a, b := inc.milestones[ms.From], inc.milestones[ms.To]
		switch {
		case a != nil && b != nil:
			vals = append(vals, b.At.Sub(a.At.Time).Seconds())
		case inc.Open && (a != nil || notReached(inc.milestones, ms.From)) && notReached(inc.milestones, ms.To):
			ds.Open++
			ds.OpenIDs = append(ds.OpenIDs, inc.ID)
		default:
			ds.Unknown++
			ds.UnknownIDs = append(ds.UnknownIDs, inc.ID)
		}
	}
	ds.N = len(vals)
	if ds.N == 0 {
		return ds
	}
	sort.Float64s(vals)
	sum := 0.0
	for _, v := range vals {
		sum += v
	}
	ds.Mean = sum / float64(len(vals))
	ds.Min, ds.Max = vals[0], vals[len(vals)-1]
	ds.Median = Quantile(vals, 0.5)
	ds.P90 = Quantile(vals, 0.9)
	return ds
}

// Quantile is the q-quantile of sorted values, interpolating linearly
// between the two nearest ranks (the default of R and NumPy).
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	h := q * float64(len(sorted)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

func periodOf(t time.Time, period string) string {
	if period == "month" {
		return t.Format("2006-01")
	}
	return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
}

// periodsBetween lists every period from the first incident's to the
// last's, empty ones included.
func periodsBetween(list []Incident, period string) []string {
	var first, last time.Time
	for _, inc := range list {
		if inc.At.IsZero() {
			continue
		}
		if first.IsZero() || inc.At.Before(first) {
			first = inc.At
		}
		if inc.At.After(last) {
			last = inc.At
		}
	}
	out := []string{}
	if first.IsZero() {
		return out
	}
	t := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	step := 1
	if period == "quarter" {
		t = time.Date(first.Year(), time.Month((int(first.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
		step = 3
	}
	for !t.After(last) {
		out = append(out, periodOf(t, period))
		t = t.AddDate(0, step, 0)
	}
	return out
}

// trends counts every value of every dimension per period and tests each
// for a trend.
func (m *Metrics) trends() {
	index := map[string]int{}
	for i, p := range m.Periods {
		index[p] = i
	}
	totals := make([]int, len(m.Periods))
	for _, inc := range m.List {
		if inc.Period != "" {
			totals[index[inc.Period]]++
		}
	}
	type key struct{ dim, val string }
	counts := map[key][]int{}
	var keys []key
	bump := func(dim, val string, p int) {
		k := key{dim, val}
		if counts[k] == nil {
			counts[k] = make([]int, len(m.Periods))
			keys = append(keys, k)
		}
		counts[k][p]++
	}
	for _, inc := range m.List {
		if inc.Period == "" {
			continue
		}
		p := index[inc.Period]
		bump("category", inc.Category, p)
		bump("discovery", inc.Discovery, p)
		for _, rc := range inc.RootCauses {
			bump("root cause", rc, p)
		}
		for _, t := range inc.Techniques {
			bump("technique", t, p)
		}
	}
	dimOrder := map[string]int{"category": 0, "root cause": 1, "technique": 2, "discovery": 3}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].dim != keys[j].dim {
			return dimOrder[keys[i].dim] < dimOrder[keys[j].dim]
		}
		return keys[i].val < keys[j].val
	})
	var tested []*Trend
	for _, k := range keys {
		c := counts[k]
		t := Trend{Dimension: k.dim, Value: k.val, Counts: c, Direction: "steady", P: 1, Q: 1}
		for i, n := range c {
			t.Total += n
			share, lo, hi := 0.0, 0.0, 0.0
			if totals[i] > 0 {
				share = float64(n) / float64(totals[i])
				lo, hi = Wilson(n, totals[i])
			}
			t.Shares = append(t.Shares, round4(share))
			t.Low = append(t.Low, round4(lo))
			t.High = append(t.High, round4(hi))
		}
		if t.Total >= minTrendTotal && len(c) >= 3 {
			t.Z = TrendZ(c)
			t.P = twoSided(t.Z)
		}
		m.Trends = append(m.Trends, t)
	}
	for i := range m.Trends {
		if m.Trends[i].Total >= minTrendTotal && len(m.Periods) >= 3 {
			tested = append(tested, &m.Trends[i])
		}
	}
	// Benjamini-Hochberg over every tested trend.
	sort.SliceStable(tested, func(i, j int) bool { return tested[i].P < tested[j].P })
	n := float64(len(tested))
	q := 1.0
	for i := len(tested) - 1; i >= 0; i-- {
		q = math.Min(q, tested[i].P*n/float64(i+1))
		tested[i].Q = q
	}
	for _, t := range tested {
		t.Z, t.P, t.Q = round4(t.Z), round4(t.P), round4(t.Q)
		if t.Q < Significance {
			if t.Z > 0 {
				t.Direction = "rising"
			} else {
				t.Direction = "falling"
			}
		}
	}
}

// TrendZ is the score statistic for a log-linear trend in counts per
// equal period: under a constant rate the counts, given their total N,
// are multinomial with equal cells, and U = sum (t - mean t) x has mean 0
// and variance N/k * sum (t - mean t)^2.
func TrendZ(counts []int) float64 {
	k := float64(len(counts))
	n, tbar := 0.0, (k-1)/2
	u, ss := 0.0, 0.0
	for i, x := range counts {
		d := float64(i) - tbar
		u += d * float64(x)
		ss += d * d
		n += float64(x)
	}
	if n == 0 || ss == 0 {
		return 0
	}
	return u / math.Sqrt(n/k*ss)
}

func twoSided(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

// Wilson is the 95% Wilson score interval of the proportion k of n.
func Wilson(k, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 0
	}
	const z = 1.959963984540054
	p, nn := float64(k)/float64(n), float64(n)
	den := 1 + z*z/nn
	mid := (p + z*z/(2*nn)) / den
	half := z * math.Sqrt(p*(1-p)/nn+z*z/(4*nn*nn)) / den
	return math.Max(0, mid-half), math.Min(1, mid+half)
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// Text renders the metrics for a terminal: durations, then the trends
// flagged as rising or falling, then every tested trend.
func (m *Metrics) Text() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("%d incidents (%d open)", m.Incidents, m.Open)
	if len(m.Excluded) > 0 {
		w("; false positives not counted: %s", strings.Join(m.Excluded, ", "))
	}
	w("\n\n%-20s %-33s %4s %11s %11s %11s %11s %11s %5s %8s\n", "duration", "from -> to", "n", "median", "p90", "mean", "min", "max", "open", "unknown")
	for _, d := range m.Durations {
		w("%-20s %-33s %4d %11s %11s %11s %11s %11s %5d %8d\n", d.Name, d.From+" -> "+d.To, d.N,
			secs(d.N, d.Median), secs(d.N, d.P90), secs(d.N, d.Mean), secs(d.N, d.Min), secs(d.N, d.Max), d.Open, d.Unknown)
	}
	w("\ntrends per %s, %s to %s (flagged where the false discovery rate is under %.0f%%):\n", m.Period, first(m.Periods), last(m.Periods), Significance*100)
	flagged := 0
	for _, t := range m.Trends {
		if t.Direction != "steady" {
			flagged++
			w("  %s %s: %s per %s, %s (z %.2f, q %.4f)\n", t.Dimension, t.Value, joinInts(t.Counts, " -> "), m.Period, t.Direction, t.Z, t.Q)
		}
	}
	if flagged == 0 {
		w("  none rising or falling\n")
	}
	w("\n%-11s %-40s %5s  %s\n", "dimension", "value", "total", "per "+m.Period)
	for _, t := range m.Trends {
		w("%-11s %-40s %5d  %s\n", t.Dimension, t.Value, t.Total, joinInts(t.Counts, " "))
	}
	return b.String()
}

func secs(n int, s float64) string {
	if n == 0 {
		return "-"
	}
	return findings.HumanDuration(time.Duration(s * float64(time.Second)))
}

func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, sep)
}

func first(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return s[0]
}

func last(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return s[len(s)-1]
}
