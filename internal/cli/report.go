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
	var ch chFlags
	cmd := &cobra.Command{
		Use:   "report FINDING [-o FILE]",
		Short: "Write the incident report of a finding: Markdown, self-contained HTML or JSON",
		Long: `Write the final incident report of a finding: header, executive summary, scope and
impact, timeline with durations, detection analysis, root causes, team performance,
corrective actions, the defenses generated with their regression results, the
projected time to detect (the recorded events replayed through the Sigma rules
generated for the finding), gaps in the review, and appendices (indicators
defanged, evidence with hashes). --format text or md gives Markdown, html one
self-contained page with inline SVG charts, json the data.

With --clickhouse the projected time to detect is computed over the backtest table
(the fleet's logs, not only the recorded evidence): the generated rules run there
from the incident's first recorded milestone to its detection, or over --from/--to.`,
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
			var opts report.Options
			if ch.url != "" {
				f, err := findings.Load(args[0], ws.Root)
				if err != nil {
					return usageError{fmt.Errorf("report: the finding is not valid (run antibody validate): %w", err)}
				}
				b, err := ch.openBackend()
				if err != nil {
					return err
				}
				from, to := report.Window(f)
				if b.From.IsZero() {
					b.From = from
				}
				if b.To.IsZero() {
					b.To = to
				}
				opts.Replay = b
				opts.ReplaySource = fmt.Sprintf("ClickHouse table %s.%s%s", b.Table.Client.Database, b.Table.Name, window(b))
				rep, err := report.Build(cmd.Context(), ws, args[0], opts)
				if err != nil {
					return chHint(err, b.Table)
				}
				return writeReport(g, out, rep)
			} else if ch.from != "" || ch.to != "" {
				return usagef("--from and --to bound the backtest table's events (expected --clickhouse URL with them)")
			}
			rep, err := report.Build(cmd.Context(), ws, args[0], opts)
			if err != nil {
				return usageError{err}
			}
			return writeReport(g, out, rep)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the report to this file")
	ch.bind(cmd)
	cmd.Flags().Lookup("clickhouse").Usage = "compute the projected time to detect over the backtest table on this ClickHouse (HTTP URL) instead of the evidence"
	ch.bindWindow(cmd)
	return cmd
}

func writeReport(g *globals, out string, rep *report.Report) error {
	var data []byte
	var err error
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
}
