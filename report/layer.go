package report

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/regress"
)

// Layer is an ATT&CK Navigator layer, file format 4.5.
type Layer struct {
	Name                          string           `json:"name"`
	Versions                      LayerVersions    `json:"versions"`
	Domain                        string           `json:"domain"`
	Description                   string           `json:"description"`
	Sorting                       int              `json:"sorting"`
	Layout                        LayerLayout      `json:"layout"`
	HideDisabled                  bool             `json:"hideDisabled"`
	Techniques                    []LayerTechnique `json:"techniques"`
	Gradient                      LayerGradient    `json:"gradient"`
	LegendItems                   []LegendItem     `json:"legendItems"`
	ShowTacticRowBackground       bool             `json:"showTacticRowBackground"`
	TacticRowBackground           string           `json:"tacticRowBackground"`
	SelectTechniquesAcrossTactics bool             `json:"selectTechniquesAcrossTactics"`
	SelectSubtechniquesWithParent bool             `json:"selectSubtechniquesWithParent"`
	SelectVisibleTechniques       bool             `json:"selectVisibleTechniques"`
	Metadata                      []LayerMetadata  `json:"metadata"`
}

// LayerVersions are the versions a layer is written for.
type LayerVersions struct {
	Attack    string `json:"attack"`
	Navigator string `json:"navigator"`
	Layer     string `json:"layer"`
}

// LayerLayout is how the Navigator draws the matrix.
type LayerLayout struct {
	Layout                string `json:"layout"`
	ShowID                bool   `json:"showID"`
	ShowName              bool   `json:"showName"`
	ShowAggregateScores   bool   `json:"showAggregateScores"`
	CountUnscored         bool   `json:"countUnscored"`
	AggregateFunction     string `json:"aggregateFunction"`
	ExpandedSubtechniques string `json:"expandedSubtechniques"`
}

// LayerTechnique is one scored technique.
type LayerTechnique struct {
	TechniqueID       string          `json:"techniqueID"`
	Score             int             `json:"score"`
	Comment           string          `json:"comment"`
	Enabled           bool            `json:"enabled"`
	Metadata          []LayerMetadata `json:"metadata"`
	ShowSubtechniques bool            `json:"showSubtechniques"`
}

// LayerGradient maps scores to colours.
type LayerGradient struct {
	Colors   []string `json:"colors"`
	MinValue int      `json:"minValue"`
	MaxValue int      `json:"maxValue"`
}

// LegendItem explains a colour.
type LegendItem struct {
	Label string `json:"label"`
	Color string `json:"color"`
}

// LayerMetadata is a name and value shown in a tooltip.
type LayerMetadata struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// The coverage scores of a technique seen in the findings.
const (
	ScoreObserved = 1 // seen in a finding, no rule
	ScoreRule     = 2 // a rule exists, none passes its regression tests
	ScorePassing  = 3 // a rule passes its regression tests
	ScoreTuned    = 4 // a passing rule is also proven silent on benign data
)

var scoreNames = map[int]string{
	ScoreObserved: "observed only", ScoreRule: "rule exists", ScorePassing: "rule passes regression", ScoreTuned: "rule tuned (silent on benign data)",
}

var scoreColors = []string{"#fde0c5", "#f9c74f", "#90be6d", "#2a9d8f"}

// TechniqueScore is how far one technique seen in the findings is
// covered.
type TechniqueScore struct {
	Technique string   `json:"technique"`
	Score     int      `json:"score"`
	Level     string   `json:"level"`
	Findings  []string `json:"findings"`
	Rules     int      `json:"rules"`
	Passing   int      `json:"passing"`
	Tuned     int      `json:"tuned"`
}

// ScoreTechniques scores every technique seen in the findings (behaviours
// and timeline events) by the rules of the regression run.
func ScoreTechniques(list []*findings.Finding, rep *regress.Report) []TechniqueScore {
	seen := map[string]map[string]bool{}
	note := func(t, id string) {
		if t == "" {
			return
		}
		if seen[t] == nil {
			seen[t] = map[string]bool{}
		}
		seen[t][id] = true
	}
	for _, f := range list {
		for _, b := range f.Behaviors {
			note(string(b.Technique), f.Incident.ID)
		}
		for _, e := range f.Timeline.Events {
			note(string(e.Technique), f.Incident.ID)
		}
	}
	cov := map[string]regress.TechniqueCoverage{}
	if rep != nil {
		for _, tc := range rep.Coverage.Techniques {
			cov[strings.ToUpper(tc.Technique)] = tc
		}
	}
	var out []TechniqueScore
	for t, ids := range seen {
		ts := TechniqueScore{Technique: t, Score: ScoreObserved}
		for id := range ids {
			ts.Findings = append(ts.Findings, id)
		}
		sort.Strings(ts.Findings)
		if tc, ok := cov[strings.ToUpper(t)]; ok {
			ts.Rules, ts.Passing, ts.Tuned = tc.Rules, tc.Passing, tc.Tuned
		}
		switch {
		case ts.Tuned > 0:
			ts.Score = ScoreTuned
		case ts.Passing > 0:
			ts.Score = ScorePassing
		case ts.Rules > 0:
			ts.Score = ScoreRule
		}
		ts.Level = scoreNames[ts.Score]
		out = append(out, ts)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Technique < out[j].Technique })
	return out
}

// NavigatorLayer builds the layer of the scores.
func NavigatorLayer(name string, scores []TechniqueScore) *Layer {
	l := &Layer{
		Name:        name,
		Versions:    LayerVersions{Attack: "16", Navigator: "5.1.0", Layer: "4.5"},
		Domain:      "enterprise-attack",
		Description: "Techniques seen in the findings, scored by the detections proven for them: 1 observed only, 2 rule exists, 3 rule passes its regression tests, 4 rule passes and stays silent on benign data. Written by antibody coverage.",
		Sorting:     3,
		Layout: LayerLayout{Layout: "side", ShowID: true, ShowName: true, AggregateFunction: "max",
			ShowAggregateScores: true, ExpandedSubtechniques: "annotated"},
		Techniques:                    []LayerTechnique{},
		Gradient:                      LayerGradient{Colors: scoreColors, MinValue: ScoreObserved, MaxValue: ScoreTuned},
		TacticRowBackground:           "#dddddd",
		SelectTechniquesAcrossTactics: true,
		SelectSubtechniquesWithParent: false,
		Metadata:                      []LayerMetadata{{Name: "generator", Value: "antibody coverage"}},
	}
	for s := ScoreObserved; s <= ScoreTuned; s++ {
		l.LegendItems = append(l.LegendItems, LegendItem{Label: fmt.Sprintf("%d: %s", s, scoreNames[s]), Color: scoreColors[s-1]})
	}
	for _, ts := range scores {
		l.Techniques = append(l.Techniques, LayerTechnique{
			TechniqueID: ts.Technique, Score: ts.Score, Enabled: true,
			Comment: fmt.Sprintf("%s; seen in %s", ts.Level, strings.Join(ts.Findings, ", ")),
			Metadata: []LayerMetadata{
				{Name: "findings", Value: strings.Join(ts.Findings, ", ")},
				{Name: "rules", Value: strconv.Itoa(ts.Rules)},
				{Name: "passing", Value: strconv.Itoa(ts.Passing)},
				{Name: "tuned", Value: strconv.Itoa(ts.Tuned)},
			},
		})
	}
	return l
}

var (
	techniqueIDRe = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
	hexColorRe    = regexp.MustCompile(`^#[0-9a-fA-F]{6}$|^#[0-9a-fA-F]{3}$`)
	tactics       = []string{"reconnaissance", "resource-development", "initial-access", "execution", "persistence",
		"privilege-escalation", "defense-evasion", "credential-access", "discovery", "lateral-movement",
		"collection", "command-and-control", "exfiltration", "impact"}
)

// ValidateLayer checks a layer file (one layer object) against the rules
// of the Navigator layer format 4.5: required properties, types, allowed
// values and ranges. Properties the format does not define are reported
// too. It returns one message per problem, each naming the property.
func ValidateLayer(data []byte) []string {
	var probs []string
	bad := func(path, format string, a ...any) { probs = append(probs, path+": "+fmt.Sprintf(format, a...)) }
	var l map[string]any
	if err := json.Unmarshal(data, &l); err != nil {
		return []string{"layer: not a JSON object: " + err.Error()}
	}
	known := func(path string, obj map[string]any, keys ...string) {
		for k := range obj {
			if !slices.Contains(keys, k) {
				bad(path+"."+k, "not a property of the 4.5 format")
			}
		}
	}
	str := func(path string, v any, required bool) (string, bool) {
		if v == nil {
			if required {
				bad(path, "required")
			}
			return "", false
		}
		s, ok := v.(string)
		if !ok {
			bad(path, "expected a string")
		}
		return s, ok
	}
	boolean := func(path string, v any) {
		if _, ok := v.(bool); v != nil && !ok {
			bad(path, "expected a boolean")
		}
	}
	number := func(path string, v any, required bool) (float64, bool) {
		if v == nil {
			if required {
				bad(path, "required")
			}
			return 0, false
		}
		n, ok := v.(float64)
		if !ok {
			bad(path, "expected a number")
		}
		return n, ok
	}
	object := func(path string, v any) map[string]any {
		if v == nil {
			return nil
		}
		o, ok := v.(map[string]any)
		if !ok {
			bad(path, "expected an object")
		}
		return o
	}
	array := func(path string, v any) []any {
		if v == nil {
			return nil
		}
		a, ok := v.([]any)
		if !ok {
			bad(path, "expected an array")
		}
		return a
	}
	oneOf := func(path string, v any, allowed ...string) {
		if s, ok := str(path, v, false); ok && !slices.Contains(allowed, s) {
			bad(path, "%q is not one of %s", s, strings.Join(allowed, ", "))
		}
	}
	color := func(path string, v any, required bool) {
		if s, ok := str(path, v, required); ok && !hexColorRe.MatchString(s) {
			bad(path, "%q is not a hexadecimal RGB colour", s)
		}
	}
	metadata := func(path string, v any) {
		for i, m := range array(path, v) {
			p := fmt.Sprintf("%s[%d]", path, i)
			o := object(p, m)
			if o == nil {
				continue
			}
			if _, ok := o["divider"]; ok {
				known(p, o, "divider")
				boolean(p+".divider", o["divider"])
				continue
			}
			known(p, o, "name", "value")
			str(p+".name", o["name"], true)
			str(p+".value", o["value"], true)
		}
	}
	links := func(path string, v any) {
		for i, m := range array(path, v) {
			p := fmt.Sprintf("%s[%d]", path, i)
			o := object(p, m)
			if o == nil {
				continue
			}
			if _, ok := o["divider"]; ok {
				continue
			}
			known(p, o, "label", "url")
			str(p+".label", o["label"], true)
			if u, ok := str(p+".url", o["url"], true); ok && !regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://`).MatchString(u) {
				bad(p+".url", "%q has no protocol prefix", u)
			}
		}
	}

	known("layer", l, "versions", "name", "description", "domain", "customDataURL", "filters", "sorting", "layout",
		"hideDisabled", "techniques", "gradient", "legendItems", "showTacticRowBackground", "tacticRowBackground",
		"selectTechniquesAcrossTactics", "selectSubtechniquesWithParent", "selectVisibleTechniques", "metadata", "links")
	str("name", l["name"], true)
	str("description", l["description"], false)
	if _, ok := l["domain"]; !ok {
		bad("domain", "required")
	} else {
		oneOf("domain", l["domain"], "enterprise-attack", "mobile-attack", "ics-attack")
	}
	if v := object("versions", l["versions"]); v != nil {
		known("versions", v, "attack", "navigator", "layer")
		str("versions.attack", v["attack"], false)
		if s, ok := str("versions.layer", v["layer"], true); ok && s != "4.5" {
			bad("versions.layer", "%q (expected \"4.5\")", s)
		}
		if s, ok := str("versions.navigator", v["navigator"], true); ok && !atLeast(s, []int{4, 9, 0}) {
			bad("versions.navigator", "%q (expected at least 4.9.0)", s)
		}
	} else {
		bad("versions", "required for format 4.5 (the layer version lives there)")
	}
	if f := object("filters", l["filters"]); f != nil {
		known("filters", f, "platforms")
		for i, p := range array("filters.platforms", f["platforms"]) {
			str(fmt.Sprintf("filters.platforms[%d]", i), p, true)
		}
	}
	if n, ok := number("sorting", l["sorting"], false); ok && (n != float64(int(n)) || n < 0 || n > 3) {
		bad("sorting", "%v (expected 0, 1, 2 or 3)", n)
	}
	if lay := object("layout", l["layout"]); lay != nil {
		known("layout", lay, "layout", "showID", "showName", "showAggregateScores", "countUnscored", "aggregateFunction", "expandedSubtechniques")
		oneOf("layout.layout", lay["layout"], "side", "flat", "mini")
		oneOf("layout.aggregateFunction", lay["aggregateFunction"], "average", "min", "max", "sum")
		oneOf("layout.expandedSubtechniques", lay["expandedSubtechniques"], "none", "all", "annotated")
		for _, k := range []string{"showID", "showName", "showAggregateScores", "countUnscored"} {
			boolean("layout."+k, lay[k])
		}
	}
	for _, k := range []string{"hideDisabled", "showTacticRowBackground", "selectTechniquesAcrossTactics", "selectSubtechniquesWithParent", "selectVisibleTechniques"} {
		boolean(k, l[k])
	}
	color("tacticRowBackground", l["tacticRowBackground"], false)
	for i, t := range array("techniques", l["techniques"]) {
		p := fmt.Sprintf("techniques[%d]", i)
		o := object(p, t)
		if o == nil {
			continue
		}
		known(p, o, "techniqueID", "tactic", "comment", "enabled", "score", "color", "metadata", "links", "showSubtechniques")
		if id, ok := str(p+".techniqueID", o["techniqueID"], true); ok && !techniqueIDRe.MatchString(id) {
			bad(p+".techniqueID", "%q is not T#### or T####.###", id)
		}
		oneOf(p+".tactic", o["tactic"], tactics...)
		str(p+".comment", o["comment"], false)
		boolean(p+".enabled", o["enabled"])
		boolean(p+".showSubtechniques", o["showSubtechniques"])
		number(p+".score", o["score"], false)
		if c, ok := o["color"].(string); !ok || c != "" {
			color(p+".color", o["color"], false)
		}
		metadata(p+".metadata", o["metadata"])
		links(p+".links", o["links"])
	}
	if g := object("gradient", l["gradient"]); g != nil {
		known("gradient", g, "colors", "minValue", "maxValue")
		cs := array("gradient.colors", g["colors"])
		if g["colors"] == nil {
			bad("gradient.colors", "required")
		} else if len(cs) < 2 {
			bad("gradient.colors", "has %d colours (expected at least 2)", len(cs))
		}
		for i, c := range cs {
			color(fmt.Sprintf("gradient.colors[%d]", i), c, true)
		}
		lo, ok1 := number("gradient.minValue", g["minValue"], true)
		hi, ok2 := number("gradient.maxValue", g["maxValue"], true)
		if ok1 && ok2 && hi <= lo {
			bad("gradient.maxValue", "%v is not above minValue %v", hi, lo)
		}
	}
	for i, it := range array("legendItems", l["legendItems"]) {
		p := fmt.Sprintf("legendItems[%d]", i)
		if o := object(p, it); o != nil {
			known(p, o, "label", "color")
			str(p+".label", o["label"], true)
			color(p+".color", o["color"], true)
		}
	}
	metadata("metadata", l["metadata"])
	links("links", l["links"])
	return probs
}

// atLeast compares a dotted version with a minimum.
func atLeast(v string, min []int) bool {
	parts := strings.Split(v, ".")
	for i, m := range min {
		n := 0
		if i < len(parts) {
			var err error
			if n, err = strconv.Atoi(parts[i]); err != nil {
				return false
			}
		}
		if n != m {
			return n > m
		}
	}
	return true
}
