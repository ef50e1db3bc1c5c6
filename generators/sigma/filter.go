package sigma

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/antibody-dev/antibody/generators"
	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// TuneOptions say which rule to tune on which events.
type TuneOptions struct {
	// Rule is the rule file; RuleID picks one rule when the file holds
	// several.
	Rule   string
	RuleID string
	Attack []string
	Benign []string
	// BenignBackend, when set, is where the benign events are (e.g. a
	// ClickHouse table) instead of the Benign files.
	BenignBackend sigma.EventBackend
	// Pipeline maps log sources (nil: windows).
	Pipeline *sigma.Pipeline
	// Budget is how many benign detections may remain (default 0).
	Budget int
	// Date is the filter's date (default today, UTC).
	Date time.Time
}

// Proposal is a filter that separates a rule's true positives from its
// false positives, proven with the engine.
type Proposal struct {
	Rule     *sigma.Rule
	Filter   []byte // the filter document (Sigma meta filter), sealed
	Attack   int    // attack events the rule fires on, before and after
	Benign   int    // benign events it fired on before
	After    int    // benign events it still fires on with the filter
	Chosen   []string
	Examined struct{ AttackEvents, BenignEvents int }
}

// ErrInseparable is returned when no filter removes the false positives
// without hiding an attack event or memorising single events.
type ErrInseparable struct {
	Remaining []events.Source
	Reason    string
}

func (e *ErrInseparable) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no clean separator: %s", e.Reason)
	for i, s := range e.Remaining {
		if i == 5 {
			fmt.Fprintf(&b, "\n  and %d more", len(e.Remaining)-5)
			break
		}
		fmt.Fprintf(&b, "\n  %s", s)
	}
	return b.String()
}

// ProposeFilter runs a rule over attack and benign events and proposes a
// Sigma filter (the rule itself untouched) that removes its benign
// detections while every attack detection still fires. A filter value
// needs support from at least two benign events, so no single event is
// memorised.
func ProposeFilter(opts TuneOptions) (*Proposal, error) {
	p := opts.Pipeline
	if p == nil {
		var err error
		if p, err = sigma.LoadPipeline("windows"); err != nil {
			return nil, err
		}
	}
	set, err := sigma.Load([]string{opts.Rule}, sigma.LoadOptions{Pipeline: p})
	if err != nil {
		return nil, err
	}
	if len(set.Refusals) > 0 {
		return nil, fmt.Errorf("%s", set.Refusals[0].Error())
	}
	var rule *sigma.Rule
	for _, r := range set.Detections() {
		if opts.RuleID == "" || r.ID == opts.RuleID {
			if rule != nil && opts.RuleID == "" {
				return nil, fmt.Errorf("%s holds several rules (expected --id to pick one)", opts.Rule)
			}
			rule = r
		}
	}
	if rule == nil {
		return nil, fmt.Errorf("%s holds no detection rule %s", opts.Rule, opts.RuleID)
	}
	if rule.ID == "" {
		return nil, fmt.Errorf("%s has no id: a Sigma filter names the rules it applies to by id (expected id: <uuid>)", opts.Rule)
	}
	attack, err := readPaths(opts.Attack)
	if err != nil {
		return nil, err
	}
	benign := opts.BenignBackend
	if benign == nil {
		benign = sigma.FilesBackend{Files: opts.Benign}
	}
	withFilter := func(extra []byte) *sigma.Set {
		if extra == nil {
			return set
		}
		s, _ := sigma.Parse("tune", append(append(ruleText(rule), []byte("---\n")...), extra...), sigma.LoadOptions{Pipeline: p})
		return s
	}
	isRule := func(r *sigma.Rule) bool { return r.Kind == sigma.KindRule && r.ID == rule.ID && r.Title == rule.Title }
	run := func(extra []byte, evs []*events.Event) []*events.Event {
		s := withFilter(extra)
		e := sigma.NewEngine(s, p)
		m := e.NewMatcher()
		var hits []*events.Event
		for _, ev := range evs {
			hit := false
			m.Match(ev, func(d sigma.Detection) {
				if d.Rule.ID == rule.ID && d.Rule.Title == rule.Title {
					hit = true
				}
			})
			if hit {
				hits = append(hits, ev)
			}
		}
		return hits
	}
	tps := run(nil, attack)
	ctx := context.Background()
	fps, benignEvents, err := benign.Matched(ctx, set, p, isRule)
	if err != nil {
		return nil, fmt.Errorf("benign events: %w", err)
	}
	prop := &Proposal{Rule: rule, Attack: len(tps), Benign: len(fps)}
	prop.Examined.AttackEvents, prop.Examined.BenignEvents = len(attack), benignEvents
	if len(tps) == 0 {
		return nil, fmt.Errorf("%s does not fire on any of the %d attack events: there is nothing to keep (expected attack samples it detects)", rule.Title, len(attack))
	}
	if len(fps) <= opts.Budget {
		return prop, nil
	}
	src := func(ev *events.Event) *sigma.Source { s, _ := p.SourceOf(ev.Get); return s }
	// Candidate exclusions: a value of a field that several false
	// positives share and no true positive has.
	tpVals := map[string]map[string]bool{}
	for _, ev := range tps {
		for f, v := range toSample(ev, src(ev)) {
			if tpVals[f] == nil {
				tpVals[f] = map[string]bool{}
			}
			tpVals[f][strings.ToLower(v)] = true
		}
	}
	type cand struct {
		p     pred
		cover map[int]bool
	}
	byKey := map[string]*cand{}
	var order []string
	for i, ev := range fps {
		for f, v := range toSample(ev, src(ev)) {
			if v == "" || !filterable[f] {
				continue
			}
			var pr pred
			switch {
			case strings.HasSuffix(f, "Image"):
				base := `\` + basename(v)
				if tpBase(tpVals[f], base) {
					continue
				}
				pr = pred{field: f, mods: "endswith", values: []string{base}, what: strings.ToLower(f)}
			default:
				if tpVals[f][strings.ToLower(v)] {
					continue
				}
				pr = pred{field: f, values: []string{v}, what: strings.ToLower(f)}
			}
			k := pr.id()
			c := byKey[k]
			if c == nil {
				c = &cand{p: pr, cover: map[int]bool{}}
				byKey[k] = c
				order = append(order, k)
			}
			c.cover[i] = true
		}
	}
	remaining := map[int]bool{}
	for i := range fps {
		remaining[i] = true
	}
	var chosen []pred
	for len(remaining) > opts.Budget {
		var best *cand
		bestN := 0
		for _, k := range order {
			c := byKey[k]
			n := 0
			for i := range c.cover {
				if remaining[i] {
					n++
				}
			}
			// Support: a value seen in one benign event alone would
			// memorise it.
			if n < 2 || n < bestN || (n == bestN && best != nil && filterPriority[c.p.field] <= filterPriority[best.p.field]) {
				continue
			}
			best, bestN = c, n
		}
		if best == nil {
			break
		}
		chosen = append(chosen, best.p)
		for i := range best.cover {
			delete(remaining, i)
		}
	}
	if len(remaining) > opts.Budget {
		var rest []events.Source
		idx := make([]int, 0, len(remaining))
		for i := range remaining {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		for _, i := range idx {
			rest = append(rest, fps[i].Source)
		}
		return nil, &ErrInseparable{Remaining: rest, Reason: fmt.Sprintf("%d of %d benign detections share no value (with at least one other) that the attack events lack", len(remaining), len(fps))}
	}
	date := opts.Date
	if date.IsZero() {
		date = time.Now().UTC()
	}
	body := filterYAML(rule, chosen, date, len(fps), len(tps))
	after, _, err := benign.Matched(ctx, withFilter(body), p, isRule)
	if err != nil {
		return nil, fmt.Errorf("benign events with the filter: %w", err)
	}
	kept := run(body, attack)
	if len(kept) != len(tps) || len(after) > opts.Budget {
		return nil, fmt.Errorf("the proposed filter does not hold: %d of %d attack detections kept, %d benign left", len(kept), len(tps), len(after))
	}
	prop.Filter = generators.Seal(body)
	prop.After = len(after)
	for _, c := range chosen {
		prop.Chosen = append(prop.Chosen, c.key()+": "+strings.Join(c.values, ", "))
	}
	return prop, nil
}

// filterable are the fields a filter may key on: who ran what, from where;
// never a time, an id or a host.
var filterable = map[string]bool{
	"ParentImage": true, "Image": true, "ParentCommandLine": true, "CommandLine": true,
	"SourceImage": true, "TargetImage": true, "User": true, "OriginalFileName": true,
	"CurrentDirectory": true, "Product": true, "Company": true, "TargetFilename": true,
	"IntegrityLevel": true, "LogonType": true, "ServiceName": true, "SubjectUserName": true,
}

var filterPriority = map[string]int{
	"ParentCommandLine": 10, "ParentImage": 9, "Image": 8, "OriginalFileName": 6, "CommandLine": 5,
	"Product": 4, "Company": 4, "User": 3, "SubjectUserName": 3, "CurrentDirectory": 2,
}

func tpBase(vals map[string]bool, base string) bool {
	lb := strings.ToLower(base)
	for v := range vals {
		if strings.HasSuffix(v, lb) {
			return true
		}
	}
	return false
}

func readPaths(paths []string) ([]*events.Event, error) {
	files, err := events.Files(paths)
	if err != nil {
		return nil, err
	}
	var out []*events.Event
	for _, f := range files {
		evs, err := readAll(f)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

// ruleText returns the rule's own document for a combined load.
func ruleText(r *sigma.Rule) []byte {
	data, _ := readFileDoc(r)
	return data
}

func filterYAML(rule *sigma.Rule, chosen []pred, date time.Time, fps, tps int) []byte {
	w := &docWriter{}
	w.line(0, "title: "+quote(titleCase("Benign activity of "+rule.Title)))
	w.line(0, "id: "+generators.ID(rule.ID, "filter"))
	w.line(0, "status: experimental")
	w.text(0, "description", wrap(fmt.Sprintf("Excludes from %q the benign activity it fired on: %d benign detections removed while all %d attack detections still fire (proven by antibody tune). Each value is shared by at least two benign events.", rule.Title, fps, tps), 96))
	w.line(0, "author: "+quote("antibody tune"))
	w.line(0, "date: "+date.Format(time.DateOnly))
	writeLogsource(w, rule.Logsource)
	w.line(0, "filter:")
	w.line(1, "rules:")
	w.line(2, "- "+rule.ID)
	for i, c := range chosen {
		w.line(1, fmt.Sprintf("filter_%d:", i+1))
		w.field(2, c.key(), c.values)
	}
	w.line(1, "condition: not 1 of filter_*")
	return w.bytes()
}
