package sigma

import (
	"bytes"
	"strings"
)

// docWriter writes YAML the way SigmaHQ's rules are written: four-space
// indents, values in single quotes, lists one per line.
type docWriter struct{ b bytes.Buffer }

func (d *docWriter) line(indent int, text string) {
	d.b.WriteString(strings.Repeat("    ", indent))
	d.b.WriteString(text)
	d.b.WriteByte('\n')
}

func quote(v string) string {
	if v != "" && isDigits(v) && len(v) < 10 {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// field writes key: value, or key: followed by a list.
func (d *docWriter) field(indent int, key string, values []string) {
	if len(values) == 1 {
		d.line(indent, key+": "+quote(values[0]))
		return
	}
	d.line(indent, key+":")
	for _, v := range values {
		d.line(indent+1, "- "+quote(v))
	}
}

// text writes key: with a literal block, or a plain quoted value when it
// fits on one line.
func (d *docWriter) text(indent int, key, value string) {
	if !strings.Contains(value, "\n") {
		d.line(indent, key+": "+quote(value))
		return
	}
	d.line(indent, key+": |")
	for _, l := range strings.Split(strings.TrimRight(value, "\n"), "\n") {
		if l == "" {
			d.b.WriteByte('\n')
			continue
		}
		d.line(indent+1, l)
	}
}

func (d *docWriter) list(indent int, key string, values []string) {
	if len(values) == 0 {
		return
	}
	d.line(indent, key+":")
	for _, v := range values {
		d.line(indent+1, "- "+v)
	}
}

func (d *docWriter) bytes() []byte { return d.b.Bytes() }

// wrap breaks prose into lines of about width characters.
func wrap(s string, width int) string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > width {
				out = append(out, line)
				line = w
				continue
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
