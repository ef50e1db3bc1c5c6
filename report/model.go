package report

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/playbooks"
	"github.com/antibody-dev/antibody/regress"
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
	// Source is what the rules were replayed over: the finding's
	// recorded events, or the events of a backtest table.
	Source string `json:"source"`
}

// Options change how a report is built.
type Options struct {
	// Replay, when set, is where the projected time to detect is
	// computed (e.g. a backtest table of the fleet's logs, bounded to the
	// incident's window), instead of the finding's recorded events.
	// Failures there fail the report rather than drop the projection.
	Replay sigma.Backend
	// ReplaySource names Replay in the report.
	ReplaySource string
}

// Defenses summarises the regression run over the workspace.
type Defenses struct {
	ByKind map[string]KindResult `json:"by_kind"`
	Passed int                   `json:"passed"`
	Failed int                   `json:"failed"`
	Cases  int                   `json:"cases"`
	// Generated lists the artifacts generated for this finding (and the
	// playbooks), each with its regression result.
	Generated []Defense `json:"generated"`
	// Behaviors says, for each behaviour of the finding, which passing
	// rules detect its recorded events.
	Behaviors []regress.BehaviorCoverage `json:"behaviors"`
	// Playbooks are the finding's playbook change sets.
	Playbooks []PlaybookChange `json:"playbooks"`
}

// PlaybookChange is a change set for one playbook and where it stands.
type PlaybookChange struct {
	File     string `json:"file"`
	Playbook string `json:"playbook"`
	Changes  int    `json:"changes"`
	// Pending counts the edits applying it would still make (0 when it
	// is in effect); Conflicts the changes that cannot be applied as
	// written.
	Pending   int `json:"pending"`
	Conflicts int `json:"conflicts"`
}

// Defense is one artifact and how its regression cases went.
type Defense struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	File   string `json:"file"`
	Cases  int    `json:"cases"`
	Passed int    `json:"passed"`
}

// KindResult counts artifacts and failing ones of one kind.
type KindResult struct {
	Artifacts int `json:"artifacts"`
	Failing   int `json:"failing"`
}

var milestoneOrder = []string{"first_action", "compromise", "detected", "acknowledged", "declared", "contained", "eradicated", "recovered", "closed", "review_completed"}

// Build computes the report of a finding in a workspace.
func Build(ctx context.Context, ws *findings.Workspace, file string, opts Options) (*Report, error) {
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
	p, err := project(ctx, ws, f, opts)
	switch {
	case err == nil:
		r.Projection = p
	case opts.Replay != nil:
		return nil, fmt.Errorf("report: projected time to detect over %s: %w", opts.ReplaySource, err)
	}
	rep, err := regress.Run(ctx, regress.Options{Workspace: ws.Root})
	if err == nil {
		d := &Defenses{ByKind: map[string]KindResult{}, Cases: rep.Totals.Cases, Passed: rep.Totals.Passed, Failed: rep.Totals.Failed + rep.Totals.Errors,
			Generated: []Defense{}, Behaviors: []regress.BehaviorCoverage{}}
		failing := map[string]bool{}
		seen := map[string]bool{}
		slug := strings.ToLower(f.Incident.ID)
		index := map[string]int{}
		for _, c := range rep.Cases {
			k := c.Artifact.Key()
			if !seen[k] {
				seen[k] = true
				kr := d.ByKind[c.Artifact.Kind]
				kr.Artifacts++
				d.ByKind[c.Artifact.Kind] = kr
				file := filepath.ToSlash(c.Artifact.File)
				if strings.Contains(file, "/"+slug+"/") || strings.Contains(file, "/"+slug+"-") || c.Artifact.Kind == "playbook" || c.Artifact.Kind == "cacao" {
					index[k] = len(d.Generated)
					d.Generated = append(d.Generated, Defense{Kind: c.Artifact.Kind, Name: nonEmpty(c.Artifact.Title, c.Artifact.ID), File: findings.DisplayPath(c.Artifact.File)})
				}
			}
			if i, ok := index[k]; ok {
				d.Generated[i].Cases++
				if c.Status == regress.Pass {
					d.Generated[i].Passed++
				}
			}
			if c.Status != regress.Pass && !failing[k] {
				failing[k] = true
				kr := d.ByKind[c.Artifact.Kind]
				kr.Failing++
				d.ByKind[c.Artifact.Kind] = kr
			}
		}
		sort.SliceStable(d.Generated, func(i, j int) bool { return d.Generated[i].Kind < d.Generated[j].Kind })
		titles := map[string]string{}
		for _, c := range rep.Cases {
			if c.Artifact.ID != "" && c.Artifact.Title != "" {
				titles[c.Artifact.ID] = c.Artifact.Title
			}
		}
		for _, fc := range rep.Coverage.Findings {
			if fc.Finding != f.Incident.ID {
				continue
			}
			for _, b := range fc.Behaviors {
				named := make([]string, len(b.Rules))
				for i, id := range b.Rules {
					named[i] = nonEmpty(titles[id], id)
				}
				b.Rules = named
				d.Behaviors = append(d.Behaviors, b)
			}
		}
		d.Playbooks = playbookChanges(ws, f)
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

// project replays events through the Sigma rules generated for the
// finding and finds the first detection. The rules run through the
// sigma.Backend interface: the in-process engine over the finding's
// evidence files, or the backend the options name. Over a backend, no
// detection is a result (Rule empty), not an error.
func project(ctx context.Context, ws *findings.Workspace, f *findings.Finding, opts Options) (*Projection, error) {
	dir := filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.Sigma), strings.ToLower(f.Incident.ID))
	p, err := sigma.LoadPipeline("windows")
	if err != nil {
		return nil, err
	}
	set, err := sigma.Load([]string{dir}, sigma.LoadOptions{Pipeline: p})
	if err != nil {
		return nil, err
	}
	if len(set.Rules) == 0 {
		return nil, fmt.Errorf("no Sigma rules generated for %s in %s (expected antibody generate first)", f.Incident.ID, findings.DisplayPath(dir))
	}
	bk, source := opts.Replay, opts.ReplaySource
	if bk == nil {
		var files []string
		for _, e := range f.Evidence {
			if e.Kind == "events" {
				files = append(files, filepath.Join(ws.Root, filepath.FromSlash(e.Path)))
			}
		}
		bk, source = sigma.FilesBackend{Files: files}, "the finding's recorded events"
	}
	proj := &Projection{Rules: len(set.Detections()), Source: source}
	rep, err := bk.Detect(ctx, set, p, func(d sigma.Detection) {
		if d.Time.IsZero() {
			return
		}
		if proj.Rule == "" || d.Time.Before(proj.At) {
			proj.Rule, proj.RuleID, proj.At, proj.Event = d.Rule.Title, d.Rule.ID, d.Time, d.Source.String()
		}
	})
	if err != nil {
		return nil, err
	}
	proj.Events = rep.Events
	if proj.Rule == "" {
		if opts.Replay == nil {
			return nil, fmt.Errorf("no generated rule fires on the recorded events")
		}
		return proj, nil
	}
	if f.Timeline.Detected != nil {
		proj.Detected = f.Timeline.Detected.At.UTC()
		proj.Earlier = proj.Detected.Sub(proj.At)
		proj.EarlierSec = proj.Earlier.Seconds()
	}
	return proj, nil
}

// Window is the part of the incident a projection over a backend reads:
// from the earliest recorded milestone to the detection (zero when not
// recorded).
func Window(f *findings.Finding) (from, to time.Time) {
	for _, m := range f.Timeline.Milestones() {
		if m == nil || m.At.IsZero() {
			continue
		}
		if from.IsZero() || m.At.Before(from) {
			from = m.At.UTC()
		}
	}
	if f.Timeline.Detected != nil {
		to = f.Timeline.Detected.At.UTC()
	}
	return from, to
}

// playbookChanges lists the finding's playbook change sets and how many
// of their changes are still to apply.
func playbookChanges(ws *findings.Workspace, f *findings.Finding) []PlaybookChange {
	out := []PlaybookChange{}
	files, err := playbooks.ChangeSets(filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.Playbooks)))
	if err != nil {
		return out
	}
	for _, file := range files {
		cs, err := playbooks.ReadChangeSet(file)
		if err != nil || cs.Finding != f.Incident.ID {
			continue
		}
		pc := PlaybookChange{File: findings.DisplayPath(file), Playbook: cs.Playbook, Changes: len(cs.Ops)}
		if plan, err := playbooks.Prepare(ws.Root, cs); err == nil {
			pc.Pending, pc.Conflicts = plan.Applied, len(plan.Conflicts)
		}
		out = append(out, pc)
	}
	return out
}
