package cli

import (
	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/report"
)

func newMetricsCommand(g *globals) *cobra.Command {
	var out, period string
	cmd := &cobra.Command{
		Use:   "metrics [DIR] [--period quarter|month] [-o FILE]",
		Short: "Review metrics across findings: durations between milestones and trends",
		Long: `Compute the review metrics of every finding in DIR (a workspace or a folder
of findings; the current folder when omitted). Every duration is named by the
two milestones it runs between (time to detect = compromise -> detected, ...)
with n, median, p90, mean, min and max; incidents still open and milestones not
recorded are counted apart, never guessed. Trends per quarter or month by
category, root cause, ATT&CK technique and discovery method, with shares and
95% Wilson intervals, flag values that rise or fall significantly (score test
for a log-linear trend, Benjamini-Hochberg adjusted). False positives are not
counted. Every finding must validate: one that does not stops the run.`,
		Annotations: map[string]string{"formats": "text,md,html,json"},
		Args:        cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			list, err := loadFindings(dir)
			if err != nil {
				return err
			}
			m, err := report.ComputeMetrics(list, period)
			if err != nil {
				return usageError{err}
			}
			var data []byte
			switch g.format {
			case "json":
				return writeJSONTo(g, out, m)
			case "html":
				if data, err = m.HTML(); err != nil {
					return err
				}
			case "md":
				data = []byte(m.Markdown())
			default:
				data = []byte(m.Text())
			}
			return writeOutput(g, out, data)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the metrics to this file")
	cmd.Flags().StringVar(&period, "period", "quarter", "trend period: quarter or month")
	return cmd
}
