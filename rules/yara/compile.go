package yara

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	goyara "github.com/hillu/go-yara/v4"

	"github.com/antibody-dev/antibody/rules"
)

// Problem is a compiler or lint message about a rule file.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Rule    string `json:"rule,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Warning problems do not stop a rule from compiling.
	Warning bool `json:"warning,omitempty"`
}

func (p Problem) String() string {
	s := fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Code, p.Message)
	if p.Rule != "" {
		s = fmt.Sprintf("%s:%d: %s: rule %s: %s", p.File, p.Line, p.Code, p.Rule, p.Message)
	}
	return s
}

// Ruleset is compiled rules, ready to scan with.
type Ruleset struct {
	rules *goyara.Rules
	// Files are the rule files compiled into it.
	Files []string
	// Rules counts the rules.
	Rules int
}

// RuleFiles expands paths into .yar and .yara files, sorted.
func RuleFiles(paths []string) ([]string, error) {
	files, err := rules.Files(paths, func(name string) bool {
		ext := strings.ToLower(filepath.Ext(name))
		return ext == ".yar" || ext == ".yara"
	}, "YARA rule file", ".yar or .yara")
	if err != nil {
		return nil, fmt.Errorf("load YARA rules: %w", err)
	}
	return files, nil
}

// Compile compiles every rule file under paths, each in its own
// namespace. A file that does not compile is left out and its errors are
// returned; the others still compile. Includes are disabled: a rule file
// must stand alone.
func Compile(paths []string) (*Ruleset, []Problem, error) {
	files, err := RuleFiles(paths)
	if err != nil {
		return nil, nil, err
	}
	var problems []Problem
	var good []string
	for _, f := range files {
		ps, err := compileOne(f)
		if err != nil {
			return nil, nil, err
		}
		failed := false
		for _, p := range ps {
			if !p.Warning {
				failed = true
			}
		}
		problems = append(problems, ps...)
		if !failed {
			good = append(good, f)
		}
	}
	c, err := goyara.NewCompiler()
	if err != nil {
		return nil, nil, fmt.Errorf("yara compiler: %w", err)
	}
	defer c.Destroy()
	c.DisableIncludes()
	for _, f := range good {
		if err := addFile(c, f); err != nil {
			return nil, problems, err
		}
	}
	r, err := c.GetRules()
	if err != nil {
		return nil, problems, fmt.Errorf("yara compiler: %w", err)
	}
	return &Ruleset{rules: r, Files: good, Rules: len(r.GetRules())}, problems, nil
}

func addFile(c *goyara.Compiler, name string) error {
	fh, err := os.Open(name)
	if err != nil {
		return err
	}
	defer fh.Close()
	return c.AddFile(fh, name)
}

// compileOne compiles a single file to collect its errors and warnings.
func compileOne(name string) ([]Problem, error) {
	c, err := goyara.NewCompiler()
	if err != nil {
		return nil, fmt.Errorf("yara compiler: %w", err)
	}
	defer c.Destroy()
	c.DisableIncludes()
	fh, err := os.Open(name)
	if err != nil {
		return []Problem{{File: name, Line: 1, Code: "file", Message: err.Error()}}, nil
	}
	defer fh.Close()
	_ = c.AddFile(fh, name)
	var out []Problem
	for _, m := range c.Errors {
		out = append(out, Problem{File: name, Line: m.Line, Code: "compile_error", Message: m.Text})
	}
	for _, m := range c.Warnings {
		out = append(out, Problem{File: name, Line: m.Line, Code: "compile_warning", Message: m.Text, Warning: true})
	}
	if len(c.Errors) == 0 {
		if _, err := c.GetRules(); err != nil {
			out = append(out, Problem{File: name, Line: 1, Code: "compile_error", Message: err.Error()})
		}
	}
	return out, nil
}

// CompileString compiles rule text held in memory (for generators that
// prove a draft before writing it).
func CompileString(text string) (*Ruleset, []Problem, error) {
	c, err := goyara.NewCompiler()
	if err != nil {
		return nil, nil, err
	}
	defer c.Destroy()
	c.DisableIncludes()
	_ = c.AddString(text, "draft")
	var ps []Problem
	for _, m := range c.Errors {
		ps = append(ps, Problem{File: "draft", Line: m.Line, Code: "compile_error", Message: m.Text})
	}
	if len(ps) > 0 {
		return nil, ps, nil
	}
	r, err := c.GetRules()
	if err != nil {
		return nil, nil, err
	}
	return &Ruleset{rules: r, Rules: len(r.GetRules())}, nil, nil
}

// TargetFiles expands paths into the regular files to scan, sorted;
// symbolic links are not followed.
func TargetFiles(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		info, err := os.Lstat(p)
		if err != nil {
			return nil, err
		}
		if info.Mode().IsRegular() {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
			continue
		}
		if !info.IsDir() {
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && !seen[path] {
				seen[path] = true
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}
