package regress

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// Options say what a run tests.
type Options struct {
	// Workspace is the folder holding antibody.yaml. Empty: the
	// workspace above the first path, if there is one.
	Workspace string
	// Paths are rule files or folders. Empty: the workspace's Sigma
	// folder.
	Paths []string
	// Pipeline is the log-source pipeline for Sigma rules ("" = windows).
	Pipeline string
	// Workers is how many sample files are read at once (0 = per CPU).
	Workers int
	// Changed, when set, keeps only the cases whose rule file, info.yml
	// or sample it reports as changed; Scope says in words what it keeps
	// ("changed since HEAD"). With a scope, having nothing to test passes.
	Changed func(path string) bool
	Scope   string
	// Progress, when set, is called after each sample file is read.
	Progress func(filesDone, filesTotal int)
}

// ErrUsage marks errors in how the run was asked for (no workspace, a
// path that does not exist), as opposed to failures of what it tests.
var ErrUsage = errors.New("usage")

// plan is one case before it runs.
type plan struct {
	c       Case
	benign  bool // a workspace benign corpus, not an expectation of the rule
	rule    *sigma.Rule
	files   []string
	reasons []string
}

// Run discovers every rule and expectation in scope, runs them and
// returns the report. The error is for runs that cannot start; failing
// cases are in the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	start := time.Now()
	rep := &Report{Version: ReportVersion, Started: start.UTC(), Cases: []Case{}, Untested: []Artifact{}, Problems: []string{}}
	if opts.Changed != nil {
		rep.Scope = opts.Scope
		if rep.Scope == "" {
			rep.Scope = "changed files only"
		}
	}
	ws, err := workspace(&opts)
	if err != nil {
		return nil, err
	}
	paths := opts.Paths
	if ws != nil {
		rep.Workspace = ws.Root
		if len(paths) == 0 {
			paths = []string{filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.Sigma))}
		}
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%w: %s does not exist (expected rule files or folders)", ErrUsage, p)
		}
	}
	name := opts.Pipeline
	if name == "" {
		name = "windows"
	}
	pipeline, err := sigma.LoadPipeline(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	set, err := sigma.Load(paths, sigma.LoadOptions{Pipeline: pipeline})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}

	plans := planCases(set, ws)
	if opts.Changed != nil {
		plans = onlyChanged(plans, opts.Changed)
	}
	tested := map[string]bool{}
	for _, p := range plans {
		if !p.benign {
			tested[p.c.Artifact.Key()] = true
		}
	}
	correlated := map[*sigma.Rule]bool{}
	for _, r := range set.Rules {
		if c := r.Correlation(); c != nil {
			for _, t := range c.Targets() {
				correlated[t] = true
			}
		}
	}
	for _, r := range set.Rules {
		a := artifactOf(r)
		// A correlation's building blocks are proven through it.
		if r.Kind != sigma.KindFilter && !correlated[r] && !tested[a.Key()] && (opts.Changed == nil || opts.Changed(r.File)) {
			rep.Untested = append(rep.Untested, a)
		}
	}

	// One engine over every rule, one read of every file: a sample reached
	// from a rule and the same file reached from a finding's evidence are
	// one file, named as first seen.
	engine := sigma.NewEngine(set, pipeline)
	var files []string
	seen := map[string]bool{}
	byAbs := map[string]string{}
	canon := func(p string) string {
		a := absPath(p)
		if n, ok := byAbs[a]; ok {
			return n
		}
		byAbs[a] = p
		return p
	}
	for i := range plans {
		for j, f := range plans[i].files {
			plans[i].files[j] = canon(f)
		}
	}
	for _, p := range plans {
		for _, f := range p.files {
			if !seen[f] {
				seen[f] = true
				files = append(files, f)
			}
		}
	}
	evidence := evidenceFiles(ws)
	for i, f := range evidence {
		f = canon(f)
		evidence[i] = f
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	sort.Strings(files)
	hits := map[string]map[string]*hitList{} // file -> rule key -> hits
	byRecord := map[string]map[uint64][]string{}
	run, err := engine.ScanFiles(ctx, files, sigma.FileOptions{Workers: opts.Workers, Progress: opts.Progress}, func(d sigma.Detection) {
		key := artifactOf(d.Rule).Key()
		m := hits[d.Source.File]
		if m == nil {
			m = map[string]*hitList{}
			hits[d.Source.File] = m
		}
		h := m[key]
		if h == nil {
			h = &hitList{}
			m[key] = h
		}
		h.count++
		if len(h.sources) < MaxEvents {
			h.sources = append(h.sources, d.Source)
		}
		// A correlation detection stands for every event it correlated.
		srcs := append([]events.Source{d.Source}, d.Events...)
		for _, s := range srcs {
			if s.Record == 0 {
				continue
			}
			file := absPath(s.File)
			if byRecord[file] == nil {
				byRecord[file] = map[uint64][]string{}
			}
			byRecord[file][s.Record] = append(byRecord[file][s.Record], key)
		}
	})
	if err != nil {
		return nil, err
	}
	for _, d := range run.Events.Damage {
		rep.Problems = append(rep.Problems, "damaged sample: "+d.String())
	}

	samples := map[string]bool{}
	artifacts := map[string]bool{}
	for _, p := range plans {
		c := p.c
		artifacts[c.Artifact.Key()] = true
		if len(p.reasons) > 0 {
			c.Status, c.Message = Error, strings.Join(p.reasons, "; ")
			rep.Cases = append(rep.Cases, c)
			continue
		}
		samples[absPath(c.Sample)] = true
		for _, f := range p.files {
			if h := hits[f][c.Artifact.Key()]; h != nil {
				c.Count += h.count
				if len(c.Events) < MaxEvents {
					c.Events = append(c.Events, h.sources[:min(len(h.sources), MaxEvents-len(c.Events))]...)
				}
			}
		}
		judge(&c)
		rep.Cases = append(rep.Cases, c)
	}
	yaraPaths := opts.Paths
	if ws != nil && len(opts.Paths) == 0 {
		yaraPaths = []string{filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.YARA))}
	}
	ycases, _, yfiles, err := yaraCases(ctx, yaraPaths, ws, opts.Workers)
	if err != nil {
		return nil, err
	}
	policyPaths := opts.Paths
	if ws != nil && len(opts.Paths) == 0 {
		policyPaths = []string{filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.Policies))}
	}
	pcases, psnaps, err := policyCases(ctx, policyPaths, ws)
	if err != nil {
		return nil, err
	}
	yfiles += psnaps
	ycases = append(ycases, pcases...)
	for _, c := range ycases {
		if opts.Changed != nil && !(opts.Changed(c.Artifact.File) || opts.Changed(c.Sample) || opts.Changed(strings.SplitN(c.Where, ":", 2)[0])) {
			continue
		}
		rep.Cases = append(rep.Cases, c)
		artifacts[c.Artifact.Key()] = true
		if c.Sample != "-" {
			samples[absPath(c.Sample)] = true
		}
	}
	if opts.Changed == nil {
		for _, c := range playbookCases(ws, rep.Cases) {
			rep.Cases = append(rep.Cases, c)
			artifacts[c.Artifact.Key()] = true
		}
	}
	sort.SliceStable(rep.Cases, func(i, j int) bool {
		a, b := rep.Cases[i], rep.Cases[j]
		if a.Artifact.File != b.Artifact.File {
			return a.Artifact.File < b.Artifact.File
		}
		return a.Sample < b.Sample
	})
	rep.Examined = Examined{Rules: len(artifacts), Samples: len(samples), Files: run.Events.Files + yfiles, Events: run.Events.Records}
	rep.total()
	rep.Coverage = coverage(rep, set, ws, byRecord)
	rep.Duration = time.Since(start).Seconds()
	return rep, nil
}

type hitList struct {
	count   int
	sources []events.Source
}

// judge sets a case's status from its count.
func judge(c *Case) {
	b := c.bounds
	switch {
	case b.Holds(c.Count):
		c.Status = Pass
		if b.Warn >= 0 && c.Count > b.Warn {
			c.Warning = fmt.Sprintf("%d %s, more than match_count %d: raise match_count", c.Count, plural(c.Count, "detection"), b.Warn)
		}
		if c.Expect == "match" {
			c.Events = nil
		}
	case b.Max == 0:
		c.Status = Fail
		c.Message = fmt.Sprintf("fired %d %s on a sample that must stay silent", c.Count, plural(c.Count, "time"))
	case c.Count == 0:
		c.Status = Fail
		c.Message = "missed: no detection on a sample it must detect"
	default:
		c.Status = Fail
		c.Message = fmt.Sprintf("%d %s, expected %s", c.Count, plural(c.Count, "detection"), b)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func artifactOf(r *sigma.Rule) Artifact {
	return Artifact{Kind: "sigma", ID: r.ID, Title: r.Title, File: r.File, Line: r.Line, Tags: r.Tags}
}

const benignName = "Benign corpus stays silent"

// planCases turns rules, their info.yml files and the workspace's benign
// corpora into cases. Anything that cannot run becomes a case with the
// reason, so it fails the run rather than vanishing.
func planCases(set *sigma.Set, ws *findings.Workspace) []plan {
	var plans []plan
	for _, ref := range set.Refusals {
		a := Artifact{Kind: "sigma", ID: ref.RuleID, Title: ref.Title, File: ref.File, Line: ref.Line}
		plans = append(plans, plan{c: Case{Artifact: a, Name: "Rule loads", Sample: "-", Expect: "load", Bounds: "loads", Where: fmt.Sprintf("%s:%d", ref.File, ref.Line)},
			reasons: []string{"rule does not load: " + ref.Error()}})
	}
	for _, r := range set.Rules {
		if r.Kind == sigma.KindFilter || r.RegressionTestsPath == "" {
			continue
		}
		a := artifactOf(r)
		infoPath, tried := resolve(filepath.Dir(r.File), r.RegressionTestsPath)
		if infoPath == "" {
			plans = append(plans, plan{c: Case{Artifact: a, Name: "regression_tests_path", Sample: r.RegressionTestsPath, Expect: "match", Bounds: "-", Where: fmt.Sprintf("%s:%d", r.File, r.Line)},
				reasons: []string{fmt.Sprintf("regression_tests_path %s does not exist (looked in %s)", r.RegressionTestsPath, strings.Join(shorten(tried, 3), ", "))}})
			continue
		}
		info, err := ReadInfo(infoPath)
		if err != nil {
			plans = append(plans, plan{c: Case{Artifact: a, Name: "info.yml", Sample: infoPath, Expect: "match", Bounds: "-", Where: infoPath},
				reasons: []string{err.Error()}})
			continue
		}
		var idProblem string
		if info.Rules[0].ID != r.ID {
			idProblem = fmt.Sprintf("%s names rule %s in rule_metadata, but %s:%d has id %s", infoPath, info.Rules[0].ID, r.File, r.Line, r.ID)
		}
		for _, t := range info.Tests {
			b := t.Bounds()
			expect := "match"
			if b.Max == 0 {
				expect = "no-match"
			}
			name := t.Name
			if name == "" {
				name = "Unnamed Test"
			}
			c := Case{Artifact: a, Name: name, Sample: t.Path, Expect: expect, Bounds: b.String(), Where: fmt.Sprintf("%s:%d", infoPath, t.Line), bounds: b}
			p := plan{c: c, rule: r}
			if idProblem != "" {
				p.reasons = append(p.reasons, idProblem)
			}
			if len(t.Pipelines) > 0 || len(t.Filters) > 0 {
				p.reasons = append(p.reasons, "per-test pipelines and filters are not supported yet (the run's --pipeline applies to every test)")
			}
			sample, tried := resolve(filepath.Dir(infoPath), t.Path)
			if sample == "" {
				if s2, _ := resolve(filepath.Dir(r.File), t.Path); s2 != "" {
					sample = s2
				}
			}
			if sample == "" {
				p.reasons = append(p.reasons, fmt.Sprintf("sample %s does not exist (looked in %s)", t.Path, strings.Join(shorten(tried, 3), ", ")))
			} else {
				p.c.Sample = sample
				files, err := events.Files([]string{sample})
				switch {
				case err != nil:
					p.reasons = append(p.reasons, err.Error())
				case len(files) == 0:
					p.reasons = append(p.reasons, fmt.Sprintf("sample folder %s holds no event files", sample))
				}
				p.files = files
			}
			plans = append(plans, p)
		}
	}
	if ws != nil {
		for i, b := range ws.Benign {
			if b.Kind != "events" {
				continue
			}
			dir := filepath.Join(ws.Root, filepath.FromSlash(b.Path))
			files, err := events.Files([]string{dir})
			for _, r := range set.Rules {
				if r.Kind != sigma.KindRule && r.Kind != sigma.KindCorrelation {
					continue
				}
				bounds := Bounds{Min: 0, Max: ws.Budgets.FalsePositives, Warn: -1}
				c := Case{Artifact: artifactOf(r), Name: benignName, Sample: dir, Expect: "no-match", Bounds: bounds.String(),
					Where: fmt.Sprintf("%s (benign[%d])", ws.File, i), bounds: bounds}
				p := plan{c: c, rule: r, files: files, benign: true}
				if err != nil {
					p.reasons = append(p.reasons, err.Error())
				}
				plans = append(plans, p)
			}
		}
	}
	return plans
}

func shorten(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	return append(list[:n:n], fmt.Sprintf("and %d folders above", len(list)-n))
}

func onlyChanged(plans []plan, changed func(string) bool) []plan {
	var out []plan
	for _, p := range plans {
		keep := changed(p.c.Artifact.File) || changed(p.c.Sample) || changed(strings.SplitN(p.c.Where, ":", 2)[0])
		for _, f := range p.files {
			keep = keep || changed(f)
		}
		if keep {
			out = append(out, p)
		}
	}
	return out
}

// workspace finds and loads the workspace the run is about.
func workspace(opts *Options) (*findings.Workspace, error) {
	dir := opts.Workspace
	if dir == "" && len(opts.Paths) == 1 {
		// antibody test WORKSPACE: the folder holding antibody.yaml is
		// the workspace, and its rules are the paths.
		if _, err := os.Stat(filepath.Join(opts.Paths[0], findings.WorkspaceFile)); err == nil {
			dir, opts.Paths = opts.Paths[0], nil
		}
	}
	if dir == "" {
		from := "."
		if len(opts.Paths) > 0 {
			from = opts.Paths[0]
		}
		abs, err := filepath.Abs(from)
		if err != nil {
			return nil, err
		}
		for d := abs; ; {
			if _, err := os.Stat(filepath.Join(d, findings.WorkspaceFile)); err == nil {
				dir = d
				break
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
		if dir == "" {
			if len(opts.Paths) == 0 {
				return nil, fmt.Errorf("%w: no antibody.yaml here or above (expected --workspace DIR or rule paths)", ErrUsage)
			}
			return nil, nil
		}
		dir = findings.DisplayPath(dir)
	}
	ws, err := findings.LoadWorkspace(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return ws, nil
}

// evidenceFiles lists the event evidence of the workspace's findings, so
// coverage can say which behaviours a passing rule detects.
func evidenceFiles(ws *findings.Workspace) []string {
	if ws == nil {
		return nil
	}
	var out []string
	files, _ := ws.FindingFiles()
	for _, f := range files {
		fd, err := findings.Load(f, ws.Root)
		if fd == nil || err != nil && !isOnlyProblems(err) {
			continue
		}
		for _, e := range fd.Evidence {
			if e.Kind == "events" {
				p := filepath.Join(ws.Root, filepath.FromSlash(e.Path))
				if _, ok := events.FormatOf(p); ok {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// absPath names a file by its absolute path, or as given when that
// cannot be worked out.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func isOnlyProblems(err error) bool {
	var ps findings.Problems
	return errors.As(err, &ps)
}
