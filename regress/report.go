package regress

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Reporter writes a report in one format.
type Reporter func(w io.Writer, r *Report) error

// Formats are the report formats, in the order the help lists them.
var Formats = []string{"text", "json", "junit", "sarif", "github"}

// ReporterFor returns the reporter of a format.
func ReporterFor(format string) (Reporter, error) {
	switch format {
	case "text":
		return Text, nil
	case "json":
		return JSON, nil
	case "junit":
		return JUnit, nil
	case "sarif":
		return SARIF, nil
	case "github":
		return GitHub, nil
	}
	return nil, fmt.Errorf("format %q is not a report format (expected one of %s)", format, strings.Join(Formats, ", "))
}

// JSON writes the report as one JSON document (its schema is the Report
// type; version says which).
func JSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func failing(r *Report) []Case {
	var out []Case
	for _, c := range r.Cases {
		if c.Status != Pass {
			out = append(out, c)
		}
	}
	return out
}

func ruleName(a Artifact) string {
	if a.ID != "" && a.ID != a.Title {
		return fmt.Sprintf("%s [%s]", a.Title, a.ID)
	}
	return a.Title
}

// Text writes the human report: failures first, each with why and where,
// then warnings, untested rules, coverage and the totals.
func Text(w io.Writer, r *Report) error {
	var b strings.Builder
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "PROBLEM %s\n", p)
	}
	for _, c := range failing(r) {
		word := "FAIL "
		if c.Status == Error {
			word = "ERROR"
		}
		fmt.Fprintf(&b, "%s %s\n", word, ruleName(c.Artifact))
		fmt.Fprintf(&b, "      rule     %s:%d\n", c.Artifact.File, c.Artifact.Line)
		fmt.Fprintf(&b, "      test     %s: %s, expected %s\n", c.Name, c.Sample, c.Bounds)
		if c.Where != "" {
			fmt.Fprintf(&b, "      defined  %s\n", c.Where)
		}
		fmt.Fprintf(&b, "      why      %s\n", c.Message)
		for _, e := range c.Events {
			fmt.Fprintf(&b, "      event    %s\n", e)
		}
	}
	for _, c := range r.Cases {
		if c.Warning != "" {
			fmt.Fprintf(&b, "WARN  %s: %s: %s\n", ruleName(c.Artifact), c.Sample, c.Warning)
		}
	}
	for _, a := range passingArtifacts(r) {
		fmt.Fprintf(&b, "ok    %s: %d %s\n", ruleName(a.artifact), a.cases, pluralWord(a.cases, "case"))
	}
	if len(r.Changes) > 0 {
		fmt.Fprintf(&b, "changed since the baseline:\n")
		for _, c := range r.Changes {
			fmt.Fprintf(&b, "  %s\n", c)
		}
	}
	if n := len(r.Untested); n > 0 {
		fmt.Fprintf(&b, "%d %s without an expectation of its own (add regression_tests_path):\n", n, pluralWord(n, "rule"))
		for _, a := range r.Untested {
			fmt.Fprintf(&b, "  %s:%d %s\n", a.File, a.Line, a.Title)
		}
	}
	if len(r.Coverage.Techniques) > 0 {
		var parts []string
		for _, t := range r.Coverage.Techniques {
			parts = append(parts, fmt.Sprintf("%s %d/%d", t.Technique, t.Passing, t.Rules))
		}
		fmt.Fprintf(&b, "techniques (passing/rules): %s\n", strings.Join(parts, ", "))
	}
	for _, f := range r.Coverage.Findings {
		covered := 0
		var missing []string
		for _, bc := range f.Behaviors {
			if bc.Covered {
				covered++
			} else {
				missing = append(missing, bc.ID)
			}
		}
		fmt.Fprintf(&b, "finding %s: %d of %d behaviours detected by a passing rule in its own evidence", f.Finding, covered, len(f.Behaviors))
		if len(missing) > 0 {
			fmt.Fprintf(&b, "; not yet: %s", strings.Join(missing, ", "))
		}
		b.WriteString("\n")
	}
	if r.Scope != "" {
		fmt.Fprintf(&b, "scope: %s\n", r.Scope)
	}
	e := r.Examined
	fmt.Fprintf(&b, "examined %d %s, %d %s, %d %s, %d %s in %.1fs\n", e.Rules, pluralWord(e.Rules, "rule"), e.Samples, pluralWord(e.Samples, "sample"), e.Files, pluralWord(e.Files, "file"), e.Events, pluralWord(e.Events, "event"), r.Duration)
	t := r.Totals
	verdict := "PASS"
	if !r.OK() {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "%s: %d passed, %d failed, %d %s of %d %s\n", verdict, t.Passed, t.Failed, t.Errors, pluralWord(t.Errors, "error"), t.Cases, pluralWord(t.Cases, "case"))
	_, err := io.WriteString(w, b.String())
	return err
}

type artifactCount struct {
	artifact Artifact
	cases    int
}

// passingArtifacts lists the artifacts all of whose cases pass, in report
// order.
func passingArtifacts(r *Report) []artifactCount {
	var order []string
	counts := map[string]*artifactCount{}
	bad := map[string]bool{}
	for _, c := range r.Cases {
		k := c.Artifact.Key()
		if c.Status != Pass {
			bad[k] = true
		}
		if counts[k] == nil {
			counts[k] = &artifactCount{artifact: c.Artifact}
			order = append(order, k)
		}
		counts[k].cases++
	}
	var out []artifactCount
	for _, k := range order {
		if !bad[k] {
			out = append(out, *counts[k])
		}
	}
	return out
}

func pluralWord(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// JUnit: one test suite per rule, one test case per rule x sample x
// expectation.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes JUnit XML.
func JUnit(w io.Writer, r *Report) error {
	out := junitSuites{Name: "antibody", Tests: r.Totals.Cases, Failures: r.Totals.Failed, Errors: r.Totals.Errors + len(r.Problems), Time: fmt.Sprintf("%.3f", r.Duration)}
	index := map[string]int{}
	for _, c := range r.Cases {
		key := c.Artifact.Key()
		i, ok := index[key]
		if !ok {
			i = len(out.Suites)
			index[key] = i
			out.Suites = append(out.Suites, junitSuite{Name: c.Artifact.Kind + ": " + ruleName(c.Artifact)})
		}
		s := &out.Suites[i]
		jc := junitCase{Name: fmt.Sprintf("%s: %s (%s)", c.Name, c.Sample, c.Bounds), Classname: c.Artifact.Kind + "." + c.Artifact.File, File: c.Artifact.File, Line: c.Artifact.Line}
		detail := detailText(c)
		switch c.Status {
		case Fail:
			jc.Failure = &junitProblem{Message: c.Message, Type: "regression", Text: detail}
			s.Failures++
		case Error:
			jc.Error = &junitProblem{Message: c.Message, Type: "error", Text: detail}
			s.Errors++
		}
		s.Tests++
		s.Cases = append(s.Cases, jc)
	}
	if len(r.Problems) > 0 {
		s := junitSuite{Name: "antibody run"}
		for _, p := range r.Problems {
			s.Tests++
			s.Errors++
			s.Cases = append(s.Cases, junitCase{Name: "run", Classname: "antibody", Error: &junitProblem{Message: p, Type: "run"}})
		}
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func detailText(c Case) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rule %s:%d\nsample %s\nexpected %s, got %d\n", c.Artifact.File, c.Artifact.Line, c.Sample, c.Bounds, c.Count)
	if c.Where != "" {
		fmt.Fprintf(&b, "defined at %s\n", c.Where)
	}
	for _, e := range c.Events {
		fmt.Fprintf(&b, "event %s\n", e)
	}
	return b.String()
}

// GitHub writes workflow commands that GitHub Actions shows as
// annotations on the rule files.
func GitHub(w io.Writer, r *Report) error {
	var b strings.Builder
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "::error title=antibody::%s\n", ghEscape(p))
	}
	for _, c := range failing(r) {
		fmt.Fprintf(&b, "::error file=%s,line=%d,title=%s::%s\n", ghProp(c.Artifact.File), max(c.Artifact.Line, 1), ghProp(c.Name+": "+c.Artifact.Title), ghEscape(c.Message+" ("+c.Sample+", expected "+c.Bounds+")"))
	}
	for _, c := range r.Cases {
		if c.Warning != "" {
			fmt.Fprintf(&b, "::warning file=%s,line=%d::%s\n", ghProp(c.Artifact.File), max(c.Artifact.Line, 1), ghEscape(c.Warning))
		}
	}
	t := r.Totals
	fmt.Fprintf(&b, "antibody: %d passed, %d failed, %d errors of %d cases\n", t.Passed, t.Failed, t.Errors, t.Cases)
	_, err := io.WriteString(w, b.String())
	return err
}

func ghEscape(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// SARIF 2.1.0: one reporting rule per artifact, one result per failing or
// erroring case, located at the artifact's file and line.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	Name             string       `json:"name,omitempty"`
	ShortDescription sarifMessage `json:"shortDescription"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// SARIF writes a SARIF 2.1.0 log.
func SARIF(w io.Writer, r *Report) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "antibody", Rules: []sarifRule{}}}, Results: []sarifResult{}}
	index := map[string]int{}
	ruleIndex := func(a Artifact) int {
		id := a.ID
		if id == "" {
			id = a.File
		}
		if i, ok := index[id]; ok {
			return i
		}
		index[id] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: id, Name: a.Title, ShortDescription: sarifMessage{Text: a.Kind + " rule: " + a.Title}})
		return index[id]
	}
	cases := failing(r)
	sort.SliceStable(cases, func(i, j int) bool { return cases[i].Artifact.File < cases[j].Artifact.File })
	for _, c := range cases {
		i := ruleIndex(c.Artifact)
		level := "error"
		loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: toURI(c.Artifact.File)}}
		if c.Artifact.Line > 0 {
			loc.Region = &sarifRegion{StartLine: c.Artifact.Line}
		}
		run.Results = append(run.Results, sarifResult{
			RuleID: run.Tool.Driver.Rules[i].ID, RuleIndex: i, Level: level,
			Message:   sarifMessage{Text: fmt.Sprintf("%s: %s (%s, expected %s)", c.Name, c.Message, c.Sample, c.Bounds)},
			Locations: []sarifLocation{{PhysicalLocation: loc}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

// toURI writes a file path as a relative URI reference (forward slashes,
// spaces and other reserved characters escaped).
func toURI(p string) string {
	p = strings.ReplaceAll(p, "\\", "/")
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' || c == '.' || c == '-' || c == '_' || c == '~' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
