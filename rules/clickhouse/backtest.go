package clickhouse

import (
	"context"
	"fmt"
	"strconv"
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
}

// where is the part of every query that picks the events: complete
// loads only, and the time range.
func (b *Backend) where() string {
	db, t := b.Table.Client.Database, b.Table.Name
	w := fmt.Sprintf("load GLOBAL IN (SELECT load FROM %s.%s_loads)", db, t)
	if !b.From.IsZero() {
		w += fmt.Sprintf(" AND time >= %d", b.From.Unix())
	}
	if !b.To.IsZero() {
		w += fmt.Sprintf(" AND time < %d", b.To.Unix())
	}
	return w
}

// Compile returns every detection rule's SQL condition, and the rules
// refused with why.
func Compile(set *sigma.Set, p *sigma.Pipeline) (map[*sigma.Rule]string, []sigma.SQLRefusal) {
	e := sigma.NewEngine(set, p)
	out := map[*sigma.Rule]string{}
	var refused []sigma.SQLRefusal
	for _, r := range set.Rules {
		switch r.Kind {
		case sigma.KindRule:
			w, err := e.ClickHouseWhere(r)
			if err != nil {
				refused = append(refused, err.(sigma.SQLRefusal))
				continue
			}
			out[r] = w
		case sigma.KindCorrelation:
			_, err := e.ClickHouseWhere(r)
			refused = append(refused, err.(sigma.SQLRefusal))
		}
	}
	return out, refused
}

// Detect implements sigma.Backend: one query per rule, detections in
// file and offset order. The base rules of a correlation are reported on
// their own, since the correlation itself is refused.
func (b *Backend) Detect(ctx context.Context, set *sigma.Set, p *sigma.Pipeline, fn func(sigma.Detection)) (*sigma.BackendReport, error) {
	sqls, refused := Compile(set, p)
	rep := &sigma.BackendReport{Backend: "clickhouse", Refused: refused}
	db, t := b.Table.Client.Database, b.Table.Name
	if err := b.Table.Client.Rows(ctx, fmt.Sprintf("SELECT count() FROM %s.%s WHERE %s", db, t, b.where()), func(c []string) error {
		rep.Events, _ = strconv.Atoi(c[0])
		return nil
	}); err != nil {
		return nil, err
	}
	for _, r := range set.Rules {
		w, ok := sqls[r]
		if !ok {
			continue
		}
		rep.Rules++
		q := fmt.Sprintf("SELECT file, record, line, offset, time, nanos FROM %s.%s WHERE %s AND (%s) ORDER BY file, offset", db, t, b.where(), w)
		if b.MaxDetections > 0 {
			q += fmt.Sprintf(" LIMIT %d", b.MaxDetections)
		}
		err := b.Table.Client.Rows(ctx, q, func(c []string) error {
			d := sigma.Detection{Rule: r, Source: events.Source{File: c[0]}}
			d.Source.Record, _ = strconv.ParseUint(c[1], 10, 64)
			line, _ := strconv.Atoi(c[2])
			d.Source.Line = line
			d.Source.Offset, _ = strconv.ParseInt(c[3], 10, 64)
			if ts, err := time.ParseInLocation("2006-01-02 15:04:05", c[4], time.UTC); err == nil && ts.Unix() > 0 {
				ns, _ := strconv.Atoi(c[5])
				d.Time = ts.Add(time.Duration(ns))
			}
			fn(d)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.Title, err)
		}
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

// Stats counts each compiled rule's hits with first and last time.
func (b *Backend) Stats(ctx context.Context, set *sigma.Set, p *sigma.Pipeline) ([]RuleStats, []sigma.SQLRefusal, error) {
	sqls, refused := Compile(set, p)
	db, t := b.Table.Client.Database, b.Table.Name
	var out []RuleStats
	for _, r := range set.Rules {
		w, ok := sqls[r]
		if !ok {
			continue
		}
		rs := RuleStats{Rule: r}
		q := fmt.Sprintf("SELECT count(), toUnixTimestamp(min(time)), toUnixTimestamp(max(time)) FROM %s.%s WHERE %s AND (%s)", db, t, b.where(), w)
		if err := b.Table.Client.Rows(ctx, q, func(c []string) error {
			rs.Hits, _ = strconv.Atoi(c[0])
			if rs.Hits > 0 {
				f, _ := strconv.ParseInt(c[1], 10, 64)
				l, _ := strconv.ParseInt(c[2], 10, 64)
				if f > 0 {
					rs.First, rs.Last = time.Unix(f, 0).UTC(), time.Unix(l, 0).UTC()
				}
			}
			return nil
		}); err != nil {
			return nil, nil, fmt.Errorf("rule %s: %w", r.Title, err)
		}
		if rs.Hits > 0 {
			for _, f := range r.Fields() {
				tq := fmt.Sprintf("SELECT v, count() AS c FROM %s.%s ARRAY JOIN names AS n, vals AS v WHERE %s AND (%s) AND n = %s GROUP BY v ORDER BY c DESC, v LIMIT 3",
					db, t, b.where(), w, quote(f))
				if err := b.Table.Client.Rows(ctx, tq, func(c []string) error {
					n, _ := strconv.Atoi(c[1])
					rs.Top = append(rs.Top, FieldValue{Field: f, Value: c[0], Count: n})
					return nil
				}); err != nil {
					return nil, nil, fmt.Errorf("rule %s: top values: %w", r.Title, err)
				}
			}
		}
		out = append(out, rs)
	}
	return out, refused, nil
}
