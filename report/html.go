package report

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/antibody-dev/antibody/findings"
)

// HTML renders the report as one self-contained page: the Markdown report
// (through goldmark, with tables) and three inline SVG charts; no script,
// style or font is fetched at view time.
func (r *Report) HTML() ([]byte, error) {
	body, err := markdownHTML(r.Markdown())
	if err != nil {
		return nil, err
	}
	// The charts come after the executive summary.
	head, rest := body, ""
	if i := strings.Index(head, "<h2>Scope and impact</h2>"); i >= 0 {
		head, rest = head[:i], head[i:]
	}
	return renderPage(r.Finding.Incident.ID+": "+r.Finding.Incident.Title, head, rest, []chart{
		{"Timeline", r.timelineSVG()},
		{"Durations", r.durationsSVG()},
		{"ATT&CK techniques: generated rules passing their regression tests", r.techniquesSVG()},
	})
}

// chart is one titled inline SVG of a page.
type chart struct {
	Title string
	SVG   string
}

// renderPage lays out a self-contained page: head, the charts, then body.
func renderPage(title, head, body string, charts []chart) ([]byte, error) {
	var cs []map[string]any
	for _, c := range charts {
		if c.SVG != "" {
			cs = append(cs, map[string]any{"Title": c.Title, "SVG": template.HTML(c.SVG)})
		}
	}
	var out bytes.Buffer
	err := page.Execute(&out, map[string]any{
		"Title":  title,
		"Head":   template.HTML(head),
		"Charts": cs,
		"Body":   template.HTML(body),
	})
	return out.Bytes(), err
}

// markdownHTML converts Markdown with tables to HTML.
func markdownHTML(src string) (string, error) {
	var b bytes.Buffer
	md := goldmark.New(goldmark.WithExtensions(extension.Table))
	err := md.Convert([]byte(src), &b)
	return b.String(), err
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1000px;padding:0 1rem;color:#1d2430}
table{border-collapse:collapse;margin:.5rem 0;display:block;overflow-x:auto;max-width:100%}td,th{border:1px solid #d0d7de;padding:.25rem .5rem;vertical-align:top}
code{background:#f3f5f7;padding:0 .2rem}h1{font-size:1.6rem}h2{border-bottom:1px solid #d0d7de;margin-top:2rem}
.charts svg{display:block;width:100%;height:auto;margin:1rem 0;background:#fafbfc;border:1px solid #e1e4e8}
.charts h3{margin-bottom:0}
text{font:12px system-ui,sans-serif;fill:#1d2430}
</style></head>
<body>
{{.Head}}
<section class="charts">
<h2>At a glance</h2>
{{range .Charts}}<h3>{{.Title}}</h3>
{{.SVG}}
{{end}}</section>
{{.Body}}
<script>
// Self-check for automated review: charts must have size, and errors are
// recorded on the page.
window.addEventListener("error", function (e) { document.body.dataset.errors = (document.body.dataset.errors || "") + e.message + ";"; });
window.addEventListener("load", function () {
  var ok = 0;
  document.querySelectorAll(".charts svg").forEach(function (s) { var b = s.getBoundingClientRect(); if (b.width > 0 && b.height > 0) { ok++; } });
  document.body.dataset.charts = String(ok);
});
</script>
</body></html>
`))

func esc(s string) string { return html.EscapeString(s) }

// timelineSVG draws one row per milestone on a shared time axis, so that
// milestones minutes apart stay readable, with the projected detection as
// a red row on top and the undetected stretch shaded.
func (r *Report) timelineSVG() string {
	ms := r.Milestones
	if len(ms) < 2 {
		return ""
	}
	type row struct {
		label string
		at    time.Time
		color string
	}
	var rows []row
	if p := r.Projection; p != nil && p.Rule != "" {
		rows = append(rows, row{"projected detection", p.At, "#cf222e"})
	}
	for _, m := range ms {
		rows = append(rows, row{strings.ReplaceAll(m.Name, "_", " "), m.At, "#0969da"})
	}
	start, end := rows[0].at, rows[0].at
	for _, rw := range rows {
		if rw.at.Before(start) {
			start = rw.at
		}
		if rw.at.After(end) {
			end = rw.at
		}
	}
	const w, left, right, top, step = 960, 300, 30, 10, 24
	h := top + step*len(rows) + 30
	x := func(t time.Time) float64 {
		span := end.Sub(start).Seconds()
		if span <= 0 {
			return left
		}
		return left + (w-left-right)*t.Sub(start).Seconds()/span
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="timeline" viewBox="0 0 %d %d"><title>Timeline</title>`, w, h)
	var detected time.Time
	for _, m := range ms {
		if m.Name == "detected" {
			detected = m.At
		}
	}
	if !detected.IsZero() {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#fff1e5"><title>attacker active, not yet detected</title></rect>`,
			x(ms[0].At), top, max(x(detected)-x(ms[0].At), 1), step*len(rows))
	}
	for i, rw := range rows {
		y := top + i*step + step/2
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s <tspan style="fill:#57606a">%s</tspan></text>`, left-10, y+4, esc(rw.label), rw.at.Format("2006-01-02 15:04"))
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#e1e4e8"/>`, left, y, w-right, y)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%d" r="5" fill="%s"/>`, x(rw.at), y, rw.color)
	}
	axis := top + step*len(rows) + 4
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#57606a"/>`, left, axis, w-right, axis)
	days := int(end.Sub(start).Hours()/24) + 1
	every := max(1, days/8)
	for d := 0; d <= days; d += every {
		t := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, d)
		if t.Before(start) || t.After(end) {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#57606a"/><text x="%.1f" y="%d" text-anchor="middle" style="font-size:10px">%s</text>`,
			x(t), axis, x(t), axis+4, x(t), axis+16, t.Format("01-02"))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// durationsSVG draws the main durations as bars, with the projected time
// to detect beside the actual one.
func (r *Report) durationsSVG() string {
	type bar struct {
		label string
		d     time.Duration
		color string
	}
	var bars []bar
	for _, s := range r.Spans {
		bars = append(bars, bar{s.From + " → " + s.To, s.Value, "#0969da"})
	}
	if p := r.Projection; p != nil && p.Rule != "" && len(r.Milestones) > 0 && p.At.After(r.Milestones[0].At) {
		bars = append(bars, bar{"first_action → projected detection", p.At.Sub(r.Milestones[0].At), "#cf222e"})
	}
	if len(bars) == 0 {
		return ""
	}
	longest := time.Duration(1)
	for _, b := range bars {
		longest = max(longest, b.d)
	}
	const w, row, left = 960, 30, 280
	h := row*len(bars) + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="durations" viewBox="0 0 %d %d"><title>Durations</title>`, w, h)
	for i, br := range bars {
		y := 10 + i*row
		bw := float64(w-left-150) * br.d.Seconds() / longest.Seconds()
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text><rect x="%d" y="%d" width="%.1f" height="18" fill="%s"/><text x="%.1f" y="%d">%s</text>`,
			left-8, y+14, esc(br.label), left, y, max(bw, 1), br.color, float64(left)+bw+6, y+14, esc(findings.HumanDuration(br.d)))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// techniquesSVG draws, per ATT&CK technique, the rules and the passing
// ones.
func (r *Report) techniquesSVG() string {
	ts := r.Techniques
	if len(ts) == 0 {
		return ""
	}
	most := 1
	for _, t := range ts {
		most = max(most, t.Rules)
	}
	const w, row, left = 960, 24, 120
	h := row*len(ts) + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="technique coverage" viewBox="0 0 %d %d"><title>Technique coverage</title>`, w, h)
	for i, t := range ts {
		y := 10 + i*row
		unit := float64(w-left-120) / float64(most)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text><rect x="%d" y="%d" width="%.1f" height="14" fill="#d0d7de"/><rect x="%d" y="%d" width="%.1f" height="14" fill="#1a7f37"/><text x="%.1f" y="%d">%d of %d passing</text>`,
			left-8, y+12, esc(t.Technique), left, y, unit*float64(t.Rules), left, y, unit*float64(t.Passing), float64(left)+unit*float64(t.Rules)+6, y+12, t.Passing, t.Rules)
	}
	b.WriteString(`</svg>`)
	return b.String()
}
