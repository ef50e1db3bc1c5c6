package playbooks

import (
	"regexp"
	"strconv"
	"strings"
)

// Doc is a Markdown playbook: its lines exactly as read (line endings
// included), and the phases and steps found in them. Nothing outside the
// steps an operation touches is ever rewritten.
type Doc struct {
	Lines  []string
	Phases []Phase
}

// Phase is a section headed by a phase name.
type Phase struct {
	Heading string
	// Name is the canonical phase (preparation, detection-and-analysis,
	// containment, eradication, recovery, post-incident, investigate,
	// remediate, communicate), or "" for other sections.
	Name  string
	Line  int // index of the heading line
	End   int // index after the section's last line
	Steps []Step
}

// Step is a list item of a phase.
type Step struct {
	Line   int    // index of its first line
	End    int    // index after its last line (continuations included)
	Indent string // leading spaces
	Number int    // for numbered lists; 0 for bullets
	Marker string // "-", "*" or "" for numbered
	Text   string // the item's first-line text
}

var (
	headingRE = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	itemRE    = regexp.MustCompile(`^(\s*)(?:(\d+)[.)]|([-*+]))\s+(.*)$`)
)

var phaseNames = map[string]string{
	"preparation": "preparation", "prepare": "preparation",
	"detection and analysis": "detection-and-analysis", "detection & analysis": "detection-and-analysis",
	"detection": "detection-and-analysis", "analysis": "detection-and-analysis", "identification": "detection-and-analysis",
	"containment": "containment", "contain": "containment",
	"eradication": "eradication", "eradicate": "eradication",
	"recovery": "recovery", "recover": "recovery",
	"post-incident": "post-incident", "post-incident activity": "post-incident", "lessons learned": "post-incident", "post incident": "post-incident",
	"investigate": "investigate", "remediate": "remediate", "communicate": "communicate",
}

// PhaseOf returns the canonical name of a heading, or "".
func PhaseOf(heading string) string {
	h := strings.ToLower(strings.TrimSpace(heading))
	h = strings.TrimRight(h, ":")
	return phaseNames[h]
}

// Parse reads a Markdown playbook.
func Parse(data []byte) *Doc {
	d := &Doc{}
	text := string(data)
	for len(text) > 0 {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			d.Lines = append(d.Lines, text)
			break
		}
		d.Lines = append(d.Lines, text[:i+1])
		text = text[i+1:]
	}
	var cur *Phase
	closePhase := func(end int) {
		if cur != nil {
			cur.End = end
			d.Phases = append(d.Phases, *cur)
			cur = nil
		}
	}
	for i, raw := range d.Lines {
		line := strings.TrimRight(raw, "\r\n")
		if m := headingRE.FindStringSubmatch(line); m != nil && len(m[1]) >= 2 {
			closePhase(i)
			cur = &Phase{Heading: m[2], Name: PhaseOf(m[2]), Line: i}
			continue
		}
		if cur == nil {
			continue
		}
		if m := itemRE.FindStringSubmatch(line); m != nil {
			st := Step{Line: i, End: i + 1, Indent: m[1], Marker: m[3], Text: m[4]}
			if m[2] != "" {
				st.Number, _ = strconv.Atoi(m[2])
			}
			cur.Steps = append(cur.Steps, st)
			continue
		}
		// An indented line continues the previous step.
		if n := len(cur.Steps); n > 0 && strings.TrimSpace(line) != "" && strings.HasPrefix(line, " ") && cur.Steps[n-1].End == i {
			cur.Steps[n-1].End = i + 1
		}
	}
	closePhase(len(d.Lines))
	return d
}

// Bytes returns the document's text.
func (d *Doc) Bytes() []byte { return []byte(strings.Join(d.Lines, "")) }

// PhaseByName returns the first section of a canonical phase.
func (d *Doc) PhaseByName(name string) *Phase {
	for i := range d.Phases {
		if d.Phases[i].Name == name {
			return &d.Phases[i]
		}
	}
	return nil
}

// newline returns the document's line ending.
func (d *Doc) newline() string {
	for _, l := range d.Lines {
		if strings.HasSuffix(l, "\r\n") {
			return "\r\n"
		}
	}
	return "\n"
}
