package regress

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/yara"
)

// yaraCases proves YARA rules: each rule's info.yml (named by its meta
// regression_tests_path) lists files it must match, and the workspace's
// goodware corpora (benign entries of kind file) must not match at all.
func yaraCases(ctx context.Context, paths []string, ws *findings.Workspace, workers int) ([]Case, int, int, error) {
	files, err := yara.RuleFiles(existing(paths))
	if err != nil || len(files) == 0 {
		return nil, 0, 0, err
	}
	rs, problems, err := yara.Compile(files)
	if err != nil {
		return nil, 0, 0, err
	}
	var cases []Case
	for _, p := range problems {
		if p.Warning {
			continue
		}
		cases = append(cases, Case{Artifact: Artifact{Kind: "yara", File: p.File, Line: p.Line}, Name: "Rule compiles", Sample: "-", Expect: "load", Bounds: "compiles",
			Where: fmt.Sprintf("%s:%d", p.File, p.Line), Status: Error, Message: "does not compile with libyara: " + p.Message})
	}
	type planned struct {
		c     Case
		files []string
	}
	var plans []planned
	var scan []string
	seen := map[string]bool{}
	addFiles := func(fs []string) {
		for _, f := range fs {
			if !seen[f] {
				seen[f] = true
				scan = append(scan, f)
			}
		}
	}
	var goodware []string
	if ws != nil {
		for _, b := range ws.Benign {
			if b.Kind == "file" {
				goodware = append(goodware, filepath.Join(ws.Root, filepath.FromSlash(b.Path)))
			}
		}
	}
	goodFiles, _ := yara.TargetFiles(existing(goodware))
	addFiles(goodFiles)
	for _, f := range rs.Files {
		infos, err := yara.ReadRuleInfo(f)
		if err != nil {
			return nil, 0, 0, err
		}
		for _, ri := range infos {
			a := Artifact{Kind: "yara", ID: ri.Name, Title: ri.Name, File: ri.File, Line: ri.Line}
			for _, g := range goodware {
				bounds := Bounds{Min: 0, Max: 0, Warn: -1}
				plans = append(plans, planned{c: Case{Artifact: a, Name: "Goodware stays clean", Sample: g, Expect: "no-match", Bounds: bounds.String(), Where: ws.File, bounds: bounds}, files: goodFiles})
			}
			rel := ri.Meta["regression_tests_path"]
			if rel == "" {
				continue
			}
			infoPath, tried := resolve(filepath.Dir(ri.File), rel)
			if infoPath == "" {
				cases = append(cases, Case{Artifact: a, Name: "regression_tests_path", Sample: rel, Expect: "match", Bounds: "-", Status: Error,
					Where: fmt.Sprintf("%s:%d", ri.File, ri.Line), Message: fmt.Sprintf("regression_tests_path %s does not exist (looked in %s)", rel, strings.Join(shorten(tried, 3), ", "))})
				continue
			}
			info, err := ReadInfo(infoPath)
			if err != nil {
				cases = append(cases, Case{Artifact: a, Name: "info.yml", Sample: infoPath, Expect: "match", Bounds: "-", Status: Error, Where: infoPath, Message: err.Error()})
				continue
			}
			for _, t := range info.Tests {
				b := t.Bounds()
				expect := "match"
				if b.Max == 0 {
					expect = "no-match"
				}
				c := Case{Artifact: a, Name: t.Name, Sample: t.Path, Expect: expect, Bounds: b.String(), Where: fmt.Sprintf("%s:%d", infoPath, t.Line), bounds: b}
				if info.Rules[0].ID != ri.Name {
					c.Status, c.Message = Error, fmt.Sprintf("%s names rule %s in rule_metadata, but the rule at %s:%d is %s", infoPath, info.Rules[0].ID, ri.File, ri.Line, ri.Name)
					cases = append(cases, c)
					continue
				}
				sample, tried := resolve(filepath.Dir(infoPath), t.Path)
				if sample == "" {
					if s2, _ := resolve(filepath.Dir(ri.File), t.Path); s2 != "" {
						sample = s2
					}
				}
				if sample == "" {
					c.Status, c.Message = Error, fmt.Sprintf("sample %s does not exist (looked in %s)", t.Path, strings.Join(shorten(tried, 3), ", "))
					cases = append(cases, c)
					continue
				}
				c.Sample = sample
				fs, err := yara.TargetFiles([]string{sample})
				if err != nil || len(fs) == 0 {
					c.Status, c.Message = Error, fmt.Sprintf("sample %s holds no files", sample)
					cases = append(cases, c)
					continue
				}
				addFiles(fs)
				plans = append(plans, planned{c: c, files: fs})
			}
		}
	}
	matched := map[string]map[string]bool{} // file -> rule -> matched
	scanned := 0
	err = rs.Scan(ctx, scan, yara.ScanOptions{Workers: workers}, func(fr yara.FileResult) {
		scanned++
		for _, m := range fr.Matches {
			if matched[fr.File] == nil {
				matched[fr.File] = map[string]bool{}
			}
			matched[fr.File][m.Namespace+"\x00"+m.Rule] = true
		}
	})
	if err != nil {
		return nil, 0, 0, err
	}
	for _, p := range plans {
		c := p.c
		for _, f := range p.files {
			if matched[f][c.Artifact.File+"\x00"+c.Artifact.ID] {
				c.Count++
				if len(c.Events) < MaxEvents {
					c.Events = append(c.Events, eventsSource(f))
				}
			}
		}
		judge(&c)
		cases = append(cases, c)
	}
	return cases, len(rs.Files), scanned, nil
}

func existing(paths []string) []string {
	var out []string
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func eventsSource(file string) events.Source { return events.Source{File: file} }
