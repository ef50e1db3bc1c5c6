package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/report"
)

func newReportCommand(g *globals) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "report FINDING [-o FILE]",
		Short: "Write the incident report of a finding: Markdown, self-contained HTML or JSON",
		Long: `Write the final incident report of a finding: header, executive summary, scope and
impact, timeline with durations, detection analysis, root causes, team performance,
corrective actions, the defenses generated with their regression results, the
projected time to detect (the recorded events replayed through the Sigma rules
generated for the finding), gaps in the review, and appendices (indicators
defanged, evidence with hashes). --format text or md gives Markdown, html one
self-contained page with inline SVG charts, json the data.`,
		Annotations: map[string]string{"formats": "text,md,html,json"},
		Args:        cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if info, err := os.Stat(args[0]); err != nil || info.IsDir() {
				return usagef("%s is not a finding file (expected the path of a finding, e.g. findings/INC-2026-031.yaml)", args[0])
			}
			root := findings.FindRoot(args[0])
			ws, err := findings.LoadWorkspace(root)
			if err != nil {
				return usageError{fmt.Errorf("load the workspace of %s: %w", args[0], err)}
			}
			rep, err := report.Build(cmd.Context(), ws, args[0])
			if err != nil {
				return usageError{err}
			}
			var data []byte
			switch g.format {
			case "html":
				if data, err = rep.HTML(); err != nil {
					return err
				}
			case "json":
				return writeJSONTo(g, out, rep)
			default:
				data = []byte(rep.Markdown())
			}
			return writeOutput(g, out, data)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the report to this file")
	return cmd
}
