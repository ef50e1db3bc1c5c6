package sigma

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/antibody-dev/antibody/rules/events"
)

// The ClickHouse event table keeps every event field as two parallel
// arrays, names and values (ClickHouse 18.16 has no Map type), so the
// compiled queries read these two columns; see rules/clickhouse.
const (
	SQLNames  = "names"
	SQLValues = "vals"
	// SQLLower holds each value lower-cased as the engine lowers it
	// (Lower), so comparisons need no lowerUTF8, whose folding differs.
	SQLLower = "lvals"
	// SQLChannel and SQLEventID hold the first Channel and EventID
	// values lower-cased, so routing can use the table's sort key.
	SQLChannel = "channel"
	SQLEventID = "event_id"
)

// SQLRefusal is a rule the SQL compiler will not translate, and why. A
// refused rule is never run as a query that means something else.
type SQLRefusal struct {
	Rule   *Rule
	Reason string
}

func (r SQLRefusal) Error() string {
	return fmt.Sprintf("%s: %s", r.Rule.Title, r.Reason)
}

// ClickHouseWhere compiles a detection rule, as this engine runs it (the
// pipeline's routing, the first route that takes an event, its field
// aliases, the rule's filters), into a boolean ClickHouse expression over
// the event table's names and vals arrays. It uses only functions that
// ClickHouse 18.16 and current versions both have. A construct without an
// equivalent expression is refused with an SQLRefusal; correlation rules
// are compiled by ClickHouseCorrelation instead.
func (e *Engine) ClickHouseWhere(r *Rule) (string, error) {
	return e.clickHouseWhere(r, false)
}

// ClickHouseWhereSingle is ClickHouseWhere for the rows in which no field
// name repeats (the table's dup = 0): each field's lambda then runs over
// its one value instead of every field of the event, which 18.16 does
// several times faster. On such rows both expressions agree.
func (e *Engine) ClickHouseWhereSingle(r *Rule) (string, error) {
	return e.clickHouseWhere(r, true)
}

func (e *Engine) clickHouseWhere(r *Rule, single bool) (string, error) {
	if r.Kind != KindRule {
		return "", SQLRefusal{r, "a correlation rule has no single SQL condition (see ClickHouseCorrelation)"}
	}
	branches, err := e.sqlBranches(r, single)
	if err != nil {
		return "", err
	}
	parts := make([]string, len(branches))
	for i, b := range branches {
		parts[i] = b.where
	}
	return strings.Join(parts, " OR "), nil
}

// ClickHousePrefilter is a cheap necessary condition of a detection rule
// for PREWHERE: one of the literals that every event the rule matches
// holds in some lower-cased value, found in the values joined (the
// engine's own prefilter, which scans the same joined text). "" when the
// rule needs no literal (a regex, a number, a field that must be absent).
func (e *Engine) ClickHousePrefilter(rules ...*Rule) string {
	seen := map[string]bool{}
	var conds []string
	joined := fmt.Sprintf("(arrayStringConcat(%s, '\\0') AS _joined)", SQLLower)
	for _, r := range rules {
		if r.Kind != KindRule {
			return ""
		}
		need := needOf(r.compiled)
		if need.top {
			return ""
		}
		for _, l := range need.lits {
			if !seen[l] {
				seen[l] = true
				conds = append(conds, fmt.Sprintf("position(%s, %s) > 0", joined, sqlString(l)))
				joined = "_joined"
			}
		}
	}
	// Each literal is one more scan of every row's joined values (18.16
	// has no multi-substring search): past a few, the prefilter costs
	// more than it saves.
	if len(conds) == 0 || len(conds) > maxPrefilterLiterals {
		return ""
	}
	return strings.Join(conds, " OR ")
}

const maxPrefilterLiterals = 12

// sqlBranch is a rule on one route: the events that route takes (and no
// earlier one does) and the rule's condition with that route's aliases.
type sqlBranch struct {
	where string
	c     *sqlCompiler
}

func (e *Engine) sqlBranches(r *Rule, single bool) ([]sqlBranch, error) {
	idx := -1
	for i, x := range e.rules {
		if x == r {
			idx = i
		}
	}
	if idx < 0 {
		return nil, SQLRefusal{r, "the rule is not part of this engine's rule set"}
	}
	names := make([]string, e.slots)
	for n, s := range e.slotOf {
		names[s] = n
	}
	// The routes that serve the rule, in the order the engine tries them
	// on one event: routes keyed by Channel first, then the open ones.
	var chRoutes, openRoutes []int
	inOpen := map[int]bool{}
	for _, ri := range e.open {
		inOpen[ri] = true
	}
	for ri, rt := range e.routes {
		serves := false
		for _, x := range rt.rules {
			if int(x) == idx {
				serves = true
			}
		}
		if !serves {
			continue
		}
		if inOpen[ri] {
			openRoutes = append(openRoutes, ri)
		} else {
			chRoutes = append(chRoutes, ri)
		}
	}
	order := append(chRoutes, openRoutes...)
	if len(order) == 0 {
		return nil, SQLRefusal{r, "the pipeline routes no events to its log source"}
	}
	var out []sqlBranch
	var earlier []string
	for _, ri := range order {
		rt := e.routes[ri]
		c := &sqlCompiler{e: e, names: names, alias: map[int][]int{}, single: single}
		for _, a := range rt.aliases {
			c.alias[a[0]] = append(c.alias[a[0]], a[1])
		}
		cond := c.routeCond(ri)
		body, err := c.node(r.compiled)
		if err != nil {
			return nil, SQLRefusal{r, err.Error()}
		}
		for _, f := range r.filters {
			fb, err := c.node(f.compiled)
			if err != nil {
				return nil, SQLRefusal{r, "filter " + f.Title + ": " + err.Error()}
			}
			body = "(" + body + ") AND (" + fb + ")"
		}
		guard := cond
		if len(earlier) > 0 {
			guard = "NOT (" + strings.Join(earlier, " OR ") + ") AND " + cond
		}
		out = append(out, sqlBranch{where: "(" + guard + " AND (" + body + "))", c: c})
		earlier = append(earlier, cond)
	}
	return out, nil
}

// CorrelationSelect is one query feeding a correlation: the events one of
// its rules matches on one route, with the SQL of the values the
// correlation reads from them (its group-by fields, then its value field).
type CorrelationSelect struct {
	Pos   int
	Where string
	// WhereSingle is Where for rows whose field names do not repeat
	// (see ClickHouseWhereSingle).
	WhereSingle string
	Fields      []string
	// From, when set, is a correlation this one builds on: its
	// detections feed position Pos with their group-by values (see
	// ChainRows), and there is no Where.
	From *Rule
}

// ClickHouseCorrelation compiles what a correlation needs from the event
// table: for each of its rules, the matching events and the fields it
// groups and aggregates by, read as the engine reads them (through the
// correlation's aliases and the route's field mapping). The windows are
// then decided by DecideCorrelation over the rows, exactly as the engine
// decides them: ClickHouse 18.16 has no window functions, and the
// engine's windows consume the events that fired. A correlation that
// builds on another is fed that one's detections (ChainRows).
func (e *Engine) ClickHouseCorrelation(cr *Rule) ([]CorrelationSelect, error) {
	c := cr.correlation
	if cr.Kind != KindCorrelation || c == nil {
		return nil, SQLRefusal{cr, "not a correlation rule"}
	}
	var out []CorrelationSelect
	for pos, t := range c.targets {
		if t.Kind == KindCorrelation {
			if _, err := e.ClickHouseCorrelation(t); err != nil {
				return nil, SQLRefusal{cr, "correlation " + t.Title + ": " + err.(SQLRefusal).Reason}
			}
			out = append(out, CorrelationSelect{Pos: pos, From: t})
			continue
		}
		if t.Kind != KindRule {
			return nil, SQLRefusal{cr, "rule " + t.Title + " is not a detection or correlation rule"}
		}
		branches, err := e.sqlBranches(t, false)
		if err != nil {
			return nil, SQLRefusal{cr, "rule " + t.Title + ": " + err.(SQLRefusal).Reason}
		}
		singles, err := e.sqlBranches(t, true)
		if err != nil {
			return nil, SQLRefusal{cr, "rule " + t.Title + ": " + err.(SQLRefusal).Reason}
		}
		reads := append([]string{}, c.GroupBy...)
		if c.Field != "" {
			reads = append(reads, c.Field)
		}
		for bi, b := range branches {
			cs := CorrelationSelect{Pos: pos, Where: b.where, WhereSingle: singles[bi].where}
			for _, name := range reads {
				if alias, ok := c.Aliases[name]; ok {
					if f, ok := alias[t.Name]; ok {
						name = f
					} else if f, ok := alias[t.ID]; ok {
						name = f
					}
				}
				first := func(n string) (string, error) {
					return fmt.Sprintf("%s[indexOf(%s, %s)]", SQLValues, SQLNames, sqlString(n)), nil
				}
				expr, _ := first(name)
				if slot, ok := e.slotOf[name]; ok {
					expr, _ = b.c.pick(slot, first)
				}
				cs.Fields = append(cs.Fields, expr)
			}
			out = append(out, cs)
		}
	}
	return out, nil
}

// CorrelationRow is one event a correlation's rule matched, as read back
// from a backend: which rule (its position), when, where, and the values
// of the correlation's group-by fields and value field.
type CorrelationRow struct {
	Pos    int
	Time   time.Time
	Source events.Source
	Values []string
}

// ChainRows turns the detections of the correlation a select builds on
// into rows for the correlation cr, as the engine feeds them: their time
// and place, and cr's group-by values taken from their groups.
func ChainRows(cr *Rule, sel CorrelationSelect, dets []Detection) []CorrelationRow {
	c := cr.correlation
	out := make([]CorrelationRow, 0, len(dets))
	for _, d := range dets {
		row := CorrelationRow{Pos: sel.Pos, Time: d.Time, Source: d.Source}
		for _, g := range c.GroupBy {
			row.Values = append(row.Values, d.Group[g])
		}
		if c.Field != "" {
			row.Values = append(row.Values, "")
		}
		out = append(out, row)
	}
	return out
}

// DecideCorrelation decides a correlation over the rows its rules
// matched, with the engine's own windows.
func (e *Engine) DecideCorrelation(cr *Rule, rows []CorrelationRow) []Detection {
	c := cr.correlation
	hits := make([]corrHit, len(rows))
	for i, r := range rows {
		h := corrHit{pos: r.Pos, t: r.Time, src: r.Source}
		n := len(c.GroupBy)
		h.group = append(h.group, r.Values[:n]...)
		if c.Field != "" {
			h.val = r.Values[n]
		}
		hits[i] = h
	}
	return decide(cr, hits)
}

type sqlCompiler struct {
	e     *Engine
	names []string
	alias map[int][]int // destination slot -> source slots, in order
	// single compiles for rows whose field names do not repeat: a
	// field's lambda runs over its one value.
	single bool
}

// fieldExists is "some value of field name satisfies body": a lambda over
// every (name, value) pair of the event, or, in single mode, over the
// field's one value (the caller guards with has(names, name)).
func (c *sqlCompiler) fieldExists(name, args, body, arrays string) string {
	if c.single {
		return fmt.Sprintf("arrayExists((v, lv%s) -> (%s), [%s[indexOf(%s, %s)]], [%s[indexOf(%s, %s)]]%s)",
			args, body, SQLValues, SQLNames, sqlString(name), SQLLower, SQLNames, sqlString(name), arrays)
	}
	return fmt.Sprintf("arrayExists((n, v, lv%s) -> n = %s AND (%s), %s, %s, %s%s)",
		args, sqlString(name), body, SQLNames, SQLValues, SQLLower, arrays)
}

// routeCond is the SQL of the route's conditions: Channel and the other
// fields, each compared lower-cased on its first value.
func (c *sqlCompiler) routeCond(ri int) string {
	rt := c.e.routes[ri]
	var conds []string
	if c.e.pipeline != nil && rt.src != nil {
		var channels []string
		for f, vals := range rt.src.Conditions {
			if f == "Channel" {
				for _, v := range vals {
					channels = append(channels, strings.ToLower(v))
				}
			}
		}
		sort.Strings(channels)
		if len(channels) > 0 {
			conds = append(conds, columnIn(SQLChannel, channels))
		}
	}
	for _, rc := range rt.conds {
		if c.names[rc.slot] == "EventID" {
			conds = append(conds, columnIn(SQLEventID, rc.values))
			continue
		}
		conds = append(conds, firstIn(c.names[rc.slot], rc.values))
	}
	if len(conds) == 0 {
		return "1"
	}
	return strings.Join(conds, " AND ")
}

// firstIn tests that the first value of a field, lower-cased, is one of
// vals.
func firstIn(field string, vals []string) string {
	return fmt.Sprintf("(has(%s, %s) AND %s[indexOf(%s, %s)] IN (%s))", SQLNames, sqlString(field), SQLLower, SQLNames, sqlString(field), quoteList(vals))
}

// columnIn tests a column that holds a field's first value lower-cased
// (” when the event has no such field).
func columnIn(col string, vals []string) string {
	return fmt.Sprintf("%s IN (%s)", col, quoteList(vals))
}

func quoteList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = sqlString(v)
	}
	return strings.Join(q, ", ")
}

func (c *sqlCompiler) node(n evalNode) (string, error) {
	switch x := n.(type) {
	case andEval:
		return c.list(x, " AND ")
	case orEval:
		return c.list(x, " OR ")
	case notEval:
		s, err := c.node(x.x)
		return "NOT (" + s + ")", err
	case constEval:
		if x {
			return "1", nil
		}
		return "0", nil
	case *search:
		var groups []string
		for _, g := range x.groups {
			var ms []string
			for _, m := range g {
				s, err := c.matcher(m)
				if err != nil {
					return "", fmt.Errorf("%s: %w", x.name, err)
				}
				ms = append(ms, "("+s+")")
			}
			if len(ms) == 0 {
				ms = []string{"1"}
			}
			groups = append(groups, "("+strings.Join(ms, " AND ")+")")
		}
		if len(groups) == 0 {
			return "0", nil
		}
		return "(" + strings.Join(groups, " OR ") + ")", nil
	}
	return "", fmt.Errorf("condition node %T has no SQL form", n)
}

func (c *sqlCompiler) list(xs []evalNode, sep string) (string, error) {
	parts := make([]string, len(xs))
	for i, x := range xs {
		s, err := c.node(x)
		if err != nil {
			return "", err
		}
		parts[i] = "(" + s + ")"
	}
	return strings.Join(parts, sep), nil
}

// candidates returns the event field names a rule field reads on this
// route, most preferred first: the aliases' sources (the last applied
// wins) and then the field itself.
func (c *sqlCompiler) candidates(slot int) []string {
	var out []string
	srcs := c.alias[slot]
	for i := len(srcs) - 1; i >= 0; i-- {
		out = append(out, c.names[srcs[i]])
	}
	return append(out, c.names[slot])
}

// pick builds multiIf(has(F1), expr(F1), has(F2), expr(F2), ..., expr(F))
// choosing the event field a rule field is read from.
func (c *sqlCompiler) pick(slot int, expr func(name string) (string, error)) (string, error) {
	cands := c.candidates(slot)
	last, err := expr(cands[len(cands)-1])
	if err != nil {
		return "", err
	}
	if len(cands) == 1 {
		return last, nil
	}
	var b strings.Builder
	b.WriteString("multiIf(")
	for _, name := range cands[:len(cands)-1] {
		s, err := expr(name)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "has(%s, %s), %s, ", SQLNames, sqlString(name), s)
	}
	b.WriteString(last + ")")
	return b.String(), nil
}

func (c *sqlCompiler) matcher(m *fieldMatcher) (string, error) {
	if m.field == "" {
		return c.keywords(m)
	}
	slot := c.e.slotOf[m.field]
	return c.pick(slot, func(name string) (string, error) {
		has := fmt.Sprintf("has(%s, %s)", SQLNames, sqlString(name))
		if m.exists != 0 {
			if m.exists > 0 {
				return has, nil
			}
			return "NOT " + has, nil
		}
		absent := false
		for i := range m.values {
			if m.values[i].kind == kindNull {
				absent = !m.neq
			}
		}
		var each, plain []string
		for i := range m.values {
			one, err := c.one(m, &m.values[i], "v")
			if err != nil {
				return "", err
			}
			if m.values[i].kind != kindFieldRef && !m.all {
				plain = append(plain, one)
				continue
			}
			x := c.fieldExists(name, c.refArg(&m.values[i]), one, c.refArray(&m.values[i]))
			if m.values[i].kind == kindFieldRef {
				// The engine compares only with a field that is there.
				var has []string
				for _, cand := range c.candidates(c.e.slotOf[m.values[i].ref]) {
					has = append(has, fmt.Sprintf("has(%s, %s)", SQLNames, sqlString(cand)))
				}
				x = "((" + strings.Join(has, " OR ") + ") AND " + x + ")"
			}
			each = append(each, x)
		}
		if len(plain) > 0 {
			// Any of the values on any of the field's values: one pass.
			each = append(each, c.fieldExists(name, "", strings.Join(plain, " OR "), ""))
		}
		joined := strings.Join(each, " OR ")
		if m.all {
			joined = strings.Join(each, " AND ")
		}
		if len(each) == 0 {
			joined = "0"
			if m.all {
				joined = "1"
			}
		}
		present := "(" + joined + ")"
		if m.neq {
			present = "NOT " + present
		}
		if absent {
			return fmt.Sprintf("(NOT %s OR %s)", has, present), nil
		}
		return fmt.Sprintf("(%s AND %s)", has, present), nil
	})
}

// refArg and refArray pass a fieldref's other value into the lambda as a
// third array (ClickHouse 18.16 lambdas do not reliably see outer
// columns).
func (c *sqlCompiler) refArg(v *value) string {
	if v.kind == kindFieldRef {
		return ", r, lr"
	}
	return ""
}

func (c *sqlCompiler) refArray(v *value) string {
	if v.kind != kindFieldRef {
		return ""
	}
	read := func(col string) string {
		s, _ := c.pick(c.e.slotOf[v.ref], func(name string) (string, error) {
			return fmt.Sprintf("%s[indexOf(%s, %s)]", col, SQLNames, sqlString(name)), nil
		})
		return s
	}
	if c.single {
		return fmt.Sprintf(", [%s], [%s]", read(SQLValues), read(SQLLower))
	}
	return fmt.Sprintf(", replicate(%s, %s), replicate(%s, %s)", read(SQLValues), SQLNames, read(SQLLower), SQLNames)
}

// keywords: any value of any field.
func (c *sqlCompiler) keywords(m *fieldMatcher) (string, error) {
	var each []string
	for i := range m.values {
		if m.values[i].kind == kindFieldRef {
			return "", fmt.Errorf("fieldref needs a field")
		}
		one, err := c.one(m, &m.values[i], "v")
		if err != nil {
			return "", err
		}
		each = append(each, one)
	}
	if len(each) == 0 {
		return "0", nil
	}
	if m.all {
		for i, one := range each {
			each[i] = fmt.Sprintf("arrayExists((v, lv) -> %s, %s, %s)", one, SQLValues, SQLLower)
		}
		return strings.Join(each, " AND "), nil
	}
	return fmt.Sprintf("arrayExists((v, lv) -> %s, %s, %s)", strings.Join(each, " OR "), SQLValues, SQLLower), nil
}

var ipv4Pattern = `^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$`

// one is the SQL of one value against the lambda variable v.
func (c *sqlCompiler) one(m *fieldMatcher, val *value, v string) (string, error) {
	low := "lv"
	if m.cased {
		low = v
	}
	trimmed := fmt.Sprintf(`replaceRegexpAll(%s, '^\\s+|\\s+$', '')`, v)
	switch val.kind {
	case kindNull:
		return v + " = ''", nil
	case kindExact:
		return low + " = " + sqlString(val.lit), nil
	case kindPrefix:
		if val.lit == "" {
			return "1", nil
		}
		return fmt.Sprintf("startsWith(%s, %s)", low, sqlString(val.lit)), nil
	case kindSuffix:
		return fmt.Sprintf("endsWith(%s, %s)", low, sqlString(val.lit)), nil
	case kindContains:
		if val.lit == "" {
			return "1", nil
		}
		return fmt.Sprintf("position(%s, %s) > 0", low, sqlString(val.lit)), nil
	case kindGlob:
		var b strings.Builder
		b.WriteString("^(?s)")
		for _, t := range val.toks {
			switch {
			case t.star:
				b.WriteString(".*")
			case t.one:
				b.WriteString(".")
			case t.dash:
				b.WriteString(`(?:-|/|\x{2013}|\x{2014}|\x{2015})`)
			default:
				b.WriteString(regexp.QuoteMeta(t.lit))
			}
		}
		b.WriteString("$")
		return fmt.Sprintf("match(%s, %s)", low, sqlString(b.String())), nil
	case kindRegexp:
		// ClickHouse's match lets . match a newline; Go's regexp does
		// not unless the rule asks (re|s), so say so first.
		return fmt.Sprintf("match(%s, %s)", v, sqlString("(?-s)"+val.re.String())), nil
	case kindCIDR:
		if !val.pfx.Addr().Is4() {
			return ipv6Prefix(trimmed, val.pfx)
		}
		ip := fmt.Sprintf(`replaceRegexpOne(%s, '^::[fF]{4}:', '')`, trimmed)
		bits := val.pfx.Bits()
		mask := uint64(0)
		if bits > 0 {
			mask = (uint64(0xffffffff) << (32 - bits)) & 0xffffffff
		}
		net := netip.PrefixFrom(val.pfx.Masked().Addr(), 32).Addr().As4()
		n := uint64(net[0])<<24 | uint64(net[1])<<16 | uint64(net[2])<<8 | uint64(net[3])
		return fmt.Sprintf("(match(%s, %s) AND bitAnd(IPv4StringToNum(%s), %d) = %d)", ip, sqlString(ipv4Pattern), ip, mask, n), nil
	case kindNumber:
		if val.timePart != "" {
			return "", fmt.Errorf("the %s modifier has no ClickHouse expression that parses timestamps exactly as the engine does", val.timePart)
		}
		op := map[cmpOp]string{opEq: "=", opLt: "<", opLte: "<=", opGt: ">", opGte: ">="}[val.op]
		num := strconv.FormatFloat(val.num, 'g', -1, 64)
		dec := fmt.Sprintf("(match(%s, %s) AND toFloat64OrZero(%s) %s %s)", trimmed, sqlString(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`), trimmed, op, num)
		hexDigits := fmt.Sprintf("substring(%s, 3)", trimmed)
		hex := fmt.Sprintf("(match(%s, '^0[xX][0-9a-fA-F]{1,16}$') AND toFloat64(reinterpretAsUInt64(reverse(unhex(concat(if(length(%s) %% 2 = 1, '0', ''), %s))))) %s %s)",
			trimmed, hexDigits, hexDigits, op, num)
		return "(" + dec + " OR " + hex + ")", nil
	case kindFieldRef:
		a, b := low, "lr"
		if m.cased {
			b = "r"
		}
		switch val.refMode {
		case kindContains:
			return fmt.Sprintf("position(%s, %s) > 0", a, b), nil
		case kindPrefix:
			return fmt.Sprintf("startsWith(%s, %s)", a, b), nil
		case kindSuffix:
			return fmt.Sprintf("endsWith(%s, %s)", a, b), nil
		}
		return a + " = " + b, nil
	}
	return "", fmt.Errorf("value kind %d has no SQL form", val.kind)
}

// sqlString quotes a ClickHouse string literal.
func sqlString(s string) string {
	return "'" + sqlQuoter.Replace(s) + "'"
}

var sqlQuoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// ipv6Prefix compares the leading bits of IPv6StringToNum with the
// prefix. That function gives zeros for anything it cannot parse, so a
// prefix whose network is all zeros (::/n) is refused; IPv4 and
// IPv4-mapped addresses never match an IPv6 prefix, as in the engine.
func ipv6Prefix(text string, pfx netip.Prefix) (string, error) {
	net := pfx.Masked().Addr().As16()
	zero := true
	for _, b := range net {
		zero = zero && b == 0
	}
	if zero {
		return "", fmt.Errorf("cidr %s: a range that holds :: cannot be told from unparsable text by ClickHouse 18.16's IPv6StringToNum", pfx)
	}
	num := "IPv6StringToNum(" + text + ")"
	conds := []string{
		fmt.Sprintf("position(%s, ':') > 0", text),
		fmt.Sprintf("NOT match(%s, '^::[fF]{4}:[0-9.]+$')", text),
	}
	bits := pfx.Bits()
	if full := bits / 8; full > 0 {
		conds = append(conds, fmt.Sprintf("hex(substring(%s, 1, %d)) = '%X'", num, full, net[:full]))
	}
	if rest := bits % 8; rest > 0 {
		mask := byte(0xff << (8 - rest))
		conds = append(conds, fmt.Sprintf("bitAnd(reinterpretAsUInt8(substring(%s, %d, 1)), %d) = %d", num, bits/8+1, mask, net[bits/8]&mask))
	}
	return "(" + strings.Join(conds, " AND ") + ")", nil
}
