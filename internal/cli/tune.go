package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	gensigma "github.com/antibody-dev/antibody/generators/sigma"
	"github.com/antibody-dev/antibody/rules/sigma"
)

type tuneOptions struct {
	id       string
	attack   []string
	benign   []string
	out      string
	pipeline string
	budget   int
	ch       chFlags
}

func newTuneCommand(g *globals) *cobra.Command {
	var o tuneOptions
	cmd := &cobra.Command{
		Use:   "tune RULE --attack PATH... (--benign PATH... | --clickhouse URL)",
		Short: "Propose a Sigma filter that silences a rule's false positives and keeps its detections",
		Long: `Run a rule (generated or not) over attack and benign event logs and propose a Sigma
filter, a separate spec-conformant filter file that leaves the rule untouched, which
removes the benign detections while every attack detection still fires. The
proposal is proven with the engine before it is shown. A value enters the filter
only when at least two benign events share it, so no single event is memorised;
when no such separator exists the command says which benign events remain (exit 3).
The filter is printed, or written to --out. With --clickhouse the benign events are
those of the backtest event table (antibody backtest load), queried where they live.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fromClickHouse := o.ch.url != "" || (len(o.benign) == 0 && os.Getenv("ANTIBODY_CLICKHOUSE_URL") != "")
			if len(o.attack) == 0 || (len(o.benign) == 0) == !fromClickHouse {
				return usagef("tune needs --attack event paths and either --benign event paths or --clickhouse URL (benign events in the backtest table)")
			}
			p, err := sigma.LoadPipeline(o.pipeline)
			if err != nil {
				return usageError{err}
			}
			opts := gensigma.TuneOptions{Rule: args[0], RuleID: o.id, Attack: o.attack, Benign: o.benign, Pipeline: p, Budget: o.budget}
			if fromClickHouse {
				b, err := o.ch.openBackend()
				if err != nil {
					return err
				}
				opts.BenignBackend = b
			}
			prop, err := gensigma.ProposeFilter(opts)
			var insep *gensigma.ErrInseparable
			switch {
			case errors.As(err, &insep):
				fmt.Fprintf(g.stdout, "%s\n", insep.Error())
				return reportedError{ExitRegression}
			case err != nil:
				return usageError{err}
			}
			fmt.Fprintf(g.stderr, "%s [%s]: fires on %d of %d attack events and %d of %d benign events\n", prop.Rule.Title, prop.Rule.ID, prop.Attack, prop.Examined.AttackEvents, prop.Benign, prop.Examined.BenignEvents)
			if prop.Filter == nil {
				fmt.Fprintf(g.stderr, "within the false-positive budget (%d): no filter needed\n", o.budget)
				return nil
			}
			fmt.Fprintf(g.stderr, "with the filter: %d of %d attack events still fire, %d benign (excluding %s)\n", prop.Attack, prop.Examined.AttackEvents, prop.After, strings.Join(prop.Chosen, "; "))
			if o.out != "" {
				if _, err := os.Stat(o.out); err == nil {
					return usagef("%s exists: not overwriting it (expected a new file for --out)", o.out)
				}
				if err := os.WriteFile(o.out, prop.Filter, 0o644); err != nil {
					return err
				}
				fmt.Fprintf(g.stderr, "wrote %s\n", o.out)
				return nil
			}
			_, err = g.stdout.Write(prop.Filter)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.id, "id", "", "the rule's id, when the file holds several")
	f.StringSliceVar(&o.attack, "attack", nil, "attack event files or folders the rule must keep detecting (repeatable)")
	f.StringSliceVar(&o.benign, "benign", nil, "benign event files or folders it must stay silent on (repeatable)")
	f.StringVar(&o.out, "out", "", "write the filter to this new file instead of printing it")
	f.StringVar(&o.pipeline, "pipeline", "windows", "log-source pipeline")
	f.IntVar(&o.budget, "budget", 0, "benign detections that may remain")
	o.ch.bind(cmd)
	o.ch.bindWindow(cmd)
	return cmd
}
