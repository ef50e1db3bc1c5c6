package sigma

import (
	"slices"
	"sort"
	"strings"
	"time"

	ahocorasick "github.com/petar-dambovaliev/aho-corasick"

	"github.com/antibody-dev/antibody/rules/events"
)

// minLiteral is the shortest literal the prefilter uses; shorter ones
// (a backslash, "-e") occur in nearly every event and would only cost time.
const minLiteral = 3

// Engine runs a compiled rule set over events. It is safe for concurrent
// use through one Matcher per goroutine.
type Engine struct {
	set      *Set
	pipeline *Pipeline
	rules    []*Rule // detection rules, the index is the rule's number
	slotOf   map[string]int
	slots    int

	routes    []*route
	byChannel map[string][]int
	open      []int // routes that do not test Channel
	channel   int   // slot of Channel

	// Unrouted are the detection rules whose log source the pipeline
	// does not serve; they never run.
	Unrouted []*Rule

	ac       *ahocorasick.AhoCorasick
	litRules [][]int32
	always   []bool

	corrs []*Rule
	feeds [][]feed // per rule number: the correlations it feeds
	lits  int
}

type feed struct {
	corr int // index into corrs
	pos  int // position of the rule in the correlation's rules
}

type route struct {
	src     *Source
	conds   []routeCond
	aliases [][2]int // destination slot, source slot
	rules   []int32
}

type routeCond struct {
	slot   int
	name   string
	values []string // lower-cased
}

// routed reports whether a channel route with rules takes ev, reading the
// event's own fields (the same first value per name the view reads).
func (e *Engine) routed(ev *events.Event) bool {
	ch, _ := ev.Get("Channel")
	for _, ri := range e.byChannel[Lower(ch)] {
		ok := true
		for _, c := range e.routes[ri].conds {
			val, found := ev.Get(c.name)
			if !found || !slices.Contains(c.values, Lower(val)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// NewEngine compiles set for the pipeline (nil: no routing). The set is
// bound to the engine: its field matchers learn the engine's slots. The
// slots of a rule's fields are numbered in a fixed order (Channel, then
// each rule's searches by name), so binding the same set to another
// engine later leaves the earlier engines working.
func NewEngine(set *Set, p *Pipeline) *Engine {
	e := &Engine{set: set, pipeline: p, slotOf: map[string]int{}, byChannel: map[string][]int{}}
	e.channel = e.slot("Channel")
	for _, r := range set.Rules {
		switch r.Kind {
		case KindRule:
			e.rules = append(e.rules, r)
		case KindCorrelation:
			e.corrs = append(e.corrs, r)
		}
		for _, name := range r.Searches() {
			for _, g := range r.searches[name].groups {
				for _, m := range g {
					m.slot = -1
					if m.field != "" {
						m.slot = e.slot(m.field)
					}
					for i := range m.values {
						if m.values[i].kind == kindFieldRef {
							m.values[i].refAt = e.slot(m.values[i].ref)
						}
					}
				}
			}
		}
	}
	number := map[*Rule]int{}
	for i, r := range e.rules {
		number[r] = i
	}
	e.feeds = make([][]feed, len(e.rules))
	for ci, c := range e.corrs {
		for pos, t := range c.correlation.targets {
			if n, ok := number[t]; ok {
				e.feeds[n] = append(e.feeds[n], feed{corr: ci, pos: pos})
			}
		}
	}
	e.buildRoutes()
	e.buildPrefilter()
	return e
}

func (e *Engine) slot(name string) int {
	if s, ok := e.slotOf[name]; ok {
		return s
	}
	e.slotOf[name] = e.slots
	e.slots++
	return e.slots - 1
}

func (e *Engine) buildRoutes() {
	var global [][2]int
	if e.pipeline != nil {
		for ruleField, eventField := range e.pipeline.Fields {
			global = append(global, [2]int{e.slot(ruleField), e.slot(eventField)})
		}
	}
	if e.pipeline == nil || len(e.pipeline.Sources) == 0 {
		// No log sources: nothing to route by, every rule sees
		// every event.
		rt := &route{aliases: global}
		for i := range e.rules {
			rt.rules = append(rt.rules, int32(i))
		}
		e.routes = []*route{rt}
		e.open = []int{0}
		return
	}
	routed := make([]bool, len(e.rules))
	for si := range e.pipeline.Sources {
		src := &e.pipeline.Sources[si]
		rt := &route{src: src, aliases: append([][2]int(nil), global...)}
		names := make([]string, 0, len(src.Fields))
		for k := range src.Fields {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, ruleField := range names {
			rt.aliases = append(rt.aliases, [2]int{e.slot(ruleField), e.slot(src.Fields[ruleField])})
		}
		condFields := make([]string, 0, len(src.Conditions))
		for f := range src.Conditions {
			condFields = append(condFields, f)
		}
		sort.Strings(condFields)
		var channels []string
		for _, f := range condFields {
			vals := make([]string, len(src.Conditions[f]))
			for i, v := range src.Conditions[f] {
				vals[i] = strings.ToLower(v)
			}
			if f == "Channel" {
				channels = vals
				continue
			}
			rt.conds = append(rt.conds, routeCond{slot: e.slot(f), name: f, values: vals})
		}
		for i, r := range e.rules {
			if src.serves(r.Logsource) {
				rt.rules = append(rt.rules, int32(i))
				routed[i] = true
			}
		}
		if len(rt.rules) == 0 {
			continue
		}
		idx := len(e.routes)
		e.routes = append(e.routes, rt)
		if channels == nil {
			e.open = append(e.open, idx)
		}
		for _, ch := range channels {
			e.byChannel[ch] = append(e.byChannel[ch], idx)
		}
	}
	for i, r := range e.rules {
		if !routed[i] {
			e.Unrouted = append(e.Unrouted, r)
		}
	}
}

// Rules returns the detection rules the engine runs.
func (e *Engine) Rules() []*Rule { return e.rules }

// Literals returns how many distinct literals the prefilter searches for.
func (e *Engine) Literals() int { return e.lits }

func (e *Engine) buildPrefilter() {
	ids := map[string]int{}
	var pats []string
	e.always = make([]bool, len(e.rules))
	for i, r := range e.rules {
		need := needOf(r.compiled)
		if need.top {
			e.always[i] = true
			continue
		}
		for _, l := range need.lits {
			id, ok := ids[l]
			if !ok {
				id = len(pats)
				ids[l] = id
				pats = append(pats, l)
				e.litRules = append(e.litRules, nil)
			}
			e.litRules[id] = append(e.litRules[id], int32(i))
		}
	}
	e.lits = len(pats)
	if len(pats) > 0 {
		// The NFA, not the DFA: over SigmaHQ's ~18,000 Windows
		// literals the DFA costs 800 MB and 4 s to build for a 30%
		// faster scan; the NFA costs about 60 MB and half a second.
		b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{MatchKind: ahocorasick.StandardMatch, DFA: false})
		ac := b.Build(pats)
		e.ac = &ac
	}
}

// litSet is what must occur in an event for a condition to hold: one of
// lits somewhere in its lower-cased values, or, when top, nothing known.
type litSet struct {
	lits []string
	top  bool
}

var topSet = litSet{top: true}

func (l litSet) score() int {
	if l.top {
		return -1
	}
	shortest := 1 << 30
	for _, s := range l.lits {
		if len(s) < shortest {
			shortest = len(s)
		}
	}
	return shortest
}

func best(sets []litSet) litSet {
	out := topSet
	for _, s := range sets {
		if s.top {
			continue
		}
		if out.top || s.score() > out.score() || (s.score() == out.score() && len(s.lits) < len(out.lits)) {
			out = s
		}
	}
	return out
}

func union(sets []litSet) litSet {
	var out litSet
	for _, s := range sets {
		if s.top {
			return topSet
		}
		out.lits = append(out.lits, s.lits...)
	}
	if len(out.lits) == 0 {
		return topSet
	}
	return out
}

func needOf(n evalNode) litSet {
	switch x := n.(type) {
	case andEval:
		sets := make([]litSet, len(x))
		for i, c := range x {
			sets[i] = needOf(c)
		}
		return best(sets)
	case orEval:
		sets := make([]litSet, len(x))
		for i, c := range x {
			sets[i] = needOf(c)
		}
		return union(sets)
	case *search:
		sets := make([]litSet, len(x.groups))
		for i, g := range x.groups {
			members := make([]litSet, len(g))
			for j, m := range g {
				members[j] = needOfMatcher(m)
			}
			sets[i] = best(members)
		}
		return union(sets)
	}
	return topSet
}

func needOfMatcher(m *fieldMatcher) litSet {
	if m.exists != 0 || m.neq || len(m.values) == 0 {
		return topSet
	}
	sets := make([]litSet, len(m.values))
	for i := range m.values {
		sets[i] = needOfValue(&m.values[i])
	}
	if m.all {
		return best(sets)
	}
	return union(sets)
}

func needOfValue(v *value) litSet {
	var lit string
	switch v.kind {
	case kindExact, kindPrefix, kindSuffix, kindContains:
		lit = v.lit
	case kindGlob:
		for _, t := range v.toks {
			if len(t.lit) > len(lit) {
				lit = t.lit
			}
		}
	default:
		return topSet
	}
	lit = strings.ToLower(lit)
	if len(lit) < minLiteral || strings.IndexByte(lit, 0) >= 0 {
		return topSet
	}
	return litSet{lits: []string{lit}}
}

// Detection is one rule firing on one event (or, for a correlation rule,
// on the events it correlated).
type Detection struct {
	Rule    *Rule
	Source  events.Source
	Time    time.Time
	Matched []MatchedField
	// Events are the events a correlation rule correlated.
	Events []events.Source
	// Group is a correlation's group-by values.
	Group map[string]string
}

// Matcher evaluates events for one goroutine.
type Matcher struct {
	e       *Engine
	v       *view
	hit     []uint32
	done    []uint32
	litSeen []uint32
	ruleGen uint32
	saved   []savedSlot
	// Examined counts events per route, and Seen the fields each route's
	// events carried, for "can never fire" reports.
	Examined []int
	seen     [][]bool
	hits     []corrHit
	// Evaluated counts rule evaluations after the prefilter, for
	// benchmarks and tuning.
	Evaluated int
}

type savedSlot struct {
	slot  int
	head  int
	stamp uint32
}

// NewMatcher returns a Matcher for one goroutine.
func (e *Engine) NewMatcher() *Matcher {
	m := &Matcher{
		e:        e,
		v:        newView(e.slots),
		hit:      make([]uint32, len(e.rules)),
		done:     make([]uint32, len(e.rules)),
		litSeen:  make([]uint32, len(e.litRules)),
		Examined: make([]int, len(e.routes)),
		seen:     make([][]bool, len(e.routes)),
	}
	for i := range m.seen {
		m.seen[i] = make([]bool, e.slots)
	}
	return m
}

// Match evaluates every rule that applies to ev and calls fn for each
// detection. Correlation rules are decided later, by Correlate.
func (m *Matcher) Match(ev *events.Event, fn func(Detection)) {
	e := m.e
	if len(e.open) == 0 && !e.routed(ev) {
		// Only channel-routed rules and none reads this event: it is
		// not even lower-cased or scanned.
		return
	}
	v := m.v
	v.load(ev, e.slotOf)
	m.ruleGen++
	if m.ruleGen == 0 {
		clear(m.hit)
		clear(m.done)
		clear(m.litSeen)
		m.ruleGen = 1
	}
	gen := m.ruleGen
	if e.ac != nil {
		it := e.ac.IterOverlappingByte(v.buf)
		for mt := it.Next(); mt != nil; mt = it.Next() {
			p := mt.Pattern()
			if m.litSeen[p] == gen {
				continue
			}
			m.litSeen[p] = gen
			for _, r := range e.litRules[p] {
				m.hit[r] = gen
			}
		}
	}
	if ch := v.first(e.channel); ch >= 0 {
		for _, ri := range e.byChannel[v.low[ch]] {
			m.runRoute(ri, gen, fn)
		}
	}
	for _, ri := range e.open {
		m.runRoute(ri, gen, fn)
	}
}

func (m *Matcher) runRoute(ri int, gen uint32, fn func(Detection)) {
	e, v := m.e, m.v
	rt := e.routes[ri]
	for _, c := range rt.conds {
		idx := v.first(c.slot)
		if idx < 0 {
			return
		}
		ok := false
		for _, want := range c.values {
			if v.low[idx] == want {
				ok = true
				break
			}
		}
		if !ok {
			return
		}
	}
	m.Examined[ri]++
	seen := m.seen[ri]
	for i := range v.ev.Fields {
		if s, ok := e.slotOf[v.ev.Fields[i].Name]; ok {
			seen[s] = true
		}
	}
	m.saved = m.saved[:0]
	for _, a := range rt.aliases {
		dst, src := a[0], a[1]
		m.saved = append(m.saved, savedSlot{slot: dst, head: v.head[dst], stamp: v.stamp[dst]})
		if v.stamp[src] == v.gen {
			v.head[dst], v.stamp[dst] = v.head[src], v.gen
			seen[dst] = true
		}
	}
	for _, r := range rt.rules {
		if m.done[r] == gen {
			continue
		}
		m.done[r] = gen
		if !e.always[r] && m.hit[r] != gen {
			continue
		}
		m.Evaluated++
		rule := e.rules[r]
		if !rule.compiled.eval(v) {
			continue
		}
		suppressed := false
		for _, f := range rule.filters {
			if !f.compiled.eval(v) {
				suppressed = true
				break
			}
		}
		if suppressed {
			continue
		}
		if len(e.feeds[r]) > 0 {
			m.recordHit(int(r))
		}
		if len(e.feeds[r]) > 0 && !m.generates(int(r)) {
			continue
		}
		fn(Detection{Rule: rule, Source: v.ev.Source, Time: v.ev.Time, Matched: explain(rule, v)})
	}
	for i := len(m.saved) - 1; i >= 0; i-- {
		s := m.saved[i]
		v.head[s.slot], v.stamp[s.slot] = s.head, s.stamp
	}
}

// generates reports whether a rule that feeds correlations is also
// reported on its own: the specification's default is that only the
// correlation is, unless a correlation says generate: true.
func (m *Matcher) generates(r int) bool {
	for _, f := range m.e.feeds[r] {
		if m.e.corrs[f.corr].correlation.Generate {
			return true
		}
	}
	return false
}
