package playbooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/antibody-dev/antibody/internal/atomicfile"
)

// Plan is a change set checked against the playbook on disk.
type Plan struct {
	ChangeSet *ChangeSet
	Path      string // the playbook, inside the workspace
	Before    []byte
	After     []byte
	Applied   int
	Conflicts []Conflict
	// CACAOBefore and CACAOAfter are the CACAO playbook before and after
	// its patch (nil when the change set has none, or it is in effect).
	CACAOBefore, CACAOAfter []byte
}

// Prepare applies a change set in memory to the playbook as it is now.
func Prepare(root string, cs *ChangeSet) (*Plan, error) {
	full := filepath.Join(root, filepath.FromSlash(cs.Playbook))
	before, err := os.ReadFile(full)
	if err != nil {
		return nil, fmt.Errorf("read playbook %s: %w", cs.Playbook, err)
	}
	doc, conflicts, applied := Apply(Parse(before), cs.Ops)
	p := &Plan{ChangeSet: cs, Path: cs.Playbook, Before: before, After: doc.Bytes(), Applied: applied, Conflicts: conflicts}
	if cs.CACAO != "" && len(cs.CACAOPatch) > 0 {
		if err := p.prepareCACAO(root); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// prepareCACAO applies the JSON Patch in memory; a patch whose steps are
// all present already is in effect, one that does not apply conflicts.
func (p *Plan) prepareCACAO(root string) error {
	cs := p.ChangeSet
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(cs.CACAO)))
	if err != nil {
		return fmt.Errorf("read CACAO playbook %s: %w", cs.CACAO, err)
	}
	c, err := ParseCACAO(data)
	if err != nil {
		return fmt.Errorf("%s: %w", cs.CACAO, err)
	}
	present := true
	for _, op := range cs.CACAOPatch {
		if op.Op == "add" && c.Workflow[strings.TrimPrefix(op.Path, "/workflow/")] == nil {
			present = false
		}
	}
	if present {
		return nil
	}
	raw, err := json.Marshal(cs.CACAOPatch)
	if err != nil {
		return err
	}
	out, err := ApplyPatch(data, raw)
	if err != nil {
		p.Conflicts = append(p.Conflicts, Conflict{Op: Op{Kind: "patch", Source: cs.CACAO, Phase: "workflow"}, Reason: err.Error()})
		return nil
	}
	patched, err := ParseCACAO(out)
	if err != nil {
		return err
	}
	if problems := patched.Validate(); len(problems) > 0 {
		p.Conflicts = append(p.Conflicts, Conflict{Op: Op{Kind: "patch", Source: cs.CACAO, Phase: "workflow"}, Reason: "the patched playbook does not validate: " + problems[0]})
		return nil
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		return err
	}
	pretty.WriteByte('\n')
	p.CACAOBefore, p.CACAOAfter = data, pretty.Bytes()
	p.Applied += len(cs.CACAOPatch) / 3
	return nil
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
	if p.CACAOAfter != nil {
		if err := atomicfile.Write(filepath.Join(root, filepath.FromSlash(p.ChangeSet.CACAO)), p.CACAOAfter); err != nil {
			return err
		}
	}
	if string(p.Before) == string(p.After) {
		return nil
	}
	return atomicfile.Write(filepath.Join(root, filepath.FromSlash(p.Path)), p.After)
}

// ChangeSets lists the change sets under a workspace's playbooks folder.
func ChangeSets(dir string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "changes", "*.yaml"))
	if err != nil {
		return nil, err
	}
	return matches, nil
}
