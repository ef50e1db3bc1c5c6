package sigma

import (
	"context"
	"sort"

	"github.com/antibody-dev/antibody/rules/events"
)

// Backend evaluates detection rules over a body of events and reports
// every detection with its provenance (file, record or line, time). The
// in-process engine over event files and the ClickHouse backend
// (rules/clickhouse) both implement it, so a caller can backtest the same
// rules on a laptop's samples or where production logs live.
type Backend interface {
	// Detect runs the rules of set, as the pipeline routes them, and
	// calls fn for each detection. Rules the backend cannot evaluate
	// are returned in the report with the reason, never run as
	// something else.
	Detect(ctx context.Context, set *Set, p *Pipeline, fn func(Detection)) (*BackendReport, error)
}

// BackendReport is what a backend examined and what it refused.
type BackendReport struct {
	Backend string `json:"backend"`
	Rules   int    `json:"rules"`
	Events  int    `json:"events"`
	// Refused are the rules the backend did not evaluate, with why.
	Refused []SQLRefusal `json:"-"`
}

// FilesBackend is the in-process engine over event files.
type FilesBackend struct {
	Files   []string
	Workers int
}

// Detect implements Backend.
func (b FilesBackend) Detect(ctx context.Context, set *Set, p *Pipeline, fn func(Detection)) (*BackendReport, error) {
	e := NewEngine(set, p)
	run, err := e.ScanFiles(ctx, b.Files, FileOptions{Workers: b.Workers}, fn)
	if err != nil {
		return nil, err
	}
	return &BackendReport{Backend: "in-process", Rules: len(e.rules) + len(e.corrs), Events: run.Events.Records}, nil
}

// EventBackend is a Backend that can also hand back the events a rule
// matched, with all their fields, as tuning needs them.
type EventBackend interface {
	Backend
	// Matched returns the events on which a detection rule that want
	// accepts fires, and how many events were examined.
	Matched(ctx context.Context, set *Set, p *Pipeline, want func(*Rule) bool) ([]*events.Event, int, error)
	// Values lists the distinct values the named fields (as stored,
	// before any pipeline renaming) take across the events, sorted.
	Values(ctx context.Context, fields []string) ([]string, error)
}

// Matched implements EventBackend.
func (b FilesBackend) Matched(ctx context.Context, set *Set, p *Pipeline, want func(*Rule) bool) ([]*events.Event, int, error) {
	e := NewEngine(set, p)
	m := e.NewMatcher()
	files, err := events.Files(b.Files)
	if err != nil {
		return nil, 0, err
	}
	var out []*events.Event
	n := 0
	for _, f := range files {
		_, err := events.Read(f, func(ev *events.Event) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			n++
			if matches(m, ev, want) {
				out = append(out, ev.Clone())
			}
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	return out, n, nil
}

func matches(m *Matcher, ev *events.Event, want func(*Rule) bool) bool {
	hit := false
	m.Match(ev, func(d Detection) { hit = hit || want(d.Rule) })
	return hit
}

// Values implements EventBackend.
func (b FilesBackend) Values(ctx context.Context, fields []string) ([]string, error) {
	files, err := events.Files(b.Files)
	if err != nil {
		return nil, err
	}
	vs := valueSet(fields)
	for _, f := range files {
		if _, err := events.Read(f, func(ev *events.Event) error {
			vs.add(ev)
			return ctx.Err()
		}); err != nil {
			return nil, err
		}
	}
	return vs.sorted(), nil
}

type values struct {
	want map[string]bool
	seen map[string]bool
}

func valueSet(fields []string) *values {
	v := &values{want: map[string]bool{}, seen: map[string]bool{}}
	for _, f := range fields {
		v.want[f] = true
	}
	return v
}

func (v *values) add(ev *events.Event) {
	for _, f := range ev.Fields {
		if v.want[f.Name] {
			v.seen[f.Value] = true
		}
	}
}

func (v *values) sorted() []string {
	out := make([]string, 0, len(v.seen))
	for s := range v.seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// MemoryBackend is the in-process engine over events already read, for
// callers that ask many questions of one corpus (the generator's tuning
// loop).
type MemoryBackend struct {
	Events []*events.Event
}

// Detect implements Backend. Correlations are decided over all the
// events, in time order.
func (b MemoryBackend) Detect(ctx context.Context, set *Set, p *Pipeline, fn func(Detection)) (*BackendReport, error) {
	e := NewEngine(set, p)
	m := e.NewMatcher()
	for _, ev := range b.Events {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m.Match(ev, fn)
	}
	for _, d := range e.Correlate(m) {
		fn(d)
	}
	return &BackendReport{Backend: "in-process", Rules: len(e.rules) + len(e.corrs), Events: len(b.Events)}, nil
}

// Matched implements EventBackend; the events are the backend's own, not
// copies.
func (b MemoryBackend) Matched(ctx context.Context, set *Set, p *Pipeline, want func(*Rule) bool) ([]*events.Event, int, error) {
	m := NewEngine(set, p).NewMatcher()
	var out []*events.Event
	for _, ev := range b.Events {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		if matches(m, ev, want) {
			out = append(out, ev)
		}
	}
	return out, len(b.Events), nil
}

// Values implements EventBackend.
func (b MemoryBackend) Values(ctx context.Context, fields []string) ([]string, error) {
	vs := valueSet(fields)
	for _, ev := range b.Events {
		vs.add(ev)
	}
	return vs.sorted(), ctx.Err()
}

// Counter is a Backend that counts each detection rule's matching events
// without handing them over: a store answers with one number per rule.
type Counter interface {
	Count(ctx context.Context, set *Set, p *Pipeline) (map[*Rule]int, error)
}

// CountDetections counts the events each detection rule of set matches
// on b: with Count when b is a Counter, otherwise by running Detect. A
// rule the backend refuses is an error.
func CountDetections(ctx context.Context, b Backend, set *Set, p *Pipeline) (map[*Rule]int, error) {
	if c, ok := b.(Counter); ok {
		return c.Count(ctx, set, p)
	}
	out := map[*Rule]int{}
	rep, err := b.Detect(ctx, set, p, func(d Detection) {
		if d.Rule.Kind == KindRule {
			out[d.Rule]++
		}
	})
	if err != nil {
		return nil, err
	}
	if len(rep.Refused) > 0 {
		return nil, rep.Refused[0]
	}
	return out, nil
}
