package report

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/regress"
	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// Report is everything the report says, computed once and rendered as
// Markdown, HTML or JSON.
type Report struct {
	Version    int                         `json:"version"`
	File       string                      `json:"file"`
	Finding    *findings.Finding           `json:"finding"`
	Milestones []Milestone                 `json:"milestones"`
	Spans      []findings.Span             `json:"durations"`
	Projection *Projection                 `json:"projection,omitempty"`
	Defenses   *Defenses                   `json:"defenses,omitempty"`
	Gaps       []string                    `json:"gaps"`
	Techniques []regress.TechniqueCoverage `json:"techniques"`
}

// Milestone is a named point of the timeline.
type Milestone struct {
	Name string    `json:"name"`
	At   time.Time `json:"at"`
}

// Projection is when the generated rules would have fired on the
// recorded attack, against when the incident was detected.
type Projection struct {
	Rule       string        `json:"rule"`
	RuleID     string        `json:"rule_id"`
	At         time.Time     `json:"at"`
	Event      string        `json:"event"`
	Detected   time.Time     `json:"detected"`
	Earlier    time.Duration `json:"-"`
	EarlierSec float64       `json:"earlier_seconds"`
	Rules      int           `json:"rules"`
	Events     int           `json:"events"`
}

// Defenses summarises the regression run over the workspace.
type Defenses struct {
	ByKind map[string]KindResult `json:"by_kind"`
	Passed int                   `json:"passed"`
	Failed int                   `json:"failed"`
	Cases  int                   `json:"cases"`
}

// KindResult counts artifacts and failing ones of one kind.
type KindResult struct {
	Artifacts int `json:"artifacts"`
	Failing   int `json:"failing"`
}

var milestoneOrder = []string{"first_action", "compromise", "detected", "acknowledged", "declared", "contained", "eradicated", "recovered", "closed", "review_completed"}

// Build computes the report of a finding in a workspace.
func Build(ctx context.Context, ws *findings.Workspace, file string) (*Report, error) {
	f, err := findings.Load(file, ws.Root)
	if err != nil {
		return nil, fmt.Errorf("report: the finding is not valid (run antibody validate): %w", err)
	}
	r := &Report{Version: 1, File: file, Finding: f, Gaps: []string{}, Techniques: []regress.TechniqueCoverage{}}
	ms := f.Timeline.Milestones()
	for _, name := range milestoneOrder {
		if m, ok := ms[name]; ok {
			r.Milestones = append(r.Milestones, Milestone{Name: name, At: m.At.UTC()})
		} else {
			r.Gaps = append(r.Gaps, "timeline: "+name+" is not recorded")
		}
	}
	r.Spans = findings.Summarize(f).Durations
	r.gaps(f)
	if p, err := project(ws, f); err == nil {
		r.Projection = p
	}
	rep, err := regress.Run(ctx, regress.Options{Workspace: ws.Root})
	if err == nil {
		d := &Defenses{ByKind: map[string]KindResult{}, Cases: rep.Totals.Cases, Passed: rep.Totals.Passed, Failed: rep.Totals.Failed + rep.Totals.Errors}
		failing := map[string]bool{}
		seen := map[string]bool{}
		for _, c := range rep.Cases {
			k := c.Artifact.Key()
			if !seen[k] {
				seen[k] = true
				kr := d.ByKind[c.Artifact.Kind]
				kr.Artifacts++
				d.ByKind[c.Artifact.Kind] = kr
			}
			if c.Status != regress.Pass && !failing[k] {
				failing[k] = true
				kr := d.ByKind[c.Artifact.Kind]
				kr.Failing++
				d.ByKind[c.Artifact.Kind] = kr
			}
		}
		r.Defenses = d
		r.Techniques = rep.Coverage.Techniques
	}
	return r, nil
}

// gaps lists the review questions the finding leaves open.
func (r *Report) gaps(f *findings.Finding) {
	add := func(s string) { r.Gaps = append(r.Gaps, s) }
	if f.Incident.Discovery == nil {
		add("detection analysis: how the incident was discovered is not recorded")
	}
	if f.Impact == nil {
		add("impact: no records, downtime or losses are recorded")
	}
	if len(f.RootCauses) == 0 {
		add("root cause: none recorded")
	}
	rr := f.ResponseReview
	switch {
	case rr == nil:
		add("team performance: no response review")
	default:
		if len(rr.WentWell) == 0 {
			add("team performance: what went well is not answered")
		}
		if len(rr.WentBadly) == 0 {
			add("team performance: what went badly is not answered")
		}
		if len(rr.NeededSooner) == 0 {
			add("team performance: what information was needed sooner is not answered")
		}
	}
	if len(f.CorrectiveActions) == 0 {
		add("prevention: no corrective actions recorded")
	}
	for _, a := range f.CorrectiveActions {
		if a.Owner == "" {
			add("corrective action " + a.ID + " has no owner")
		}
		if a.Due == nil {
			add("corrective action " + a.ID + " has no due date")
		}
	}
}

// project replays the finding's recorded events, in time order, through
// the Sigma rules generated for it and finds the first detection.
func project(ws *findings.Workspace, f *findings.Finding) (*Projection, error) {
	dir := filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.Sigma), strings.ToLower(f.Incident.ID))
	p, err := sigma.LoadPipeline("windows")
	if err != nil {
		return nil, err
	}
	set, err := sigma.Load([]string{dir}, sigma.LoadOptions{Pipeline: p})
	if err != nil {
		return nil, err
	}
	var all []*events.Event
	for _, e := range f.Evidence {
		if e.Kind != "events" {
			continue
		}
		_, err := events.Read(filepath.Join(ws.Root, filepath.FromSlash(e.Path)), func(ev *events.Event) error {
			all = append(all, ev.Clone())
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time.Before(all[j].Time) })
	e := sigma.NewEngine(set, p)
	m := e.NewMatcher()
	proj := &Projection{Rules: len(set.Detections()), Events: len(all)}
	for _, ev := range all {
		m.Match(ev, func(d sigma.Detection) {
			if proj.Rule == "" || d.Time.Before(proj.At) {
				proj.Rule, proj.RuleID, proj.At, proj.Event = d.Rule.Title, d.Rule.ID, d.Time, d.Source.String()
			}
		})
		if proj.Rule != "" {
			break
		}
	}
	for _, d := range e.Correlate(m) {
		if proj.Rule == "" || d.Time.Before(proj.At) {
			proj.Rule, proj.RuleID, proj.At, proj.Event = d.Rule.Title, d.Rule.ID, d.Time, d.Source.String()
		}
	}
	if proj.Rule == "" {
		return nil, fmt.Errorf("no generated rule fires on the recorded events")
	}
	if f.Timeline.Detected != nil {
		proj.Detected = f.Timeline.Detected.At.UTC()
		proj.Earlier = proj.Detected.Sub(proj.At)
		proj.EarlierSec = proj.Earlier.Seconds()
	}
	return proj, nil
}
