package sigma

import (
	"fmt"
	"sort"
	"strings"

	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// The benign events are behind a sigma.EventBackend: the workspace's
// corpora read once into memory, or a backtest table where production
// logs live. The tuning loop never needs all of them. Every draft of a
// selection contains its anchor predicate, so the benign events any draft
// can match are among those the anchor matches: those are fetched (into
// the pool, shared by the finding's rules) and the narrowing runs over
// them in memory. The finished rule is then checked on the backend itself.

// programFields are the fields whose programs make a name "known".
var programFields = []string{"Image", "ParentImage", "NewProcessName", "ParentProcessName", "SourceImage", "TargetImage", "ImageLoaded"}

// knownFrom says a program is known when it is in the built-in list or
// some benign event runs it.
func knownFrom(paths []string) func(string) bool {
	seen := map[string]bool{}
	for _, p := range paths {
		seen[strings.ToLower(basename(p))] = true
	}
	return func(name string) bool { return knownPrograms[name] || seen[name] }
}

// drafts is a set of one-predicate rules, one per candidate.
type drafts struct {
	set   *sigma.Set
	index map[*sigma.Rule]int
	n     int
}

// compileDrafts writes each predicate as a one-field rule of the log
// source.
func (r *run) compileDrafts(ls sigma.Logsource, preds []pred) (*drafts, error) {
	each := make([][]int, len(preds))
	for i := range preds {
		each[i] = []int{i}
	}
	set, err := r.conjunctions(ls, preds, each)
	if err != nil {
		return nil, err
	}
	out := &drafts{set: set, index: map[*sigma.Rule]int{}, n: len(preds)}
	for i, rule := range set.Rules {
		out.index[rule] = i
	}
	return out, nil
}

// positives counts, per predicate, the positives it matches.
func (r *run) positives(d *drafts, evs []*events.Event) []int {
	pos := make([]int, d.n)
	m := sigma.NewEngine(d.set, r.p).NewMatcher()
	for _, ev := range evs {
		m.Match(ev, func(det sigma.Detection) { pos[d.index[det.Rule]]++ })
	}
	return pos
}

// conjunctions writes one rule per list of candidates, the candidates
// ANDed, in the log source.
func (r *run) conjunctions(ls sigma.Logsource, cands []pred, conj [][]int) (*sigma.Set, error) {
	d := &docWriter{}
	for k, list := range conj {
		if k > 0 {
			d.line(0, "---")
		}
		d.line(0, fmt.Sprintf("title: c%d", k))
		writeLogsource(d, ls)
		d.line(0, "detection:")
		var names []string
		for j, i := range list {
			name := fmt.Sprintf("sel%d", j)
			writePred(d, name, cands[i])
			names = append(names, name)
		}
		d.line(1, "condition: "+strings.Join(names, " and "))
	}
	set, err := sigma.Parse("tuning", d.bytes(), sigma.LoadOptions{Pipeline: r.p})
	if err != nil {
		return nil, err
	}
	if len(set.Refusals) > 0 {
		return nil, fmt.Errorf("draft refused: %s", set.Refusals[0].Error())
	}
	return set, nil
}

// countConj counts on the backend the benign events each conjunction of
// candidates matches.
func (r *run) countConj(ls sigma.Logsource, cands []pred, conj [][]int) ([]int, error) {
	set, err := r.conjunctions(ls, cands, conj)
	if err != nil {
		return nil, err
	}
	counts, err := sigma.CountDetections(r.ctx, r.bk, set, r.p)
	if err != nil {
		return nil, fmt.Errorf("benign events: %w", err)
	}
	out := make([]int, len(conj))
	for k, rule := range set.Rules {
		out[k] = counts[rule]
	}
	return out, nil
}

// fetchConj adds to the pool the benign events the candidates, ANDed,
// match.
func (r *run) fetchConj(ls sigma.Logsource, cands []pred, chosen []int) error {
	set, err := r.conjunctions(ls, cands, [][]int{chosen})
	if err != nil {
		return err
	}
	evs, _, err := r.bk.Matched(r.ctx, set, r.p, func(*sigma.Rule) bool { return true })
	if err != nil {
		return fmt.Errorf("benign events: %w", err)
	}
	for _, ev := range evs {
		k := sourceKey(ev.Source)
		if _, ok := r.poolKey[k]; ok {
			continue
		}
		r.poolKey[k] = len(r.pool)
		r.pool = append(r.pool, ev)
	}
	return nil
}

// DefaultMaxFetch is how many benign events the generator fetches for one
// draft at most when Generator.MaxFetch is not set.
const DefaultMaxFetch = 20000

func (r *run) maxFetch() int {
	n := r.g.MaxFetch
	if n <= 0 {
		n = DefaultMaxFetch
	}
	// Above the budget, or a rule within budget would never be
	// fetched.
	return max(n, r.budget+1)
}

func sourceKey(s events.Source) string {
	return fmt.Sprintf("%s\x00%d\x00%d\x00%d", s.File, s.Record, s.Line, s.Offset)
}

// hits lists, per predicate, the pooled benign events it matches (pool
// indices, ascending).
func (r *run) hits(d *drafts) [][]int {
	out := make([][]int, d.n)
	m := sigma.NewEngine(d.set, r.p).NewMatcher()
	for bi, ev := range r.pool {
		m.Match(ev, func(det sigma.Detection) {
			i := d.index[det.Rule]
			out[i] = append(out[i], bi)
		})
	}
	return out
}

// benignHits runs a rule set over all the benign events on the backend
// and counts the detections of the rules keep accepts, naming up to five
// of their events.
func (r *run) benignHits(set *sigma.Set, keep func(*sigma.Rule) bool) (int, []string, error) {
	n := 0
	var coll []string
	rep, err := r.bk.Detect(r.ctx, set, r.p, func(d sigma.Detection) {
		if !keep(d.Rule) {
			return
		}
		n++
		coll = append(coll, d.Source.String())
	})
	if err != nil {
		return 0, nil, fmt.Errorf("benign events: %w", err)
	}
	if len(rep.Refused) > 0 {
		return 0, nil, fmt.Errorf("benign events: %s", rep.Refused[0].Error())
	}
	return n, firstFive(coll), nil
}

// firstFive sorts event names and keeps five, saying how many more.
func firstFive(list []string) []string {
	sort.Strings(list)
	if len(list) <= 5 {
		return list
	}
	return append(list[:5:5], fmt.Sprintf("and %d more", len(list)-5))
}
