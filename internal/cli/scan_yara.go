package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/antibody-dev/antibody/rules/yara"
)

func runYaraScan(ctx context.Context, g *globals, o scanOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	for _, p := range append(append([]string(nil), o.yara...), o.files...) {
		if _, err := os.Stat(p); err != nil {
			return usagef("%s does not exist", p)
		}
	}
	rs, problems, err := yara.Compile(o.yara)
	if err != nil {
		return usageError{err}
	}
	files, err := yara.TargetFiles(o.files)
	if err != nil {
		return usageError{err}
	}
	var all []yara.Match
	var skipped, failed []string
	var cw *csv.Writer
	if g.format == "csv" {
		cw = csv.NewWriter(g.stdout)
		cw.Write([]string{"rule", "namespace", "file", "strings"})
	}
	var werr error
	opts := yara.ScanOptions{Workers: o.workers, Timeout: o.timeout, MaxSize: o.maxSize}
	done, matches := 0, 0
	err = rs.Scan(ctx, files, opts, func(fr yara.FileResult) {
		done++
		if isTerminal(g.stderr) {
			progress(g)(done, len(files))
		}
		switch {
		case fr.Skipped != "":
			skipped = append(skipped, fr.File+": "+fr.Skipped)
		case fr.Err != nil:
			failed = append(failed, fr.Err.Error())
		}
		for _, m := range fr.Matches {
			matches++
			switch g.format {
			case "json":
				all = append(all, m)
			case "jsonl":
				b, _ := json.Marshal(m)
				_, werr = fmt.Fprintf(g.stdout, "%s\n", b)
			case "csv":
				var names []string
				for _, s := range m.Strings {
					names = append(names, fmt.Sprintf("%s@%d", s.Name, s.Offset))
				}
				werr = cw.Write([]string{m.Rule, m.Namespace, m.File, strings.Join(names, " ")})
			default:
				werr = renderYaraMatch(g.stdout, m)
			}
		}
	})
	if err != nil {
		return err
	}
	if cw != nil {
		cw.Flush()
	}
	if werr != nil {
		return werr
	}
	summary := yaraSummary{RuleFiles: len(rs.Files), Rules: rs.Rules, Problems: problems, Files: len(files), Matches: matches, Skipped: skipped, Failed: failed}
	if summary.Problems == nil {
		summary.Problems = []yara.Problem{}
	}
	switch g.format {
	case "json":
		if all == nil {
			all = []yara.Match{}
		}
		return writeJSON(g.stdout, map[string]any{"version": 1, "matches": all, "summary": summary})
	case "text":
		renderYaraSummary(g.stdout, summary)
	default:
		renderYaraSummary(g.stderr, summary)
	}
	if rs.Rules == 0 {
		return usagef("no YARA rule could be compiled from %s", strings.Join(o.yara, ", "))
	}
	return nil
}

type yaraSummary struct {
	RuleFiles int            `json:"rule_files"`
	Rules     int            `json:"rules"`
	Problems  []yara.Problem `json:"problems"`
	Files     int            `json:"files"`
	Matches   int            `json:"matches"`
	Skipped   []string       `json:"skipped,omitempty"`
	Failed    []string       `json:"failed,omitempty"`
}

func renderYaraMatch(w io.Writer, m yara.Match) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", m.Rule, m.File)
	for i, s := range m.Strings {
		if i == 5 {
			fmt.Fprintf(&b, "         ... and %d more\n", len(m.Strings)-5)
			break
		}
		fmt.Fprintf(&b, "         %s at %d: %s\n", s.Name, s.Offset, s.Data)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func renderYaraSummary(w io.Writer, s yaraSummary) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s compiled from %s", plural(s.Rules, "YARA rule"), plural(s.RuleFiles, "file"))
	if len(s.Problems) > 0 {
		fmt.Fprintf(&b, "; %s:\n", plural(len(s.Problems), "compiler message"))
		for _, p := range s.Problems {
			fmt.Fprintf(&b, "  %s\n", p)
		}
	} else {
		b.WriteString("\n")
	}
	matchWord := "matches"
	if s.Matches == 1 {
		matchWord = "match"
	}
	fmt.Fprintf(&b, "%s scanned, %d %s", plural(s.Files-len(s.Skipped)-len(s.Failed), "file"), s.Matches, matchWord)
	if len(s.Skipped) > 0 || len(s.Failed) > 0 {
		fmt.Fprintf(&b, "; %d skipped, %d failed:\n", len(s.Skipped), len(s.Failed))
		for _, x := range append(s.Skipped, s.Failed...) {
			fmt.Fprintf(&b, "  %s\n", x)
		}
	} else {
		b.WriteString("\n")
	}
	io.WriteString(w, b.String())
}
