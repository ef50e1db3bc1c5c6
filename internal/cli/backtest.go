package cli

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/rules/clickhouse"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// chFlags are the connection settings of the backtest commands. The URL,
// user and password may come from the environment instead
// (ANTIBODY_CLICKHOUSE_URL, _USER, _PASSWORD); none is ever logged.
type chFlags struct {
	url, user, password, database, table, cluster string
	shards                                        []string
	from, to                                      string
}

func (f *chFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.url, "clickhouse", "", "ClickHouse HTTP URL, e.g. http://127.0.0.1:8123 (or ANTIBODY_CLICKHOUSE_URL)")
	cmd.Flags().StringVar(&f.user, "user", "", "ClickHouse user (or ANTIBODY_CLICKHOUSE_USER)")
	cmd.Flags().StringVar(&f.password, "password", "", "ClickHouse password (better: ANTIBODY_CLICKHOUSE_PASSWORD)")
	cmd.Flags().StringVar(&f.database, "database", "default", "database of the event table")
	cmd.Flags().StringVar(&f.table, "table", "events", "the event table")
}

// bindWindow adds --from and --to, the time range of the events a
// command reads from the table.
func (f *chFlags) bindWindow(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.from, "from", "", "only events at or after this time (RFC 3339 or YYYY-MM-DD)")
	cmd.Flags().StringVar(&f.to, "to", "", "only events before this time (RFC 3339 or YYYY-MM-DD)")
}

// openBackend connects to the event table and bounds it by --from and
// --to.
func (f *chFlags) openBackend() (*clickhouse.Backend, error) {
	t, err := f.openTable()
	if err != nil {
		return nil, err
	}
	b := &clickhouse.Backend{Table: t}
	for _, tv := range []struct {
		s   string
		dst *time.Time
		f   string
	}{{f.from, &b.From, "--from"}, {f.to, &b.To, "--to"}} {
		if tv.s == "" {
			continue
		}
		ts, err := parseWhen(tv.s)
		if err != nil {
			return nil, usagef("%s %q: %v", tv.f, tv.s, err)
		}
		*tv.dst = ts
	}
	if !b.From.IsZero() && !b.To.IsZero() && !b.From.Before(b.To) {
		return nil, usagef("--from %s is not before --to %s (expected a time range)", f.from, f.to)
	}
	return b, nil
}

// window says which events of the table a command read.
func window(b *clickhouse.Backend) string {
	switch {
	case !b.From.IsZero() && !b.To.IsZero():
		return fmt.Sprintf(" from %s to %s", b.From.Format(time.RFC3339), b.To.Format(time.RFC3339))
	case !b.From.IsZero():
		return " from " + b.From.Format(time.RFC3339) + " on"
	case !b.To.IsZero():
		return " before " + b.To.Format(time.RFC3339)
	}
	return ""
}

func (f *chFlags) openTable() (*clickhouse.Table, error) {
	url := f.url
	if url == "" {
		url = os.Getenv("ANTIBODY_CLICKHOUSE_URL")
	}
	if url == "" {
		return nil, usagef("no ClickHouse server (expected --clickhouse URL or ANTIBODY_CLICKHOUSE_URL)")
	}
	user, password := f.user, f.password
	if user == "" {
		user = os.Getenv("ANTIBODY_CLICKHOUSE_USER")
	}
	if password == "" {
		password = os.Getenv("ANTIBODY_CLICKHOUSE_PASSWORD")
	}
	c, err := clickhouse.NewClient(url, user, password, f.database)
	if err != nil {
		return nil, usageError{err}
	}
	t := &clickhouse.Table{Client: c, Name: f.table, Cluster: f.cluster}
	for _, s := range f.shards {
		sc, err := clickhouse.NewClient(s, user, password, f.database)
		if err != nil {
			return nil, usageError{err}
		}
		t.Shards = append(t.Shards, sc)
	}
	return t, nil
}

func newBacktestCommand(g *globals) *cobra.Command {
	var conn chFlags
	var rules []string
	var pipeline string
	var samples int
	cmd := &cobra.Command{
		Use:   "backtest --rules PATH... --clickhouse URL [--from T --to T]",
		Short: "Run Sigma rules as SQL on ClickHouse where the logs live: hits, first and last, noisy values, samples",
		Long: `Compile Sigma rules to ClickHouse SQL (the same log-source routing and field
mapping as the in-process engine) and run them over the event table: per rule the
hit count, first and last hit, the most frequent values of the rule's fields, and
sample events. Rules the compiler cannot translate exactly are listed with the
reason, never run as something else. Only loads recorded as complete are read.
--format md gives a pull-request comment. Create the table with 'antibody backtest
init' and fill it with 'antibody backtest load'.`,
		Annotations: map[string]string{"formats": "text,md,json"},
		Args:        noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(rules) == 0 {
				return usagef("no rules (expected --rules PATH...)")
			}
			b, err := conn.openBackend()
			if err != nil {
				return err
			}
			b.MaxDetections = samples
			t := b.Table
			p, err := sigma.LoadPipeline(pipeline)
			if err != nil {
				return usageError{err}
			}
			set, err := sigma.Load(rules, sigma.LoadOptions{Pipeline: p})
			if err != nil {
				return usageError{err}
			}
			ctx := cmd.Context()
			evs, files, err := b.Examined(ctx)
			if err != nil {
				return chHint(err, t)
			}
			stats, refused, err := b.Stats(ctx, set, p)
			if err != nil {
				return chHint(err, t)
			}
			samplesOf := map[*sigma.Rule][]sigma.Detection{}
			if samples > 0 {
				if _, err := b.Detect(ctx, firing(set, stats), p, func(d sigma.Detection) { samplesOf[d.Rule] = append(samplesOf[d.Rule], d) }); err != nil {
					return err
				}
			}
			out := backtestOutput{Events: evs, Files: files, Window: strings.TrimSpace(window(b)), Refused: []refusedRule{}, Rules: []backtestRule{}}
			for _, s := range stats {
				br := backtestRule{ID: s.Rule.ID, Title: s.Rule.Title, File: s.Rule.File, Hits: s.Hits, Top: []topValue{}, Samples: []string{}}
				if s.Hits > 0 && !s.First.IsZero() {
					br.First, br.Last = s.First.Format(time.RFC3339), s.Last.Format(time.RFC3339)
				}
				for _, v := range s.Top {
					br.Top = append(br.Top, topValue{v.Field, v.Value, v.Count})
				}
				for _, d := range samplesOf[s.Rule] {
					br.Samples = append(br.Samples, d.Source.String())
				}
				out.Rules = append(out.Rules, br)
			}
			sort.SliceStable(out.Rules, func(i, j int) bool { return out.Rules[i].Hits > out.Rules[j].Hits })
			for _, r := range refused {
				out.Refused = append(out.Refused, refusedRule{Title: r.Rule.Title, File: r.Rule.File, Reason: r.Reason})
			}
			switch g.format {
			case "json":
				return writeJSON(g.stdout, out)
			case "md":
				_, err = fmt.Fprint(g.stdout, out.markdown())
			default:
				_, err = fmt.Fprint(g.stdout, out.text())
			}
			return err
		},
	}
	conn.bind(cmd)
	cmd.Flags().StringSliceVar(&rules, "rules", nil, "Sigma rule files or folders")
	conn.bindWindow(cmd)
	cmd.Flags().StringVar(&pipeline, "pipeline", "windows", "log-source pipeline: windows, none or a file")
	cmd.Flags().IntVar(&samples, "samples", 3, "sample events listed per rule")

	var initConn chFlags
	var replace bool
	initCmd := &cobra.Command{
		Use:   "init --clickhouse URL [--cluster NAME --shard URL...]",
		Short: "Create the event table (on one server, or Distributed over a cluster's shards)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (initConn.cluster == "") != (len(initConn.shards) == 0) {
				return usagef("--cluster and --shard go together (expected the cluster name from remote_servers and each shard's HTTP URL)")
			}
			t, err := initConn.openTable()
			if err != nil {
				return err
			}
			if replace {
				if err := t.Drop(cmd.Context()); err != nil {
					return err
				}
			}
			if err := t.Init(cmd.Context()); err != nil {
				return err
			}
			where := "on one server"
			if t.Cluster != "" {
				where = fmt.Sprintf("distributed over cluster %s (%d shards)", t.Cluster, len(t.Shards))
			}
			fmt.Fprintf(g.stdout, "table %s.%s ready, %s\n", t.Client.Database, t.Name, where)
			return nil
		},
	}
	initConn.bind(initCmd)
	initCmd.Flags().StringVar(&initConn.cluster, "cluster", "", "cluster name (remote_servers) for a Distributed table")
	initCmd.Flags().StringSliceVar(&initConn.shards, "shard", nil, "HTTP URL of each shard of the cluster")
	initCmd.Flags().BoolVar(&replace, "replace", false, "drop the tables first: every loaded event is deleted")

	var loadConn chFlags
	var evPaths []string
	var batch int
	var again bool
	loadCmd := &cobra.Command{
		Use:   "load --clickhouse URL --events PATH...",
		Short: "Stream EVTX and JSON events into the event table in batches",
		Long: `Read EVTX, JSON Lines and JSON event files (folders are walked) and insert them
into the event table in batches over the HTTP interface. A load that stops part way
(the server refuses, goes away, a file cannot be read) is reported as incomplete and
is never read by backtests; only a finished load is recorded as complete. A file whose
content a complete load already holds (same SHA-256, whatever its path) is refused,
since its events would be counted twice; --again loads it anyway.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(evPaths) == 0 {
				return usagef("no events (expected --events PATH...)")
			}
			t, err := loadConn.openTable()
			if err != nil {
				return err
			}
			opts := clickhouse.LoadOptions{BatchEvents: batch, Again: again}
			if isTerminal(g.stderr) {
				opts.Progress = func(s clickhouse.LoadStats) {
					fmt.Fprintf(g.stderr, "\rloaded %d events in %d batches", s.Events, s.Batches)
				}
			}
			st, err := t.Load(cmd.Context(), evPaths, opts)
			if opts.Progress != nil {
				fmt.Fprintln(g.stderr)
			}
			var inc *clickhouse.IncompleteLoad
			var serr *clickhouse.ServerError
			var oldTable *clickhouse.OldTable
			if errors.As(err, &inc) || errors.As(err, &serr) || errors.As(err, &oldTable) {
				return chHint(err, t)
			}
			if err != nil {
				return usageError{err}
			}
			for _, d := range st.Damage {
				g.log.Warn("damaged record skipped", "where", d.String())
			}
			fmt.Fprintf(g.stdout, "load %s complete: %d events from %d files in %d batches, %.1fs (%.0f events/s)\n",
				st.Load, st.Events, st.Files, st.Batches, st.Elapsed.Seconds(), float64(st.Events)/max(st.Elapsed.Seconds(), 1e-9))
			return nil
		},
	}
	loadConn.bind(loadCmd)
	loadCmd.Flags().StringSliceVar(&evPaths, "events", nil, "event files or folders (EVTX, JSON Lines, JSON)")
	loadCmd.Flags().IntVar(&batch, "batch", 20000, "events per INSERT")
	loadCmd.Flags().BoolVar(&again, "again", false, "load files even when a complete load already holds the same content")

	cmd.AddCommand(initCmd, loadCmd)
	return cmd
}

func parseWhen(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time (expected RFC 3339, e.g. 2026-03-01T00:00:00Z, or YYYY-MM-DD)")
}

type backtestOutput struct {
	Events  int            `json:"events"`
	Files   int            `json:"files"`
	Window  string         `json:"window,omitempty"`
	Rules   []backtestRule `json:"rules"`
	Refused []refusedRule  `json:"refused"`
}

type backtestRule struct {
	ID      string     `json:"id,omitempty"`
	Title   string     `json:"title"`
	File    string     `json:"file"`
	Hits    int        `json:"hits"`
	First   string     `json:"first,omitempty"`
	Last    string     `json:"last,omitempty"`
	Top     []topValue `json:"top_values"`
	Samples []string   `json:"samples"`
}

type topValue struct {
	Field string `json:"field"`
	Value string `json:"value"`
	Count int    `json:"count"`
}

type refusedRule struct {
	Title  string `json:"title"`
	File   string `json:"file"`
	Reason string `json:"reason"`
}

func (o backtestOutput) text() string {
	var b strings.Builder
	for _, r := range o.Rules {
		fmt.Fprintf(&b, "%6d  %s", r.Hits, r.Title)
		if r.Hits > 0 {
			fmt.Fprintf(&b, "  (%s .. %s)", r.First, r.Last)
		}
		b.WriteString("\n")
		for _, v := range r.Top {
			fmt.Fprintf(&b, "        %s=%q x%d\n", v.Field, clip(v.Value, 100), v.Count)
		}
		for _, s := range r.Samples {
			fmt.Fprintf(&b, "        event %s\n", s)
		}
	}
	for _, r := range o.Refused {
		fmt.Fprintf(&b, "refused %s (%s): %s\n", r.Title, r.File, r.Reason)
	}
	fmt.Fprintf(&b, "%d rules run, %d refused, over %d events from %d files%s\n", len(o.Rules), len(o.Refused), o.Events, o.Files, prefixed(", events ", o.Window))
	return b.String()
}

func (o backtestOutput) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Backtest: %d rules over %d events%s\n\n| hits | rule | first | last | noisiest values |\n|---|---|---|---|---|\n", len(o.Rules), o.Events, prefixed(" (", o.Window)+suffixed(o.Window, ")"))
	for _, r := range o.Rules {
		var top []string
		for _, v := range r.Top {
			top = append(top, fmt.Sprintf("`%s=%s` x%d", v.Field, strings.ReplaceAll(clip(v.Value, 60), "|", `\|`), v.Count))
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", r.Hits, strings.ReplaceAll(r.Title, "|", `\|`), r.First, r.Last, strings.Join(top, "<br>"))
	}
	if len(o.Refused) > 0 {
		b.WriteString("\nNot run (the SQL compiler refuses them):\n\n")
		for _, r := range o.Refused {
			fmt.Fprintf(&b, "- %s: %s\n", r.Title, r.Reason)
		}
	}
	return b.String()
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// chHint adds what to do to ClickHouse's answer when the event table is
// missing.
func chHint(err error, t *clickhouse.Table) error {
	var old *clickhouse.OldTable
	if errors.As(err, &old) {
		if old.Missing {
			return usagef("%v (create the tables with: antibody backtest init --table %s)", err, t.Name)
		}
		return usagef("%v (expected the current schema: antibody backtest init --replace --table %s, then load the events again)", err, t.Name)
	}
	var serr *clickhouse.ServerError
	if errors.As(err, &serr) && strings.Contains(serr.Message, "Code: 60,") {
		return usagef("%v (create the tables with: antibody backtest init --table %s)", err, t.Name)
	}
	return err
}

func suffixed(s, x string) string {
	if s == "" {
		return ""
	}
	return x
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// firing is the part of a rule set worth asking for sample events: the
// rules that fired and the filters, or the whole set when it has
// correlations (whose rules report differently alone).
func firing(set *sigma.Set, stats []clickhouse.RuleStats) *sigma.Set {
	fired := map[*sigma.Rule]bool{}
	for _, s := range stats {
		if s.Hits > 0 {
			fired[s.Rule] = true
		}
	}
	out := &sigma.Set{}
	for _, r := range set.Rules {
		switch {
		case r.Kind == sigma.KindCorrelation:
			return set
		case fired[r] || r.Kind == sigma.KindFilter:
			out.Rules = append(out.Rules, r)
		}
	}
	return out
}
