package regress

import (
	"time"

	"github.com/antibody-dev/antibody/rules/events"
)

// ReportVersion is the version of the JSON report; it changes when a field
// changes meaning or disappears.
const ReportVersion = 1

// Status is a case's outcome.
type Status string

// The outcomes of a case.
const (
	Pass  Status = "pass"
	Fail  Status = "fail"  // the artifact did not behave as expected
	Error Status = "error" // the case could not run: missing sample, rule that does not load
)

// Artifact names what a case tests.
type Artifact struct {
	// Kind is sigma (later also yara, rego, playbook).
	Kind  string `json:"kind"`
	ID    string `json:"id,omitempty"`
	Title string `json:"title,omitempty"`
	File  string `json:"file"`
	Line  int    `json:"line,omitempty"`
	// Tags are the rule's tags (ATT&CK techniques among them).
	Tags []string `json:"tags,omitempty"`
}

// Key identifies the artifact across runs: its id, else its file.
func (a Artifact) Key() string {
	if a.ID != "" {
		return a.Kind + ":" + a.ID
	}
	return a.Kind + ":" + a.File
}

// Case is one artifact against one sample with one expectation.
type Case struct {
	Artifact Artifact `json:"artifact"`
	// Name is the test's name (SigmaHQ's "Positive Detection Test").
	Name string `json:"name"`
	// Sample is the sample file or folder.
	Sample string `json:"sample"`
	// Expect is match or no-match.
	Expect string `json:"expect"`
	// Bounds are the detection counts the case accepts, in words.
	Bounds string `json:"bounds"`
	// Where is the expectation's own position (info.yml:line, or the
	// workspace settings for benign corpora).
	Where  string `json:"where,omitempty"`
	Status Status `json:"status"`
	// Count is how many detections the sample gave.
	Count   int    `json:"count"`
	Message string `json:"message,omitempty"`
	Warning string `json:"warning,omitempty"`
	// Events are the events that fired (up to MaxEvents), for a benign
	// sample that fired or a count that is off.
	Events []events.Source `json:"events,omitempty"`

	bounds Bounds
}

// MaxEvents caps the events listed per case.
const MaxEvents = 10

// Report is everything a run did.
type Report struct {
	Version   int    `json:"version"`
	Workspace string `json:"workspace,omitempty"`
	// Scope is set when only part of the workspace was tested, e.g.
	// "changed since HEAD".
	Scope    string    `json:"scope,omitempty"`
	Started  time.Time `json:"started"`
	Duration float64   `json:"duration_seconds"`
	Cases    []Case    `json:"cases"`
	// Untested are artifacts without an expectation of their own.
	Untested []Artifact `json:"untested"`
	Examined Examined   `json:"examined"`
	Totals   Totals     `json:"totals"`
	Coverage Coverage   `json:"coverage"`
	// Problems are failures of the run itself that are not one case:
	// nothing to test, damaged samples.
	Problems []string `json:"problems"`
	// Changes are the differences from a baseline, when one was given.
	Changes []Change `json:"changes,omitempty"`
}

// Examined counts what the run actually looked at.
type Examined struct {
	Rules   int `json:"rules"`
	Samples int `json:"samples"`
	Files   int `json:"files"`
	Events  int `json:"events"`
}

// Totals count cases by status.
type Totals struct {
	Cases  int `json:"cases"`
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	Errors int `json:"errors"`
}

// OK reports whether the run passed: cases ran (or, in a scoped run,
// nothing in scope needed testing) and none failed or errored, and the run
// had no problems.
func (r *Report) OK() bool {
	return (r.Totals.Cases > 0 || r.Scope != "") && r.Totals.Failed == 0 && r.Totals.Errors == 0 && len(r.Problems) == 0
}

func (r *Report) total() {
	r.Totals = Totals{Cases: len(r.Cases)}
	for _, c := range r.Cases {
		switch c.Status {
		case Pass:
			r.Totals.Passed++
		case Fail:
			r.Totals.Failed++
		default:
			r.Totals.Errors++
		}
	}
	if r.Totals.Cases == 0 && len(r.Problems) == 0 && r.Scope == "" {
		r.Problems = append(r.Problems, "nothing was tested: no rule with an expectation and no benign corpus (expected rules with regression_tests_path, or benign corpora in antibody.yaml)")
	}
}

// Coverage is what the passing rules cover.
type Coverage struct {
	Techniques []TechniqueCoverage `json:"techniques"`
	Findings   []FindingCoverage   `json:"findings"`
}

// TechniqueCoverage counts the rules tagged with one ATT&CK technique.
type TechniqueCoverage struct {
	Technique string `json:"technique"`
	Rules     int    `json:"rules"`
	Passing   int    `json:"passing"`
	// Tuned counts the passing rules also proven silent on benign data
	// (a no-match case or the workspace's benign corpora).
	Tuned int `json:"tuned"`
}

// FindingCoverage says which behaviours of a finding a passing rule
// detects in the finding's own evidence.
type FindingCoverage struct {
	Finding   string             `json:"finding"`
	File      string             `json:"file"`
	Behaviors []BehaviorCoverage `json:"behaviors"`
}

// BehaviorCoverage is one behaviour and the passing rules that detect its
// recorded events.
type BehaviorCoverage struct {
	ID        string   `json:"id"`
	Technique string   `json:"technique"`
	Covered   bool     `json:"covered"`
	Rules     []string `json:"rules"`
	// Why explains an uncovered behaviour that cannot be checked.
	Why string `json:"why,omitempty"`
}
