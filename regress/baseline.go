package regress

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Change is a difference between a stored run and this one.
type Change struct {
	// What is newly-failing, newly-passing, count-changed, new-case,
	// removed-case, new-rule or removed-rule.
	What     string `json:"what"`
	Artifact string `json:"artifact"`
	Case     string `json:"case,omitempty"`
	Before   string `json:"before,omitempty"`
	After    string `json:"after,omitempty"`
}

func (c Change) String() string {
	s := c.What + " " + c.Artifact
	if c.Case != "" {
		s += " | " + c.Case
	}
	switch {
	case c.Before != "" && c.After != "":
		s += fmt.Sprintf(": %s -> %s", c.Before, c.After)
	case c.After != "":
		s += ": " + c.After
	case c.Before != "":
		s += ": was " + c.Before
	}
	return s
}

// ReadBaseline reads a JSON report written by antibody test --format json
// or --write-baseline.
func ReadBaseline(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("read baseline %s: not an antibody test JSON report: %v", path, err)
	}
	if r.Version != ReportVersion {
		return nil, fmt.Errorf("read baseline %s: report version %d (expected %d; write a new baseline with --write-baseline)", path, r.Version, ReportVersion)
	}
	return &r, nil
}

// WriteBaseline stores the report as a baseline.
func WriteBaseline(path string, r *Report) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write baseline: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write baseline: %w", err)
	}
	return nil
}

// caseID identifies a case across runs started from different folders:
// the sample is taken relative to the report's workspace.
func caseID(r *Report, c Case) string {
	return c.Artifact.Key() + " | " + c.Name + " | " + inWorkspace(r, c.Sample) + " | " + c.Expect
}

func inWorkspace(r *Report, path string) string {
	if r.Workspace == "" {
		return filepath.ToSlash(path)
	}
	if rel, err := filepath.Rel(r.Workspace, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(path)
}

// Compare names what changed between a baseline and the current run:
// cases that now fail or pass, counts that moved, and rules and cases
// that came or went.
func Compare(base, cur *Report) []Change {
	var out []Change
	before := map[string]Case{}
	for _, c := range base.Cases {
		before[caseID(base, c)] = c
	}
	rulesBefore, rulesNow := map[string]bool{}, map[string]bool{}
	for _, c := range base.Cases {
		rulesBefore[c.Artifact.Key()] = true
	}
	for _, c := range cur.Cases {
		rulesNow[c.Artifact.Key()] = true
		id := caseID(cur, c)
		b, ok := before[id]
		delete(before, id)
		label := c.Name + ": " + inWorkspace(cur, c.Sample)
		switch {
		case !ok:
			if rulesBefore[c.Artifact.Key()] {
				out = append(out, Change{What: "new-case", Artifact: c.Artifact.Key(), Case: label, After: string(c.Status)})
			}
		case b.Status == Pass && c.Status != Pass:
			out = append(out, Change{What: "newly-failing", Artifact: c.Artifact.Key(), Case: label, Before: fmt.Sprintf("%s (%d)", b.Status, b.Count), After: fmt.Sprintf("%s (%d): %s", c.Status, c.Count, c.Message)})
		case b.Status != Pass && c.Status == Pass:
			out = append(out, Change{What: "newly-passing", Artifact: c.Artifact.Key(), Case: label, Before: string(b.Status), After: fmt.Sprintf("pass (%d)", c.Count)})
		case b.Count != c.Count:
			out = append(out, Change{What: "count-changed", Artifact: c.Artifact.Key(), Case: label, Before: fmt.Sprint(b.Count), After: fmt.Sprint(c.Count)})
		}
	}
	for _, b := range before {
		if rulesNow[b.Artifact.Key()] {
			out = append(out, Change{What: "removed-case", Artifact: b.Artifact.Key(), Case: b.Name + ": " + inWorkspace(base, b.Sample), Before: string(b.Status)})
		}
	}
	for k := range rulesNow {
		if !rulesBefore[k] {
			out = append(out, Change{What: "new-rule", Artifact: k})
		}
	}
	for k := range rulesBefore {
		if !rulesNow[k] {
			out = append(out, Change{What: "removed-rule", Artifact: k})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].What != out[j].What {
			return out[i].What < out[j].What
		}
		if out[i].Artifact != out[j].Artifact {
			return out[i].Artifact < out[j].Artifact
		}
		return out[i].Case < out[j].Case
	})
	return out
}
