package playbooks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Op is one semantic change to a playbook. Steps are addressed by phase
// and by their text, never by line number, so a change still applies after
// unrelated edits.
type Op struct {
	// Kind is add (a new step), change (reword a step) or annotate
	// (append a time limit or owner to a step).
	Kind  string `json:"kind" yaml:"kind"`
	Phase string `json:"phase" yaml:"phase"`
	// Step is the text of the step the op addresses: the one changed or
	// annotated, or the one a new step goes before ("" adds at the end
	// of the phase).
	Step string `json:"step,omitempty" yaml:"step,omitempty"`
	// Text is the new step (add, change) or the annotation (annotate).
	Text  string `json:"text" yaml:"text"`
	Owner string `json:"owner,omitempty" yaml:"owner,omitempty"`
	// Reason and Evidence say why: the response review entry and the
	// evidence or timeline it rests on.
	Reason   string `json:"reason" yaml:"reason"`
	Evidence string `json:"evidence,omitempty" yaml:"evidence,omitempty"`
	Source   string `json:"source" yaml:"source"`
}

// Conflict is an op that no longer fits the playbook.
type Conflict struct {
	Op     Op     `json:"op"`
	Reason string `json:"reason"`
}

func (c Conflict) Error() string {
	return fmt.Sprintf("%s %s in %s: %s", c.Op.Kind, c.Op.Source, c.Op.Phase, c.Reason)
}

func norm(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return strings.TrimRight(s, ".")
}

func (p *Phase) find(text string) *Step {
	for i := range p.Steps {
		if norm(p.Steps[i].Text) == norm(text) {
			return &p.Steps[i]
		}
	}
	return nil
}

// stepText is the text an add or change writes.
func (o Op) stepText() string {
	t := strings.TrimSpace(o.Text)
	if o.Owner != "" && o.Kind == "add" {
		t = strings.TrimRight(t, ".") + " (owner: " + o.Owner + ")."
	} else if !strings.HasSuffix(t, ".") {
		t += "."
	}
	return t
}

// Apply applies ops in order and returns the new document and the ops
// that conflict. An op already in effect is skipped, so applying twice
// changes nothing the second time. With conflicts the returned document
// must not be written.
func Apply(d *Doc, ops []Op) (*Doc, []Conflict, int) {
	var conflicts []Conflict
	applied := 0
	for _, op := range ops {
		ph := d.PhaseByName(op.Phase)
		if ph == nil {
			conflicts = append(conflicts, Conflict{Op: op, Reason: fmt.Sprintf("the playbook has no %s section", op.Phase)})
			continue
		}
		nl := d.newline()
		switch op.Kind {
		case "add":
			if ph.find(op.stepText()) != nil {
				continue
			}
			at, number, indent, marker := ph.End, 0, "", "-"
			// Trim trailing blank lines of the section.
			for at > ph.Line+1 && strings.TrimSpace(d.Lines[at-1]) == "" {
				at--
			}
			if n := len(ph.Steps); n > 0 {
				last := ph.Steps[n-1]
				at, indent, marker = last.End, last.Indent, last.Marker
				if last.Number > 0 {
					number = last.Number + 1
				}
			}
			if op.Step != "" {
				anchor := ph.find(op.Step)
				if anchor == nil {
					conflicts = append(conflicts, Conflict{Op: op, Reason: fmt.Sprintf("the step %q it goes before is no longer in %s", op.Step, ph.Heading)})
					continue
				}
				at, indent, marker, number = anchor.Line, anchor.Indent, anchor.Marker, anchor.Number
			}
			prefix := marker
			if number > 0 {
				prefix = strconv.Itoa(number) + "."
			}
			line := indent + prefix + " " + op.stepText() + nl
			lines := append(append(append([]string(nil), d.Lines[:at]...), line), d.Lines[at:]...)
			if number > 0 {
				renumber(lines, at+1, ph.End+1, indent, number+1)
			}
			d = Parse([]byte(strings.Join(lines, "")))
			applied++
		case "change", "annotate":
			target := ph.find(op.Step)
			want := op.stepText()
			if op.Kind == "annotate" {
				want = strings.TrimRight(strings.TrimSpace(op.Step), ".") + " " + strings.TrimSpace(op.Text)
			}
			if target == nil {
				if ph.find(want) != nil {
					continue // already applied
				}
				conflicts = append(conflicts, Conflict{Op: op, Reason: fmt.Sprintf("the step %q is no longer in %s (edited since the change was made)", op.Step, ph.Heading)})
				continue
			}
			old := d.Lines[target.Line]
			i := strings.Index(old, target.Text)
			end := strings.TrimRight(old[i+len(target.Text):], "\r\n")
			lines := append([]string(nil), d.Lines...)
			lines[target.Line] = old[:i] + want + end + nl
			d = Parse([]byte(strings.Join(lines, "")))
			applied++
		default:
			conflicts = append(conflicts, Conflict{Op: op, Reason: "unknown change kind " + op.Kind + " (expected add, change or annotate)"})
		}
	}
	return d, conflicts, applied
}

var numberRE = regexp.MustCompile(`^(\s*)(\d+)([.)])`)

// renumber rewrites the numbers of the numbered items from line from to
// line to (exclusive) at the given indent, starting at next.
func renumber(lines []string, from, to int, indent string, next int) {
	for i := from; i < to && i < len(lines); i++ {
		m := numberRE.FindStringSubmatchIndex(lines[i])
		if m == nil || lines[i][m[2]:m[3]] != indent {
			if strings.HasPrefix(strings.TrimSpace(lines[i]), "#") {
				return
			}
			continue
		}
		lines[i] = lines[i][:m[4]] + strconv.Itoa(next) + lines[i][m[5]:]
		next++
	}
}

// UnifiedDiff renders the change as a patch that git apply and patch
// accept (a/ and b/ prefixes, three lines of context).
func UnifiedDiff(path string, before, after []byte) string {
	text, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(before)), B: difflib.SplitLines(string(after)),
		FromFile: "a/" + path, ToFile: "b/" + path, Context: 3,
	})
	return text
}

// ReviewTable renders the ops as a Markdown table for a pull request.
func ReviewTable(ops []Op) string {
	var b strings.Builder
	b.WriteString("| phase | change | why | evidence | owner |\n|---|---|---|---|---|\n")
	for _, op := range ops {
		change := ""
		switch op.Kind {
		case "add":
			change = "add: " + op.stepText()
			if op.Step != "" {
				change += " (before: " + op.Step + ")"
			}
		case "change":
			change = "reword \"" + op.Step + "\" as: " + op.stepText()
		case "annotate":
			change = "\"" + op.Step + "\" + " + op.Text
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", op.Phase, cell(change), cell(op.Reason), cell(op.Evidence), cell(op.Owner))
	}
	return b.String()
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") }
