package yara

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

// ruleText is a rule as the lint reads it: enough structure for the
// checks, not a full YARA parser (libyara is the judge of syntax).
type ruleText struct {
	Name      string
	Line      int
	Meta      map[string]string
	Strings   []stringDecl
	Condition string
	CondLine  int
}

type stringDecl struct {
	Name  string // without $
	Line  int
	Kind  string // text, hex, regex
	Value string
	Mods  []string
}

var (
	ruleHeadRE = regexp.MustCompile(`(?m)^[ \t]*(?:(?:private|global)[ \t]+)*rule[ \t]+([A-Za-z_][A-Za-z0-9_]*)[^{]*\{`)
	stringRE   = regexp.MustCompile(`\$([A-Za-z0-9_]*)\s*=\s*("(?:[^"\\\n]|\\.)*"|\{[^}]*\}|/(?:[^/\\\n]|\\.)+/[is]*)([^\n$]*)`)
	metaRE     = regexp.MustCompile(`(?m)^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$`)
	ofAtRE     = regexp.MustCompile(`\bof\s+(?:them|\([^)]*\))\s+at\b`)
	braceRE    = regexp.MustCompile(`\{(\d+(,\d*)?|,\d+)\}`)
)

// stripComments blanks comments out, keeping line numbers and string
// literals intact.
func stripComments(src string) string {
	b := []byte(src)
	inStr := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' || c == '\n' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			for ; i < len(b) && !(b[i] == '*' && i+1 < len(b) && b[i+1] == '/'); i++ {
				if b[i] != '\n' {
					b[i] = ' '
				}
			}
			if i+1 < len(b) {
				b[i], b[i+1] = ' ', ' '
				i++
			}
		}
	}
	return string(b)
}

func lineAt(src string, off int) int { return strings.Count(src[:off], "\n") + 1 }

// parseRules finds the rules of a file and their sections.
func parseRules(src string) []ruleText {
	src = stripComments(src)
	var out []ruleText
	for _, loc := range ruleHeadRE.FindAllStringSubmatchIndex(src, -1) {
		name := src[loc[2]:loc[3]]
		start := loc[1]
		depth, end, inStr := 1, len(src), false
		for i := start; i < len(src); i++ {
			c := src[i]
			if inStr {
				if c == '\\' {
					i++
				} else if c == '"' {
					inStr = false
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{':
				depth++
			case '}':
				depth--
			}
			if depth == 0 {
				end = i
				break
			}
		}
		body := src[start:end]
		r := ruleText{Name: name, Line: lineAt(src, loc[0]), Meta: map[string]string{}}
		sec := func(kw string) (string, int) {
			re := regexp.MustCompile(`(?:^|\s)` + kw + `\s*:`)
			m := re.FindStringIndex(body)
			if m == nil {
				return "", 0
			}
			rest := body[m[1]:]
			next := regexp.MustCompile(`(?:^|\s)(meta|strings|condition)\s*:`).FindStringIndex(rest)
			if next != nil {
				rest = rest[:next[0]]
			}
			return rest, lineAt(src, start+m[1])
		}
		if meta, _ := sec("meta"); meta != "" {
			for _, m := range metaRE.FindAllStringSubmatch(meta, -1) {
				r.Meta[m[1]] = strings.Trim(m[2], `"`)
			}
		}
		if strs, line0 := sec("strings"); strs != "" {
			for _, m := range stringRE.FindAllStringSubmatchIndex(strs, -1) {
				d := stringDecl{Name: strs[m[2]:m[3]], Line: line0 + strings.Count(strs[:m[0]], "\n"), Value: strs[m[4]:m[5]]}
				switch d.Value[0] {
				case '"':
					d.Kind = "text"
				case '{':
					d.Kind = "hex"
				default:
					d.Kind = "regex"
				}
				d.Mods = strings.Fields(strs[m[6]:m[7]])
				r.Strings = append(r.Strings, d)
			}
		}
		r.Condition, r.CondLine = sec("condition")
		out = append(out, r)
	}
	return out
}

// unescapeText returns the bytes a YARA text string stands for.
func unescapeText(v string) string {
	v = strings.TrimSuffix(strings.TrimPrefix(v, `"`), `"`)
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			switch v[i] {
			case 'x':
				if i+2 < len(v) {
					var n int
					fmt.Sscanf(v[i+1:i+3], "%02x", &n)
					b.WriteByte(byte(n))
					i += 2
				}
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(v[i])
			}
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

func hasLetter(s string) bool {
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// longestFixedRun returns the longest run of fixed bytes in a hex string.
func longestFixedRun(hex string) int {
	best, cur := 0, 0
	for _, tok := range strings.Fields(strings.Trim(hex, "{}")) {
		if len(tok) == 2 && !strings.ContainsAny(tok, "?~[]()|-") {
			cur++
			if cur > best {
				best = cur
			}
			continue
		}
		cur = 0
	}
	return best
}

// referenced reports whether a condition uses a string.
func referenced(cond, name string) bool {
	if regexp.MustCompile(`\bthem\b`).MatchString(cond) {
		return true
	}
	for _, m := range regexp.MustCompile(`[$#@!]([A-Za-z0-9_]*)(\*?)`).FindAllStringSubmatch(cond, -1) {
		if m[2] == "*" && strings.HasPrefix(name, m[1]) || m[2] == "" && m[1] == name {
			return true
		}
	}
	return false
}

// Lint checks rule files: style (in the spirit of yaraQA) and the
// dialect both libyara 4.2 and YARA-X accept.
func Lint(paths []string) ([]Problem, int, error) {
	files, err := RuleFiles(paths)
	if err != nil {
		return nil, 0, err
	}
	var out []Problem
	count := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			out = append(out, Problem{File: f, Line: 1, Code: "file", Message: err.Error()})
			continue
		}
		ps, n := LintText(f, string(data))
		out = append(out, ps...)
		count += n
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out, count, nil
}

// LintText lints one file's text; it returns the problems and how many
// rules it read.
func LintText(file, src string) ([]Problem, int) {
	rules := parseRules(src)
	var out []Problem
	seen := map[string]int{}
	for _, r := range rules {
		add := func(line int, code, format string, args ...any) {
			out = append(out, Problem{File: file, Line: line, Rule: r.Name, Code: code, Message: fmt.Sprintf(format, args...)})
		}
		if prev, ok := seen[r.Name]; ok {
			add(r.Line, "duplicate_rule", "rule name is also used at line %d", prev)
		}
		seen[r.Name] = r.Line
		for _, key := range []string{"description", "author", "date", "reference"} {
			if r.Meta[key] == "" {
				add(r.Line, "missing_meta", "meta %s is missing", key)
			}
		}
		if strings.TrimSpace(r.Condition) == "" {
			add(r.Line, "missing_condition", "rule has no condition")
		}
		if ofAtRE.MatchString(r.Condition) {
			add(r.CondLine, "dialect_of_at", "'of ... at' does not compile on libyara 4.2 (expected one condition per string offset)")
		}
		for _, s := range r.Strings {
			at := func(code, format string, args ...any) { add(s.Line, code, "$"+s.Name+": "+format, args...) }
			mods := strings.Join(s.Mods, " ")
			switch s.Kind {
			case "text":
				v := unescapeText(s.Value)
				if len(v) < 4 {
					at("short_atom", "%d bytes are too short to search fast (expected at least 4)", len(v))
				}
				if strings.Contains(mods, "nocase") && !hasLetter(v) {
					at("pointless_nocase", "nocase on a string without letters only slows the scan")
				}
				if strings.Contains(mods, "fullword") && strings.ContainsAny(v, `\/`) {
					at("fullword_path", "fullword on a path fragment misses it next to a separator")
				}
			case "hex":
				if strings.Contains(s.Value, "~") {
					at("dialect_hex_not", "'~' in hex strings does not compile on libyara 4.2")
				}
				if longestFixedRun(s.Value) < 3 {
					at("short_atom", "no run of 3 fixed bytes to anchor the search (expected at least 3)")
				}
			case "regex":
				body := s.Value[1:strings.LastIndex(s.Value, "/")]
				if strings.Contains(body, ".*") || strings.Contains(body, ".+") {
					at("unbounded_regex", "unbounded .* or .+ makes the scan slow (expected a bound such as .{0,64})")
				}
				if strings.Count(body, "{") != len(braceRE.FindAllString(body, -1))+strings.Count(body, `\{`) {
					at("dialect_regex_brace", "a literal { must be escaped as \\{ for YARA-X")
				}
			}
			if s.Name != "" && !referenced(r.Condition, s.Name) {
				at("unreferenced_string", "the condition never uses it (YARA-X refuses unreferenced strings)")
			}
		}
	}
	return out, len(rules)
}

// RuleInfo is a rule's name, position and meta, read from its file.
type RuleInfo struct {
	Name string
	File string
	Line int
	Meta map[string]string
}

// ReadRuleInfo lists the rules of a file with their meta.
func ReadRuleInfo(file string) ([]RuleInfo, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []RuleInfo
	for _, r := range parseRules(string(data)) {
		out = append(out, RuleInfo{Name: r.Name, File: file, Line: r.Line, Meta: r.Meta})
	}
	return out, nil
}
