package report

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Markdown renders the metrics as tables.
func (m *Metrics) Markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# Review metrics\n\n%d incidents from %s to %s, %d still open.", m.Incidents, first(m.Periods), last(m.Periods), m.Open)
	if len(m.Excluded) > 0 {
		w(" False positives are not counted: %s.", strings.Join(m.Excluded, ", "))
	}
	w("\n\n## Durations\n\nEach duration runs between two named milestones. Incidents still open that have not reached the end milestone are counted as open; closed incidents missing a milestone as unknown. Neither is in n.\n\n")
	w("| duration | from | to | n | median | p90 | mean | min | max | open | unknown |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, d := range m.Durations {
		w("| %s | %s | %s | %d | %s | %s | %s | %s | %s | %d | %d |\n", d.Name, d.From, d.To, d.N,
			secs(d.N, d.Median), secs(d.N, d.P90), secs(d.N, d.Mean), secs(d.N, d.Min), secs(d.N, d.Max), d.Open, d.Unknown)
	}
	w("\n## Trends per %s\n\n", m.Period)
	flagged := 0
	for _, t := range m.Trends {
		if t.Direction != "steady" {
			flagged++
			w("- **%s %s: %s per %s, %s** (z %.2f, q %.4f)\n", t.Dimension, t.Value, joinInts(t.Counts, " → "), m.Period, t.Direction, t.Z, t.Q)
		}
	}
	if flagged == 0 {
		w("No value rises or falls significantly.\n")
	}
	w("\nA trend is tested when a value occurs at least %d times over at least 3 %ss (score test for a log-linear trend in the counts), and flagged when its p-value, adjusted for every trend tested (Benjamini-Hochberg), is under %.2f. Shares are of the %s's incidents, with 95%% Wilson intervals.\n\n", minTrendTotal, m.Period, Significance, m.Period)
	w("| dimension | value | total | %s | trend |\n|---|---|---|---|---|\n", strings.Join(m.Periods, " | "))
	for _, t := range m.Trends {
		cells := make([]string, len(t.Counts))
		for i, n := range t.Counts {
			cells[i] = fmt.Sprintf("%d (%.0f%%, %.0f–%.0f%%)", n, t.Shares[i]*100, t.Low[i]*100, t.High[i]*100)
		}
		dir := t.Direction
		if t.Total < minTrendTotal || len(m.Periods) < 3 {
			dir = "not tested"
		}
		w("| %s | %s | %d | %s | %s |\n", t.Dimension, cell(t.Value), t.Total, strings.Join(cells, " | "), dir)
	}
	return b.String()
}

// HTML renders the metrics as one self-contained page with charts.
func (m *Metrics) HTML() ([]byte, error) {
	body, err := markdownHTML(m.Markdown())
	if err != nil {
		return nil, err
	}
	head, rest := body, ""
	if i := strings.Index(head, "<h2>Durations</h2>"); i >= 0 {
		head, rest = head[:i], head[i:]
	}
	return renderPage("Review metrics", head, rest, []chart{
		{"Durations: median (bar) and p90 (tick), log scale", m.durationsSVG()},
		{"Incidents per " + m.Period + " by category (flagged trends in colour)", m.trendSVG("category")},
		{"Incidents per " + m.Period + " by root cause", m.trendSVG("root cause")},
	})
}

// durationsSVG draws each measure's median as a bar and its p90 as a
// tick, on a log time axis from a minute to the longest p90.
func (m *Metrics) durationsSVG() string {
	longest := 3600.0
	for _, d := range m.Durations {
		longest = math.Max(longest, d.P90)
	}
	const w, row, left, right = 960, 26, 330, 190
	lo, hi := math.Log10(60), math.Log10(longest)
	x := func(s float64) float64 {
		s = math.Max(s, 60)
		return left + (w-left-right)*(math.Log10(s)-lo)/(hi-lo)
	}
	h := row*len(m.Durations) + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="durations" viewBox="0 0 %d %d"><title>Durations</title>`, w, h)
	for i, d := range m.Durations {
		y := 10 + i*row
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s (%s → %s)</text>`, left-8, y+13, esc(d.Name), esc(d.From), esc(d.To))
		if d.N == 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" style="fill:#57606a">no incident has both milestones</text>`, left, y+13)
			continue
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="16" fill="#0969da"><title>median %s, n %d</title></rect>`, left, y, math.Max(x(d.Median)-left, 1), esc(secs(d.N, d.Median)), d.N)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#cf222e" stroke-width="3"><title>p90 %s</title></line>`, x(d.P90), y-2, x(d.P90), y+18, esc(secs(d.N, d.P90)))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s / %s</text>`, x(d.P90)+6, y+13, esc(secs(d.N, d.Median)), esc(secs(d.N, d.P90)))
	}
	axis := 10 + row*len(m.Durations) + 4
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#57606a"/>`, left, axis, w-right, axis)
	ticks := []struct {
		d    time.Duration
		name string
	}{{time.Minute, "1 minute"}, {time.Hour, "1 hour"}, {24 * time.Hour, "1 day"}, {7 * 24 * time.Hour, "1 week"}, {30 * 24 * time.Hour, "30 days"}, {365 * 24 * time.Hour, "1 year"}}
	for _, t := range ticks {
		if t.d.Seconds() > longest*1.01 {
			break
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#57606a"/><text x="%.1f" y="%d" text-anchor="middle" style="font-size:10px">%s</text>`,
			x(t.d.Seconds()), axis, x(t.d.Seconds()), axis+4, x(t.d.Seconds()), axis+16, t.name)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// trendSVG draws, for each value of a dimension, its count per period as
// small bars; rising values are red, falling ones green.
func (m *Metrics) trendSVG(dim string) string {
	var ts []Trend
	most := 1
	for _, t := range m.Trends {
		if t.Dimension == dim {
			ts = append(ts, t)
			for _, n := range t.Counts {
				most = max(most, n)
			}
		}
	}
	if len(ts) == 0 || len(m.Periods) == 0 {
		return ""
	}
	const w, row, left, right = 960, 34, 200, 120
	cellW := float64(w-left-right) / float64(len(m.Periods))
	h := row*len(ts) + 30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="trends by %s" viewBox="0 0 %d %d"><title>Trends by %s</title>`, esc(dim), w, h, esc(dim))
	for i, t := range ts {
		y := 6 + i*row
		color := "#8c959f"
		switch t.Direction {
		case "rising":
			color = "#cf222e"
		case "falling":
			color = "#1a7f37"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left-8, y+20, esc(t.Value))
		for j, n := range t.Counts {
			bh := 26 * float64(n) / float64(most)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d</title></rect>`,
				float64(left)+float64(j)*cellW+2, float64(y)+28-bh, cellW-4, math.Max(bh, 0.5), color, esc(m.Periods[j]), n)
		}
		label := fmt.Sprintf("%d", t.Total)
		if t.Direction != "steady" {
			label += ", " + t.Direction
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" style="fill:%s">%s</text>`, w-right+6, y+20, color, esc(label))
	}
	for j, p := range m.Periods {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" style="font-size:10px">%s</text>`, float64(left)+(float64(j)+0.5)*cellW, h-8, esc(p))
	}
	b.WriteString(`</svg>`)
	return b.String()
}
