package cli

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/regress"
)

type testOptions struct {
	workspace     string
	pipeline      string
	baseline      string
	writeBaseline string
	changedSince  string
	workers       int
}

func newTestCommand(g *globals) *cobra.Command {
	var o testOptions
	cmd := &cobra.Command{
		Use:   "test [PATH...]",
		Short: "Prove every rule against its samples and the benign corpora (CI regression tests)",
		Long: `Prove every rule against its recorded samples: each expectation beside a rule
(SigmaHQ's regression_tests_path and info.yml, with Antibody's expect, at_least,
at_most and exactly) must hold, and no rule may fire on the workspace's benign
corpora beyond the false-positive budget. PATH is rule files or folders; the
default is the workspace's rules. The run fails (exit 3) when a positive sample is
missed, a benign sample fires (the events are listed), a count bound breaks, a
sample or rule named by an expectation is missing, a rule does not load, or
nothing was tested.

--format ` + strings.Join(regress.Formats, "|") + `. --baseline compares with a stored JSON
report and names what changed; --write-baseline stores this run's report;
--changed-since REF tests only what git says changed since REF.`,
		Annotations: map[string]string{"formats": strings.Join(regress.Formats, ",")},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTest(cmd.Context(), g, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.workspace, "workspace", "", "workspace folder (default: the one holding antibody.yaml here or above the first PATH)")
	f.StringVar(&o.pipeline, "pipeline", "windows", "log-source pipeline for Sigma rules")
	f.StringVar(&o.baseline, "baseline", "", "compare with this stored JSON report")
	f.StringVar(&o.writeBaseline, "write-baseline", "", "store this run's JSON report here")
	f.StringVar(&o.changedSince, "changed-since", "", "test only rules, expectations and samples changed since this git ref")
	f.IntVar(&o.workers, "workers", 0, "sample files read at once (default: one per CPU)")
	return cmd
}

func runTest(ctx context.Context, g *globals, o testOptions, args []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	report, err := regress.ReporterFor(g.format)
	if err != nil {
		return usageError{err}
	}
	opts := regress.Options{Workspace: o.workspace, Paths: args, Pipeline: o.pipeline, Workers: o.workers}
	var base *regress.Report
	if o.baseline != "" {
		if base, err = regress.ReadBaseline(o.baseline); err != nil {
			return usageError{err}
		}
	}
	if o.changedSince != "" {
		dir := o.workspace
		if dir == "" {
			dir = "."
			if len(args) > 0 {
				dir = args[0]
			}
		}
		if opts.Changed, err = regress.ChangedSince(dir, o.changedSince); err != nil {
			return usageError{errors.New(strings.TrimPrefix(err.Error(), "usage: "))}
		}
		opts.Scope = "changed since " + o.changedSince
	}
	if isTerminal(g.stderr) {
		opts.Progress = progress(g)
	}
	rep, err := regress.Run(ctx, opts)
	if err != nil {
		if errors.Is(err, regress.ErrUsage) {
			return usageError{errors.New(strings.TrimPrefix(err.Error(), "usage: "))}
		}
		return err
	}
	if base != nil {
		rep.Changes = regress.Compare(base, rep)
	}
	g.log.Info("test done", "cases", rep.Totals.Cases, "failed", rep.Totals.Failed, "errors", rep.Totals.Errors)
	if err := report(g.stdout, rep); err != nil {
		return err
	}
	if o.writeBaseline != "" {
		if err := regress.WriteBaseline(o.writeBaseline, rep); err != nil {
			return err
		}
	}
	if !rep.OK() {
		return reportedError{ExitRegression}
	}
	return nil
}
