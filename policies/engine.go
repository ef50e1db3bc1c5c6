package policies

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/antibody-dev/antibody/rules"
)

// Problem is a positioned message about a policy or snapshot file.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Column > 0 {
		return fmt.Sprintf("%s:%d:%d: %s: %s", p.File, p.Line, p.Column, p.Code, p.Message)
	}
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Code, p.Message)
}

// denied are the built-ins a policy may not call: they reach the network,
// the process's environment or the clock of the machine, none of which a
// configuration check needs.
var denied = map[string]bool{
	"http.send": true, "net.lookup_ip_addr": true, "opa.runtime": true, "trace": true,
	"rego.parse_module": true, "io.jwt.decode_verify": true, "time.now_ns": true,
	"providers.aws.sign_req": true, "crypto.x509.parse_and_verify_certificates_with_options": true,
}

// Capabilities are this OPA version's capabilities without the denied
// built-ins; a policy that uses one does not compile.
func Capabilities() *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	var keep []*ast.Builtin
	for _, b := range c.Builtins {
		if !denied[b.Name] {
			keep = append(keep, b)
		}
	}
	c.Builtins = keep
	c.AllowNet = []string{}
	return c
}

// Bundle is compiled policy.
type Bundle struct {
	Modules  map[string]*ast.Module
	Compiler *ast.Compiler
	Files    []string
	// Timeout bounds one evaluation; zero means the package default.
	Timeout time.Duration
}

// MaxFile bounds a policy or snapshot file.
const MaxFile = 8 << 20

// Files lists the .rego files under paths.
func Files(paths []string) ([]string, error) {
	return rules.Files(paths, func(n string) bool { return strings.HasSuffix(n, ".rego") }, "policy file", ".rego")
}

// Load parses every .rego file under paths as Rego v1 and compiles them
// strictly with the sandboxed capabilities. Problems carry file:line:col.
func Load(paths []string) (*Bundle, []Problem, error) {
	files, err := Files(paths)
	if err != nil {
		return nil, nil, err
	}
	b := &Bundle{Modules: map[string]*ast.Module{}, Files: files}
	var problems []Problem
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			return nil, nil, err
		}
		if info.Size() > MaxFile {
			problems = append(problems, Problem{File: f, Line: 1, Code: "too_large", Message: fmt.Sprintf("policy file is %d bytes (expected at most %d)", info.Size(), MaxFile)})
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		m, err := ast.ParseModuleWithOpts(f, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			problems = append(problems, astProblems(f, err)...)
			continue
		}
		b.Modules[f] = m
	}
	if len(problems) > 0 {
		return nil, problems, nil
	}
	c := ast.NewCompiler().WithStrict(true).WithCapabilities(Capabilities()).WithEnablePrintStatements(false)
	c.Compile(b.Modules)
	if c.Failed() {
		return nil, astProblems("", c.Errors), nil
	}
	b.Compiler = c
	return b, nil, nil
}

func astProblems(file string, err error) []Problem {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		return []Problem{{File: file, Line: 1, Code: "rego_error", Message: err.Error()}}
	}
	var out []Problem
	for _, e := range errs {
		p := Problem{File: file, Line: 1, Code: e.Code, Message: e.Message}
		if e.Location != nil {
			p.File, p.Line, p.Column = e.Location.File, e.Location.Row, e.Location.Col
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].File < out[j].File || out[i].File == out[j].File && out[i].Line < out[j].Line
	})
	return out
}

// Packages returns the packages (data paths, without "data.") that define
// a deny rule, sorted.
func (b *Bundle) Packages() []string {
	seen := map[string]bool{}
	for _, m := range b.Modules {
		for _, r := range m.Rules {
			if r.Head.Name.String() == "deny" || len(r.Head.Reference) > 0 && r.Head.Reference[0].String() == "deny" {
				seen[strings.TrimPrefix(m.Package.Path.String(), "data.")] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Timeout bounds one evaluation.
const Timeout = 5 * time.Second

// Deny evaluates a package's deny rule against an input and returns its
// messages, sorted. Evaluation has no network or environment built-ins and
// stops after Timeout.
func (b *Bundle) Deny(ctx context.Context, pkg string, input any) ([]string, error) {
	limit := b.Timeout
	if limit == 0 {
		limit = Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	rs, err := rego.New(
		rego.Compiler(b.Compiler),
		rego.Query("data."+pkg+".deny"),
		rego.Input(input),
		rego.StrictBuiltinErrors(true),
		rego.Capabilities(Capabilities()),
	).Eval(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", pkg, err)
	}
	var out []string
	for _, r := range rs {
		for _, e := range r.Expressions {
			switch v := e.Value.(type) {
			case []any:
				for _, x := range v {
					out = append(out, fmt.Sprint(x))
				}
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// PolicyFiles lists the non-test policy files of a bundle.
func (b *Bundle) PolicyFiles() []string {
	var out []string
	for _, f := range b.Files {
		if !strings.HasSuffix(f, "_test.rego") {
			out = append(out, f)
		}
	}
	return out
}
