package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/regress"
	"github.com/antibody-dev/antibody/report"
)

func newCoverageCommand(g *globals) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "coverage [DIR] [-o layer.json]",
		Short: "Score the ATT&CK techniques seen in the findings by the rules proven for them; write a Navigator layer",
		Long: `Score every ATT&CK technique seen in the findings of DIR (a workspace; the
current folder when omitted) by the detections the workspace proves for it:
1 observed only, 2 a rule exists, 3 a rule passes its regression tests, 4 a
passing rule also stays silent on benign data. The rules are run as antibody
test runs them. -o writes an ATT&CK Navigator layer (format 4.5) to open in the
Navigator; without it, the scores are printed (--format json prints the layer).`,
		Annotations: map[string]string{"formats": "text,json"},
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
			var rep *regress.Report
			name := "Antibody coverage"
			ws, err := findings.LoadWorkspace(dir)
			switch {
			case err != nil:
				g.log.Warn("not a workspace: no rules to run, every technique is scored as observed only", "dir", dir)
			case !exists(filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.Sigma))):
				g.log.Warn("the workspace has no rules folder: every technique is scored as observed only", "dir", filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.Sigma)))
				name += ": " + ws.Name
			default:
				if rep, err = regress.Run(cmd.Context(), regress.Options{Workspace: dir}); err != nil {
					if errors.Is(err, regress.ErrUsage) {
						return usageError{errors.New(strings.TrimPrefix(err.Error(), "usage: "))}
					}
					return err
				}
				name += ": " + ws.Name
			}
			scores := report.ScoreTechniques(list, rep)
			layer := report.NavigatorLayer(name, scores)
			if out != "" {
				if err := writeJSONTo(g, out, layer); err != nil {
					return err
				}
				counts := map[int]int{}
				for _, s := range scores {
					counts[s.Score]++
				}
				fmt.Fprintf(g.stdout, "%d techniques: %d observed only, %d with a rule, %d passing, %d tuned\n",
					len(scores), counts[report.ScoreObserved], counts[report.ScoreRule], counts[report.ScorePassing], counts[report.ScoreTuned])
				return nil
			}
			if g.format == "json" {
				return writeJSON(g.stdout, layer)
			}
			fmt.Fprintf(g.stdout, "%-11s %5s  %-36s %5s %7s %5s  %s\n", "technique", "score", "level", "rules", "passing", "tuned", "findings")
			for _, s := range scores {
				fmt.Fprintf(g.stdout, "%-11s %5d  %-36s %5d %7d %5d  %s\n", s.Technique, s.Score, s.Level, s.Rules, s.Passing, s.Tuned, joinComma(s.Findings))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the Navigator layer (JSON, format 4.5) to this file")
	return cmd
}

func joinComma(s []string) string { return strings.Join(s, ", ") }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
