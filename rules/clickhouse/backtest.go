package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// Backend runs Sigma rules as SQL over the event table. It implements
// sigma.Backend.
type Backend struct {
	Table *Table
	// From and To bound the events by time when set.
	From, To time.Time
	// MaxDetections caps the detections fetched per rule (0: all); the
	// counts in RuleStats are always exact.
	MaxDetections int

	mu    sync.Mutex
	read  bool
	loads []string // the complete loads, read once
}

// OldTable is an event table made before the dup column (or one that
// does not exist).
type OldTable struct {
	Table   string
	Missing bool
}

func (e *OldTable) Error() string {
	if e.Missing {
		return fmt.Sprintf("table %s does not exist", e.Table)
	}
	return fmt.Sprintf("table %s was made by an earlier version of antibody (it has no dup column)", e.Table)
}

// check makes sure the event table exists with the current schema.
func (t *Table) check(ctx context.Context) error {
	db := t.Client.Database
	var cols, dup int
	if err := t.Client.Rows(ctx, fmt.Sprintf("SELECT count(), countIf(name = 'dup') FROM system.columns WHERE database = %s AND table = %s", quote(db), quote(t.Name)), func(c []string) error {
		cols, _ = strconv.Atoi(c[0])
		dup, _ = strconv.Atoi(c[1])
		return nil
	}); err != nil {
		return err
	}
	switch {
	case cols == 0:
		return &OldTable{Table: db + "." + t.Name, Missing: true}
	case dup == 0:
		return &OldTable{Table: db + "." + t.Name}
	}
	return nil
}

// snapshot checks the table's columns and reads which loads are complete, once: every query of this
// backend then reads the same events, even while another load finishes.
// (Naming them in each query is much cheaper on 18.16 than a GLOBAL IN
// subquery over the loads table: 20 ms instead of 400 per query.)
func (b *Backend) snapshot(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.read {
		return nil
	}
	db, t := b.Table.Client.Database, b.Table.Name
	if err := b.Table.check(ctx); err != nil {
		return err
	}
	var loads []string
	if err := b.Table.Client.Rows(ctx, fmt.Sprintf("SELECT load FROM %s.%s_loads ORDER BY load", db, t), func(c []string) error {
		loads = append(loads, c[0])
		return nil
	}); err != nil {
		return err
	}
	b.loads, b.read = loads, true
	return nil
}

// where is the part of every query that picks the events: complete
// loads only (see snapshot), and the time range.
func (b *Backend) where() string {
	quoted := []string{"''"} // no load has an empty id: no complete load reads nothing
	for _, l := range b.loads {
		quoted = append(quoted, quote(l))
	}
	w := "load IN (" + strings.Join(quoted, ", ") + ")"
	if !b.From.IsZero() {
		w += fmt.Sprintf(" AND time >= %d", b.From.Unix())
	}
	if !b.To.IsZero() {
		w += fmt.Sprintf(" AND time < %d", b.To.Unix())
	}
	return w
}

// Compiled is a rule set compiled for ClickHouse.
type Compiled struct {
	Engine *sigma.Engine
	// Where is each detection rule's SQL condition; Single the same for
	// rows in which no field name repeats (dup = 0), where it is faster.
	Where  map[*sigma.Rule]string
	Single map[*sigma.Rule]string
	// Correlations are the selects feeding each correlation rule.
	Correlations map[*sigma.Rule][]sigma.CorrelationSelect
	Refused      []sigma.SQLRefusal
}

// half is one query of the (at most) two a question about rules takes.
type half struct {
	pre    string // its PREWHERE clause
	single bool   // whether it uses the single-value conditions
}

// plan says how to query rules. When they need literals (the engine's
// prefilter), one query whose PREWHERE keeps only the rows holding one
// of them: the heavier conditions then run on few rows. Otherwise two:
// the rows in which no field name repeats (dup = 0, nearly all of them)
// with the single-value conditions, which 18.16 evaluates several times
// faster, and the others with the general ones. (18.16 evaluates every
// condition of a WHERE on every row, so one query with both forms would
// pay for the general one everywhere.)
func (c *Compiled) plan(rules ...*sigma.Rule) []half {
	if f := c.Engine.ClickHousePrefilter(rules...); f != "" {
		return []half{{pre: " PREWHERE " + f}}
	}
	return []half{{pre: " PREWHERE dup = 0", single: true}, {pre: " PREWHERE dup = 1"}}
}

// cond is a rule's condition in one half.
func (c *Compiled) cond(r *sigma.Rule, h half) string {
	if h.single {
		return c.Single[r]
	}
	return c.Where[r]
}

// byPlace orders detections or events as the files hold them.
func byPlace(a, b events.Source) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	return a.Offset < b.Offset
}

// Compile compiles every rule of the set, and lists the ones refused
// with why.
func Compile(set *sigma.Set, p *sigma.Pipeline) *Compiled {
	e := sigma.NewEngine(set, p)
	c := &Compiled{Engine: e, Where: map[*sigma.Rule]string{}, Single: map[*sigma.Rule]string{}, Correlations: map[*sigma.Rule][]sigma.CorrelationSelect{}}
	for _, r := range set.Rules {
		switch r.Kind {
		case sigma.KindRule:
			w, err := e.ClickHouseWhere(r)
			if err != nil {
				c.Refused = append(c.Refused, err.(sigma.SQLRefusal))
				continue
			}
			single, err := e.ClickHouseWhereSingle(r)
			if err != nil {
				c.Refused = append(c.Refused, err.(sigma.SQLRefusal))
				continue
			}
			c.Where[r], c.Single[r] = w, single
		case sigma.KindCorrelation:
			sel, err := e.ClickHouseCorrelation(r)
			if err != nil {
				c.Refused = append(c.Refused, err.(sigma.SQLRefusal))
				continue
			}
			c.Correlations[r] = sel
		}
	}
	return c
}

// reported says whether the engine reports a rule's own detections: not
// when it only feeds correlations (unless one says generate: true), and
// not a correlation that feeds another.
func reported(set *sigma.Set, r *sigma.Rule) bool {
	if c := r.Correlation(); c != nil {
		// A correlation another builds on is reported when it says
		// generate itself.
		for _, x := range set.Rules {
			if xc := x.Correlation(); xc != nil && slices.Contains(xc.Targets(), r) {
				return c.Generate
			}
		}
		return true
	}
	feeds, generate := false, false
	for _, x := range set.Rules {
		if c := x.Correlation(); c != nil {
			for _, t := range c.Targets() {
				if t == r {
					feeds = true
					generate = generate || c.Generate
				}
			}
		}
	}
	return !feeds || generate
}

// correlate fetches the rows a correlation's rules match and decides it.
func (b *Backend) correlate(ctx context.Context, comp *Compiled, cr *sigma.Rule) ([]sigma.Detection, error) {
	db, t := b.Table.Client.Database, b.Table.Name
	var rows, chained []sigma.CorrelationRow
	for _, sel := range comp.Correlations[cr] {
		if sel.From != nil {
			dets, err := b.correlate(ctx, comp, sel.From)
			if err != nil {
				return nil, err
			}
			chained = append(chained, sigma.ChainRows(cr, sel, dets)...)
			continue
		}
		cols := "time, nanos, file, record, line, offset"
		for _, f := range sel.Fields {
			cols += ", " + f
		}
		target := cr.Correlation().Targets()[sel.Pos]
		for _, h := range comp.plan(target) {
			w := sel.Where
			if h.single {
				w = sel.WhereSingle
			}
			q := fmt.Sprintf("SELECT %s FROM %s.%s%s WHERE %s AND (%s)", cols, db, t, h.pre, b.where(), w)
			err := b.Table.Client.Rows(ctx, q, func(c []string) error {
				row := sigma.CorrelationRow{Pos: sel.Pos, Source: source(c[2:6]), Values: c[6:]}
				row.Time = eventTime(c[0], c[1])
				rows = append(rows, row)
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("correlation %s: %w", cr.Title, err)
			}
		}
	}
	// Time order, ties by place in the files, as the engine reads them.
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return byPlace(a.Source, b.Source)
	})
	// The engine feeds a chained correlation's detections after the
	// events; its windows take equal times in that order.
	rows = append(rows, chained...)
	return comp.Engine.DecideCorrelation(cr, rows), nil
}

func source(c []string) events.Source {
	s := events.Source{File: c[0]}
	s.Record, _ = strconv.ParseUint(c[1], 10, 64)
	s.Line, _ = strconv.Atoi(c[2])
	s.Offset, _ = strconv.ParseInt(c[3], 10, 64)
	return s
}

func eventTime(secs, nanos string) time.Time {
	ts, err := time.ParseInLocation("2006-01-02 15:04:05", secs, time.UTC)
	if err != nil || ts.Unix() <= 0 {
		return time.Time{}
	}
	ns, _ := strconv.Atoi(nanos)
	return ts.Add(time.Duration(ns))
}

// Detect implements sigma.Backend: one query per rule, detections in
// file and offset order, then the correlations, decided over the rows
// their rules match, in time order.
func (b *Backend) Detect(ctx context.Context, set *sigma.Set, p *sigma.Pipeline, fn func(sigma.Detection)) (*sigma.BackendReport, error) {
	if err := b.snapshot(ctx); err != nil {
		return nil, err
	}
	comp := Compile(set, p)
	rep := &sigma.BackendReport{Backend: "clickhouse", Refused: comp.Refused}
	db, t := b.Table.Client.Database, b.Table.Name
	if err := b.Table.Client.Rows(ctx, fmt.Sprintf("SELECT count() FROM %s.%s WHERE %s", db, t, b.where()), func(c []string) error {
		rep.Events, _ = strconv.Atoi(c[0])
		return nil
	}); err != nil {
		return nil, err
	}
	var corr []sigma.Detection
	for _, r := range set.Rules {
		if _, ok := comp.Correlations[r]; ok {
			rep.Rules++
			dets, err := b.correlate(ctx, comp, r)
			if err != nil {
				return nil, err
			}
			if reported(set, r) {
				corr = append(corr, dets...)
			}
			continue
		}
		if _, ok := comp.Where[r]; !ok {
			continue
		}
		rep.Rules++
		if !reported(set, r) {
			continue
		}
		var dets []sigma.Detection
		for _, h := range comp.plan(r) {
			q := fmt.Sprintf("SELECT file, record, line, offset, time, nanos FROM %s.%s%s WHERE %s AND (%s) ORDER BY file, offset", db, t, h.pre, b.where(), comp.cond(r, h))
			if b.MaxDetections > 0 {
				q += fmt.Sprintf(" LIMIT %d", b.MaxDetections)
			}
			err := b.Table.Client.Rows(ctx, q, func(c []string) error {
				dets = append(dets, sigma.Detection{Rule: r, Source: source(c[0:4]), Time: eventTime(c[4], c[5])})
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("rule %s: %w", r.Title, err)
			}
		}
		sort.SliceStable(dets, func(i, j int) bool { return byPlace(dets[i].Source, dets[j].Source) })
		if b.MaxDetections > 0 && len(dets) > b.MaxDetections {
			dets = dets[:b.MaxDetections]
		}
		for _, d := range dets {
			fn(d)
		}
	}
	sort.SliceStable(corr, func(i, j int) bool { return corr[i].Time.Before(corr[j].Time) })
	for _, d := range corr {
		fn(d)
	}
	return rep, nil
}

// RuleStats is one rule's backtest: how often it fires and when.
type RuleStats struct {
	Rule  *sigma.Rule
	Hits  int
	First time.Time
	Last  time.Time
	// Top are the most frequent values of the fields that make the rule
	// noisy (its own fields), with counts.
	Top []FieldValue
}

// FieldValue is a value of a field and how many detections carry it.
type FieldValue struct {
	Field string
	Value string
	Count int
}

// Stats counts each compiled rule's hits with first and last time, and
// the most frequent values of the fields of the rules that fired.
func (b *Backend) Stats(ctx context.Context, set *sigma.Set, p *sigma.Pipeline) ([]RuleStats, []sigma.SQLRefusal, error) {
	if err := b.snapshot(ctx); err != nil {
		return nil, nil, err
	}
	comp := Compile(set, p)
	db, t := b.Table.Client.Database, b.Table.Name
	var out []RuleStats
	var plain []*sigma.Rule
	for _, r := range set.Rules {
		if _, ok := comp.Correlations[r]; ok {
			dets, err := b.correlate(ctx, comp, r)
			if err != nil {
				return nil, nil, err
			}
			rs := RuleStats{Rule: r, Hits: len(dets)}
			for _, d := range dets {
				if rs.First.IsZero() || d.Time.Before(rs.First) {
					rs.First = d.Time
				}
				if d.Time.After(rs.Last) {
					rs.Last = d.Time
				}
			}
			out = append(out, rs)
			continue
		}
		if _, ok := comp.Where[r]; ok {
			plain = append(plain, r)
		}
	}
	// Rules with small conditions share a query; a large one gets its
	// own, where its routing condition lets ClickHouse read only the
	// parts of the table sorted under its channels and event ids.
	for _, part := range comp.batches(plain) {
		stats := make([]RuleStats, len(part))
		for i, r := range part {
			stats[i].Rule = r
		}
		for _, h := range comp.plan(part...) {
			var cols, any []string
			for _, r := range part {
				w := comp.cond(r, h)
				cols = append(cols, fmt.Sprintf("countIf(%s), toUnixTimestamp(minIf(time, %s)), toUnixTimestamp(maxIf(time, %s))", w, w, w))
				any = append(any, "("+w+")")
			}
			q := fmt.Sprintf("SELECT %s FROM %s.%s%s WHERE %s AND (%s)", strings.Join(cols, ", "), db, t, h.pre, b.where(), strings.Join(any, " OR "))
			if len(part) == 1 {
				q = fmt.Sprintf("SELECT count(), toUnixTimestamp(min(time)), toUnixTimestamp(max(time)) FROM %s.%s%s WHERE %s AND (%s)", db, t, h.pre, b.where(), comp.cond(part[0], h))
			}
			got := false
			if err := b.Table.Client.Rows(ctx, q, func(c []string) error {
				got = true
				for i := range part {
					if 3*i+2 >= len(c) {
						continue
					}
					rs := &stats[i]
					n, _ := strconv.Atoi(c[3*i])
					f, _ := strconv.ParseInt(c[3*i+1], 10, 64)
					l, _ := strconv.ParseInt(c[3*i+2], 10, 64)
					rs.Hits += n
					if n > 0 && f > 0 {
						first, last := time.Unix(f, 0).UTC(), time.Unix(l, 0).UTC()
						if rs.First.IsZero() || first.Before(rs.First) {
							rs.First = first
						}
						if last.After(rs.Last) {
							rs.Last = last
						}
					}
				}
				return nil
			}); err != nil {
				return nil, nil, fmt.Errorf("rules %s...: %w", part[0].Title, err)
			}
			if !got {
				return nil, nil, fmt.Errorf("rules %s...: ClickHouse returned no row for the counts", part[0].Title)
			}
		}
		out = append(out, stats...)
	}
	for i := range out {
		rs := &out[i]
		w, ok := comp.Where[rs.Rule]
		if !ok || rs.Hits == 0 {
			continue
		}
		for _, f := range rs.Rule.Fields() {
			tq := fmt.Sprintf("SELECT v, count() AS c FROM %s.%s ARRAY JOIN names AS n, vals AS v WHERE %s AND (%s) AND n = %s GROUP BY v ORDER BY c DESC, v LIMIT 3",
				db, t, b.where(), w, quote(f))
			if err := b.Table.Client.Rows(ctx, tq, func(c []string) error {
				n, _ := strconv.Atoi(c[1])
				rs.Top = append(rs.Top, FieldValue{Field: f, Value: c[0], Count: n})
				return nil
			}); err != nil {
				return nil, nil, fmt.Errorf("rule %s: top values: %w", rs.Rule.Title, err)
			}
		}
	}
	return out, comp.Refused, nil
}

// Matched implements sigma.EventBackend: the events a rule fires on, with
// all their fields, read back from the table.
func (b *Backend) Matched(ctx context.Context, set *sigma.Set, p *sigma.Pipeline, want func(*sigma.Rule) bool) ([]*events.Event, int, error) {
	if err := b.snapshot(ctx); err != nil {
		return nil, 0, err
	}
	comp := Compile(set, p)
	var wanted []*sigma.Rule
	for _, r := range set.Rules {
		if !want(r) {
			continue
		}
		wanted = append(wanted, r)
		if _, ok := comp.Where[r]; !ok {
			for _, ref := range comp.Refused {
				if ref.Rule == r {
					return nil, 0, ref
				}
			}
			return nil, 0, fmt.Errorf("rule %s: only detection rules can be matched here", r.Title)
		}
	}
	db, t := b.Table.Client.Database, b.Table.Name
	examined := 0
	if err := b.Table.Client.Rows(ctx, fmt.Sprintf("SELECT count() FROM %s.%s WHERE %s", db, t, b.where()), func(c []string) error {
		examined, _ = strconv.Atoi(c[0])
		return nil
	}); err != nil {
		return nil, 0, err
	}
	if len(wanted) == 0 {
		return nil, examined, nil
	}
	var out []*events.Event
	for _, h := range comp.plan(wanted...) {
		var conds []string
		for _, r := range wanted {
			conds = append(conds, "("+comp.cond(r, h)+")")
		}
		q := fmt.Sprintf("SELECT file, record, line, offset, toUnixTimestamp(time) AS secs, nanos, names, vals FROM %s.%s%s WHERE %s AND (%s) ORDER BY file, offset",
			db, t, h.pre, b.where(), strings.Join(conds, " OR "))
		if err := b.Table.Client.JSONRows(ctx, q, func(row []byte) error {
			var r struct {
				File   string   `json:"file"`
				Record string   `json:"record"`
				Line   string   `json:"line"`
				Offset string   `json:"offset"`
				Secs   int64    `json:"secs"`
				Nanos  int64    `json:"nanos"`
				Names  []string `json:"names"`
				Vals   []string `json:"vals"`
			}
			if err := json.Unmarshal(row, &r); err != nil {
				return fmt.Errorf("read back an event: %w", err)
			}
			ev := &events.Event{Source: source([]string{r.File, r.Record, r.Line, r.Offset})}
			if r.Secs > 0 {
				ev.Time = time.Unix(r.Secs, r.Nanos).UTC()
			}
			for i := range r.Names {
				if i < len(r.Vals) {
					ev.Fields = append(ev.Fields, events.Field{Name: r.Names[i], Value: r.Vals[i]})
				}
			}
			out = append(out, ev)
			return nil
		}); err != nil {
			return nil, 0, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return byPlace(out[i].Source, out[j].Source) })
	return out, examined, nil
}

// Values implements sigma.EventBackend: the distinct values of the named
// fields in the events the backend reads.
func (b *Backend) Values(ctx context.Context, fields []string) ([]string, error) {
	if err := b.snapshot(ctx); err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, nil
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = quote(f)
	}
	db, t := b.Table.Client.Database, b.Table.Name
	q := fmt.Sprintf("SELECT DISTINCT v FROM %s.%s ARRAY JOIN names AS n, vals AS v WHERE %s AND n IN (%s) ORDER BY v",
		db, t, b.where(), strings.Join(names, ", "))
	var out []string
	err := b.Table.Client.Rows(ctx, q, func(c []string) error {
		out = append(out, c[0])
		return nil
	})
	return out, err
}

// batches groups rules for queries. Rules with literals share a query
// only while their literals together still make a PREWHERE (see plan),
// since the prefilter is what makes them cheap; rules without share one
// while their conditions are small. A large condition (long value lists)
// gets its own query, where the routing condition narrows what is read:
// on 18.16 a batch of large rules scans every row for every rule.
func (c *Compiled) batches(rules []*sigma.Rule) [][]*sigma.Rule {
	const perQuery, batchChars = 40, 4000
	var out [][]*sigma.Rule
	for start := 0; start < len(rules); {
		lits := c.Engine.ClickHousePrefilter(rules[start]) != ""
		end, chars := start+1, len(c.Where[rules[start]])
		for end < len(rules) && end-start < perQuery {
			r := rules[end]
			n := len(c.Where[r])
			if chars+n > batchChars || (c.Engine.ClickHousePrefilter(r) != "") != lits {
				break
			}
			if lits && c.Engine.ClickHousePrefilter(rules[start:end+1]...) == "" {
				break
			}
			chars += n
			end++
		}
		out = append(out, rules[start:end])
		start = end
	}
	return out
}

// Count implements sigma.Counter: each detection rule's matching events,
// counted in the table, many rules to a query. Correlations and refused
// rules are an error.
func (b *Backend) Count(ctx context.Context, set *sigma.Set, p *sigma.Pipeline) (map[*sigma.Rule]int, error) {
	if err := b.snapshot(ctx); err != nil {
		return nil, err
	}
	comp := Compile(set, p)
	if len(comp.Refused) > 0 {
		return nil, comp.Refused[0]
	}
	var rules []*sigma.Rule
	for _, r := range set.Rules {
		switch {
		case r.Kind == sigma.KindCorrelation:
			return nil, fmt.Errorf("rule %s: correlations are not counted per event", r.Title)
		case comp.Where[r] != "":
			rules = append(rules, r)
		}
	}
	db, t := b.Table.Client.Database, b.Table.Name
	out := map[*sigma.Rule]int{}
	for _, part := range comp.batches(rules) {
		for _, h := range comp.plan(part...) {
			counts := make([]string, len(part))
			any := make([]string, len(part))
			for i, r := range part {
				counts[i] = "countIf(" + comp.cond(r, h) + ")"
				any[i] = "(" + comp.cond(r, h) + ")"
			}
			q := fmt.Sprintf("SELECT %s FROM %s.%s%s WHERE %s AND (%s)", strings.Join(counts, ", "), db, t, h.pre, b.where(), strings.Join(any, " OR "))
			if len(part) == 1 {
				q = fmt.Sprintf("SELECT count() FROM %s.%s%s WHERE %s AND (%s)", db, t, h.pre, b.where(), comp.cond(part[0], h))
			}
			if err := b.Table.Client.Rows(ctx, q, func(c []string) error {
				for i, r := range part {
					if i < len(c) {
						n, _ := strconv.Atoi(c[i])
						out[r] += n
					}
				}
				return nil
			}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Examined counts the events and files the backend reads: complete loads
// within its time range.
func (b *Backend) Examined(ctx context.Context) (evs, files int, err error) {
	if err := b.snapshot(ctx); err != nil {
		return 0, 0, err
	}
	q := fmt.Sprintf("SELECT count(), uniqExact(file) FROM %s.%s WHERE %s", b.Table.Client.Database, b.Table.Name, b.where())
	err = b.Table.Client.Rows(ctx, q, func(c []string) error {
		evs, _ = strconv.Atoi(c[0])
		files, _ = strconv.Atoi(c[1])
		return nil
	})
	return evs, files, err
}
