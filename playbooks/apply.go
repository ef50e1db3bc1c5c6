package playbooks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Plan is a change set checked against the playbook on disk.
type Plan struct {
	ChangeSet *ChangeSet
	Path      string // the playbook, inside the workspace
	Before    []byte
	After     []byte
	Applied   int
	Conflicts []Conflict
}

// Prepare applies a change set in memory to the playbook as it is now.
func Prepare(root string, cs *ChangeSet) (*Plan, error) {
	full := filepath.Join(root, filepath.FromSlash(cs.Playbook))
	before, err := os.ReadFile(full)
	if err != nil {
		return nil, fmt.Errorf("read playbook %s: %w", cs.Playbook, err)
	}
	doc, conflicts, applied := Apply(Parse(before), cs.Ops)
	return &Plan{ChangeSet: cs, Path: cs.Playbook, Before: before, After: doc.Bytes(), Applied: applied, Conflicts: conflicts}, nil
}

// Diff renders the plan as a patch that git apply accepts.
func (p *Plan) Diff() string { return UnifiedDiff(p.Path, p.Before, p.After) }

// Write applies the plan to disk, atomically, unless it has conflicts:
// then nothing is written and the conflicts are returned as the error.
func (p *Plan) Write(root string) error {
	if len(p.Conflicts) > 0 {
		var msgs []string
		for _, c := range p.Conflicts {
			msgs = append(msgs, c.Error())
		}
		return fmt.Errorf("%s changed since the change set was made; nothing written:\n  %s", p.Path, strings.Join(msgs, "\n  "))
	}
	if string(p.Before) == string(p.After) {
		return nil
	}
	full := filepath.Join(root, filepath.FromSlash(p.Path))
	tmp, err := os.CreateTemp(filepath.Dir(full), ".antibody-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(p.After); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if info, err := os.Stat(full); err == nil {
		os.Chmod(tmp.Name(), info.Mode())
	}
	return os.Rename(tmp.Name(), full)
}

// ChangeSets lists the change sets under a workspace's playbooks folder.
func ChangeSets(dir string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "changes", "*.yaml"))
	if err != nil {
		return nil, err
	}
	return matches, nil
}
