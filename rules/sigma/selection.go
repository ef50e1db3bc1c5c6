package sigma

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/antibody-dev/antibody/rules/events"
)

// CompileMatch compiles a selection written in Sigma notation (field,
// optional |modifiers, a value or a list of values; all fields must
// match), such as a finding's behaviour match, into a predicate on
// events. Field names are taken as written: no pipeline maps them.
func CompileMatch(match map[string]any) (func(*events.Event) bool, error) {
	if len(match) == 0 {
		return nil, fmt.Errorf("an empty match selects nothing (expected field: value pairs)")
	}
	doc := map[string]any{
		"title":     "match",
		"logsource": map[string]any{"product": "windows"},
		"detection": map[string]any{"selection": match, "condition": "selection"},
	}
	data, err := yaml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	set, err := Parse("match", data, LoadOptions{})
	if err != nil {
		return nil, err
	}
	if len(set.Refusals) > 0 {
		return nil, fmt.Errorf("%s", set.Refusals[0].Message)
	}
	m := NewEngine(set, nil).NewMatcher()
	return func(ev *events.Event) bool {
		hit := false
		m.Match(ev, func(Detection) { hit = true })
		return hit
	}, nil
}
