package findings

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// CheckedFile is one file Validate looked at.
type CheckedFile struct {
	Path    string   `json:"path"`
	Kind    string   `json:"kind"` // finding | workspace
	OK      bool     `json:"ok"`
	Summary *Summary `json:"summary,omitempty"`
}

// Report is the outcome of Validate: every file looked at and every
// problem found, sorted.
type Report struct {
	Files    []CheckedFile `json:"files"`
	Problems Problems      `json:"problems"`
}

// OK reports whether nothing was wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Validate checks the findings and workspace settings at paths. A folder
// holding antibody.yaml is checked as a workspace (settings and every
// finding); another folder has each YAML or JSON file in it checked as a
// finding; a file named antibody.yaml is workspace settings; any other file
// is a finding. I/O failures on a named path are problems of that path, so
// one bad argument does not hide the results for the others.
func Validate(paths []string) *Report {
	r := &Report{Files: []CheckedFile{}, Problems: Problems{}}
	for _, p := range paths {
		st, err := os.Stat(p)
		switch {
		case err != nil:
			r.fail(p, unreadable(p, err))
		case st.IsDir():
			r.validateDir(p)
		case filepath.Base(p) == WorkspaceFile:
			r.validateWorkspace(filepath.Dir(p))
		default:
			r.validateFinding(p, "")
		}
	}
	r.Problems.Sort()
	return r
}

func unreadable(p string, err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "does not exist (expected a finding, antibody.yaml or a workspace folder)"
	}
	return "cannot be read: " + unwrapPath(err).Error()
}

func (r *Report) fail(p, msg string) {
	r.Problems = append(r.Problems, Problem{File: p, Code: CodeFile, Message: msg})
}

func (r *Report) validateDir(dir string) {
	if _, err := os.Stat(filepath.Join(dir, WorkspaceFile)); err == nil {
		r.validateWorkspace(dir)
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		r.fail(dir, unreadable(dir, err))
		return
	}
	n := 0
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.Type().IsRegular() && slices.Contains([]string{".yaml", ".yml", ".json"}, ext) {
			r.validateFinding(filepath.Join(dir, e.Name()), "")
			n++
		}
	}
	if n == 0 {
		r.fail(dir, "holds no antibody.yaml and no .yaml, .yml or .json files (expected a workspace or a folder of findings)")
	}
}

func (r *Report) validateWorkspace(dir string) {
	file := filepath.Join(dir, WorkspaceFile)
	w, err := LoadWorkspace(dir)
	ok := r.absorb(file, err)
	r.Files = append(r.Files, CheckedFile{Path: file, Kind: "workspace", OK: ok})
	if w == nil {
		return
	}
	files, err := w.FindingFiles()
	if err != nil {
		r.fail(filepath.Join(dir, w.Paths.Findings), unreadable(w.Paths.Findings, errors.Unwrap(err)))
		return
	}
	for _, f := range files {
		r.validateFinding(f, dir)
	}
}

func (r *Report) validateFinding(path, root string) {
	f, err := Load(path, root)
	ok := r.absorb(path, err)
	cf := CheckedFile{Path: path, Kind: "finding", OK: ok}
	if ok {
		s := Summarize(f)
		cf.Summary = &s
	}
	r.Files = append(r.Files, cf)
}

// absorb records err as problems of file and reports whether there were none.
func (r *Report) absorb(file string, err error) bool {
	var ps Problems
	switch {
	case err == nil:
		return true
	case errors.As(err, &ps):
		r.Problems = append(r.Problems, ps...)
	default:
		r.fail(file, "cannot be read: "+unwrapPath(err).Error())
	}
	return false
}
