package sigma

import (
	"fmt"
	"sort"
	"strings"
	"time"

	sigmago "github.com/bradleyjkemp/sigma-go"
)

// Kind says what a Sigma document is.
type Kind string

// The document kinds of the Sigma specification.
const (
	KindRule        Kind = "rule"
	KindFilter      Kind = "filter"
	KindCorrelation Kind = "correlation"
)

// Logsource is a rule's log source (Sigma taxonomy).
type Logsource struct {
	Category   string `json:"category,omitempty"`
	Product    string `json:"product,omitempty"`
	Service    string `json:"service,omitempty"`
	Definition string `json:"definition,omitempty"`
}

func (l Logsource) String() string {
	var parts []string
	for _, kv := range [][2]string{{"category", l.Category}, {"product", l.Product}, {"service", l.Service}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+": "+kv[1])
		}
	}
	if len(parts) == 0 {
		return "{}"
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// Rule is one loaded Sigma document: a detection rule, a filter or a
// correlation rule.
type Rule struct {
	Kind        Kind
	ID          string
	Name        string
	Title       string
	Status      string
	Level       string
	Description string
	Author      string
	Date        string
	Modified    string
	Tags        []string
	References  []string
	// Falsepositives are the rule's own notes on benign matches.
	Falsepositives []string
	Logsource      Logsource
	// RegressionTestsPath is SigmaHQ's pointer to the rule's info.yml.
	RegressionTestsPath string
	// File and Line locate the document.
	File string
	Line int
	// Meta is the header as sigma-go reads it, for callers that want the
	// ecosystem's type (additional fields included).
	Meta sigmago.Rule

	// keyLines are the lines of the document's top-level keys.
	keyLines map[string]int

	searches  map[string]*search
	condition condNode
	condText  string
	condLine  int
	condCol   int
	compiled  evalNode

	filter      *filterSpec
	correlation *Correlation
	// filters are the filters that apply to this rule.
	filters []*Rule
}

// Techniques returns the ATT&CK technique ids among the rule's tags,
// upper-cased (attack.t1059.001 -> T1059.001).
func (r *Rule) Techniques() []string {
	var out []string
	for _, t := range r.Tags {
		lower := strings.ToLower(t)
		if strings.HasPrefix(lower, "attack.t") && len(lower) > len("attack.t") && lower[len("attack.t")] >= '0' && lower[len("attack.t")] <= '9' {
			out = append(out, strings.ToUpper(t[len("attack."):]))
		}
	}
	return out
}

// Condition returns the rule's condition as written.
func (r *Rule) Condition() string { return r.condText }

// Searches returns the names of the rule's search identifiers, sorted.
func (r *Rule) Searches() []string {
	names := make([]string, 0, len(r.searches))
	for n := range r.searches {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Fields returns the event fields the rule's detection reads, sorted.
func (r *Rule) Fields() []string {
	seen := map[string]bool{}
	for _, s := range r.searches {
		for _, g := range s.groups {
			for _, m := range g {
				if m.field != "" {
					seen[m.field] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Correlation returns the correlation of a correlation rule, nil for other
// kinds.
func (r *Rule) Correlation() *Correlation { return r.correlation }

// Targets returns the rules a correlation correlates.
func (c *Correlation) Targets() []*Rule { return c.targets }

// FilterRules returns the rules a filter applies to, by id or name.
func (r *Rule) FilterRules() []string {
	if r.filter == nil {
		return nil
	}
	return r.filter.rules
}

// LineOf returns the line of a top-level key of the rule's document, or
// the document's first line.
func (r *Rule) LineOf(key string) int {
	if n, ok := r.keyLines[key]; ok {
		return n
	}
	return r.Line
}

// Ref returns how the rule is named in messages: its id, or its title.
func (r *Rule) Ref() string {
	if r.ID != "" {
		return r.ID
	}
	return r.Title
}

// Refusal says why a rule was not loaded: which file and line, which
// feature of Sigma it uses that the engine cannot evaluate, or what is
// wrong with it.
type Refusal struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column,omitempty"`
	RuleID  string `json:"rule_id,omitempty"`
	Title   string `json:"title,omitempty"`
	Feature string `json:"feature"`
	Message string `json:"message"`
}

func (r Refusal) Error() string {
	pos := fmt.Sprintf("%s:%d", r.File, r.Line)
	if r.Column > 0 {
		pos += fmt.Sprintf(":%d", r.Column)
	}
	return fmt.Sprintf("%s: %s: %s", pos, r.Feature, r.Message)
}

// Correlation is the correlation section of a correlation rule.
type Correlation struct {
	Type     string
	Rules    []string
	GroupBy  []string
	Timespan time.Duration
	// Field is the field a value_* correlation aggregates.
	Field string
	// Percentile is value_percentile's percentile (0-100).
	Percentile float64
	// Conditions are the count bounds, all of which must hold.
	Conditions []Bound
	Aliases    map[string]map[string]string
	Generate   bool

	targets []*Rule
}

// Bound is one comparison of a correlation condition.
type Bound struct {
	Op    string  `json:"op"`
	Value float64 `json:"value"`
}

func (b Bound) holds(x float64) bool {
	switch b.Op {
	case "gt":
		return x > b.Value
	case "gte":
		return x >= b.Value
	case "lt":
		return x < b.Value
	case "lte":
		return x <= b.Value
	case "eq":
		return x == b.Value
	case "neq":
		return x != b.Value
	}
	return false
}

type filterSpec struct {
	rules []string
}
