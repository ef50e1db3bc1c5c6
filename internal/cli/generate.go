package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/generators"
	genplaybook "github.com/antibody-dev/antibody/generators/playbook"
	genrego "github.com/antibody-dev/antibody/generators/rego"
	gensigma "github.com/antibody-dev/antibody/generators/sigma"
	genyara "github.com/antibody-dev/antibody/generators/yara"
	"github.com/antibody-dev/antibody/rules/clickhouse"
	"github.com/antibody-dev/antibody/rules/sigma"
)

type generateOptions struct {
	workspace string
	dryRun    bool
	goodware  []string
	ch        chFlags
	maxFetch  int
}

func newGenerateCommand(g *globals) *cobra.Command {
	var o generateOptions
	cmd := &cobra.Command{
		Use:   "generate [FINDING...]",
		Short: "Generate tuned Sigma and YARA rules (with their regression expectations) from findings",
		Long: `Generate the defenses a finding calls for and write them into the workspace: today
Sigma rules for its behaviours and indicators (generalised from the cited events,
tuned until every cited event matches and the benign corpora stay within the
false-positive budget) and YARA rules for its artifacts (distinctive strings scored
against the goodware, proven on the artifacts and the goodware), each with its
info.yml expectations. FINDING defaults to every finding of the
workspace. Regenerating unchanged input changes nothing; a generated file a human
has edited is never overwritten: the new version is written beside it as FILE.new.
--dry-run prints the unified diff and writes nothing.

With --clickhouse the Sigma rules are tuned against the events of the backtest table
(antibody backtest load, optionally bounded by --from and --to) instead of the
workspace's benign corpora. Drafts are narrowed by counts in the table until one
matches at most --fetch-limit benign events; only those are fetched, and each
finished rule is checked where the events live.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGenerate(cmd.Context(), g, o, args)
		},
	}
	cmd.Flags().StringVar(&o.workspace, "workspace", ".", "workspace folder (holding antibody.yaml)")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print the diff of what would change; write nothing")
	cmd.Flags().StringSliceVar(&o.goodware, "goodware", nil, "extra known-good files or folders for YARA string scoring and proof (repeatable)")
	o.ch.bind(cmd)
	cmd.Flags().Lookup("clickhouse").Usage = "tune the Sigma rules against the backtest table on this ClickHouse (HTTP URL, e.g. http://127.0.0.1:8123) instead of the benign corpora"
	o.ch.bindWindow(cmd)
	cmd.Flags().IntVar(&o.maxFetch, "fetch-limit", gensigma.DefaultMaxFetch, "with --clickhouse: the most benign events fetched for one draft; broader drafts are narrowed by counts in the table first")
	return cmd
}

func runGenerate(ctx context.Context, g *globals, o generateOptions, files []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ws, err := findings.LoadWorkspace(o.workspace)
	if err != nil {
		return usageError{fmt.Errorf("load workspace %s: %w", o.workspace, err)}
	}
	if len(files) == 0 {
		if files, err = ws.FindingFiles(); err != nil {
			return usageError{err}
		}
	}
	if o.maxFetch < 1 {
		return usagef("--fetch-limit %d: expected at least 1", o.maxFetch)
	}
	sg := &gensigma.Generator{MaxFetch: o.maxFetch}
	var table *clickhouse.Table
	if o.ch.url != "" {
		b, err := o.ch.openBackend()
		if err != nil {
			return err
		}
		rep, err := b.Detect(ctx, &sigma.Set{}, nil, func(sigma.Detection) {})
		if err != nil {
			return chHint(err, b.Table)
		}
		if rep.Events == 0 {
			w := window(b)
			if w == "" {
				w = " (no complete load)"
			}
			return usagef("the event table %s holds no events%s: there is nothing to tune against (expected antibody backtest load --events PATH..., or a wider --from/--to)", b.Table.Name, w)
		}
		sg.Benign, table = b, b.Table
		fmt.Fprintf(g.stderr, "tuning Sigma rules against the %d events of ClickHouse table %s.%s%s\n", rep.Events, b.Table.Client.Database, b.Table.Name, window(b))
	} else if o.ch.from != "" || o.ch.to != "" {
		return usagef("--from and --to bound the backtest table's events (expected --clickhouse URL with them)")
	}
	arts, skipped, err := generators.Run(ctx, ws, files, []generators.Generator{sg, &genyara.Generator{Goodware: o.goodware}, &genrego.Generator{}, &genplaybook.Generator{}})
	if err != nil {
		if table != nil {
			if hinted := chHint(err, table); hinted != err {
				return hinted
			}
		}
		return usageError{err}
	}
	changes, err := generators.Plan(ws.Root, arts)
	if err != nil {
		return err
	}
	if g.format == "json" {
		if !o.dryRun {
			if err := generators.Apply(ws.Root, changes); err != nil {
				return err
			}
		}
		return writeJSON(g.stdout, map[string]any{"version": 1, "dry_run": o.dryRun, "changes": changes, "skipped": skipped})
	}
	if o.dryRun {
		for _, c := range changes {
			io.WriteString(g.stdout, c.Diff)
		}
	} else if err := generators.Apply(ws.Root, changes); err != nil {
		return err
	}
	renderGenerate(g.stdout, changes, skipped, o.dryRun)
	return nil
}

func renderGenerate(w io.Writer, changes []generators.Change, skipped []generators.Skipped, dry bool) {
	var b strings.Builder
	count := map[generators.Action]int{}
	for _, c := range changes {
		count[c.Action]++
		verb := string(c.Action)
		if dry && c.Action != generators.Unchanged {
			verb = "would " + verb
		}
		switch c.Action {
		case generators.Kept:
			fmt.Fprintf(&b, "%-10s %s: edited by hand since it was generated; the new version is %s\n", verb, c.Artifact.Path, c.Target)
		default:
			fmt.Fprintf(&b, "%-10s %s\n", verb, c.Target)
		}
		if (c.Artifact.Kind == "sigma" || c.Artifact.Kind == "rego") && c.Action != generators.Unchanged {
			for _, n := range c.Artifact.Notes {
				fmt.Fprintf(&b, "           tuned: %s\n", n)
			}
		}
	}
	for _, s := range skipped {
		fmt.Fprintf(&b, "skipped    %s %s: %s\n", s.Finding, s.Source, s.Reason)
		for _, c := range s.Collisions {
			fmt.Fprintf(&b, "           collides with %s\n", c)
		}
	}
	fmt.Fprintf(&b, "%d created, %d updated, %d unchanged, %d kept (edited by hand), %d skipped\n",
		count[generators.Create], count[generators.Update], count[generators.Unchanged], count[generators.Kept], len(skipped))
	io.WriteString(w, b.String())
}
