package regress

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/playbooks"
)

var backticked = regexp.MustCompile("`([^`]+)`")

// playbookCases checks the workspace's Markdown playbooks: every step that
// names rules (a path under the workspace's Sigma or YARA folder, in
// backticks) must point at rules that exist and pass their own cases in
// this run.
func playbookCases(ws *findings.Workspace, ruleCases []Case) []Case {
	if ws == nil {
		return nil
	}
	dir := filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.Playbooks))
	files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	roots := []string{filepath.ToSlash(ws.Paths.Sigma), filepath.ToSlash(ws.Paths.YARA)}
	var out []Case
	cacao, _ := filepath.Glob(filepath.Join(dir, "*.cacao.json"))
	for _, f := range cacao {
		a := Artifact{Kind: "cacao", ID: f, Title: filepath.Base(f), File: f, Line: 1}
		c := Case{Artifact: a, Name: "CACAO 2.0 playbook validates", Sample: f, Expect: "pass", Bounds: "valid", Where: f, Status: Pass}
		data, err := os.ReadFile(f)
		if err == nil {
			var pb *playbooks.CACAO
			if pb, err = playbooks.ParseCACAO(data); err == nil {
				if problems := pb.Validate(); len(problems) > 0 {
					c.Status, c.Message = Fail, strings.Join(problems, "; ")
				}
			}
		}
		if err != nil {
			c.Status, c.Message = Fail, err.Error()
		}
		out = append(out, c)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		doc := playbooks.Parse(data)
		for _, ph := range doc.Phases {
			for _, st := range ph.Steps {
				for _, m := range backticked.FindAllStringSubmatch(st.Text, -1) {
					for _, tok := range strings.Fields(m[1]) {
						if !underAny(tok, roots) {
							continue
						}
						out = append(out, detectionStep(ws, f, st.Line+1, tok, ruleCases))
					}
				}
			}
		}
	}
	return out
}

func underAny(p string, roots []string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

func detectionStep(ws *findings.Workspace, file string, line int, ref string, ruleCases []Case) Case {
	a := Artifact{Kind: "playbook", ID: fmt.Sprintf("%s:%d", file, line), Title: filepath.Base(file), File: file, Line: line}
	c := Case{Artifact: a, Name: "Detection step runs passing rules", Sample: ref, Expect: "pass", Bounds: "rules exist and pass", Where: fmt.Sprintf("%s:%d", file, line)}
	full := filepath.Join(ws.Root, filepath.FromSlash(ref))
	if _, err := os.Stat(full); err != nil {
		c.Status, c.Message = Fail, fmt.Sprintf("the step names %s, which does not exist", ref)
		return c
	}
	abs, _ := filepath.Abs(full)
	tested, failing := 0, map[string]bool{}
	for _, rc := range ruleCases {
		rf, _ := filepath.Abs(rc.Artifact.File)
		if rf != abs && !strings.HasPrefix(rf, abs+string(filepath.Separator)) {
			continue
		}
		tested++
		if rc.Status != Pass {
			failing[rc.Artifact.Title] = true
		}
	}
	c.Count = tested
	switch {
	case tested == 0:
		c.Status, c.Message = Fail, fmt.Sprintf("no tested rule under %s", ref)
	case len(failing) > 0:
		var names []string
		for n := range failing {
			names = append(names, n)
		}
		c.Status, c.Message = Fail, fmt.Sprintf("rules under %s fail their cases: %s", ref, strings.Join(names, ", "))
	default:
		c.Status = Pass
	}
	return c
}
