package findings

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
)

// WorkspaceSchemaV1 is the schema value of antibody.yaml.
const WorkspaceSchemaV1 = "antibody/workspace/v1"

// Workspace is the settings file antibody.yaml at the root of a
// detection-as-code repository.
type Workspace struct {
	// Schema names the format version; always antibody/workspace/v1.
	Schema string `json:"schema" jsonschema:"required"`
	// Name names the workspace in reports.
	Name string `json:"name,omitempty"`
	// Paths overrides where each kind of file lives, relative to the root.
	Paths Paths `json:"paths,omitempty"`
	// Benign lists the benign corpora generated defenses must stay silent on.
	Benign []BenignCorpus `json:"benign,omitempty"`
	// Budgets sets the tolerances for tuning.
	Budgets Budgets `json:"budgets,omitempty"`

	// Root is the directory holding antibody.yaml.
	Root string `json:"-"`
	// File is the path antibody.yaml was read from.
	File string `json:"-"`
	pos  positions
}

// Paths are the workspace's folders, relative to its root.
type Paths struct {
	// Findings holds one finding per incident. Default findings.
	Findings string `json:"findings,omitempty"`
	// Samples holds the recorded attack samples. Default samples.
	Samples string `json:"samples,omitempty"`
	// Sigma holds Sigma rules. Default rules/sigma.
	Sigma string `json:"sigma,omitempty"`
	// YARA holds YARA rules. Default rules/yara.
	YARA string `json:"yara,omitempty"`
	// Policies holds Rego policies. Default policies.
	Policies string `json:"policies,omitempty"`
	// Playbooks holds response playbooks. Default playbooks.
	Playbooks string `json:"playbooks,omitempty"`
}

// BenignCorpus is a folder or file of benign data.
type BenignCorpus struct {
	// Path is relative to the workspace root.
	Path string `json:"path" jsonschema:"required"`
	// Kind is events (event logs), file (goodware) or config (compliant snapshots).
	Kind EvidenceKind `json:"kind" jsonschema:"required"`
	// Summary says what the corpus holds and where it came from.
	Summary string `json:"summary,omitempty"`
}

// Budgets are tolerances for generated defenses.
type Budgets struct {
	// FalsePositives is how many benign events a generated rule may match. Default 0.
	FalsePositives int `json:"false_positives,omitempty"`
}

// DefaultPaths are the folders antibody init creates.
var DefaultPaths = Paths{
	Findings: "findings", Samples: "samples", Sigma: "rules/sigma", YARA: "rules/yara",
	Policies: "policies", Playbooks: "playbooks",
}

// ParseWorkspace reads antibody.yaml from data; name is used in positions.
func ParseWorkspace(name string, data []byte) (*Workspace, Problems) {
	root, problems := parseDocument(name, data, "workspace settings file")
	if problems != nil {
		return nil, problems
	}
	w := &Workspace{File: name, Root: filepath.Dir(name)}
	d := &decoder{file: name, pos: positions{"": {root.Line, root.Column}}}
	if !checkSchema(d, root, reflect.TypeFor[Workspace](), WorkspaceSchemaV1, "workspace settings file") {
		return nil, d.problems
	}
	d.decode(root, reflect.ValueOf(w).Elem(), "")
	w.pos = d.pos
	// Fill defaults for folders not named.
	pv, dv := reflect.ValueOf(&w.Paths).Elem(), reflect.ValueOf(DefaultPaths)
	for i := range pv.NumField() {
		if pv.Field(i).String() == "" {
			pv.Field(i).Set(dv.Field(i))
		}
	}
	add := func(path, code, format string, args ...any) {
		d.problems = append(d.problems, w.pos.problem(name, path, code, format, args...))
	}
	for _, fld := range fieldsOf(pv.Type()) {
		if msg := checkRelPath(pv.Field(fld.index).String()); msg != "" {
			add("paths."+fld.name, CodePath, "paths.%s %q %s", fld.name, pv.Field(fld.index).String(), msg)
		}
	}
	for i, b := range w.Benign {
		if msg := checkRelPath(b.Path); msg != "" {
			add(fmt.Sprintf("benign[%d].path", i), CodePath, "benign corpus path %q %s", b.Path, msg)
		}
	}
	if w.Budgets.FalsePositives < 0 {
		add("budgets.false_positives", CodeFormat, "false_positives is %d (expected 0 or more)", w.Budgets.FalsePositives)
	}
	d.problems.Sort()
	if len(d.problems) > 0 {
		return w, d.problems
	}
	return w, nil
}

// LoadWorkspace reads and checks dir/antibody.yaml, including that the
// benign corpora it names exist inside the workspace.
func LoadWorkspace(dir string) (*Workspace, error) {
	name := filepath.Join(dir, WorkspaceFile)
	data, err := ReadDocument(name)
	if err != nil {
		return nil, err
	}
	w, ps := ParseWorkspace(name, data)
	if w == nil {
		return nil, ps
	}
	w.Root = dir
	for i, b := range w.Benign {
		if checkRelPath(b.Path) != "" {
			continue
		}
		full := filepath.Join(dir, filepath.FromSlash(b.Path))
		if _, err := os.Stat(full); err != nil {
			ps = append(ps, w.pos.problem(name, fmt.Sprintf("benign[%d].path", i), CodeMissingFile,
				"benign corpus %s does not exist in the workspace %q (expected a file or folder there)", b.Path, dir))
		}
	}
	ps.Sort()
	if len(ps) > 0 {
		return w, ps
	}
	return w, nil
}

// FindingFiles lists the finding documents in the workspace's findings
// folder (*.yaml, *.yml, *.json), sorted.
func (w *Workspace) FindingFiles() ([]string, error) {
	dir := filepath.Join(w.Root, filepath.FromSlash(w.Paths.Findings))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	var files []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && slices.Contains([]string{".yaml", ".yml", ".json"}, ext) {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	return files, nil
}

// ListFindings lists the finding documents of dir: the findings folder of
// the workspace when dir holds antibody.yaml, else the .yaml, .yml and
// .json files directly in dir.
func ListFindings(dir string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(dir, WorkspaceFile)); err == nil {
		w, err := LoadWorkspace(dir)
		if err != nil {
			return nil, err
		}
		return w.FindingFiles()
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	var files []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.Type().IsRegular() && slices.Contains([]string{".yaml", ".yml", ".json"}, ext) {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no antibody.yaml and no .yaml, .yml or .json files (expected a workspace or a folder of findings)", dir)
	}
	return files, nil
}
