package sigma

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/antibody-dev/antibody/rules/events"
)

// Levels are Sigma's rule levels, lowest first.
var Levels = []string{"informational", "low", "medium", "high", "critical"}

// LevelRank returns the position of level in Levels, or -1.
func LevelRank(level string) int {
	for i, l := range Levels {
		if strings.EqualFold(l, level) {
			return i
		}
	}
	return -1
}

// ScanOptions say what to scan with what.
type ScanOptions struct {
	Rules  []string
	Events []string
	// Pipeline is a built-in pipeline name or a pipeline file; "" means
	// windows.
	Pipeline string
	// MinLevel drops detections of rules below this level.
	MinLevel string
	// Workers is how many files are read at once; 0 means one per CPU.
	Workers int
	// Progress, when set, is called after each file.
	Progress func(filesDone, filesTotal int)
}

// ScanResult is everything a scan examined and found.
type ScanResult struct {
	Set      *Set
	Engine   *Engine
	Pipeline string
	Files    []string
	Events   events.Stats
	// Detections counts detections by rule id (or title).
	ByRule map[string]int
	Count  int
	// Silent are rules that cannot have fired on this data, and why.
	Silent []SilentRule
}

// SilentRule is a rule that could not have fired on the scanned data.
type SilentRule struct {
	Rule   *Rule
	Reason string
}

// Scan loads the rules, reads every event file (several at once) and
// calls emit for each detection, in file order. Correlation detections
// come last, when every event has been seen.
func Scan(ctx context.Context, opts ScanOptions, emit func(Detection)) (*ScanResult, error) {
	name := opts.Pipeline
	if name == "" {
		name = "windows"
	}
	p, err := LoadPipeline(name)
	if err != nil {
		return nil, err
	}
	set, err := Load(opts.Rules, LoadOptions{Pipeline: p})
	if err != nil {
		return nil, err
	}
	files, err := events.Files(opts.Events)
	if err != nil {
		return nil, err
	}
	minRank := -1
	if opts.MinLevel != "" {
		if minRank = LevelRank(opts.MinLevel); minRank < 0 {
			return nil, fmt.Errorf("unknown level %q (expected one of %s)", opts.MinLevel, strings.Join(Levels, ", "))
		}
	}
	e := NewEngine(set, p)
	res := &ScanResult{Set: set, Engine: e, Pipeline: name, Files: files, ByRule: map[string]int{}}
	run, err := e.ScanFiles(ctx, files, FileOptions{Workers: opts.Workers, Progress: opts.Progress}, func(d Detection) {
		if minRank < 0 || LevelRank(d.Rule.Level) >= minRank {
			res.record(d)
			emit(d)
		}
	})
	res.Events = run.Events
	res.Silent = run.Silent
	return res, err
}

// FileOptions tune Engine.ScanFiles.
type FileOptions struct {
	// Workers is how many files are read at once; 0 means one per CPU.
	Workers int
	// Progress, when set, is called after each file.
	Progress func(filesDone, filesTotal int)
}

// FileRun is what Engine.ScanFiles examined.
type FileRun struct {
	Events events.Stats
	Silent []SilentRule
}

// ScanFiles reads files, several at once, runs every rule over their
// events and calls emit for each detection in file order (emit is never
// called concurrently). Correlation detections come last.
func (e *Engine) ScanFiles(ctx context.Context, files []string, opts FileOptions, emit func(Detection)) (FileRun, error) {
	var run FileRun
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > len(files) && len(files) > 0 {
		workers = len(files)
	}
	ord := &orderer{emit: emit, pending: make([][]Detection, len(files)), done: make([]bool, len(files))}
	stats := make([]events.Stats, len(files))
	errs := make([]error, len(files))
	jobs := make(chan int)
	matchers := make([]*Matcher, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		matchers[w] = e.NewMatcher()
		wg.Add(1)
		go func(m *Matcher) {
			defer wg.Done()
			for i := range jobs {
				stats[i], errs[i] = events.Read(files[i], func(ev *events.Event) error {
					if err := ctx.Err(); err != nil {
						return err
					}
					m.Match(ev, func(d Detection) { ord.add(i, d) })
					return nil
				})
				ord.finish(i)
				if opts.Progress != nil {
					ord.mu.Lock()
					ord.finished++
					opts.Progress(ord.finished, len(files))
					ord.mu.Unlock()
				}
			}
		}(matchers[w])
	}
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return run, err
	}
	for i := range files {
		run.Events.Add(stats[i])
		if errs[i] != nil {
			return run, errs[i]
		}
	}
	for _, d := range e.Correlate(matchers...) {
		emit(d)
	}
	run.Silent = e.Silent(matchers...)
	return run, nil
}

// orderer hands detections on in file order while files are read in
// parallel: the earliest unfinished file streams, later ones wait in
// memory only until the files before them are done.
type orderer struct {
	mu       sync.Mutex
	emit     func(Detection)
	head     int
	pending  [][]Detection
	done     []bool
	finished int
}

func (o *orderer) add(i int, d Detection) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if i == o.head {
		o.emit(d)
		return
	}
	o.pending[i] = append(o.pending[i], d)
}

func (o *orderer) finish(i int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.done[i] = true
	for o.head < len(o.done) {
		for _, d := range o.pending[o.head] {
			o.emit(d)
		}
		o.pending[o.head] = nil
		if !o.done[o.head] {
			return
		}
		o.head++
	}
}

func (r *ScanResult) record(d Detection) {
	r.Count++
	r.ByRule[d.Rule.Ref()]++
}

// Silent lists the detection rules that could not have fired on the
// events the matchers saw: no event of their log source, or a field the
// rule needs that no such event carries.
func (e *Engine) Silent(ms ...*Matcher) []SilentRule {
	examined := make([]int, len(e.routes))
	seen := make([][]bool, len(e.routes))
	for i := range seen {
		seen[i] = make([]bool, e.slots)
	}
	for _, m := range ms {
		for i := range examined {
			examined[i] += m.Examined[i]
			for s, ok := range m.seen[i] {
				if ok {
					seen[i][s] = true
				}
			}
		}
	}
	routesOf := make([][]int, len(e.rules))
	for ri, rt := range e.routes {
		for _, r := range rt.rules {
			routesOf[r] = append(routesOf[r], ri)
		}
	}
	var out []SilentRule
	for i, r := range e.rules {
		events := 0
		for _, ri := range routesOf[i] {
			events += examined[ri]
		}
		if len(routesOf[i]) == 0 {
			continue // reported as unrouted
		}
		if events == 0 {
			out = append(out, SilentRule{Rule: r, Reason: fmt.Sprintf("no event of log source %s in the data", r.Logsource)})
			continue
		}
		var missing []string
		for _, f := range requiredFields(r) {
			s := e.slotOf[f]
			found := false
			for _, ri := range routesOf[i] {
				if seen[ri][s] {
					found = true
					break
				}
			}
			if !found {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			out = append(out, SilentRule{Rule: r, Reason: fmt.Sprintf("can never fire on this data: field %s occurs in no event of log source %s", strings.Join(missing, ", "), r.Logsource)})
		}
	}
	return out
}

// requiredFields returns the fields without which the rule's condition
// cannot hold: fields every group of some positively used search needs.
// It is conservative: a field is listed only when every way the rule
// can match reads it.
func requiredFields(r *Rule) []string {
	need := fieldsNeeded(r.compiled)
	out := make([]string, 0, len(need))
	for f := range need {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func fieldsNeeded(n evalNode) map[string]bool {
	switch x := n.(type) {
	case andEval:
		out := map[string]bool{}
		for _, c := range x {
			for f := range fieldsNeeded(c) {
				out[f] = true
			}
		}
		return out
	case orEval:
		var out map[string]bool
		for _, c := range x {
			out = intersect(out, fieldsNeeded(c))
		}
		return out
	case *search:
		var out map[string]bool
		for _, g := range x.groups {
			gf := map[string]bool{}
			for _, m := range g {
				if m.field != "" && m.exists >= 0 && !m.neq && !hasNull(m) {
					gf[m.field] = true
				}
			}
			out = intersect(out, gf)
		}
		return out
	}
	return nil
}

func hasNull(m *fieldMatcher) bool {
	for _, v := range m.values {
		if v.kind == kindNull {
			return true
		}
	}
	return false
}

func intersect(a, b map[string]bool) map[string]bool {
	if a == nil {
		return b
	}
	out := map[string]bool{}
	for k := range a {
		if b[k] {
			out[k] = true
		}
	}
	return out
}
