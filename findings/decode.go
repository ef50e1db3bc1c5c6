package findings

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Limits on what a hand-written document may be. A finding is a few hundred
// lines; anything far beyond these is a wrong file, not a big finding.
const (
	MaxDocumentBytes = 8 << 20
	maxDecodedNodes  = 200_000 // bounds alias expansion ("billion laughs")
)

// enum is implemented by string types whose values are a closed set; the
// decoder rejects other values and the JSON Schema lists them.
type enum interface {
	allowed() []string
}

// nodeDecoder is implemented by types that read themselves from a node
// (a scalar in a special format, or either a scalar or a mapping).
// It reports problems through d and must not panic on any input.
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, path string)
}

// decoder turns a YAML node tree into Go values by reflection, strictly:
// unknown keys, wrong kinds and missing required keys are problems with
// positions. It keeps going after a problem so one run reports them all.
type decoder struct {
	file     string
	problems Problems
	pos      positions
	nodes    int
}

func (d *decoder) problem(n *yaml.Node, code, format string, args ...any) {
	p := Problem{File: d.file, Code: code, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	d.problems = append(d.problems, p)
}

// parseDocument reads one YAML (or JSON) document into a node tree, after
// checking that the bytes can be a hand-written text document at all.
func parseDocument(file string, data []byte, what string) (*yaml.Node, Problems) {
	fail := func(line, col int, code, format string, args ...any) (*yaml.Node, Problems) {
		return nil, Problems{{File: file, Line: line, Column: col, Code: code, Message: fmt.Sprintf(format, args...)}}
	}
	if len(data) > MaxDocumentBytes {
		return fail(0, 0, CodeFile, "file is %d bytes (expected a %s of at most %d MiB)", len(data), what, MaxDocumentBytes>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fail(0, 0, CodeFile, "file is empty (expected a %s)", what)
	}
	if i := firstNonText(data); i >= 0 {
		return fail(1+bytes.Count(data[:i], []byte("\n")), 0, CodeFile, "file is binary, not text (expected a %s in YAML or JSON, UTF-8)", what)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		line, msg := yamlErrorLine(err)
		return fail(line, 0, CodeSyntax, "%s (expected a %s in YAML or JSON)", msg, what)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return fail(extra.Line, extra.Column, CodeSyntax, "a second document starts here (expected one %s per file)", what)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return fail(1, 1, CodeSyntax, "no document found (expected a %s)", what)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fail(root.Line, root.Column, CodeType, "document is a %s (expected a %s: a mapping of sections)", kindName(root), what)
	}
	return root, nil
}

// firstNonText returns the offset of the first NUL byte or invalid UTF-8
// sequence in data, or -1 when data is text.
func firstNonText(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == 0 || (r == utf8.RuneError && size == 1) {
			return i
		}
		i += size
	}
	return -1
}

// yamlErrorLine pulls the line number out of a yaml.v3 error message
// ("yaml: line 7: did not find expected key") so it can be positioned.
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				return n, tail
			}
		}
	}
	return 0, msg
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return "scalar " + strconv.Quote(clip(n.Value))
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

var nodeDecoderType = reflect.TypeFor[nodeDecoder]()

// decode fills v (settable) from n, recording the position of every value
// under its path ("behaviors[2].evidence").
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			d.problem(n, CodeSyntax, "alias %s has no anchor", n.Value)
			return
		}
		n = n.Alias
	}
	d.nodes++
	if d.nodes == maxDecodedNodes {
		d.problem(n, CodeFile, "document expands to more than %d values through aliases (expected a hand-written document)", maxDecodedNodes)
	}
	if d.nodes >= maxDecodedNodes {
		return
	}
	d.pos[path] = Pos{n.Line, n.Column}

	if v.CanAddr() && v.Addr().Type().Implements(nodeDecoderType) {
		v.Addr().Interface().(nodeDecoder).decodeNode(d, n, path)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem(), path)
		v.Set(p)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.problem(n, CodeType, "%s is a %s (expected a list)", describe(path), kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		if !d.pairs(n, path, func(k, val *yaml.Node) {
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(val, ev, path+"."+k.Value)
			m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), ev)
		}) {
			return
		}
		v.Set(m)
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			d.problem(n, CodeSyntax, "%s: %v", describe(path), err)
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode || isNull(n) {
			d.problem(n, CodeType, "%s is a %s (expected a string)", describe(path), kindName(n))
			return
		}
		v.SetString(n.Value)
		if e, ok := v.Interface().(enum); ok {
			if allowed := e.allowed(); !slices.Contains(allowed, n.Value) {
				d.problem(n, CodeEnum, "%s %q is not allowed (expected one of %s)", describe(path), n.Value, strings.Join(allowed, ", "))
			}
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int") || err != nil {
			d.problem(n, CodeType, "%s is a %s (expected a whole number)", describe(path), kindName(n))
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || err != nil {
			d.problem(n, CodeType, "%s is a %s (expected a number)", describe(path), kindName(n))
			return
		}
		v.SetFloat(f)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.problem(n, CodeType, "%s is a %s (expected true or false)", describe(path), kindName(n))
			return
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	default:
		d.problem(n, CodeType, "%s cannot be decoded (internal: unsupported Go kind %s)", describe(path), v.Kind())
	}
}

// field describes one struct field as the document sees it.
type field struct {
	name     string
	index    int
	required bool
}

var fieldCache sync.Map // reflect.Type -> []field

func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" || !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		required := slices.Contains(strings.Split(sf.Tag.Get("jsonschema"), ","), "required")
		fs = append(fs, field{name: name, index: i, required: required})
	}
	fieldCache.Store(t, fs)
	return fs
}

// pairs calls each for every key/value of mapping n, after checking that
// n is a mapping, its keys are strings and none repeats. It reports
// whether n was a mapping.
func (d *decoder) pairs(n *yaml.Node, path string, each func(k, v *yaml.Node)) bool {
	if n.Kind != yaml.MappingNode {
		d.problem(n, CodeType, "%s is a %s (expected a mapping)", describe(path), kindName(n))
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode:
			d.problem(k, CodeType, "key in %s is a %s (expected a string key)", describe(path), kindName(k))
		case seen[k.Value]:
			d.problem(k, CodeDuplicate, "key %q appears twice in %s (expected each key once)", k.Value, describe(path))
		default:
			seen[k.Value] = true
			each(k, val)
		}
	}
	return true
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	fs := fieldsOf(v.Type())
	seen := map[string]bool{}
	if !d.pairs(n, path, func(k, val *yaml.Node) {
		idx := slices.IndexFunc(fs, func(f field) bool { return f.name == k.Value })
		if idx < 0 {
			d.problem(k, CodeUnknownKey, "unknown key %q in %s%s", k.Value, describe(path), expectKeys(fs, k.Value))
			return
		}
		f := fs[idx]
		seen[f.name] = true
		if f.required && isNull(val) {
			d.problem(val, CodeRequired, "%s is empty (expected a value)", describe(join(path, f.name)))
			return
		}
		d.decode(val, v.Field(f.index), join(path, f.name))
	}) {
		return
	}
	for _, f := range fs {
		if f.required && !seen[f.name] && !(path == "" && f.name == "schema") { // checkSchema reports that one
			d.problem(n, CodeRequired, "%s has no %q (expected it; it is required)", describe(path), f.name)
		}
	}
}

// expectKeys suggests the nearest valid key, or lists them all when the
// typo is too far from any.
func expectKeys(fs []field, got string) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	return suggest(names, got)
}

// suggest returns " (expected "x"?)" for the name nearest to got, or the
// whole list when none is within two edits.
func suggest(names []string, got string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if dist := editDistance(strings.ToLower(got), n); dist < bestDist {
			best, bestDist = n, dist
		}
	}
	if best != "" {
		return fmt.Sprintf(" (expected %q?)", best)
	}
	return " (expected one of " + strings.Join(names, ", ") + ")"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// describe names a path for messages: the top level is "the document".
func describe(path string) string {
	if path == "" {
		return "the document"
	}
	return path
}
