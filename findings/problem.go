package findings

import (
	"fmt"
	"sort"
	"strings"
)

// Stable problem codes. They are part of the command-line contract: scripts
// and editors may match on them, so a code is never renamed.
const (
	CodeSyntax       = "syntax"          // not parseable as YAML or JSON
	CodeFile         = "file_unreadable" // empty, binary, too large, too deep
	CodeSchema       = "schema_version"  // missing or unsupported schema key
	CodeUnknownKey   = "unknown_key"     // a key the schema does not define
	CodeType         = "wrong_type"      // e.g. a list where a string belongs
	CodeRequired     = "missing_required"
	CodeEnum         = "bad_value"  // not one of the allowed values
	CodeFormat       = "bad_format" // a string that does not parse (time, hash, id)
	CodeATTACK       = "bad_attack_id"
	CodeDuplicate    = "duplicate_id"
	CodeReference    = "dangling_reference"
	CodeTimeline     = "impossible_timeline"
	CodePath         = "path_outside_workspace"
	CodeMissingFile  = "evidence_missing"
	CodeHashMismatch = "sha256_mismatch"
)

// Problem is one thing wrong in a user's file, with its position.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// String renders the problem the way compilers do:
// file:line:col: code: message.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	switch {
	case p.Line > 0 && p.Column > 0:
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	case p.Line > 0:
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	fmt.Fprintf(&b, ": %s: %s", p.Code, p.Message)
	return b.String()
}

// Problems is a list of problems; as an error it prints one per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Sort orders problems by file, line, column, then code and message, and
// drops exact duplicates, so output is stable between runs.
func (ps *Problems) Sort() {
	s := *ps
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Message < b.Message
	})
	out := s[:0]
	for i, p := range s {
		if i > 0 && p == s[i-1] {
			continue
		}
		out = append(out, p)
	}
	*ps = out
}

// Pos is a position in a source file; Line and Column start at 1.
type Pos struct {
	Line, Column int
}

// positions records where each value of a document was written, by path
// ("behaviors[1].evidence"); "" is the document itself.
type positions map[string]Pos

// at returns the position of path, or of the nearest enclosing value
// written in the document.
func (ps positions) at(path string) Pos {
	for {
		if p, ok := ps[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i <= 0 {
			return ps[""]
		}
		path = path[:i]
	}
}

// problem builds a problem of file positioned at path.
func (ps positions) problem(file, path, code, format string, args ...any) Problem {
	p := ps.at(path)
	return Problem{File: file, Line: p.Line, Column: p.Column, Code: code, Message: fmt.Sprintf(format, args...)}
}
