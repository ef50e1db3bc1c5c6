package playbooks

import (
	"bytes"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

// ChangeSet is the reviewable change a finding asks of one playbook.
type ChangeSet struct {
	Schema   string `yaml:"schema" json:"schema"`
	Finding  string `yaml:"finding" json:"finding"`
	Playbook string `yaml:"playbook" json:"playbook"`
	Ops      []Op   `yaml:"changes" json:"changes"`
	// CACAO is the same playbook in CACAO 2.0, when the workspace has
	// one, and CACAOPatch the JSON Patch (RFC 6902) that makes the
	// changes there, keyed by step id.
	CACAO      string    `yaml:"cacao,omitempty" json:"cacao,omitempty"`
	CACAOPatch []PatchOp `yaml:"cacao_patch,omitempty" json:"cacao_patch,omitempty"`
}

// ChangeSetSchema names the change-set format.
const ChangeSetSchema = "antibody/playbook-changes/v1"

// ReadChangeSet reads a change set strictly.
func ReadChangeSet(path string) (*ChangeSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var cs ChangeSet
	if err := dec.Decode(&cs); err != nil {
		return nil, fmt.Errorf("%s: %v (expected schema, finding, playbook, changes)", path, err)
	}
	if cs.Schema != ChangeSetSchema {
		return nil, fmt.Errorf("%s:1: schema %q (expected %s)", path, cs.Schema, ChangeSetSchema)
	}
	if cs.Playbook == "" {
		return nil, fmt.Errorf("%s:1: change set names no playbook", path)
	}
	return &cs, nil
}

// Marshal writes the change set as YAML.
func (cs *ChangeSet) Marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(cs); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}
