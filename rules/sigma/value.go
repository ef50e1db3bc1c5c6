package sigma

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// kind is what a compiled value does with a field's value.
type kind uint8

const (
	kindExact kind = iota
	kindPrefix
	kindSuffix
	kindContains
	kindGlob
	kindRegexp
	kindCIDR
	kindNumber
	kindNull
	kindFieldRef
)

type cmpOp uint8

const (
	opEq cmpOp = iota
	opLt
	opLte
	opGt
	opGte
)

// tok is one element of a wildcard pattern.
type tok struct {
	lit  string
	star bool
	one  bool // ?
	dash bool // windash: any of - / – — ―
}

// value is one compiled value of a field matcher.
type value struct {
	kind  kind
	lit   string // lower-cased unless the matcher is cased
	toks  []tok
	re    *regexp.Regexp
	pfx   netip.Prefix
	op    cmpOp
	num   float64
	ref   string // fieldref: the other field
	refAt int    // its slot
	// refMode is how a fieldref compares: kindExact, kindPrefix,
	// kindSuffix or kindContains.
	refMode kind
	// timePart is a time modifier (minute, hour, ...) applied to the
	// field's value before a numeric comparison.
	timePart string
	// text is the value as written, for explanations.
	text string
}

// dashes are the characters windash treats as one.
var dashes = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

func dashAt(s string, i int) int {
	switch s[i] {
	case '-', '/':
		return 1
	case 0xe2:
		if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0x93 || s[i+2] == 0x94 || s[i+2] == 0x95) {
			return 3
		}
	}
	return 0
}

// globMatch matches s against toks; * may match nothing.
func globMatch(toks []tok, s string) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for si < len(s) || ti < len(toks) {
		if ti < len(toks) {
			t := toks[ti]
			if t.star {
				starT, starS = ti, si
				ti++
				continue
			}
			if si < len(s) {
				n := 0
				switch {
				case t.one:
					_, n = utf8.DecodeRuneInString(s[si:])
				case t.dash:
					n = dashAt(s, si)
				case strings.HasPrefix(s[si:], t.lit):
					n = len(t.lit)
				}
				if n > 0 {
					si += n
					ti++
					continue
				}
			}
		}
		if starT >= 0 && starS < len(s) {
			starS++
			si, ti = starS, starT+1
			continue
		}
		return false
	}
	return true
}

// parseWildcards splits a Sigma string into tokens: * and ? are
// wildcards, \* \? and \\ are the literal characters, and any other
// backslash is itself.
func parseWildcards(s string, windash bool) []tok {
	var out []tok
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, tok{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			if len(out) == 0 || !out[len(out)-1].star {
				out = append(out, tok{star: true})
			}
		case c == '?':
			flush()
			out = append(out, tok{one: true})
		case windash && dashAt(s, i) > 0:
			flush()
			out = append(out, tok{dash: true})
			i += dashAt(s, i) - 1
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out
}

// hasWildcard reports whether s has an unescaped * or ?.
func hasWildcard(s string) bool {
	for _, t := range parseWildcards(s, false) {
		if t.star || t.one {
			return true
		}
	}
	return false
}

// unescape returns s with Sigma's escapes resolved, for values that are
// encoded (base64, utf16) and therefore cannot hold wildcards.
func unescape(s string) string {
	var b strings.Builder
	for _, t := range parseWildcards(s, false) {
		b.WriteString(t.lit)
	}
	return b.String()
}

// shape turns tokens plus the match modifier into the fastest value
// that does the same thing.
func shape(toks []tok, mode kind) value {
	if mode == kindContains || mode == kindSuffix {
		if len(toks) == 0 || !toks[0].star {
			toks = append([]tok{{star: true}}, toks...)
		}
	}
	if mode == kindContains || mode == kindPrefix {
		if len(toks) == 0 || !toks[len(toks)-1].star {
			toks = append(toks, tok{star: true})
		}
	}
	lits := 0
	for _, t := range toks {
		if t.one || t.dash {
			return value{kind: kindGlob, toks: toks}
		}
		if !t.star {
			lits++
		}
	}
	switch {
	case len(toks) == 0:
		return value{kind: kindExact}
	case len(toks) == 1 && toks[0].star:
		// "*" matches any value, including the empty one.
		return value{kind: kindPrefix}
	case len(toks) == 1:
		return value{kind: kindExact, lit: toks[0].lit}
	case len(toks) == 2 && toks[0].star:
		return value{kind: kindSuffix, lit: toks[1].lit}
	case len(toks) == 2 && toks[1].star:
		return value{kind: kindPrefix, lit: toks[0].lit}
	case len(toks) == 3 && toks[0].star && toks[2].star && lits == 1:
		return value{kind: kindContains, lit: toks[1].lit}
	}
	return value{kind: kindGlob, toks: toks}
}

// matchString runs a string value against an event value (lower-cased
// when the matcher is not cased).
func (v *value) matchString(s string) bool {
	switch v.kind {
	case kindExact:
		return s == v.lit
	case kindPrefix:
		return strings.HasPrefix(s, v.lit)
	case kindSuffix:
		return strings.HasSuffix(s, v.lit)
	case kindContains:
		return strings.Contains(s, v.lit)
	case kindGlob:
		return globMatch(v.toks, s)
	}
	return false
}

// matchTyped runs the values that look at the original text: regular
// expressions, CIDR, numbers and times.
func (v *value) matchTyped(raw string) bool {
	switch v.kind {
	case kindRegexp:
		return v.re.MatchString(raw)
	case kindCIDR:
		addr, err := netip.ParseAddr(strings.TrimSpace(raw))
		if err != nil {
			return false
		}
		return v.pfx.Contains(addr.Unmap())
	case kindNumber:
		var n float64
		if v.timePart != "" {
			t, ok := parseTime(raw)
			if !ok {
				return false
			}
			n = float64(timePart(t, v.timePart))
		} else {
			var ok bool
			n, ok = parseNumber(raw)
			if !ok {
				return false
			}
		}
		switch v.op {
		case opLt:
			return n < v.num
		case opLte:
			return n <= v.num
		case opGt:
			return n > v.num
		case opGte:
			return n >= v.num
		}
		return n == v.num
	}
	return false
}

func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		n, err := strconv.ParseUint(s[2:], 16, 64)
		return float64(n), err == nil
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"}

func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func timePart(t time.Time, part string) int {
	switch part {
	case "minute":
		return t.Minute()
	case "hour":
		return t.Hour()
	case "day":
		return t.Day()
	case "week":
		_, w := t.ISOWeek()
		return w
	case "month":
		return int(t.Month())
	}
	return t.Year()
}

// Encodings.

func utf16Bytes(s string, bigEndian, bom bool) string {
	units := utf16.Encode([]rune(s))
	var b []byte
	if bom {
		b = append(b, 0xff, 0xfe)
	}
	for _, u := range units {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return string(b)
}

// base64Offsets returns the three encodings of s that appear in the base64
// of any text containing s, whatever its alignment: s shifted by zero, one
// or two bytes, with the characters that depend on the neighbours cut.
func base64Offsets(s string) []string {
	starts := [3]int{0, 2, 3}
	ends := [3]int{0, 3, 2} // characters cut from the end, by (len+shift)%3
	out := make([]string, 0, 3)
	for shift := 0; shift < 3; shift++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", shift) + s))
		cut := ends[(len(s)+shift)%3]
		from, to := starts[shift], len(enc)-cut
		if to <= from {
			continue
		}
		out = append(out, enc[from:to])
	}
	return out
}

// compileRegexp compiles a Sigma regular expression. Sigma's flavour is
// PCRE; Go's RE2 lacks lookaround and backreferences, which are refused
// by name.
func compileRegexp(expr string, flags string) (*regexp.Regexp, error) {
	if _, err := syntax.Parse(expr, syntax.Perl); err != nil {
		var serr *syntax.Error
		if errors.As(err, &serr) {
			switch {
			case serr.Code == syntax.ErrInvalidPerlOp && lookaround.MatchString(expr):
				return nil, fmt.Errorf("lookaround is a PCRE feature this engine (RE2) does not have: %v", err)
			case serr.Code == syntax.ErrInvalidEscape && backreference.MatchString(expr):
				return nil, fmt.Errorf("backreferences are a PCRE feature this engine (RE2) does not have: %v", err)
			}
		}
		return nil, fmt.Errorf("not a valid regular expression: %v", err)
	}
	prefix := ""
	if flags != "" {
		prefix = "(?" + flags + ")"
	}
	return regexp.Compile(prefix + expr)
}

var (
	lookaround    = regexp.MustCompile(`\(\?(=|!|<=|<!)`)
	backreference = regexp.MustCompile(`\\[1-9]`)
)
