package sigma

import (
	"fmt"
	"sort"
	"strings"

	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// selection is a named, tuned set of predicates (ANDed).
type selection struct {
	name  string
	preds []pred
}

// evaluation is how each predicate fares on the positives and the benign
// events.
type evaluation struct {
	pos  []int   // positives matched, per predicate
	hits [][]int // benign events matched, per predicate (indices)
}

// evaluate runs each predicate alone, as a one-field rule of the log
// source, over the positives and the pooled benign events.
func (r *run) evaluate(ls sigma.Logsource, preds []pred, positives []*events.Event) (evaluation, error) {
	d, err := r.compileDrafts(ls, preds)
	if err != nil {
		return evaluation{}, err
	}
	return evaluation{pos: r.positives(d, positives), hits: r.hits(d)}, nil
}

// writePred writes a one-predicate selection; a predicate with an
// alternative becomes a list of maps (either one).
func writePred(d *docWriter, name string, p pred) {
	if p.alt == nil {
		d.line(1, name+":")
		d.field(2, p.key(), p.values)
		return
	}
	d.line(1, name+":")
	for _, q := range []pred{p, *p.alt} {
		if len(q.values) == 1 {
			d.line(2, "- "+q.key()+": "+quote(q.values[0]))
			continue
		}
		d.line(2, "- "+q.key()+":")
		for _, v := range q.values {
			d.line(4, "- "+quote(v))
		}
	}
}

func writeLogsource(d *docWriter, ls sigma.Logsource) {
	d.line(0, "logsource:")
	if ls.Category != "" {
		d.line(1, "category: "+ls.Category)
	}
	if ls.Product != "" {
		d.line(1, "product: "+ls.Product)
	}
	if ls.Service != "" {
		d.line(1, "service: "+ls.Service)
	}
}

func intersect(a, b []int) []int {
	var out []int
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return out
}

func union(a, b []int) []int {
	m := map[int]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		m[x] = true
	}
	out := make([]int, 0, len(m))
	for x := range m {
		out = append(out, x)
	}
	sort.Ints(out)
	return out
}

// tune picks, from the candidates that hold on every positive, the
// smallest set (anchored by what the event is) that keeps the benign
// corpora within the budget. It returns the selection, the benign events
// it still matches (pool indices), and a note on how it got there.
//
// The narrowing is greedy: each step adds the candidate that leaves the
// fewest benign events. While the drafts match more benign events than
// the generator fetches (Generator.MaxFetch), the steps are decided by
// counts on the backend; once a draft is small enough its events are
// fetched and the rest runs in memory. Both count the same events, so
// where the events live does not change the rule.
func (r *run) tune(ls sigma.Logsource, positives []*events.Event, cands []pred) ([]pred, []int, string, error) {
	d, err := r.compileDrafts(ls, cands)
	if err != nil {
		return nil, nil, "", err
	}
	pos := r.positives(d, positives)
	var viable []int
	for i := range cands {
		if pos[i] == len(positives) {
			viable = append(viable, i)
		}
	}
	if len(viable) == 0 {
		return nil, nil, "", nil
	}
	first := anchorOf(ls, cands, viable)
	chosen := []int{first}
	n, err := r.countConj(ls, cands, [][]int{chosen})
	if err != nil {
		return nil, nil, "", err
	}
	size := n[0]
	steps := []string{fmt.Sprintf("%s alone matched %d benign %s", describe(cands[first]), size, plural(size, "event"))}
	// In memory from here when the draft's events are few enough: every
	// later draft keeps these predicates, so its benign events are among
	// them.
	var cur []int
	var hits [][]int
	inMemory := false
	toMemory := func() error {
		if err := r.fetchConj(ls, cands, chosen); err != nil {
			return err
		}
		hits = r.hits(d)
		cur = hits[chosen[0]]
		for _, c := range chosen[1:] {
			cur = intersect(cur, hits[c])
		}
		inMemory = true
		return nil
	}
	if size <= r.maxFetch() {
		if err := toMemory(); err != nil {
			return nil, nil, "", err
		}
	}
	// Narrow with meaningful predicates first (flags, names, keys);
	// fall back to weak ones (integrity level, product names, address
	// ranges) only when nothing meaningful separates.
	for _, minPrio := range []int{40, 0} {
		for size > r.budget {
			var next []int
			for _, i := range viable {
				if !contains(chosen, i) && cands[i].prio >= minPrio {
					next = append(next, i)
				}
			}
			if len(next) == 0 {
				break
			}
			left := make([]int, len(next))
			if inMemory {
				for k, i := range next {
					left[k] = len(intersect(cur, hits[i]))
				}
			} else {
				conj := make([][]int, len(next))
				for k, i := range next {
					conj[k] = append(append([]int(nil), chosen...), i)
				}
				if left, err = r.countConj(ls, cands, conj); err != nil {
					return nil, nil, "", err
				}
			}
			best, bestN := -1, size
			for k, i := range next {
				if left[k] < bestN || (best >= 0 && left[k] == bestN && cands[i].prio > cands[best].prio) {
					best, bestN = i, left[k]
				}
			}
			if best < 0 {
				break
			}
			chosen = append(chosen, best)
			size = bestN
			if inMemory {
				cur = intersect(cur, hits[best])
			} else if size <= r.maxFetch() {
				if err := toMemory(); err != nil {
					return nil, nil, "", err
				}
			}
			steps = append(steps, fmt.Sprintf("adding %s left %d", describe(cands[best]), size))
		}
	}
	if !inMemory {
		// Still more benign events than are fetched: no rule here.
		return nil, nil, "", &tooMany{matched: size, limit: r.maxFetch(), steps: strings.Join(steps, ", ")}
	}
	// One condition is rarely a behaviour: when the benign corpora could
	// not ask for more (no events of this log source, or none left), the
	// strongest remaining predicate is added so the rule says both who
	// acts and what it does.
	if len(chosen) == 1 && (cands[first].what == "program name" || cands[first].prio < 60) {
		for _, i := range viable {
			if i != first && cands[i].prio >= 40 && cands[i].field != cands[first].field {
				chosen = append(chosen, i)
				cur = intersect(cur, hits[i])
				steps = append(steps, fmt.Sprintf("%s added so the rule names the act as well as the actor", describe(cands[i])))
				break
			}
		}
	}
	var out []pred
	for _, i := range chosen {
		out = append(out, cands[i])
	}
	return out, cur, strings.Join(steps, ", "), nil
}

// tooMany is a draft that still matches more benign events than the
// generator fetches.
type tooMany struct {
	matched, limit int
	steps          string
}

func (e *tooMany) Error() string {
	return fmt.Sprintf("the best draft still matches %d benign events, more than the %d fetched for tuning (%s)", e.matched, e.limit, e.steps)
}

// anchorPreference names, per log source category, the fields that say
// what an event is about, best first.
var anchorPreference = map[string][]string{
	"process_creation":   {"Image", "OriginalFileName", "CommandLine"},
	"process_access":     {"TargetImage", "GrantedAccess"},
	"file_event":         {"TargetFilename", "Image"},
	"registry_set":       {"TargetObject", "Details"},
	"registry_add":       {"TargetObject"},
	"registry_delete":    {"TargetObject"},
	"registry_event":     {"TargetObject", "Details"},
	"image_load":         {"ImageLoaded", "Image"},
	"network_connection": {"DestinationPort", "Image"},
	"pipe_created":       {"PipeName"},
	"dns_query":          {"QueryName"},
}

// anchorOf picks the predicate a selection starts from.
func anchorOf(ls sigma.Logsource, cands []pred, viable []int) int {
	for _, field := range anchorPreference[ls.Category] {
		for _, i := range viable {
			if cands[i].field == field && cands[i].prio >= 40 {
				return i
			}
		}
	}
	for _, i := range viable {
		if cands[i].anchor {
			return i
		}
	}
	return viable[0]
}

func contains(list []int, x int) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

func describe(p pred) string {
	return fmt.Sprintf("%s %s", p.what, strings.TrimSpace(strings.Join(p.values, ", ")))
}

func plural(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

// filters proposes exclusions for the benign events a rule still matches:
// a program or parent that several of them share and no positive has.
// A single benign event is never enough: that would memorise it.
func (r *run) filters(ls sigma.Logsource, positives []*events.Event, src *sigma.Source, remaining []int) []pred {
	posVals := map[string]map[string]bool{}
	for _, p := range positives {
		s := toSample(p, src)
		for _, f := range filterFields {
			if posVals[f] == nil {
				posVals[f] = map[string]bool{}
			}
			posVals[f][strings.ToLower(s[f])] = true
		}
	}
	var out []pred
	for _, f := range filterFields {
		counts := map[string]int{}
		var order []string
		for _, bi := range remaining {
			s := toSample(r.pool[bi], src)
			v, ok := s[f]
			if !ok || v == "" || r.names.mentions(v) {
				continue
			}
			if counts[v] == 0 {
				order = append(order, v)
			}
			counts[v]++
		}
		sort.SliceStable(order, func(i, j int) bool {
			if counts[order[i]] != counts[order[j]] {
				return counts[order[i]] > counts[order[j]]
			}
			return order[i] < order[j]
		})
		for _, v := range order {
			if counts[v] >= 2 && !posVals[f][strings.ToLower(v)] {
				out = append(out, pred{field: f, values: []string{v}, what: "benign " + strings.ToLower(f)})
			}
		}
	}
	return out
}

var filterFields = []string{"ParentImage", "Image", "SourceImage", "ImageLoaded", "TargetFilename", "ParentCommandLine", "CommandLine"}
