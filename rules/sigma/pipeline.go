package sigma

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed pipelines/*.yml
var builtin embed.FS

// Pipeline maps Sigma's log sources and field names onto the events at
// hand. Sources says which events carry each log source (by field
// conditions such as Channel and EventID) and how their fields are named;
// Fields renames fields for every source; Placeholders gives the values of
// the expand modifier's %placeholders%.
//
// A nil *Pipeline (the "none" pipeline), or one without log sources,
// routes nothing: every rule runs against every event, whatever its log
// source.
type Pipeline struct {
	Name         string              `yaml:"name"`
	Description  string              `yaml:"description"`
	Sources      []Source            `yaml:"logsources"`
	Fields       map[string]string   `yaml:"fields"`
	Placeholders map[string][]string `yaml:"placeholders"`
}

// Source is one log source of a pipeline.
type Source struct {
	Category string `yaml:"category"`
	Product  string `yaml:"product"`
	Service  string `yaml:"service"`
	// Conditions are event fields and their allowed values; an event
	// belongs to the source when every field has one of its values
	// (compared without regard to case).
	Conditions map[string]stringList `yaml:"conditions"`
	// Fields renames rule fields to event fields for this source.
	Fields map[string]string `yaml:"fields"`
}

type stringList []string

func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*l = []string{n.Value}
		return nil
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: expected a value", c.Line)
			}
			*l = append(*l, c.Value)
		}
		return nil
	}
	return fmt.Errorf("line %d: expected a value or a list of values", n.Line)
}

// Logsource returns the source's Sigma log source.
func (s Source) Logsource() Logsource {
	return Logsource{Category: s.Category, Product: s.Product, Service: s.Service}
}

// serves reports whether a rule with log source l runs on this source:
// each of the rule's category, product and service is either unset or the
// source's own.
func (s Source) serves(l Logsource) bool {
	if l.Category == "" && l.Product == "" && l.Service == "" {
		return false
	}
	eq := func(rule, src string) bool { return rule == "" || strings.EqualFold(rule, src) }
	return eq(l.Category, s.Category) && eq(l.Product, s.Product) && eq(l.Service, s.Service)
}

// Pipelines returns the names of the built-in pipelines.
func Pipelines() []string {
	entries, _ := builtin.ReadDir("pipelines")
	names := []string{"none"}
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yml"))
	}
	sort.Strings(names)
	return names
}

// LoadPipeline returns a built-in pipeline by name ("windows", "none") or
// reads a pipeline file. "none" returns nil.
func LoadPipeline(nameOrFile string) (*Pipeline, error) {
	if nameOrFile == "none" {
		return nil, nil
	}
	if data, err := builtin.ReadFile("pipelines/" + nameOrFile + ".yml"); err == nil {
		return ParsePipeline("pipelines/"+nameOrFile+".yml", data)
	}
	data, err := os.ReadFile(nameOrFile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("pipeline %q is neither built in nor a file (expected one of %s, or a path to a pipeline YAML file)", nameOrFile, strings.Join(Pipelines(), ", "))
		}
		return nil, fmt.Errorf("load pipeline: %w", err)
	}
	return ParsePipeline(nameOrFile, data)
}

// ParsePipeline reads a pipeline file, strictly: unknown keys are errors.
func ParsePipeline(file string, data []byte) (*Pipeline, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var p Pipeline
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s:1: pipeline file is empty (expected name, logsources, fields, placeholders)", file)
		}
		return nil, fmt.Errorf("%s: %s (expected name, description, logsources, fields, placeholders)", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if p.Name == "" {
		p.Name = file
	}
	for i, s := range p.Sources {
		if s.Category == "" && s.Product == "" && s.Service == "" {
			return nil, fmt.Errorf("%s: logsources[%d] names no category, product or service", file, i)
		}
		if len(s.Conditions) == 0 {
			return nil, fmt.Errorf("%s: logsources[%d] (%s) has no conditions (expected e.g. conditions: {Channel: Security})", file, i, s.Logsource())
		}
	}
	return &p, nil
}

// SourceOf returns the log source an event belongs to: the first source
// with a category whose conditions it meets, else the first service source
// it meets. Generators use it to pick a rule's logsource from evidence.
func (p *Pipeline) SourceOf(fields func(name string) (string, bool)) (*Source, bool) {
	var service *Source
	for i := range p.Sources {
		s := &p.Sources[i]
		if !s.holds(fields) {
			continue
		}
		if s.Category != "" {
			return s, true
		}
		if service == nil {
			service = s
		}
	}
	return service, service != nil
}

func (s *Source) holds(fields func(string) (string, bool)) bool {
	for f, want := range s.Conditions {
		v, ok := fields(f)
		if !ok {
			return false
		}
		found := false
		for _, w := range want {
			if strings.EqualFold(v, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// RuleField returns the Sigma field name a rule uses for an event field of
// this source (NewProcessName is Image for Security 4688), or the name
// itself.
func (s *Source) RuleField(eventField string) string {
	for ruleField, ef := range s.Fields {
		if ef == eventField {
			return ruleField
		}
	}
	return eventField
}

// ConditionFields returns the names of the fields the source's conditions
// test (Channel, EventID...), sorted.
func (s *Source) ConditionFields() []string {
	out := make([]string, 0, len(s.Conditions))
	for f := range s.Conditions {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}
