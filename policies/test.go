package policies

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestResult is one Rego test.
type TestResult struct {
	Package string `json:"package"`
	Name    string `json:"name"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Pass    bool   `json:"pass"`
	Message string `json:"message,omitempty"`
}

// TestReport is a run of a bundle's Rego tests with coverage.
type TestReport struct {
	Results []TestResult `json:"results"`
	// Coverage is the share of policy lines (test files excluded) the
	// tests evaluated, in percent, per file.
	Coverage map[string]float64 `json:"coverage"`
}

// Test runs the bundle's test_ rules with coverage, each bounded by
// Timeout.
func (b *Bundle) Test(ctx context.Context) (*TestReport, error) {
	cov := cover.New()
	r := tester.NewRunner().SetCompiler(b.Compiler).SetCoverageQueryTracer(cov).SetTimeout(Timeout).SetModules(b.Modules)
	ch, err := r.RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("run rego tests: %w", err)
	}
	rep := &TestReport{Coverage: map[string]float64{}}
	for res := range ch {
		tr := TestResult{Package: strings.TrimPrefix(res.Package, "data."), Name: res.Name, Pass: !res.Fail && res.Error == nil}
		if res.Location != nil {
			tr.File, tr.Line = res.Location.File, res.Location.Row
		}
		if res.Error != nil {
			tr.Message = res.Error.Error()
		} else if res.Fail {
			tr.Message = "the test's body is false"
		}
		rep.Results = append(rep.Results, tr)
	}
	policies := map[string]*ast.Module{}
	for f, m := range b.Modules {
		if !strings.HasSuffix(f, "_test.rego") {
			policies[f] = m
		}
	}
	report := cov.Report(policies)
	for f, fr := range report.Files {
		rep.Coverage[f] = fr.Coverage
	}
	sort.Slice(rep.Results, func(i, j int) bool {
		return rep.Results[i].File < rep.Results[j].File || rep.Results[i].File == rep.Results[j].File && rep.Results[i].Line < rep.Results[j].Line
	})
	return rep, nil
}

// Custom returns the METADATA custom annotations of a module's package.
func Custom(m *ast.Module) map[string]any {
	for _, a := range m.Annotations {
		if a.Scope == "package" && a.Custom != nil {
			return a.Custom
		}
	}
	return nil
}

// CompileSources compiles policy text held in memory (file name ->
// source), for generators proving drafts.
func CompileSources(srcs map[string]string) (*Bundle, []Problem) {
	b := &Bundle{Modules: map[string]*ast.Module{}}
	var problems []Problem
	for f, src := range srcs {
		m, err := ast.ParseModuleWithOpts(f, src, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			problems = append(problems, astProblems(f, err)...)
			continue
		}
		b.Modules[f] = m
		b.Files = append(b.Files, f)
	}
	sort.Strings(b.Files)
	if len(problems) > 0 {
		return nil, problems
	}
	c := ast.NewCompiler().WithStrict(true).WithCapabilities(Capabilities()).WithEnablePrintStatements(false)
	c.Compile(b.Modules)
	if c.Failed() {
		return nil, astProblems("", c.Errors)
	}
	b.Compiler = c
	return b, nil
}
