package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/rules/sigma"
	"github.com/antibody-dev/antibody/rules/yara"
)

func newValidateCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check findings and workspace settings; every problem with file:line:col",
		Long: `Check findings and workspace settings. PATH is a finding, an antibody.yaml, a
workspace folder (its settings and every finding in it) or a folder of findings;
the default is the current folder. Every problem is reported, sorted, one per
line as file:line:col: code: message. Sigma rules are linted against SigmaHQ's
conventions: a workspace's rule folder, and any rule file or folder of rules given
as PATH. Exit code 2 when anything is invalid.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			g.log.Debug("validate", "paths", args)
			findingPaths, rulePaths, yaraPaths := splitValidatePaths(args)
			rep := findings.Validate(findingPaths)
			var yaraProblems []yara.Problem
			yaraRules := 0
			if len(yaraPaths) > 0 {
				var err error
				if yaraProblems, yaraRules, err = lintYara(yaraPaths); err != nil {
					return usageError{err}
				}
			}
			lint := &sigma.LintReport{Problems: []sigma.LintProblem{}}
			if len(rulePaths) > 0 {
				var err error
				if lint, err = sigma.LintPaths(rulePaths); err != nil {
					return usageError{err}
				}
			}
			g.log.Debug("validated", "files", len(rep.Files), "problems", len(rep.Problems), "rules", lint.Rules)
			ok := rep.OK() && len(lint.Problems) == 0 && len(yaraProblems) == 0
			var err error
			if g.format == "json" {
				if yaraProblems == nil {
					yaraProblems = []yara.Problem{}
				}
				err = writeJSON(g.stdout, map[string]any{"version": 1, "ok": ok, "files": rep.Files, "problems": rep.Problems, "rules": lint,
					"yara": map[string]any{"rules": yaraRules, "problems": yaraProblems}})
			} else {
				err = renderValidation(g.stdout, rep, lint, rulePaths, len(findingPaths) > 0)
				if err == nil && len(yaraPaths) > 0 {
					var b strings.Builder
					for _, p := range yaraProblems {
						b.WriteString(p.String() + "\n")
					}
					fmt.Fprintf(&b, "%s linted and compiled (%s), %s\n", plural(yaraRules, "YARA rule"), strings.Join(yaraPaths, ", "), plural(len(yaraProblems), "problem"))
					_, err = io.WriteString(g.stdout, b.String())
				}
			}
			if err != nil {
				return err
			}
			if !ok {
				return reportedError{ExitInvalid}
			}
			return nil
		},
	}
}

// splitValidatePaths sends rule files and folders to the Sigma lint and
// the rest to finding validation; a workspace's rule folder is linted too.
func splitValidatePaths(args []string) (findingPaths, rulePaths, yaraPaths []string) {
	for _, a := range args {
		if files, err := yara.RuleFiles([]string{a}); err == nil && len(files) > 0 && !isWorkspace(a) && !sigma.LooksLikeRules(a) {
			yaraPaths = append(yaraPaths, a)
			continue
		}
		if sigma.LooksLikeRules(a) && !isWorkspace(a) {
			rulePaths = append(rulePaths, a)
			continue
		}
		findingPaths = append(findingPaths, a)
		if isWorkspace(a) {
			if ws, err := findings.LoadWorkspace(a); err == nil {
				dir := filepath.Join(a, filepath.FromSlash(ws.Paths.Sigma))
				if _, err := os.Stat(dir); err == nil {
					rulePaths = append(rulePaths, dir)
				}
				ydir := filepath.Join(a, filepath.FromSlash(ws.Paths.YARA))
				if files, err := yara.RuleFiles([]string{ydir}); err == nil && len(files) > 0 {
					yaraPaths = append(yaraPaths, ydir)
				}
			}
		}
	}
	return findingPaths, rulePaths, yaraPaths
}

// lintYara lints YARA files and adds what libyara itself says.
func lintYara(paths []string) ([]yara.Problem, int, error) {
	problems, n, err := yara.Lint(paths)
	if err != nil {
		return nil, 0, err
	}
	_, compile, err := yara.Compile(paths)
	if err != nil {
		return nil, 0, err
	}
	return append(compile, problems...), n, nil
}

func isWorkspace(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, findings.WorkspaceFile))
	return err == nil
}

func renderValidation(w io.Writer, rep *findings.Report, lint *sigma.LintReport, rulePaths []string, showFindings bool) error {
	var b strings.Builder
	for _, p := range rep.Problems {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	for _, f := range rep.Files {
		if !f.OK {
			continue
		}
		fmt.Fprintf(&b, "ok %s", f.Path)
		if s := f.Summary; s != nil {
			fmt.Fprintf(&b, ": %s %q (%s", s.ID, s.Title, s.Status)
			if s.Severity != "" {
				fmt.Fprintf(&b, ", %s", s.Severity)
			}
			b.WriteString(")\n")
			for _, d := range s.Durations {
				fmt.Fprintf(&b, "    %s\n", d)
			}
			fmt.Fprintf(&b, "    evidence verified: %d events, %d files, %d configs\n", s.Evidence["events"], s.Evidence["file"], s.Evidence["config"])
			fmt.Fprintf(&b, "    %d behaviors, %d indicators, %d artifacts, %d root causes, %d review steps, %d corrective actions\n",
				s.Counts["behaviors"], s.Counts["indicators"], s.Counts["artifacts"], s.Counts["root_causes"], s.Counts["review_steps"], s.Counts["corrective_actions"])
		} else {
			b.WriteByte('\n')
		}
	}
	bad := 0
	for _, f := range rep.Files {
		if !f.OK {
			bad++
		}
	}
	if showFindings {
		fmt.Fprintf(&b, "%s checked, %d invalid, %s\n", plural(len(rep.Files), "file"), bad, plural(len(rep.Problems), "problem"))
	}
	if len(rulePaths) > 0 {
		for _, p := range lint.Problems {
			b.WriteString(p.String())
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s in %s linted (%s), %s\n", plural(lint.Rules, "rule"), plural(lint.Files, "file"), strings.Join(rulePaths, ", "), plural(len(lint.Problems), "problem"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
