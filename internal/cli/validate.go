package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
)

func newValidateCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check findings and workspace settings; every problem with file:line:col",
		Long: `Check findings and workspace settings. PATH is a finding, an antibody.yaml, a
workspace folder (its settings and every finding in it) or a folder of findings;
the default is the current folder. Every problem is reported, sorted, one per
line as file:line:col: code: message. Exit code 2 when anything is invalid.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			g.log.Debug("validate", "paths", args)
			rep := findings.Validate(args)
			g.log.Debug("validated", "files", len(rep.Files), "problems", len(rep.Problems))
			var err error
			if g.format == "json" {
				err = writeJSON(g.stdout, map[string]any{"version": 1, "ok": rep.OK(), "files": rep.Files, "problems": rep.Problems})
			} else {
				err = renderValidation(g.stdout, rep)
			}
			if err != nil {
				return err
			}
			if !rep.OK() {
				return reportedError{ExitInvalid}
			}
			return nil
		},
	}
}

func renderValidation(w io.Writer, rep *findings.Report) error {
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
	fmt.Fprintf(&b, "%s checked, %d invalid, %s\n", plural(len(rep.Files), "file"), bad, plural(len(rep.Problems), "problem"))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
