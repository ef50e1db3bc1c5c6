package regress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/antibody-dev/antibody/findings"
)

// Info is SigmaHQ's regression-test file (info.yml), read and written as
// SigmaHQ writes it, so rules move between Antibody and SigmaHQ
// unchanged. Antibody's extensions are extra keys on each test entry
// (expect, at_least, at_most, exactly); SigmaHQ's runner ignores them.
type Info struct {
	ID          string     `yaml:"id,omitempty"`
	Description string     `yaml:"description,omitempty"`
	Date        Date       `yaml:"date,omitempty"`
	Author      string     `yaml:"author,omitempty"`
	Rules       []InfoRule `yaml:"rule_metadata"`
	Tests       []Test     `yaml:"regression_tests_info"`

	// File is where the info.yml was read from.
	File string `yaml:"-"`
}

// Date is a YYYY-MM-DD date, written unquoted as SigmaHQ writes it.
type Date string

// MarshalYAML writes the date as a plain scalar.
func (d Date) MarshalYAML() (any, error) {
	if _, err := time.Parse(time.DateOnly, string(d)); err == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: string(d)}, nil
	}
	return string(d), nil
}

// UnmarshalYAML reads any scalar as the date's text.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: date is not a value (expected YYYY-MM-DD)", n.Line)
	}
	*d = Date(n.Value)
	return nil
}

// InfoRule names the rule an info.yml belongs to.
type InfoRule struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title,omitempty"`
}

// Test is one regression test entry.
type Test struct {
	Name string `yaml:"name,omitempty"`
	// Type is the sample's format: evtx, json, ndjson or jsonl.
	Type     string `yaml:"type,omitempty"`
	Provider string `yaml:"provider,omitempty"`
	// MatchCount is SigmaHQ's minimum number of detections (default 1);
	// more is a warning, as in SigmaHQ's runner.
	MatchCount *int `yaml:"match_count,omitempty"`
	// Path is the sample: a file, or (an Antibody extension) a folder of
	// event files.
	Path string `yaml:"path"`
	// Pipelines and Filters are SigmaHQ's per-test pipelines and filters.
	Pipelines []string `yaml:"pipelines,omitempty"`
	Filters   []string `yaml:"filters,omitempty"`

	// Expect is match (the default) or no-match.
	Expect string `yaml:"expect,omitempty"`
	// AtLeast, AtMost and Exactly bound the number of detections.
	AtLeast *int `yaml:"at_least,omitempty"`
	AtMost  *int `yaml:"at_most,omitempty"`
	Exactly *int `yaml:"exactly,omitempty"`

	// Line is where the entry starts in its info.yml.
	Line int `yaml:"-"`
}

// Bounds are the detection counts a test accepts: [Min, Max], Max < 0
// meaning no upper bound; Warn is SigmaHQ's match_count, above which a
// pass carries a warning.
type Bounds struct {
	Min, Max int
	Warn     int
}

// Bounds resolves the test's expectation into counts.
func (t Test) Bounds() Bounds {
	b := Bounds{Min: 1, Max: -1, Warn: -1}
	if t.Expect == "no-match" {
		b = Bounds{Min: 0, Max: 0, Warn: -1}
	}
	if t.MatchCount != nil {
		b.Min, b.Warn = *t.MatchCount, *t.MatchCount
	}
	if t.AtLeast != nil {
		b.Min = *t.AtLeast
	}
	if t.AtMost != nil {
		b.Max = *t.AtMost
	}
	if t.Exactly != nil {
		b.Min, b.Max = *t.Exactly, *t.Exactly
	}
	return b
}

func (b Bounds) String() string {
	switch {
	case b.Max == 0:
		return "no detection"
	case b.Min == b.Max:
		return fmt.Sprintf("exactly %d", b.Min)
	case b.Max < 0:
		return fmt.Sprintf("at least %d", b.Min)
	}
	return fmt.Sprintf("%d to %d", b.Min, b.Max)
}

// Holds reports whether n detections meet the bounds.
func (b Bounds) Holds(n int) bool { return n >= b.Min && (b.Max < 0 || n <= b.Max) }

// ReadInfo reads and checks an info.yml strictly: unknown keys, wrong
// types and missing paths are errors naming the file and line.
func ReadInfo(path string) (*Info, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseInfo(path, data)
}

// ParseInfo reads an info.yml held in memory.
func ParseInfo(path string, data []byte) (*Info, error) {
	var info Info
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&info); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s:1: info.yml is empty (expected rule_metadata and regression_tests_info)", path)
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var lines []string
			for _, e := range te.Errors {
				// yaml.v3 says "line N: message".
				var n int
				if _, serr := fmt.Sscanf(e, "line %d:", &n); serr == nil {
					e = fmt.Sprintf("%s:%d:%s", path, n, strings.SplitN(e, ":", 2)[1])
				} else {
					e = path + ": " + e
				}
				lines = append(lines, e+" (expected SigmaHQ's info.yml keys, plus expect, at_least, at_most, exactly)")
			}
			return nil, errors.New(strings.Join(lines, "\n"))
		}
		return nil, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	info.File = path
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err == nil && len(node.Content) > 0 {
		root := node.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "regression_tests_info" {
				for j, item := range root.Content[i+1].Content {
					if j < len(info.Tests) {
						info.Tests[j].Line = item.Line
					}
				}
			}
		}
	}
	var problems []string
	if len(info.Rules) == 0 {
		problems = append(problems, fmt.Sprintf("%s:1: rule_metadata is empty (expected the id and title of the rule)", path))
	}
	if len(info.Tests) == 0 {
		problems = append(problems, fmt.Sprintf("%s:1: regression_tests_info is empty (expected at least one test)", path))
	}
	for _, t := range info.Tests {
		at := fmt.Sprintf("%s:%d", path, t.Line)
		if t.Path == "" {
			problems = append(problems, at+": test has no path (expected the sample file)")
		}
		switch t.Expect {
		case "", "match", "no-match":
		default:
			problems = append(problems, fmt.Sprintf("%s: expect %q (expected match or no-match)", at, t.Expect))
		}
		switch t.Type {
		case "", "evtx", "json", "ndjson", "jsonl", "file", "config":
		default:
			problems = append(problems, fmt.Sprintf("%s: type %q (expected evtx, json, ndjson, jsonl, file for YARA, or config for policies)", at, t.Type))
		}
		for _, n := range []*int{t.MatchCount, t.AtLeast, t.AtMost, t.Exactly} {
			if n != nil && *n < 0 {
				problems = append(problems, at+": a count is negative (expected 0 or more)")
			}
		}
		if t.Exactly != nil && (t.AtLeast != nil || t.AtMost != nil) {
			problems = append(problems, at+": exactly cannot be combined with at_least or at_most")
		}
		if b := t.Bounds(); b.Max >= 0 && b.Min > b.Max {
			problems = append(problems, fmt.Sprintf("%s: bounds ask for %d to %d detections (expected at least <= at most)", at, b.Min, b.Max))
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return &info, nil
}

// Marshal writes the info.yml in SigmaHQ's key order.
func (i *Info) Marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(4)
	if err := enc.Encode(i); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// resolve finds a path the way SigmaHQ's runner does: relative to from,
// then to each folder above it, up to the filesystem root. It returns the
// first that exists, or the candidates it tried.
func resolve(from, path string) (string, []string) {
	if filepath.IsAbs(path) {
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
		return "", []string{path}
	}
	var tried []string
	dir, _ := filepath.Abs(from)
	for {
		cand := filepath.Join(dir, path)
		tried = append(tried, cand)
		if _, err := os.Stat(cand); err == nil {
			return findings.DisplayPath(cand), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", tried
		}
		dir = parent
	}
}
