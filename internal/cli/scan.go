package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/rules/sigma"
)

type scanOptions struct {
	rules    []string
	events   []string
	pipeline string
	minLevel string
	workers  int
	yara     []string
	files    []string
	timeout  time.Duration
	maxSize  int64
}

func newScanCommand(g *globals) *cobra.Command {
	var o scanOptions
	cmd := &cobra.Command{
		Use:   "scan --rules PATH... --events PATH... | scan --yara PATH... --files PATH...",
		Short: "Hunt: run Sigma rules over event logs, or YARA rules over files, and list every detection",
		Long: `Run Sigma rules over event logs, like a hunt. --rules takes rule files or folders,
--events takes EVTX, JSON Lines or JSON files (gzip too) or folders of them; both
repeat. Every detection is listed with rule id, title, level, ATT&CK tags, file,
record, time and the matched fields, followed by a summary: rules loaded, rules
refused and why (grouped by feature, each with file:line), rules whose log
source the pipeline does not serve, rules that could not fire on this data, and
any damaged records. The built-in pipelines are ` + strings.Join(sigma.Pipelines(), ", ") + `;
--pipeline also takes a pipeline YAML file.

With --yara and --files, YARA rules (compiled by libyara) scan files and folders
in parallel, each file with a timeout and a size limit; files are only read, and
archives are scanned as they are, never unpacked.

--format text|json|jsonl|csv. With jsonl and csv the summary goes to stderr.`,
		Annotations: map[string]string{"formats": "text,json,jsonl,csv"},
		Args:        noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(o.yara) > 0 || len(o.files) > 0 {
				if len(o.yara) == 0 || len(o.files) == 0 {
					return usagef("a YARA scan needs --yara and --files (e.g. antibody scan --yara rules/yara --files samples)")
				}
				return runYaraScan(cmd.Context(), g, o)
			}
			if len(o.rules) == 0 || len(o.events) == 0 {
				return usagef("scan needs --rules and --events (e.g. antibody scan --rules rules/sigma --events samples)")
			}
			return runScan(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.rules, "rules", nil, "Sigma rule files or folders (repeatable)")
	f.StringSliceVar(&o.events, "events", nil, "event files or folders: .evtx, .jsonl, .ndjson, .json, .gz (repeatable)")
	f.StringVar(&o.pipeline, "pipeline", "windows", "log-source pipeline: "+strings.Join(sigma.Pipelines(), "|")+" or a pipeline file")
	f.StringVar(&o.minLevel, "min-level", "", "report only rules at or above this level: "+strings.Join(sigma.Levels, "|"))
	f.IntVar(&o.workers, "workers", 0, "files read at once (default: one per CPU)")
	f.StringSliceVar(&o.yara, "yara", nil, "YARA rule files or folders (repeatable)")
	f.StringSliceVar(&o.files, "files", nil, "files or folders to scan with --yara (repeatable)")
	f.DurationVar(&o.timeout, "timeout", time.Minute, "YARA: longest scan of one file")
	f.Int64Var(&o.maxSize, "max-size", 256<<20, "YARA: files larger than this many bytes are skipped and listed")
	return cmd
}

func runScan(ctx context.Context, g *globals, o scanOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	for _, p := range append(append([]string(nil), o.rules...), o.events...) {
		if _, err := os.Stat(p); err != nil {
			return usagef("%s does not exist", p)
		}
	}
	if o.minLevel != "" && sigma.LevelRank(o.minLevel) < 0 {
		return usagef("--min-level %q is not a Sigma level (expected one of %s)", o.minLevel, strings.Join(sigma.Levels, ", "))
	}
	out := newDetectionWriter(g.format, g.stdout)
	opts := sigma.ScanOptions{Rules: o.rules, Events: o.events, Pipeline: o.pipeline, MinLevel: o.minLevel, Workers: o.workers}
	if isTerminal(g.stderr) {
		opts.Progress = progress(g)
	}
	start := time.Now()
	res, err := sigma.Scan(ctx, opts, out.write)
	if err != nil {
		if res == nil {
			return usageError{err}
		}
		return err
	}
	g.log.Info("scan done", "files", len(res.Files), "events", res.Events.Records, "detections", res.Count, "took", time.Since(start))
	if err := out.flush(); err != nil {
		return err
	}
	sum := summarize(res)
	switch g.format {
	case "json":
		if err := writeJSON(g.stdout, map[string]any{"version": 1, "detections": out.all, "summary": sum}); err != nil {
			return err
		}
	case "text":
		renderScanSummary(g.stdout, sum)
	default:
		renderScanSummary(g.stderr, sum)
	}
	if sum.RulesLoaded == 0 {
		return usagef("no Sigma rule could be loaded from %s", strings.Join(o.rules, ", "))
	}
	return nil
}

// progress shows "read N/M files" on stderr, on a terminal only, and
// clears it at the end.
func progress(g *globals) func(done, total int) {
	return func(done, total int) {
		fmt.Fprintf(g.stderr, "\rread %d/%d files", done, total)
		if done == total {
			fmt.Fprint(g.stderr, "\r\033[K")
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// detectionJSON is one detection in json, jsonl and csv output.
type detectionJSON struct {
	RuleID   string               `json:"rule_id"`
	Title    string               `json:"title"`
	Level    string               `json:"level"`
	Tags     []string             `json:"tags"`
	RuleFile string               `json:"rule_file"`
	File     string               `json:"file"`
	Record   uint64               `json:"record,omitempty"`
	Line     int                  `json:"line,omitempty"`
	Time     string               `json:"time,omitempty"`
	Matched  []sigma.MatchedField `json:"matched,omitempty"`
	Group    map[string]string    `json:"group,omitempty"`
	Events   int                  `json:"events,omitempty"`
}

func toJSON(d sigma.Detection) detectionJSON {
	j := detectionJSON{RuleID: d.Rule.ID, Title: d.Rule.Title, Level: d.Rule.Level, Tags: d.Rule.Tags, RuleFile: d.Rule.File,
		File: d.Source.File, Record: d.Source.Record, Line: d.Source.Line, Matched: d.Matched, Group: d.Group, Events: len(d.Events)}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	if !d.Time.IsZero() {
		j.Time = d.Time.UTC().Format(time.RFC3339Nano)
	}
	return j
}

type detectionWriter struct {
	format string
	w      io.Writer
	csv    *csv.Writer
	all    []detectionJSON
	err    error
}

func newDetectionWriter(format string, w io.Writer) *detectionWriter {
	d := &detectionWriter{format: format, w: w, all: []detectionJSON{}}
	if format == "csv" {
		d.csv = csv.NewWriter(w)
		d.err = d.csv.Write([]string{"time", "level", "rule_id", "title", "tags", "file", "record", "line", "matched"})
	}
	return d
}

func (d *detectionWriter) write(det sigma.Detection) {
	if d.err != nil {
		return
	}
	j := toJSON(det)
	switch d.format {
	case "json":
		d.all = append(d.all, j)
	case "jsonl":
		b, err := json.Marshal(j)
		if err == nil {
			_, err = fmt.Fprintf(d.w, "%s\n", b)
		}
		d.err = err
	case "csv":
		var matched []string
		for _, m := range j.Matched {
			matched = append(matched, m.String())
		}
		d.err = d.csv.Write([]string{j.Time, j.Level, j.RuleID, j.Title, strings.Join(j.Tags, " "), j.File, strconv.FormatUint(j.Record, 10), strconv.Itoa(j.Line), strings.Join(matched, " ")})
	default:
		d.err = renderDetection(d.w, det)
	}
}

func (d *detectionWriter) flush() error {
	if d.csv != nil {
		d.csv.Flush()
		if d.err == nil {
			d.err = d.csv.Error()
		}
	}
	return d.err
}

func renderDetection(w io.Writer, d sigma.Detection) error {
	var b strings.Builder
	level := d.Rule.Level
	if level == "" {
		level = "-"
	}
	fmt.Fprintf(&b, "%-8s %s", strings.ToUpper(level), d.Rule.Title)
	if d.Rule.ID != "" {
		fmt.Fprintf(&b, " [%s]", d.Rule.ID)
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "         %s", d.Source)
	if !d.Time.IsZero() {
		fmt.Fprintf(&b, " at %s", d.Time.UTC().Format(time.RFC3339))
	}
	if t := d.Rule.Techniques(); len(t) > 0 {
		fmt.Fprintf(&b, " · %s", strings.Join(t, " "))
	}
	b.WriteByte('\n')
	for _, m := range d.Matched {
		fmt.Fprintf(&b, "         %s\n", m)
	}
	if len(d.Events) > 0 {
		keys := make([]string, 0, len(d.Group))
		for k := range d.Group {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var group []string
		for _, k := range keys {
			group = append(group, fmt.Sprintf("%s=%q", k, d.Group[k]))
		}
		fmt.Fprintf(&b, "         correlated %d events %s\n", len(d.Events), strings.Join(group, " "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
