package sigma

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// search is one search identifier: groups ORed, the matchers of a group
// ANDed. A keyword list is a group of one matcher with no field.
type search struct {
	name      string
	line, col int
	groups    [][]*fieldMatcher
}

// fieldMatcher is one compiled "field|modifiers: values".
type fieldMatcher struct {
	key       string
	field     string // "" for keywords: any field
	slot      int
	line, col int
	values    []value
	all       bool
	cased     bool
	neq       bool
	typed     bool // has values that read the original text
	fieldref  bool
	exists    int8 // 1 exists: true, -1 exists: false
}

// evalNode is a compiled condition.
type evalNode interface {
	eval(v *view) bool
}

type andEval []evalNode
type orEval []evalNode
type notEval struct{ x evalNode }
type constEval bool

func (n andEval) eval(v *view) bool {
	for _, x := range n {
		if !x.eval(v) {
			return false
		}
	}
	return true
}

func (n orEval) eval(v *view) bool {
	for _, x := range n {
		if x.eval(v) {
			return true
		}
	}
	return false
}

func (n notEval) eval(v *view) bool { return !n.x.eval(v) }
func (n constEval) eval(*view) bool { return bool(n) }
func (s *search) eval(v *view) bool {
	for _, g := range s.groups {
		ok := true
		for _, m := range g {
			if !m.eval(v) {
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

// compileCondition resolves identifiers and quantifiers to searches.
func compileCondition(file string, r *Rule, n condNode, at *yaml.Node) (evalNode, *Refusal) {
	switch c := n.(type) {
	case condAnd:
		out := make(andEval, 0, len(c))
		for _, x := range c {
			e, ref := compileCondition(file, r, x, at)
			if ref != nil {
				return nil, ref
			}
			out = append(out, e)
		}
		return out, nil
	case condOr:
		out := make(orEval, 0, len(c))
		for _, x := range c {
			e, ref := compileCondition(file, r, x, at)
			if ref != nil {
				return nil, ref
			}
			out = append(out, e)
		}
		return out, nil
	case condNot:
		e, ref := compileCondition(file, r, c.x, at)
		if ref != nil {
			return nil, ref
		}
		return notEval{e}, nil
	case condIdent:
		s := r.searches[c.name]
		if s == nil {
			return nil, refuse(file, r, at, "condition", "condition names %q, which is not a search identifier of this rule (expected one of %s)", c.name, strings.Join(r.Searches(), ", "))
		}
		return s, nil
	case condQuant:
		var names []string
		for name := range r.searches {
			if c.pattern == "" {
				if !strings.HasPrefix(name, "_") {
					names = append(names, name)
				}
				continue
			}
			if ok, _ := path.Match(c.pattern, name); ok {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			return nil, refuse(file, r, at, "condition", "%s matches no search identifier of this rule", c.String())
		}
		sort.Strings(names)
		list := make([]evalNode, len(names))
		for i, name := range names {
			list[i] = r.searches[name]
		}
		if len(list) == 1 {
			return list[0], nil
		}
		if c.all {
			return andEval(list), nil
		}
		return orEval(list), nil
	}
	return nil, refuse(file, r, at, "condition", "condition node %T is not understood", n)
}

// eval decides the matcher against the event in v.
func (m *fieldMatcher) eval(v *view) bool {
	if m.field == "" {
		return m.evalKeywords(v)
	}
	first := v.first(m.slot)
	if m.exists != 0 {
		return (first >= 0) == (m.exists > 0)
	}
	if first < 0 {
		// An absent field matches only null.
		for i := range m.values {
			if m.values[i].kind == kindNull {
				return !m.neq
			}
		}
		return false
	}
	if m.all {
		for i := range m.values {
			if !m.anyValue(v, first, &m.values[i]) {
				return m.neq
			}
		}
		return !m.neq
	}
	for i := range m.values {
		if m.anyValue(v, first, &m.values[i]) {
			return !m.neq
		}
	}
	return m.neq
}

// anyValue reports whether any of the field's values (most fields have
// one) matches val.
func (m *fieldMatcher) anyValue(v *view, idx int, val *value) bool {
	for ; idx >= 0; idx = v.next[idx] {
		if m.one(v, idx, val) {
			return true
		}
	}
	return false
}

func (m *fieldMatcher) one(v *view, idx int, val *value) bool {
	switch val.kind {
	case kindNull:
		return v.raw(idx) == ""
	case kindRegexp, kindCIDR, kindNumber:
		return val.matchTyped(v.raw(idx))
	case kindFieldRef:
		other := v.first(val.refAt)
		if other < 0 {
			return false
		}
		a, b := v.low[idx], v.low[other]
		if m.cased {
			a, b = v.raw(idx), v.raw(other)
		}
		switch val.refMode {
		case kindContains:
			return strings.Contains(a, b)
		case kindPrefix:
			return strings.HasPrefix(a, b)
		case kindSuffix:
			return strings.HasSuffix(a, b)
		}
		return a == b
	}
	if m.cased {
		return val.matchString(v.raw(idx))
	}
	return val.matchString(v.low[idx])
}

// evalKeywords matches keyword values against every field of the event.
// Keywords are found anywhere in a value, as a full-text search would.
func (m *fieldMatcher) evalKeywords(v *view) bool {
	n := len(v.low)
	test := func(val *value) bool {
		for i := 0; i < n; i++ {
			if m.one(v, i, val) {
				return true
			}
		}
		return false
	}
	if m.all {
		for i := range m.values {
			if !test(&m.values[i]) {
				return false
			}
		}
		return true
	}
	for i := range m.values {
		if test(&m.values[i]) {
			return true
		}
	}
	return false
}

// explain returns "field=value" for each matcher of the rule that holds on
// the event, for reports.
func explain(r *Rule, v *view) []MatchedField {
	var out []MatchedField
	seen := map[string]bool{}
	for _, name := range r.Searches() {
		s := r.searches[name]
		for _, g := range s.groups {
			for _, m := range g {
				if m.exists != 0 || m.neq || !m.eval(v) {
					continue
				}
				if m.field == "" {
					for i := range v.ev.Fields {
						for j := range m.values {
							if m.one(v, i, &m.values[j]) {
								f := v.ev.Fields[i]
								key := f.Name + "\x00" + f.Value
								if !seen[key] {
									seen[key] = true
									out = append(out, MatchedField{Search: name, Field: f.Name, Value: f.Value})
								}
							}
						}
					}
					continue
				}
				idx := v.first(m.slot)
				for ; idx >= 0; idx = v.next[idx] {
					f := v.ev.Fields[idx]
					key := f.Name + "\x00" + f.Value
					if !seen[key] {
						seen[key] = true
						out = append(out, MatchedField{Search: name, Field: m.field, Value: f.Value})
					}
				}
			}
		}
	}
	return out
}

// MatchedField is a field whose value a detection's searches matched.
type MatchedField struct {
	Search string `json:"search"`
	Field  string `json:"field"`
	Value  string `json:"value"`
}

func (f MatchedField) String() string { return fmt.Sprintf("%s=%q", f.Field, f.Value) }
