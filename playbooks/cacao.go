package playbooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// CACAO is an OASIS CACAO 2.0 playbook. The properties the checks read
// are typed; every other property, the specification's optional ones and
// extensions alike, is kept in Extra, so a playbook round-trips.
type CACAO struct {
	Type          string                   `json:"type"`
	SpecVersion   string                   `json:"spec_version"`
	ID            string                   `json:"id"`
	Name          string                   `json:"name"`
	Created       string                   `json:"created"`
	Modified      string                   `json:"modified"`
	CreatedBy     string                   `json:"created_by"`
	WorkflowStart string                   `json:"workflow_start"`
	Workflow      map[string]*WorkflowStep `json:"workflow"`
	Extra         map[string]json.RawMessage
}

// WorkflowStep is one step of a CACAO workflow.
type WorkflowStep struct {
	Type         string            `json:"type"`
	Name         string            `json:"name,omitempty"`
	OnCompletion string            `json:"on_completion,omitempty"`
	OnSuccess    string            `json:"on_success,omitempty"`
	OnFailure    string            `json:"on_failure,omitempty"`
	OnTrue       string            `json:"on_true,omitempty"`
	OnFalse      string            `json:"on_false,omitempty"`
	NextSteps    []string          `json:"next_steps,omitempty"`
	Cases        map[string]string `json:"cases,omitempty"`
	Extra        map[string]json.RawMessage
}

var (
	cacaoTop  = []string{"type", "spec_version", "id", "name", "created", "modified", "created_by", "workflow_start", "workflow"}
	cacaoStep = []string{"type", "name", "on_completion", "on_success", "on_failure", "on_true", "on_false", "next_steps", "cases"}
)

// splitKnown decodes data into v (the typed fields) and returns the rest.
func splitKnown(data []byte, v any, known []string) (map[string]json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	extra := map[string]json.RawMessage{}
	for k, raw := range all {
		if !contains(known, k) {
			extra[k] = raw
		}
	}
	return extra, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// UnmarshalJSON reads a playbook, keeping unknown properties.
func (c *CACAO) UnmarshalJSON(data []byte) error {
	type alias CACAO
	var a alias
	extra, err := splitKnown(data, &a, cacaoTop)
	if err != nil {
		return err
	}
	*c = CACAO(a)
	c.Extra = extra
	return nil
}

// MarshalJSON writes the playbook with its unknown properties.
func (c CACAO) MarshalJSON() ([]byte, error) {
	type alias CACAO
	return mergeExtra(alias(c), c.Extra)
}

// UnmarshalJSON reads a step, keeping unknown properties.
func (s *WorkflowStep) UnmarshalJSON(data []byte) error {
	type alias WorkflowStep
	var a alias
	extra, err := splitKnown(data, &a, cacaoStep)
	if err != nil {
		return err
	}
	*s = WorkflowStep(a)
	s.Extra = extra
	return nil
}

// MarshalJSON writes the step with its unknown properties.
func (s WorkflowStep) MarshalJSON() ([]byte, error) {
	type alias WorkflowStep
	return mergeExtra(alias(s), s.Extra)
}

func mergeExtra(v any, extra map[string]json.RawMessage) ([]byte, error) {
	known, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(known, &m); err != nil {
		return nil, err
	}
	delete(m, "Extra")
	for k, raw := range extra {
		m[k] = raw
	}
	return json.Marshal(m)
}

// ParseCACAO reads a CACAO playbook.
func ParseCACAO(data []byte) (*CACAO, error) {
	var c CACAO
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("not a CACAO playbook: %v", err)
	}
	return &c, nil
}

// SameJSON reports whether two JSON documents hold the same value.
func SameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ca, _ := json.Marshal(x)
	cb, _ := json.Marshal(y)
	return bytes.Equal(ca, cb)
}

var (
	idRE        = regexp.MustCompile(`^([a-z][a-z0-9-]*)--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	timestampRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`)
	stepTypes   = map[string]bool{"start": true, "end": true, "action": true, "playbook-action": true, "parallel": true, "if-condition": true, "while-condition": true, "switch-condition": true}
)

// Validate checks the rules of the specification this package models and
// the workflow graph: every reference resolves, every step is reachable
// from the start, and every path ends at an end step.
func (c *CACAO) Validate() []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if c.Type != "playbook" {
		bad("type is %q (expected playbook)", c.Type)
	}
	if c.SpecVersion != "cacao-2.0" {
		bad("spec_version is %q (expected cacao-2.0)", c.SpecVersion)
	}
	if m := idRE.FindStringSubmatch(c.ID); m == nil || m[1] != "playbook" {
		bad("id %q is not playbook--<uuid>", c.ID)
	}
	if m := idRE.FindStringSubmatch(c.CreatedBy); m == nil || m[1] != "identity" {
		bad("created_by %q is not identity--<uuid>", c.CreatedBy)
	}
	if c.Name == "" {
		bad("name is missing")
	}
	for k, v := range map[string]string{"created": c.Created, "modified": c.Modified} {
		if !timestampRE.MatchString(v) {
			bad("%s %q is not an RFC 3339 UTC timestamp", k, v)
		}
	}
	if c.Workflow[c.WorkflowStart] == nil {
		bad("workflow_start %q is not a step of the workflow", c.WorkflowStart)
		return out
	}
	ids := make([]string, 0, len(c.Workflow))
	for id := range c.Workflow {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	next := map[string][]string{}
	for _, id := range ids {
		s := c.Workflow[id]
		m := idRE.FindStringSubmatch(id)
		switch {
		case !stepTypes[s.Type]:
			bad("step %s has type %q (expected one of start, end, action, playbook-action, parallel, if-condition, while-condition, switch-condition)", id, s.Type)
		case m == nil || m[1] != s.Type:
			bad("step id %s does not match its type %s (expected %s--<uuid>)", id, s.Type, s.Type)
		}
		refs := append([]string{s.OnCompletion, s.OnSuccess, s.OnFailure, s.OnTrue, s.OnFalse}, s.NextSteps...)
		for _, v := range s.Cases {
			refs = append(refs, v)
		}
		for _, r := range refs {
			if r == "" {
				continue
			}
			if c.Workflow[r] == nil {
				bad("step %s refers to %s, which is not in the workflow", id, r)
				continue
			}
			next[id] = append(next[id], r)
		}
		if s.Type != "end" && len(next[id]) == 0 {
			bad("step %s (%s) leads nowhere: every path must end at an end step", id, s.Type)
		}
		if s.Type == "end" && len(next[id]) > 0 {
			bad("end step %s has a next step", id)
		}
	}
	seen := map[string]bool{}
	queue := []string{c.WorkflowStart}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		queue = append(queue, next[id]...)
	}
	for _, id := range ids {
		if !seen[id] {
			bad("step %s cannot be reached from workflow_start", id)
		}
	}
	return out
}

// ApplyPatch applies an RFC 6902 JSON Patch to a CACAO document.
func ApplyPatch(doc []byte, patch []byte) ([]byte, error) {
	p, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		return nil, fmt.Errorf("not a JSON Patch: %w", err)
	}
	out, err := p.Apply(doc)
	if err != nil {
		return nil, fmt.Errorf("the patch does not apply: %w", err)
	}
	return out, nil
}

// PatchOp is one RFC 6902 operation.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// CACAOPatch turns the add ops of a change set into a JSON Patch for a
// CACAO playbook: a new action step per added step, spliced in before the
// step whose name matches the op's anchor (or before the end step).
// Steps are addressed by id; newID gives each new step its id.
func CACAOPatch(c *CACAO, ops []Op, newID func(Op) string) ([]PatchOp, []Conflict) {
	var patch []PatchOp
	var conflicts []Conflict
	// Work on a copy of the successor links, so several inserts chain.
	succ := map[string]string{}
	for id, s := range c.Workflow {
		if s.OnCompletion != "" {
			succ[id] = s.OnCompletion
		}
	}
	for _, op := range ops {
		if op.Kind != "add" {
			continue
		}
		target := ""
		if op.Step != "" {
			for id, s := range c.Workflow {
				if norm(s.Name) == norm(op.Step) || strings.Contains(norm(op.Step), norm(s.Name)) && s.Name != "" {
					target = id
				}
			}
			if target == "" {
				conflicts = append(conflicts, Conflict{Op: op, Reason: fmt.Sprintf("no step named like %q in the CACAO workflow", op.Step)})
				continue
			}
		} else {
			for id, s := range c.Workflow {
				if s.Type == "end" {
					target = id
				}
			}
		}
		pred := ""
		for id, to := range succ {
			if to == target {
				pred = id
			}
		}
		if pred == "" {
			conflicts = append(conflicts, Conflict{Op: op, Reason: "the step it goes before has no single predecessor in the workflow"})
			continue
		}
		id := newID(op)
		for _, existing := range c.Workflow {
			if norm(existing.Name) == norm(op.stepText()) {
				id = ""
			}
		}
		if id == "" {
			continue // already in the playbook
		}
		desc := strings.TrimRight(op.Reason, ".") + "."
		if op.Owner != "" {
			desc += " Owner: " + op.Owner + "."
		}
		step := map[string]any{"type": "action", "name": op.stepText(), "description": desc, "on_completion": target}
		// The test guards the splice: if someone rewired the workflow
		// since, the patch fails as a whole instead of guessing.
		patch = append(patch,
			PatchOp{Op: "test", Path: "/workflow/" + pred + "/on_completion", Value: target},
			PatchOp{Op: "add", Path: "/workflow/" + id, Value: step},
			PatchOp{Op: "replace", Path: "/workflow/" + pred + "/on_completion", Value: id})
		succ[pred] = id
		succ[id] = target
	}
	return patch, conflicts
}
