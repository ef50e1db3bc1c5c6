package findings

import (
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Parse reads one finding from data (YAML or JSON) and checks everything
// that can be checked within the document: structure, types, allowed
// values, ATT&CK ids, references between sections and the order of the
// timeline. name is used in problem positions. Files on disk are checked by
// CheckFiles. The finding is returned even when there are problems, as far
// as it could be read, so callers can report more than the first mistake.
func Parse(name string, data []byte) (*Finding, Problems) {
	root, problems := parseDocument(name, data, "finding")
	if problems != nil {
		return nil, problems
	}
	f := &Finding{File: name}
	d := &decoder{file: name, pos: positions{"": {root.Line, root.Column}}}
	if !checkSchema(d, root, reflect.TypeFor[Finding](), SchemaV1, "finding") {
		return nil, d.problems
	}
	d.decode(root, reflect.ValueOf(f).Elem(), "")
	f.pos = d.pos
	d.problems = append(d.problems, f.check()...)
	d.problems.Sort()
	if len(d.problems) == 0 {
		return f, nil
	}
	return f, d.problems
}

// checkSchema looks at the schema key before anything else: a document of
// another kind or version would otherwise drown in unknown-key problems.
// It returns false when decoding should stop.
func checkSchema(d *decoder, root *yaml.Node, t reflect.Type, want, what string) bool {
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "schema" {
			continue
		}
		if v.Kind == yaml.ScalarNode && v.Value == want {
			return true
		}
		d.problem(v, CodeSchema, "schema %s is not supported (expected schema: %s)", quoteNode(v), want)
		return false
	}
	// Without a schema key, decide whether this is a finding missing its
	// first line (report everything) or another kind of file (say so once).
	var keys []string
	known := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i].Value
		keys = append(keys, k)
		known = known || slices.ContainsFunc(fieldsOf(t), func(f field) bool { return f.name == k })
	}
	if !known {
		if len(keys) > 6 {
			keys = append(keys[:6], "...")
		}
		d.problem(root, CodeSchema, "this is not a %s: no schema key and none of its sections (found keys %s; expected schema: %s)", what, strings.Join(keys, ", "), want)
		return false
	}
	d.problem(root, CodeSchema, "no schema key (expected schema: %s as the first line of a %s)", want, what)
	return true
}

func (f *Finding) problem(path, code, format string, args ...any) Problem {
	return f.pos.problem(f.File, path, code, format, args...)
}
