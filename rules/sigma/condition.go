package sigma

import (
	"fmt"
	"strings"
)

// The condition grammar (Sigma specification v2.1, "Condition"):
//
//	expr    = and { "or" and }
//	and     = unary { "and" unary }
//	unary   = "not" unary | "(" expr ")" | quant | ident
//	quant   = ( "1" | "all" | "any" ) "of" ( "them" | pattern )
//
// Keywords are case-insensitive. A pattern is an identifier with "*"
// wildcards. sigma-go's condition lexer rejects patterns such as
// selection1_* (12 SigmaHQ rules), so conditions are parsed here.

type condNode interface{ String() string }

type condAnd []condNode
type condOr []condNode
type condNot struct{ x condNode }
type condIdent struct{ name string }
type condQuant struct {
	all     bool
	pattern string // "" means them
}

func (c condAnd) String() string { return joinNodes(c, " and ") }
func (c condOr) String() string  { return joinNodes(c, " or ") }
func (c condNot) String() string { return "not " + c.x.String() }
func (c condIdent) String() string {
	return c.name
}
func (c condQuant) String() string {
	q := "1 of "
	if c.all {
		q = "all of "
	}
	if c.pattern == "" {
		return q + "them"
	}
	return q + c.pattern
}

func joinNodes(nodes []condNode, sep string) string {
	parts := make([]string, len(nodes))
	for i, n := range nodes {
		parts[i] = n.String()
	}
	return "(" + strings.Join(parts, sep) + ")"
}

// conditionError is a problem at a column of the condition text.
type conditionError struct {
	col     int // 1-based
	feature string
	msg     string
}

func (e *conditionError) Error() string { return e.msg }

type condToken struct {
	text string
	col  int
}

func lexCondition(s string) ([]condToken, error) {
	var toks []condToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, condToken{string(c), i + 1})
			i++
		case c == '|':
			return nil, &conditionError{col: i + 1, feature: "condition aggregation", msg: "aggregation after | (Sigma v1 count()/near) is obsolete (expected a correlation rule)"}
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			toks = append(toks, condToken{s[i:j], i + 1})
			i = j
		default:
			return nil, &conditionError{col: i + 1, feature: "condition syntax", msg: fmt.Sprintf("unexpected %q in condition (expected an identifier, and, or, not, 1 of, all of or parentheses)", c)}
		}
	}
	return toks, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '*' || c == '-' || c == '.' || c == '?' ||
		(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}

type condParser struct {
	toks []condToken
	pos  int
	end  int // column after the text, for errors at the end
}

func parseCondition(s string) (condNode, error) {
	toks, err := lexCondition(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, &conditionError{col: 1, feature: "condition syntax", msg: "condition is empty (expected an expression over the search identifiers)"}
	}
	p := &condParser{toks: toks, end: len(s) + 1}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		t := p.toks[p.pos]
		if strings.EqualFold(t.text, "near") {
			return nil, &conditionError{col: t.col, feature: "near", msg: "near is obsolete (expected a temporal correlation rule)"}
		}
		return nil, &conditionError{col: t.col, feature: "condition syntax", msg: fmt.Sprintf("unexpected %q (expected and, or or the end of the condition)", t.text)}
	}
	return n, nil
}

func (p *condParser) peek() (condToken, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return condToken{col: p.end}, false
}

func (p *condParser) keyword(word string) bool {
	t, ok := p.peek()
	if ok && strings.EqualFold(t.text, word) {
		p.pos++
		return true
	}
	return false
}

func (p *condParser) or() (condNode, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	nodes := condOr{first}
	for p.keyword("or") {
		n, err := p.and()
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 1 {
		return first, nil
	}
	return nodes, nil
}

func (p *condParser) and() (condNode, error) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	nodes := condAnd{first}
	for p.keyword("and") {
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 1 {
		return first, nil
	}
	return nodes, nil
}

func (p *condParser) unary() (condNode, error) {
	t, ok := p.peek()
	if !ok {
		return nil, &conditionError{col: t.col, feature: "condition syntax", msg: "condition ends early (expected an identifier, not, 1 of, all of or a parenthesis)"}
	}
	lower := strings.ToLower(t.text)
	switch {
	case lower == "not":
		p.pos++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return condNot{x}, nil
	case t.text == "(":
		p.pos++
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.keyword(")") {
			c, _ := p.peek()
			return nil, &conditionError{col: c.col, feature: "condition syntax", msg: fmt.Sprintf("parenthesis opened at column %d is not closed (expected \")\")", t.col)}
		}
		return x, nil
	case lower == "1" || lower == "all" || lower == "any":
		if p.pos+1 < len(p.toks) && strings.EqualFold(p.toks[p.pos+1].text, "of") {
			p.pos += 2
			target, ok := p.peek()
			if !ok || target.text == "(" || target.text == ")" {
				return nil, &conditionError{col: target.col, feature: "condition syntax", msg: fmt.Sprintf("%s of needs a target (expected them or an identifier pattern)", t.text)}
			}
			p.pos++
			q := condQuant{all: lower == "all"}
			if !strings.EqualFold(target.text, "them") {
				q.pattern = target.text
			}
			return q, nil
		}
		if lower != "1" {
			break
		}
		fallthrough
	case t.text == ")" || lower == "and" || lower == "or" || lower == "of":
		return nil, &conditionError{col: t.col, feature: "condition syntax", msg: fmt.Sprintf("unexpected %q (expected an identifier, not, 1 of, all of or a parenthesis)", t.text)}
	}
	if strings.ContainsAny(t.text, "*?") {
		return nil, &conditionError{col: t.col, feature: "condition syntax", msg: fmt.Sprintf("pattern %q needs a quantifier (expected 1 of %s or all of %s)", t.text, t.text, t.text)}
	}
	p.pos++
	return condIdent{t.text}, nil
}
