package sigma

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/generators"
	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// Version is the generator's version, recorded in every rule it writes.
const Version = "1"

// Generator writes Sigma rules for a finding's behaviours and indicators.
type Generator struct {
	// Pipeline maps log sources and fields; nil means the built-in
	// windows pipeline.
	Pipeline *sigma.Pipeline
	// Benign is where the benign events the rules are tuned against
	// live (e.g. a backtest table); nil means the workspace's benign
	// event corpora, read once into memory.
	Benign sigma.EventBackend
	// MaxFetch is how many benign events are fetched for one draft at
	// most (0: DefaultMaxFetch); broader drafts are narrowed by counts
	// on the backend first.
	MaxFetch int
}

var _ generators.Generator = (*Generator)(nil)

// Name is the generator's name in provenance.
func (g *Generator) Name() string { return "sigma" }

// Generate drafts, tunes and emits the rules for one finding.
func (g *Generator) Generate(ctx context.Context, in generators.Input) (*generators.Result, error) {
	p := g.Pipeline
	if p == nil {
		var err error
		if p, err = sigma.LoadPipeline("windows"); err != nil {
			return nil, err
		}
	}
	bk := g.Benign
	if bk == nil {
		benign, err := loadBenign(in.Workspace)
		if err != nil {
			return nil, err
		}
		bk = sigma.MemoryBackend{Events: benign}
	}
	r := &run{g: g, ctx: ctx, in: in, p: p, bk: bk, poolKey: map[string]int{}, budget: 0, evidence: map[string][]*events.Event{}, res: &generators.Result{Artifacts: []generators.Artifact{}, Skipped: []generators.Skip{}}}
	if in.Workspace != nil {
		r.budget = in.Workspace.Budgets.FalsePositives
	}
	rep, err := bk.Detect(ctx, &sigma.Set{}, p, func(sigma.Detection) {})
	if err != nil {
		return nil, fmt.Errorf("benign events: %w", err)
	}
	r.benignN = rep.Events
	progs, err := bk.Values(ctx, programFields)
	if err != nil {
		return nil, fmt.Errorf("benign events: %w", err)
	}
	r.known = knownFrom(progs)
	r.names = scrubFrom(in.Finding)
	for _, b := range in.Finding.Behaviors {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := r.behaviour(b); err != nil {
			return nil, err
		}
	}
	if err := r.indicators(); err != nil {
		return nil, err
	}
	return r.res, nil
}

// run is one finding's generation.
type run struct {
	g   *Generator
	ctx context.Context
	in  generators.Input
	p   *sigma.Pipeline
	// bk holds the benign events, benignN of them; pool is those fetched
	// so far (see benign.go), poolKey their index by source.
	bk       sigma.EventBackend
	benignN  int
	pool     []*events.Event
	poolKey  map[string]int
	budget   int
	known    func(string) bool
	names    scrub
	evidence map[string][]*events.Event
	res      *generators.Result
}

func readAll(path string) ([]*events.Event, error) {
	var out []*events.Event
	_, err := events.Read(path, func(ev *events.Event) error {
		out = append(out, ev.Clone())
		return nil
	})
	return out, err
}

func loadBenign(ws *findings.Workspace) ([]*events.Event, error) {
	if ws == nil {
		return nil, nil
	}
	var paths []string
	for _, b := range ws.Benign {
		if b.Kind == "events" {
			paths = append(paths, filepath.Join(ws.Root, filepath.FromSlash(b.Path)))
		}
	}
	if len(paths) == 0 {
		return nil, nil
	}
	return readPaths(paths)
}

// scrubFrom lists the incident's host, domain and user names.
func scrubFrom(f *findings.Finding) scrub {
	var s scrub
	addName := func(n string) {
		n = strings.ToLower(strings.TrimSpace(n))
		if len(n) >= 3 {
			s = append(s, n)
		}
	}
	if f.Scope == nil {
		return s
	}
	for _, a := range f.Scope.Assets {
		h := a.Hostname
		addName(h)
		if i := strings.IndexByte(h, '.'); i > 0 {
			addName(h[:i])
			addName(h[i+1:])
		}
	}
	for _, a := range f.Scope.Accounts {
		addName(a.Name)
		if i := strings.IndexByte(a.Name, '\\'); i > 0 {
			addName(a.Name[:i])
			addName(a.Name[i+1:])
		}
	}
	return s
}

// evidenceEvents reads an events evidence file once.
func (r *run) evidenceEvents(id string) ([]*events.Event, string, error) {
	for _, e := range r.in.Finding.Evidence {
		if e.ID != id {
			continue
		}
		path := filepath.Join(r.root(), filepath.FromSlash(e.Path))
		if evs, ok := r.evidence[id]; ok {
			return evs, e.Path, nil
		}
		if _, ok := events.FormatOf(path); !ok || e.Kind != "events" {
			return nil, e.Path, fmt.Errorf("evidence %s is not an event log", id)
		}
		evs, err := readAll(path)
		if err != nil {
			return nil, e.Path, err
		}
		r.evidence[id] = evs
		return evs, e.Path, nil
	}
	return nil, "", fmt.Errorf("evidence %s is not in the finding", id)
}

func (r *run) root() string {
	if r.in.Workspace != nil {
		return r.in.Workspace.Root
	}
	return findings.FindRoot(r.in.File)
}

// date is the rules' date: the day the review completed (or the incident
// closed), so regenerating never changes it.
func (r *run) date() string {
	t := r.in.Finding.Timeline
	for _, m := range []*findings.Milestone{t.ReviewCompleted, t.Closed, t.Recovered, t.Contained, t.Detected} {
		if m != nil && !m.At.IsZero() {
			return m.At.UTC().Format(time.DateOnly)
		}
	}
	return "1970-01-01"
}

// toSample maps an event to Sigma's field names for its log source.
func toSample(ev *events.Event, src *sigma.Source) sample {
	s := sample{}
	for _, f := range ev.Fields {
		name := f.Name
		if src != nil {
			name = src.RuleField(name)
		}
		if _, ok := s[name]; !ok {
			s[name] = f.Value
		}
	}
	return s
}

func (r *run) sourceOf(ev *events.Event) (*sigma.Source, bool) {
	return r.p.SourceOf(ev.Get)
}

// group is evidence events that become one selection.
type group struct {
	src    *sigma.Source
	key    string
	events []*events.Event
}

// groupEvents splits a behaviour's events by log source, then by program
// (for sources about programs), so each selection describes one thing.
func (r *run) groupEvents(evs []*events.Event) ([]*group, []string) {
	var out []*group
	var unknown []string
	index := map[string]*group{}
	for _, ev := range evs {
		src, ok := r.sourceOf(ev)
		if !ok {
			id, _ := ev.Get("EventID")
			ch, _ := ev.Get("Channel")
			unknown = append(unknown, fmt.Sprintf("%s event %s (record %d)", ch, id, ev.Source.Record))
			continue
		}
		s := toSample(ev, src)
		key := src.Category + "/" + src.Service
		for _, f := range []string{"Image", "TargetImage", "EventID"} {
			if v, ok := s[f]; ok {
				key += "/" + strings.ToLower(basename(v))
				break
			}
		}
		g := index[key]
		if g == nil {
			g = &group{src: src, key: key}
			index[key] = g
			out = append(out, g)
		}
		g.events = append(g.events, ev)
	}
	return out, unknown
}

// behaviour turns one behaviour into one rule per log source.
func (r *run) behaviour(b findings.Behavior) error {
	if len(b.Fields) > 0 && b.Evidence == "" {
		r.skip(b.ID, "behaviours with explicit fields and no events are not generated yet: write the rule by hand or cite the evidence events", nil)
		return nil
	}
	all, evPath, err := r.evidenceEvents(b.Evidence)
	if err != nil {
		r.skip(b.ID, err.Error(), nil)
		return nil
	}
	var picked []*events.Event
	switch {
	case len(b.Records) > 0:
		want := map[uint64]bool{}
		for _, rec := range b.Records {
			want[uint64(rec)] = true
		}
		for _, ev := range all {
			if want[ev.Source.Record] {
				picked = append(picked, ev)
			}
		}
		if len(picked) != len(want) {
			r.skip(b.ID, fmt.Sprintf("%d of the %d records it cites are in %s", len(picked), len(want), evPath), nil)
			return nil
		}
	case len(b.Match) > 0:
		picked, err = r.matchEvents(b.Match, all)
		if err != nil {
			r.skip(b.ID, "its match does not compile: "+err.Error(), nil)
			return nil
		}
		if len(picked) == 0 {
			r.skip(b.ID, "its match selects no event of "+evPath, nil)
			return nil
		}
	default:
		r.skip(b.ID, "it names no records and no match (expected records: or match: to point at the malicious events)", nil)
		return nil
	}
	if isGuessing(b, picked) {
		return r.guessingRule(b, evPath, picked)
	}
	groups, unknown := r.groupEvents(picked)
	if len(unknown) > 0 {
		r.skip(b.ID, "no Sigma log source in pipeline "+r.p.Name+" for "+strings.Join(unknown, ", "), nil)
	}
	// One rule per log source; its selections are the source's groups.
	bySource := map[*sigma.Source][]*group{}
	var order []*sigma.Source
	for _, g := range groups {
		if _, ok := bySource[g.src]; !ok {
			order = append(order, g.src)
		}
		bySource[g.src] = append(bySource[g.src], g)
	}
	for _, src := range order {
		if err := r.behaviourRule(b, evPath, src, bySource[src], len(order) > 1); err != nil {
			return err
		}
	}
	return nil
}

// matchEvents selects the events a behaviour's Sigma-notation match
// selects.
func (r *run) matchEvents(match map[string]any, all []*events.Event) ([]*events.Event, error) {
	selects, err := sigma.CompileMatch(match)
	if err != nil {
		return nil, err
	}
	var out []*events.Event
	for _, ev := range all {
		if selects(ev) {
			out = append(out, ev)
		}
	}
	return out, nil
}

func anyStrings(v any) []string {
	switch x := v.(type) {
	case []any:
		var out []string
		for _, i := range x {
			out = append(out, fmt.Sprint(i))
		}
		return out
	case []string:
		return x
	}
	return []string{fmt.Sprint(v)}
}

func (r *run) skip(source, reason string, collisions []string) {
	r.res.Skipped = append(r.res.Skipped, generators.Skip{Source: source, Reason: reason, Collisions: collisions})
}
