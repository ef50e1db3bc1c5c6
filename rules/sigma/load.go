package sigma

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/antibody-dev/antibody/rules"
)

// MaxRuleBytes bounds one rule file.
const MaxRuleBytes = 4 << 20

// Set is a loaded collection of rules with the ones that were refused.
type Set struct {
	Rules    []*Rule
	Refusals []Refusal
	// Files is how many rule files were read.
	Files int
}

// Detections returns the detection rules (not filters or correlations).
func (s *Set) Detections() []*Rule {
	var out []*Rule
	for _, r := range s.Rules {
		if r.Kind == KindRule {
			out = append(out, r)
		}
	}
	return out
}

// RefusalGroup is the refusals that share a feature.
type RefusalGroup struct {
	Feature  string    `json:"feature"`
	Count    int       `json:"count"`
	Refusals []Refusal `json:"refusals"`
}

// Grouped returns the refusals grouped by feature, largest group first.
func (s *Set) Grouped() []RefusalGroup {
	by := map[string]*RefusalGroup{}
	for _, r := range s.Refusals {
		g := by[r.Feature]
		if g == nil {
			g = &RefusalGroup{Feature: r.Feature}
			by[r.Feature] = g
		}
		g.Count++
		g.Refusals = append(g.Refusals, r)
	}
	out := make([]RefusalGroup, 0, len(by))
	for _, g := range by {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Feature < out[j].Feature
	})
	return out
}

// LoadOptions tune loading.
type LoadOptions struct {
	// Pipeline supplies placeholder values for the expand modifier;
	// nil means none are defined.
	Pipeline *Pipeline
}

// RuleFiles expands paths into the .yml and .yaml files they hold, sorted.
// Walking a folder skips SigmaHQ's regression data (info.yml files and
// regression_data folders).
func RuleFiles(paths []string) ([]string, error) {
	// A file named directly is taken whatever its extension: the user
	// asked for it, and the loader reports it if it is not Sigma.
	files, err := rules.Files(paths, func(name string) bool {
		if !isWalked(name, paths) {
			return true
		}
		// SigmaHQ's regression data (info.yml beside its samples) sits
		// next to rules but is not a rule.
		if filepath.Base(name) == "info.yml" || strings.Contains(filepath.ToSlash(name), "/regression_data/") {
			return false
		}
		ext := strings.ToLower(filepath.Ext(name))
		return ext == ".yml" || ext == ".yaml"
	}, "rule file", ".yml or .yaml")
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	return files, nil
}

// isWalked reports whether name was found in a folder rather than named.
func isWalked(name string, paths []string) bool {
	for _, p := range paths {
		if p == name {
			return false
		}
	}
	return true
}

// Load reads every rule file under paths. A file or rule that cannot be
// used becomes a Refusal; the error is for paths that do not exist.
// Filters are attached to the rules they name and correlations to the
// rules they correlate; a reference to a rule that is not in the set is a
// refusal of the filter or correlation.
func Load(paths []string, opts LoadOptions) (*Set, error) {
	files, err := RuleFiles(paths)
	if err != nil {
		return nil, err
	}
	set := &Set{}
	for _, f := range files {
		data, err := readLimited(f)
		set.Files++
		if err != nil {
			set.Refusals = append(set.Refusals, Refusal{File: f, Line: 1, Feature: "file", Message: err.Error()})
			continue
		}
		rules, refusals := parseFile(f, data, opts)
		set.Rules = append(set.Rules, rules...)
		set.Refusals = append(set.Refusals, refusals...)
	}
	set.link()
	return set, nil
}

// Parse loads the documents of one rule file held in memory.
func Parse(file string, data []byte, opts LoadOptions) (*Set, error) {
	rules, refusals := parseFile(file, data, opts)
	set := &Set{Rules: rules, Refusals: refusals, Files: 1}
	set.link()
	return set, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxRuleBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxRuleBytes {
		return nil, fmt.Errorf("file is larger than %d bytes (expected a Sigma rule)", MaxRuleBytes)
	}
	return data, nil
}

// parseFile splits a file into YAML documents and loads each one. Sigma
// v1 collections (action: global / reset / repeat) are merged the way
// the specification describes.
func parseFile(file string, data []byte, opts LoadOptions) ([]*Rule, []Refusal) {
	var rules []*Rule
	var refusals []Refusal
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var global, previous *yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			refusals = append(refusals, Refusal{File: file, Line: yamlErrorLine(err), Feature: "yaml", Message: "not valid YAML: " + trimYAMLError(err)})
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			refusals = append(refusals, Refusal{File: file, Line: root.Line, Column: root.Column, Feature: "structure", Message: "document is not a mapping (expected a Sigma rule with title, logsource and detection)"})
			continue
		}
		switch action := scalar(root, "action"); action {
		case "global":
			global = withoutKey(root, "action")
			continue
		case "reset":
			global = nil
			continue
		case "repeat":
			if previous == nil {
				refusals = append(refusals, Refusal{File: file, Line: root.Line, Feature: "collection", Message: "action: repeat has no previous document to repeat"})
				continue
			}
			root = mergeMaps(previous, withoutKey(root, "action"))
		case "":
		default:
			refusals = append(refusals, Refusal{File: file, Line: root.Line, Feature: "collection", Message: fmt.Sprintf("unknown action %q (expected global, reset or repeat)", action)})
			continue
		}
		if global != nil {
			root = mergeMaps(global, root)
		}
		previous = root
		r, ref := parseDocument(file, root, opts)
		if ref != nil {
			refusals = append(refusals, *ref)
			continue
		}
		rules = append(rules, r)
	}
	return rules, refusals
}

func yamlErrorLine(err error) int {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		var n int
		if _, e := fmt.Sscanf(msg[i:], "line %d", &n); e == nil {
			return n
		}
	}
	return 1
}

func trimYAMLError(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

func mapGet(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], resolveAlias(m.Content[i+1])
		}
	}
	return nil, nil
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode && depth < 16; depth++ {
		n = n.Alias
	}
	return n
}

func scalar(m *yaml.Node, key string) string {
	_, v := mapGet(m, key)
	if v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

func withoutKey(m *yaml.Node, key string) *yaml.Node {
	out := *m
	out.Content = nil
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			out.Content = append(out.Content, m.Content[i], m.Content[i+1])
		}
	}
	return &out
}

// mergeMaps returns base with over's keys merged in, recursively for
// mappings; over wins elsewhere.
func mergeMaps(base, over *yaml.Node) *yaml.Node {
	out := *base
	out.Content = append([]*yaml.Node(nil), base.Content...)
	for i := 0; i+1 < len(over.Content); i += 2 {
		k, v := over.Content[i], over.Content[i+1]
		replaced := false
		for j := 0; j+1 < len(out.Content); j += 2 {
			if out.Content[j].Value == k.Value {
				if out.Content[j+1].Kind == yaml.MappingNode && v.Kind == yaml.MappingNode {
					out.Content[j+1] = mergeMaps(out.Content[j+1], v)
				} else {
					out.Content[j+1] = v
				}
				replaced = true
				break
			}
		}
		if !replaced {
			out.Content = append(out.Content, k, v)
		}
	}
	if out.Line == 0 {
		out.Line = over.Line
	}
	return &out
}

// refuse builds a refusal at a node.
func refuse(file string, r *Rule, n *yaml.Node, feature, format string, args ...any) *Refusal {
	ref := &Refusal{File: file, Feature: feature, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		ref.Line, ref.Column = n.Line, n.Column
	}
	if r != nil {
		ref.RuleID, ref.Title = r.ID, r.Title
		if ref.Line == 0 {
			ref.Line = r.Line
		}
	}
	return ref
}

// parseDocument loads one Sigma document.
func parseDocument(file string, root *yaml.Node, opts LoadOptions) (*Rule, *Refusal) {
	r := &Rule{File: file, Line: root.Line, keyLines: map[string]int{}}
	for i := 0; i+1 < len(root.Content); i += 2 {
		r.keyLines[root.Content[i].Value] = root.Content[i].Line
	}
	// sigma-go reads the header; the detection, correlation and filter
	// sections are read here, where every value keeps its position.
	header := withoutKey(withoutKey(withoutKey(root, "detection"), "correlation"), "filter")
	if err := header.Decode(&r.Meta); err != nil {
		return nil, refuse(file, r, root, "metadata", "rule header does not decode: %s", trimYAMLError(err))
	}
	m := r.Meta
	r.ID, r.Title, r.Status, r.Level = m.ID, m.Title, m.Status, m.Level
	r.Description, r.Author, r.Tags, r.References = m.Description, m.Author, m.Tags, m.References
	r.Logsource = Logsource{Category: m.Logsource.Category, Product: m.Logsource.Product, Service: m.Logsource.Service, Definition: m.Logsource.Definition}
	r.Name = scalar(root, "name")
	r.Date = scalar(root, "date")
	r.Modified = scalar(root, "modified")
	r.RegressionTestsPath = scalar(root, "regression_tests_path")
	if _, fp := mapGet(root, "falsepositives"); fp != nil {
		for _, n := range fp.Content {
			if n.Kind == yaml.ScalarNode {
				r.Falsepositives = append(r.Falsepositives, n.Value)
			}
		}
	}
	if r.Title == "" {
		return nil, refuse(file, r, root, "metadata", "rule has no title (expected title: ...)")
	}

	_, det := mapGet(root, "detection")
	_, corr := mapGet(root, "correlation")
	_, filt := mapGet(root, "filter")
	switch {
	case corr != nil:
		r.Kind = KindCorrelation
		if ref := parseCorrelation(file, r, corr); ref != nil {
			return nil, ref
		}
		return r, nil
	case filt != nil:
		r.Kind = KindFilter
		_, rulesNode := mapGet(filt, "rules")
		if rulesNode == nil {
			return nil, refuse(file, r, filt, "filter", "filter has no rules (expected rules: [rule ids or names])")
		}
		r.filter = &filterSpec{rules: scalarList(rulesNode)}
		if len(r.filter.rules) == 0 {
			return nil, refuse(file, r, rulesNode, "filter", "filter rules is empty (expected rule ids or names)")
		}
		if ref := parseDetection(file, r, withoutKey(filt, "rules"), opts); ref != nil {
			return nil, ref
		}
		return r, nil
	case det != nil:
		r.Kind = KindRule
		if ref := parseDetection(file, r, det, opts); ref != nil {
			return nil, ref
		}
		return r, nil
	}
	return nil, refuse(file, r, root, "structure", "document has no detection, correlation or filter section")
}

func scalarList(n *yaml.Node) []string {
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			if c = resolveAlias(c); c.Kind == yaml.ScalarNode {
				out = append(out, c.Value)
			}
		}
		return out
	}
	return nil
}

// parseDetection reads the search identifiers and the condition.
func parseDetection(file string, r *Rule, det *yaml.Node, opts LoadOptions) *Refusal {
	if det.Kind != yaml.MappingNode {
		return refuse(file, r, det, "structure", "detection is not a mapping (expected search identifiers and a condition)")
	}
	r.searches = map[string]*search{}
	var condNode *yaml.Node
	for i := 0; i+1 < len(det.Content); i += 2 {
		k, v := det.Content[i], resolveAlias(det.Content[i+1])
		switch k.Value {
		case "condition":
			condNode = v
		case "timeframe":
			// Only meaningful with the obsolete aggregation syntax,
			// which the condition parser refuses by itself.
		default:
			s, ref := parseSearch(file, r, k, v, opts)
			if ref != nil {
				return ref
			}
			r.searches[k.Value] = s
		}
	}
	if condNode == nil {
		return refuse(file, r, det, "structure", "detection has no condition (expected condition: ...)")
	}
	var texts []string
	var nodes []*yaml.Node
	switch condNode.Kind {
	case yaml.ScalarNode:
		texts, nodes = []string{condNode.Value}, []*yaml.Node{condNode}
	case yaml.SequenceNode:
		for _, c := range condNode.Content {
			if c.Kind != yaml.ScalarNode {
				return refuse(file, r, c, "structure", "condition list holds a non-string (expected condition strings)")
			}
			texts = append(texts, c.Value)
			nodes = append(nodes, c)
		}
	default:
		return refuse(file, r, condNode, "structure", "condition is not a string (expected an expression such as selection and not filter)")
	}
	if len(texts) == 0 {
		return refuse(file, r, condNode, "structure", "condition list is empty")
	}
	var parsed condOr
	for i, text := range texts {
		n, err := parseCondition(text)
		if err != nil {
			var ce *conditionError
			errors.As(err, &ce)
			ref := refuse(file, r, nodes[i], ce.feature, "condition %q: %s", text, ce.msg)
			if nodes[i].Style == 0 && nodes[i].Line > 0 {
				ref.Column = nodes[i].Column + ce.col - 1
			}
			return ref
		}
		parsed = append(parsed, n)
	}
	r.condText = strings.Join(texts, " or ")
	r.condLine, r.condCol = condNode.Line, condNode.Column
	if len(parsed) == 1 {
		r.condition = parsed[0]
	} else {
		r.condition = parsed
	}
	compiled, ref := compileCondition(file, r, r.condition, condNode)
	if ref != nil {
		return ref
	}
	r.compiled = compiled
	return nil
}

// parseSearch reads one search identifier: a map (fields ANDed), a list
// of maps (ORed) or a list of keywords.
func parseSearch(file string, r *Rule, key, v *yaml.Node, opts LoadOptions) (*search, *Refusal) {
	s := &search{name: key.Value, line: key.Line, col: key.Column}
	switch v.Kind {
	case yaml.MappingNode:
		g, ref := parseGroup(file, r, v, opts)
		if ref != nil {
			return nil, ref
		}
		s.groups = append(s.groups, g)
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return nil, refuse(file, r, key, "structure", "search %q is an empty list (expected field maps or keywords)", key.Value)
		}
		var keywords []*yaml.Node
		for _, item := range v.Content {
			item = resolveAlias(item)
			switch item.Kind {
			case yaml.MappingNode:
				g, ref := parseGroup(file, r, item, opts)
				if ref != nil {
					return nil, ref
				}
				s.groups = append(s.groups, g)
			case yaml.ScalarNode:
				keywords = append(keywords, item)
			default:
				return nil, refuse(file, r, item, "structure", "search %q holds a nested list (expected field maps or keywords)", key.Value)
			}
		}
		if len(keywords) > 0 {
			list := &yaml.Node{Kind: yaml.SequenceNode, Content: keywords, Line: keywords[0].Line, Column: keywords[0].Column}
			m, ref := parseMatcher(file, r, &yaml.Node{Kind: yaml.ScalarNode, Value: "", Line: key.Line, Column: key.Column}, list, opts)
			if ref != nil {
				return nil, ref
			}
			s.groups = append(s.groups, []*fieldMatcher{m})
		}
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil, refuse(file, r, key, "structure", "search %q is empty (expected field maps or keywords)", key.Value)
		}
		m, ref := parseMatcher(file, r, &yaml.Node{Kind: yaml.ScalarNode, Value: "", Line: key.Line, Column: key.Column}, v, opts)
		if ref != nil {
			return nil, ref
		}
		s.groups = append(s.groups, []*fieldMatcher{m})
	default:
		return nil, refuse(file, r, key, "structure", "search %q is not a map or list", key.Value)
	}
	return s, nil
}

func parseGroup(file string, r *Rule, m *yaml.Node, opts LoadOptions) ([]*fieldMatcher, *Refusal) {
	var group []*fieldMatcher
	for i := 0; i+1 < len(m.Content); i += 2 {
		fm, ref := parseMatcher(file, r, m.Content[i], resolveAlias(m.Content[i+1]), opts)
		if ref != nil {
			return nil, ref
		}
		group = append(group, fm)
	}
	if len(group) == 0 {
		return nil, refuse(file, r, m, "structure", "empty field map (expected field: value)")
	}
	return group, nil
}

// modifier vocabulary of Sigma v2.1.
var (
	matchModifiers = map[string]kind{"contains": kindContains, "startswith": kindPrefix, "endswith": kindSuffix}
	encodings      = map[string]bool{"base64": true, "base64offset": true, "wide": true, "utf16le": true, "utf16be": true, "utf16": true}
	numberOps      = map[string]cmpOp{"lt": opLt, "lte": opLte, "gt": opGt, "gte": opGte}
	timeParts      = map[string]bool{"minute": true, "hour": true, "day": true, "week": true, "month": true, "year": true}
)

// parseMatcher compiles one "field|modifiers: values" entry.
func parseMatcher(file string, r *Rule, key, v *yaml.Node, opts LoadOptions) (*fieldMatcher, *Refusal) {
	parts := strings.Split(key.Value, "|")
	fm := &fieldMatcher{field: parts[0], line: key.Line, col: key.Column, key: key.Value}
	mode := kindExact
	var (
		re, cidr, windash, expand, fieldref, exists bool
		reFlags                                     string
		encs                                        []string
		op                                          = opEq
		numeric                                     bool
		timePartName                                string
	)
	for _, mod := range parts[1:] {
		switch {
		case mod == "all":
			fm.all = true
		case mod == "cased":
			fm.cased = true
		case mod == "neq":
			fm.neq = true
		case matchModifiers[mod] != 0:
			mode = matchModifiers[mod]
		case mod == "re":
			re = true
		case re && (mod == "i" || mod == "m" || mod == "s"):
			reFlags += mod
		case mod == "cidr":
			cidr = true
		case mod == "windash":
			windash = true
		case mod == "expand":
			expand = true
		case mod == "fieldref":
			fieldref = true
		case mod == "exists":
			exists = true
		case encodings[mod]:
			encs = append(encs, mod)
		case mod == "lt" || mod == "lte" || mod == "gt" || mod == "gte":
			op, numeric = numberOps[mod], true
		case timeParts[mod]:
			timePartName = mod
		case mod == "":
			return nil, refuse(file, r, key, "modifier", "empty modifier in %q (expected field|modifier)", key.Value)
		default:
			return nil, refuse(file, r, key, "modifier "+mod, "modifier %q in %q is not part of Sigma v2.1 (expected one of contains, startswith, endswith, all, re, cidr, base64, base64offset, wide, utf16le, utf16be, utf16, windash, exists, cased, neq, lt, lte, gt, gte, fieldref, expand, minute, hour, day, week, month, year)", mod, key.Value)
		}
	}
	if fm.field == "" && mode == kindExact {
		// Keywords are a full-text search: found anywhere in a value.
		mode = kindContains
	}
	var items []*yaml.Node
	switch v.Kind {
	case yaml.ScalarNode:
		items = []*yaml.Node{v}
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return nil, refuse(file, r, key, "structure", "%q has an empty list (expected at least one value)", key.Value)
		}
		for _, c := range v.Content {
			c = resolveAlias(c)
			if c.Kind != yaml.ScalarNode {
				return nil, refuse(file, r, c, "structure", "%q holds a nested map or list (expected plain values)", key.Value)
			}
			items = append(items, c)
		}
	default:
		return nil, refuse(file, r, key, "structure", "%q has a map as its value (expected a value or a list of values)", key.Value)
	}
	if exists {
		if len(items) != 1 || (items[0].Value != "true" && items[0].Value != "false") {
			return nil, refuse(file, r, key, "modifier exists", "%q needs true or false", key.Value)
		}
		if items[0].Value == "true" {
			fm.exists = 1
		} else {
			fm.exists = -1
		}
		return fm, nil
	}
	for _, item := range items {
		texts := []string{item.Value}
		if item.Tag == "!!null" {
			fm.values = append(fm.values, value{kind: kindNull, text: "null"})
			continue
		}
		if expand {
			var err error
			texts, err = expandPlaceholders(item.Value, opts.Pipeline)
			if err != nil {
				return nil, refuse(file, r, item, "placeholder", "%s", err.Error())
			}
		}
		for _, text := range texts {
			vals, err := compileValue(text, mode, compileFlags{re: re, reFlags: reFlags, cidr: cidr, windash: windash, fieldref: fieldref, encs: encs, op: op, numeric: numeric, timePart: timePartName, cased: fm.cased})
			if err != nil {
				feature := "value"
				switch {
				case re:
					feature = "modifier re"
				case cidr:
					feature = "modifier cidr"
				case numeric || timePartName != "":
					feature = "numeric modifier"
				case len(encs) > 0:
					feature = "encoding modifier"
				}
				return nil, refuse(file, r, item, feature, "%q value %q: %s", key.Value, text, err.Error())
			}
			fm.values = append(fm.values, vals...)
		}
	}
	for _, val := range fm.values {
		switch val.kind {
		case kindRegexp, kindCIDR, kindNumber:
			fm.typed = true
		case kindFieldRef:
			fm.fieldref = true
		}
	}
	if fm.field == "" && fm.fieldref {
		return nil, refuse(file, r, key, "modifier fieldref", "fieldref needs a field on the left (expected Field|fieldref: OtherField)")
	}
	return fm, nil
}

type compileFlags struct {
	re, cidr, windash, fieldref, numeric, cased bool
	reFlags, timePart                           string
	encs                                        []string
	op                                          cmpOp
}

func compileValue(text string, mode kind, f compileFlags) ([]value, error) {
	lower := func(s string) string {
		if f.cased {
			return s
		}
		return strings.ToLower(s)
	}
	switch {
	case f.fieldref:
		return []value{{kind: kindFieldRef, ref: text, refMode: mode, text: text}}, nil
	case f.re:
		re, err := compileRegexp(text, f.reFlags)
		if err != nil {
			return nil, err
		}
		return []value{{kind: kindRegexp, re: re, text: text}}, nil
	case f.cidr:
		p, err := netip.ParsePrefix(strings.TrimSpace(text))
		if err != nil {
			a, aerr := netip.ParseAddr(strings.TrimSpace(text))
			if aerr != nil {
				return nil, fmt.Errorf("not a CIDR network (expected e.g. 10.0.0.0/8 or fe80::/10)")
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		return []value{{kind: kindCIDR, pfx: p.Masked(), text: text}}, nil
	case f.numeric || f.timePart != "":
		n, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return nil, fmt.Errorf("not a number (expected a number for lt, lte, gt, gte and the time modifiers)")
		}
		return []value{{kind: kindNumber, op: f.op, num: n, timePart: f.timePart, text: text}}, nil
	case len(f.encs) > 0:
		if hasWildcard(text) {
			return nil, fmt.Errorf("wildcards cannot be encoded (expected a plain value with %s)", strings.Join(f.encs, "|"))
		}
		forms := []string{unescape(text)}
		for _, enc := range f.encs {
			var next []string
			for _, s := range forms {
				switch enc {
				case "wide", "utf16le":
					next = append(next, utf16Bytes(s, false, false))
				case "utf16be":
					next = append(next, utf16Bytes(s, true, false))
				case "utf16":
					next = append(next, utf16Bytes(s, false, true))
				case "base64":
					next = append(next, base64.StdEncoding.EncodeToString([]byte(s)))
				case "base64offset":
					next = append(next, base64Offsets(s)...)
				}
			}
			forms = next
		}
		if f.encs[len(f.encs)-1] == "base64offset" && mode != kindContains {
			return nil, fmt.Errorf("base64offset needs contains (expected |base64offset|contains)")
		}
		var out []value
		for _, s := range forms {
			v := shape([]tok{{lit: lower(s)}}, mode)
			v.text = text
			out = append(out, v)
		}
		return out, nil
	}
	toks := parseWildcards(text, f.windash)
	for i := range toks {
		toks[i].lit = lower(toks[i].lit)
	}
	v := shape(toks, mode)
	v.text = text
	return []value{v}, nil
}

// expandPlaceholders replaces each %name% in text with each of the
// pipeline's values for it.
func expandPlaceholders(text string, p *Pipeline) ([]string, error) {
	out := []string{""}
	rest := text
	for {
		i := strings.IndexByte(rest, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+1:], '%')
		if j < 0 {
			break
		}
		name := rest[i+1 : i+1+j]
		var vals []string
		if p != nil {
			vals = p.Placeholders[name]
		}
		if len(vals) == 0 {
			pname := "none"
			if p != nil {
				pname = p.Name
			}
			return nil, fmt.Errorf("placeholder %%%s%% has no values in pipeline %s (expected placeholders: {%s: [...]} in a pipeline file)", name, pname, name)
		}
		var next []string
		for _, prefix := range out {
			for _, v := range vals {
				next = append(next, prefix+rest[:i]+v)
			}
		}
		out = next
		rest = rest[i+2+j:]
	}
	for k := range out {
		out[k] += rest
	}
	return out, nil
}

// parseCorrelation reads a correlation section.
func parseCorrelation(file string, r *Rule, n *yaml.Node) *Refusal {
	if n.Kind != yaml.MappingNode {
		return refuse(file, r, n, "correlation", "correlation is not a mapping")
	}
	c := &Correlation{Generate: scalar(n, "generate") == "true"}
	c.Type = scalar(n, "type")
	switch c.Type {
	case "event_count", "value_count", "temporal", "temporal_ordered", "value_sum", "value_avg", "value_percentile":
	case "":
		return refuse(file, r, n, "correlation", "correlation has no type (expected event_count, value_count, temporal, temporal_ordered, value_sum, value_avg or value_percentile)")
	default:
		kn, _ := mapGet(n, "type")
		return refuse(file, r, kn, "correlation type "+c.Type, "correlation type %q is not in the specification (expected event_count, value_count, temporal, temporal_ordered, value_sum, value_avg or value_percentile)", c.Type)
	}
	_, rulesNode := mapGet(n, "rules")
	if rulesNode == nil || len(scalarList(rulesNode)) == 0 {
		return refuse(file, r, n, "correlation", "correlation has no rules (expected rules: [ids or names])")
	}
	c.Rules = scalarList(rulesNode)
	if _, g := mapGet(n, "group-by"); g != nil {
		c.GroupBy = scalarList(g)
	}
	ts := scalar(n, "timespan")
	if ts == "" {
		ts = scalar(n, "timeframe")
	}
	d, err := parseTimespan(ts)
	if err != nil {
		kn, _ := mapGet(n, "timespan")
		return refuse(file, r, kn, "correlation", "timespan %q: %v", ts, err)
	}
	c.Timespan = d
	if _, al := mapGet(n, "aliases"); al != nil && al.Kind == yaml.MappingNode {
		c.Aliases = map[string]map[string]string{}
		for i := 0; i+1 < len(al.Content); i += 2 {
			inner := map[string]string{}
			m := resolveAlias(al.Content[i+1])
			for j := 0; m.Kind == yaml.MappingNode && j+1 < len(m.Content); j += 2 {
				inner[m.Content[j].Value] = m.Content[j+1].Value
			}
			c.Aliases[al.Content[i].Value] = inner
		}
	}
	_, cond := mapGet(n, "condition")
	if cond != nil && cond.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(cond.Content); i += 2 {
			k, v := cond.Content[i].Value, cond.Content[i+1].Value
			switch k {
			case "field":
				c.Field = v
			case "percentile":
				p, err := strconv.ParseFloat(v, 64)
				if err != nil || p < 0 || p > 100 {
					return refuse(file, r, cond.Content[i+1], "correlation", "percentile %q is not a number from 0 to 100", v)
				}
				c.Percentile = p
			case "gt", "gte", "lt", "lte", "eq", "neq":
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return refuse(file, r, cond.Content[i+1], "correlation", "condition %s: %q is not a number", k, v)
				}
				c.Conditions = append(c.Conditions, Bound{Op: k, Value: x})
			default:
				return refuse(file, r, cond.Content[i], "correlation", "unknown condition key %q (expected gt, gte, lt, lte, eq, neq, field or percentile)", k)
			}
		}
	} else if cond != nil {
		return refuse(file, r, cond, "correlation", "correlation condition is not a map (expected e.g. {gte: 10})")
	}
	if p := scalar(n, "percentile"); p != "" && c.Percentile == 0 {
		c.Percentile, _ = strconv.ParseFloat(p, 64)
	}
	switch c.Type {
	case "event_count", "value_count", "value_sum", "value_avg", "value_percentile":
		if len(c.Conditions) == 0 {
			return refuse(file, r, n, "correlation", "%s needs a condition (expected e.g. condition: {gte: 10})", c.Type)
		}
	}
	if strings.HasPrefix(c.Type, "value_") && c.Field == "" {
		return refuse(file, r, n, "correlation", "%s needs condition.field (the field whose values are aggregated)", c.Type)
	}
	if c.Type == "value_percentile" && c.Percentile == 0 {
		c.Percentile = 50
	}
	r.correlation = c
	return nil
}

// parseTimespan reads Sigma's "number + unit" durations: 30s, 5m, 1h, 2d.
func parseTimespan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return 0, fmt.Errorf("missing or too short (expected a number and s, m, h, d, w or M, e.g. 5m)")
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("not a positive number of units (expected e.g. 5m)")
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'M': 30 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("unknown unit %q (expected s, m, h, d, w, M or y)", s[len(s)-1])
	}
	return time.Duration(n) * unit, nil
}

// link attaches filters and correlations to the rules they name, and
// refuses those whose rules are not in the set.
func (s *Set) link() {
	byRef := map[string]*Rule{}
	for _, r := range s.Rules {
		if r.ID != "" {
			byRef[r.ID] = r
		}
		if r.Name != "" {
			byRef[r.Name] = r
		}
	}
	var kept []*Rule
	for _, r := range s.Rules {
		switch r.Kind {
		case KindFilter:
			ok := true
			var targets []*Rule
			for _, ref := range r.filter.rules {
				t := byRef[ref]
				if t == nil || t.Kind != KindRule {
					s.Refusals = append(s.Refusals, Refusal{File: r.File, Line: r.Line, RuleID: r.ID, Title: r.Title, Feature: "filter", Message: fmt.Sprintf("filter names rule %q, which is not among the loaded rules", ref)})
					ok = false
					break
				}
				targets = append(targets, t)
			}
			if !ok {
				continue
			}
			for _, t := range targets {
				t.filters = append(t.filters, r)
			}
		case KindCorrelation:
			ok := true
			for _, ref := range r.correlation.Rules {
				t := byRef[ref]
				if t == nil || t == r {
					s.Refusals = append(s.Refusals, Refusal{File: r.File, Line: r.Line, RuleID: r.ID, Title: r.Title, Feature: "correlation", Message: fmt.Sprintf("correlation names rule %q, which is not among the loaded rules", ref)})
					ok = false
					break
				}
				r.correlation.targets = append(r.correlation.targets, t)
			}
			if !ok {
				continue
			}
		}
		kept = append(kept, r)
	}
	s.Rules = kept
}
