package sigma

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	sigmago "github.com/bradleyjkemp/sigma-go"
)

// LintProblem is a departure from SigmaHQ's rule conventions.
type LintProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	RuleID  string `json:"rule_id,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (p LintProblem) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Code, p.Message)
}

var (
	uuidRE      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	techniqueRE = regexp.MustCompile(`^attack\.t\d{4}(\.\d{3})?$`)
	groupRE     = regexp.MustCompile(`^attack\.(g|s)\d{4}$`)
	statuses    = []string{"stable", "test", "experimental", "deprecated", "unsupported"}
	// tacticTags are the ATT&CK tactics as SigmaHQ writes them.
	tacticTags = []string{"reconnaissance", "resource-development", "initial-access", "execution", "persistence",
		"privilege-escalation", "defense-evasion", "credential-access", "discovery", "lateral-movement",
		"collection", "command-and-control", "exfiltration", "impact", "defense-impairment", "stealth"}
	tagNamespaces = []string{"attack.", "car.", "cve.", "d3fend.", "detection.", "stp.", "tlp."}
)

// Lint checks the rules of a set against SigmaHQ's conventions (id,
// title, status, description, author, date, tags, level, falsepositives,
// logsource) and checks that each detection rule file also parses with
// sigma-go, the parser other Go tools use. Building blocks of a
// correlation need no tags, references or false positives of their own.
func Lint(set *Set) []LintProblem {
	var out []LintProblem
	blocks := map[*Rule]bool{}
	for _, r := range set.Rules {
		if r.correlation != nil {
			for _, t := range r.correlation.targets {
				blocks[t] = true
			}
		}
	}
	seenIDs := map[string]string{}
	checkedFiles := map[string]bool{}
	for _, r := range set.Rules {
		at := func(key string) func(code, format string, args ...any) {
			return func(code, format string, args ...any) {
				out = append(out, LintProblem{File: r.File, Line: r.LineOf(key), RuleID: r.ID, Code: code, Message: fmt.Sprintf(format, args...)})
			}
		}
		add := at("")
		switch {
		case r.ID == "":
			add("missing_id", "rule has no id (expected a UUID)")
		case !uuidRE.MatchString(r.ID):
			at("id")("bad_id", "id %q is not a lower-case UUID", r.ID)
		case seenIDs[r.ID] != "":
			at("id")("duplicate_id", "id %s is also used by %s", r.ID, seenIDs[r.ID])
		default:
			seenIDs[r.ID] = fmt.Sprintf("%s:%d", r.File, r.Line)
		}
		if len(r.Title) > 110 {
			at("title")("long_title", "title is %d characters (expected at most 110)", len(r.Title))
		}
		if !contains(statuses, r.Status) {
			at("status")("bad_status", "status %q (expected one of %s)", r.Status, strings.Join(statuses, ", "))
		}
		if strings.TrimSpace(r.Description) == "" {
			add("missing_description", "rule has no description")
		}
		if strings.TrimSpace(r.Author) == "" {
			add("missing_author", "rule has no author")
		}
		if _, err := time.Parse(time.DateOnly, r.Date); err != nil {
			at("date")("bad_date", "date %q (expected YYYY-MM-DD)", r.Date)
		}
		if r.Modified != "" {
			if _, err := time.Parse(time.DateOnly, r.Modified); err != nil {
				at("modified")("bad_date", "modified %q (expected YYYY-MM-DD)", r.Modified)
			}
		}
		if r.Kind == KindFilter {
			continue
		}
		if LevelRank(r.Level) < 0 {
			at("level")("bad_level", "level %q (expected one of %s)", r.Level, strings.Join(Levels, ", "))
		}
		seenTags := map[string]bool{}
		for _, t := range r.Tags {
			switch {
			case t != strings.ToLower(t):
				at("tags")("bad_tag", "tag %q is not lower case", t)
			case seenTags[t]:
				at("tags")("bad_tag", "tag %q is repeated", t)
			case strings.HasPrefix(t, "attack.") && !techniqueRE.MatchString(t) && !groupRE.MatchString(t) && !contains(tacticTags, strings.TrimPrefix(t, "attack.")):
				at("tags")("bad_tag", "tag %q is not an ATT&CK tactic, technique (attack.tNNNN[.NNN]), group or software", t)
			case !hasPrefix(t, tagNamespaces):
				at("tags")("bad_tag", "tag %q has no known namespace (expected %s)", t, strings.Join(tagNamespaces, " "))
			}
			seenTags[t] = true
		}
		if blocks[r] {
			continue
		}
		if r.Kind == KindRule && r.Logsource.Category == "" && r.Logsource.Product == "" && r.Logsource.Service == "" {
			at("logsource")("missing_logsource", "logsource names no category, product or service")
		}
		if len(r.Falsepositives) == 0 {
			add("missing_falsepositives", "rule lists no falsepositives (expected at least one, or Unknown)")
		}
		if r.Kind == KindRule && !checkedFiles[r.File] {
			checkedFiles[r.File] = true
			if data, err := os.ReadFile(r.File); err == nil && !strings.Contains(string(data), "\n---") {
				if _, err := sigmago.ParseRule(data); err != nil {
					add("sigma_go", "sigma-go cannot parse the rule: %v", err)
				}
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// LintReport is the result of linting rule files.
type LintReport struct {
	Files    int           `json:"files"`
	Rules    int           `json:"rules"`
	Problems []LintProblem `json:"problems"`
}

// LintPaths loads the rules under paths and lints them; a rule that does
// not load is a problem too (code "refused").
func LintPaths(paths []string) (*LintReport, error) {
	set, err := Load(paths, LoadOptions{})
	if err != nil {
		return nil, err
	}
	rep := &LintReport{Files: set.Files, Rules: len(set.Rules), Problems: []LintProblem{}}
	for _, r := range set.Refusals {
		msg := r.Message
		if r.Feature != "" {
			msg = r.Feature + ": " + msg
		}
		rep.Problems = append(rep.Problems, LintProblem{File: r.File, Line: r.Line, RuleID: r.RuleID, Code: "refused", Message: msg})
	}
	rep.Problems = append(rep.Problems, Lint(set)...)
	sort.SliceStable(rep.Problems, func(i, j int) bool {
		a, b := rep.Problems[i], rep.Problems[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return rep, nil
}

// LooksLikeRules reports whether path is a Sigma rule file, or a folder
// whose first YAML file is one (a folder of rules rather than findings).
func LooksLikeRules(path string) bool {
	files, err := RuleFiles([]string{path})
	if err != nil || len(files) == 0 {
		return false
	}
	data, err := readLimited(files[0])
	if err != nil {
		return false
	}
	text := "\n" + string(data)
	return strings.Contains(text, "\nlogsource:") || strings.Contains(text, "\ncorrelation:") || strings.Contains(text, "\ndetection:")
}
