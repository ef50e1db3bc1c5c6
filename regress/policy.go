package regress

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/policies"
	"github.com/antibody-dev/antibody/rules/events"
)

// policyCases proves Rego policies: each package's info.yml (named by its
// METADATA custom regression_tests_path) lists snapshots it must deny
// (expect: match) or allow; the workspace's compliant snapshots (benign
// entries of kind config) must be allowed by every policy; and the
// bundle's own Rego tests must pass.
func policyCases(ctx context.Context, paths []string, ws *findings.Workspace) ([]Case, int, error) {
	files, err := policies.Files(existing(paths))
	if err != nil || len(files) == 0 {
		return nil, 0, err
	}
	b, problems, err := policies.Load(files)
	if err != nil {
		return nil, 0, err
	}
	var cases []Case
	if len(problems) > 0 {
		for _, p := range problems {
			cases = append(cases, Case{Artifact: Artifact{Kind: "rego", File: p.File, Line: p.Line}, Name: "Policy compiles", Sample: "-", Expect: "load", Bounds: "compiles",
				Where: fmt.Sprintf("%s:%d", p.File, p.Line), Status: Error, Message: "does not compile: " + p.Code + ": " + p.Message})
		}
		return cases, 0, nil
	}
	var compliant []string
	if ws != nil {
		for _, bc := range ws.Benign {
			if bc.Kind == "config" {
				compliant = append(compliant, filepath.Join(ws.Root, filepath.FromSlash(bc.Path)))
			}
		}
	}
	compliantFiles, _ := snapshotFiles(compliant)
	snapshots := 0
	decide := func(c *Case, pkg string, files []string) {
		for _, f := range files {
			snapshots++
			input, err := policies.ReadSnapshot(f)
			if err != nil {
				c.Status, c.Message = Error, err.Error()
				return
			}
			msgs, err := b.Deny(ctx, pkg, input)
			if err != nil {
				c.Status, c.Message = Error, err.Error()
				return
			}
			if len(msgs) > 0 {
				c.Count++
				if len(c.Events) < MaxEvents {
					c.Events = append(c.Events, events.Source{File: f + ": " + strings.Join(msgs, "; ")})
				}
			}
		}
		judge(c)
	}
	tests, err := b.Test(ctx)
	if err != nil {
		return nil, 0, err
	}
	for _, f := range b.PolicyFiles() {
		m := b.Modules[f]
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		a := Artifact{Kind: "rego", ID: pkg, Title: pkg, File: f, Line: m.Package.Location.Row}
		// The package's own Rego tests.
		tc := Case{Artifact: a, Name: "Rego tests pass", Sample: f, Expect: "pass", Bounds: "all pass", Where: f, Status: Pass}
		ran := 0
		for _, r := range tests.Results {
			if r.Package != pkg+"_test" && r.Package != pkg {
				continue
			}
			ran++
			if !r.Pass && tc.Status == Pass {
				tc.Status, tc.Message = Fail, fmt.Sprintf("%s failed at %s:%d: %s", r.Name, r.File, r.Line, r.Message)
			}
		}
		tc.Count = ran
		if ran > 0 {
			cases = append(cases, tc)
		}
		for _, dir := range compliant {
			bounds := Bounds{Min: 0, Max: 0, Warn: -1}
			c := Case{Artifact: a, Name: "Compliant snapshots are allowed", Sample: dir, Expect: "no-match", Bounds: bounds.String(), Where: ws.File, bounds: bounds}
			decide(&c, pkg, compliantFiles)
			cases = append(cases, c)
		}
		rel, _ := policies.Custom(m)["regression_tests_path"].(string)
		if rel == "" {
			continue
		}
		infoPath, tried := resolve(filepath.Dir(f), rel)
		if infoPath == "" {
			cases = append(cases, Case{Artifact: a, Name: "regression_tests_path", Sample: rel, Expect: "match", Bounds: "-", Status: Error, Where: f,
				Message: fmt.Sprintf("regression_tests_path %s does not exist (looked in %s)", rel, strings.Join(shorten(tried, 3), ", "))})
			continue
		}
		info, err := ReadInfo(infoPath)
		if err != nil {
			cases = append(cases, Case{Artifact: a, Name: "info.yml", Sample: infoPath, Expect: "match", Bounds: "-", Status: Error, Where: infoPath, Message: err.Error()})
			continue
		}
		for _, t := range info.Tests {
			bounds := t.Bounds()
			expect := "deny"
			if bounds.Max == 0 {
				expect = "allow"
			}
			c := Case{Artifact: a, Name: t.Name, Sample: t.Path, Expect: expect, Bounds: bounds.String(), Where: fmt.Sprintf("%s:%d", infoPath, t.Line), bounds: bounds}
			sample, tried := resolve(filepath.Dir(infoPath), t.Path)
			if sample == "" {
				c.Status, c.Message = Error, fmt.Sprintf("snapshot %s does not exist (looked in %s)", t.Path, strings.Join(shorten(tried, 3), ", "))
				cases = append(cases, c)
				continue
			}
			c.Sample = sample
			fs, _ := snapshotFiles([]string{sample})
			decide(&c, pkg, fs)
			cases = append(cases, c)
		}
	}
	return cases, snapshots, nil
}

// snapshotFiles lists .json, .yaml and .yml files under paths.
func snapshotFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range existing(paths) {
		fs, err := policies.SnapshotFiles([]string{p})
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}
