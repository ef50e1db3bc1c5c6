package clickhouse

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// Schema is the event table, one row per event. Every event field is kept
// in the parallel arrays names and vals (ClickHouse 18.16 has no Map
// type), and lvals holds the values lower-cased as the Sigma engine lowers
// them; channel and event_id are the first Channel and EventID lower-cased
// (the sort key, so routing skips what it does not need), host and
// provider the first Computer and Provider_Name. load names the load the row
// came in with: backtests read only loads recorded as complete in the
// loads table. dup is 1 when some field name occurs more than once in the
// event (unnamed EventData, for one): on the other rows a field has one
// value, and queries use the faster single-value conditions there.
const Schema = `(
    time DateTime('UTC'),
    nanos UInt32,
    load String,
    file String,
    record UInt64,
    line UInt64,
    offset UInt64,
    host String,
    channel String,
    event_id String,
    provider String,
    names Array(String),
    vals Array(String),
    lvals Array(String),
    dup UInt8
)`

// Table is where the events are: a database, a table name and, for a
// sharded setup, the cluster (as named in the servers' remote_servers)
// and a client for each of its shards.
type Table struct {
	Client  *Client
	Name    string // the table queries read: events
	Cluster string // "" for one server
	// Shards are the cluster's servers, where the local tables are
	// created (distributed DDL needs ZooKeeper, which a plain
	// clickhouse-server setup does not have).
	Shards []*Client
}

func (t *Table) local() string { return t.Name + "_local" }

const engineMergeTree = "ENGINE = MergeTree() PARTITION BY toYYYYMM(time) ORDER BY (channel, event_id, time, file, offset)"

// Init creates the tables if they do not exist: on one server the event
// table itself; on a cluster a local MergeTree table on every shard and a
// Distributed table over them (rows spread by file and offset); and the
// loads table that records complete loads.
func (t *Table) Init(ctx context.Context) error {
	db := t.Client.Database
	if t.Cluster == "" {
		if err := t.Client.Exec(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s %s %s", db, t.Name, Schema, engineMergeTree)); err != nil {
			return err
		}
	} else {
		if len(t.Shards) == 0 {
			return fmt.Errorf("cluster %s: no shard servers given (expected the HTTP URL of each shard)", t.Cluster)
		}
		for _, sh := range t.Shards {
			if err := sh.Exec(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s %s %s", sh.Database, t.local(), Schema, engineMergeTree)); err != nil {
				return fmt.Errorf("shard %s: %w", sh.URL, err)
			}
		}
		if err := t.Client.Exec(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s %s ENGINE = Distributed(%s, %s, %s, cityHash64(file, offset))",
			db, t.Name, Schema, t.Cluster, db, t.local())); err != nil {
			return err
		}
	}
	if err := t.Client.Exec(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s_loads (load String, finished DateTime('UTC'), files UInt64, events UInt64) ENGINE = TinyLog", db, t.Name)); err != nil {
		return err
	}
	return t.Client.Exec(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s_files (load String, file String, sha256 String, size UInt64, events UInt64) ENGINE = TinyLog", db, t.Name))
}

// Drop removes the tables (for tests).
func (t *Table) Drop(ctx context.Context) error {
	db := t.Client.Database
	for _, name := range []string{t.Name, t.Name + "_loads", t.Name + "_files"} {
		if err := t.Client.Exec(ctx, fmt.Sprintf("DROP TABLE IF EXISTS %s.%s", db, name)); err != nil {
			return err
		}
	}
	for _, sh := range t.Shards {
		if err := sh.Exec(ctx, fmt.Sprintf("DROP TABLE IF EXISTS %s.%s", sh.Database, t.local())); err != nil {
			return err
		}
	}
	return nil
}

// LoadStats says what a load put in the table.
type LoadStats struct {
	Load    string
	Files   int
	Events  int
	Batches int
	Damage  []events.Damage
	Elapsed time.Duration
}

// LoadOptions tunes a load.
type LoadOptions struct {
	// BatchEvents is how many events go in one INSERT (default 20,000).
	BatchEvents int
	// Progress, when set, is called after each batch.
	Progress func(LoadStats)
	// Again loads files whose content a complete load already holds;
	// without it such a load is refused (DuplicateLoad), since every
	// count over the table would count their events twice.
	Again bool
}

// DuplicateLoad is a load refused because the table already holds some of
// its files (the same content, whatever the path).
type DuplicateLoad struct {
	Files []LoadedFile
}

// LoadedFile is a file a complete load holds.
type LoadedFile struct {
	Path      string // as given now
	LoadedAs  string // as given then
	Load      string
	LoadedEvs int
}

func (e *DuplicateLoad) Error() string {
	f := e.Files[0]
	more := ""
	if len(e.Files) > 1 {
		more = fmt.Sprintf(" (and %d more files)", len(e.Files)-1)
	}
	return fmt.Sprintf("%s is already in the table: load %s holds the same content as %s (%d events)%s; loading it again would count its events twice (expected new files, or --again to load them anyway)",
		f.Path, f.Load, f.LoadedAs, f.LoadedEvs, more)
}

// IncompleteLoad is a load that failed part way: some batches are in the
// table, but the load is not recorded as complete, so backtests do not
// read them.
type IncompleteLoad struct {
	Stats LoadStats
	Err   error
}

func (e *IncompleteLoad) Error() string {
	return fmt.Sprintf("load %s is incomplete and will not be used by backtests (%d events in %d batches were sent before it stopped): %v",
		e.Stats.Load, e.Stats.Events, e.Stats.Batches, e.Err)
}

func (e *IncompleteLoad) Unwrap() error { return e.Err }

// Load streams the events of files (EVTX, JSON Lines, JSON; folders are
// walked) into the table in batches, then records the load as complete.
func (t *Table) Load(ctx context.Context, paths []string, opts LoadOptions) (*LoadStats, error) {
	if opts.BatchEvents <= 0 {
		opts.BatchEvents = 20000
	}
	files, err := events.Files(paths)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no event files in %s (expected .evtx, .json or .jsonl files)", strings.Join(paths, ", "))
	}
	if err := t.check(ctx); err != nil {
		return nil, err
	}
	sums := make([]fileSum, len(files))
	for i, f := range files {
		if sums[i], err = sumFile(f); err != nil {
			return nil, err
		}
	}
	if !opts.Again {
		if err := t.checkNew(ctx, files, sums); err != nil {
			return nil, err
		}
	}
	id := make([]byte, 8)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	st := &LoadStats{Load: hex.EncodeToString(id)}
	start := time.Now()
	var batch bytes.Buffer
	rows := 0
	flush := func() error {
		if rows == 0 {
			return nil
		}
		body, err := t.Client.do(ctx, fmt.Sprintf("INSERT INTO %s.%s VALUES", t.Client.Database, t.Name), bytes.NewReader(batch.Bytes()),
			map[string]string{"insert_distributed_sync": "1"})
		if err != nil {
			return err
		}
		body.Close()
		st.Events += rows
		st.Batches++
		batch.Reset()
		rows = 0
		if opts.Progress != nil {
			opts.Progress(*st)
		}
		return nil
	}
	perFile := make([]int, len(files))
	for i, f := range files {
		before := st.Events + rows
		stats, err := events.Read(f, func(ev *events.Event) error {
			appendRow(&batch, st.Load, ev)
			rows++
			if rows >= opts.BatchEvents {
				return flush()
			}
			return nil
		})
		if err != nil {
			st.Elapsed = time.Since(start)
			return st, &IncompleteLoad{Stats: *st, Err: err}
		}
		st.Files++
		perFile[i] = st.Events + rows - before
		st.Damage = append(st.Damage, stats.Damage...)
	}
	if err := flush(); err != nil {
		st.Elapsed = time.Since(start)
		return st, &IncompleteLoad{Stats: *st, Err: err}
	}
	var frows bytes.Buffer
	for i, sum := range sums {
		fmt.Fprintf(&frows, "(%s, %s, %s, %d, %d)", quote(st.Load), quote(files[i]), quote(sum.sha256), sum.size, perFile[i])
	}
	fbody, err := t.Client.do(ctx, fmt.Sprintf("INSERT INTO %s.%s_files VALUES", t.Client.Database, t.Name), &frows, nil)
	if err != nil {
		st.Elapsed = time.Since(start)
		return st, &IncompleteLoad{Stats: *st, Err: err}
	}
	fbody.Close()
	rec := fmt.Sprintf("(%s, %d, %d, %d)", quote(st.Load), time.Now().Unix(), st.Files, st.Events)
	body, err := t.Client.do(ctx, fmt.Sprintf("INSERT INTO %s.%s_loads VALUES", t.Client.Database, t.Name), strings.NewReader(rec), nil)
	if err != nil {
		st.Elapsed = time.Since(start)
		return st, &IncompleteLoad{Stats: *st, Err: err}
	}
	body.Close()
	st.Elapsed = time.Since(start)
	return st, nil
}

func appendRow(b *bytes.Buffer, load string, ev *events.Event) {
	var secs int64
	var nanos int
	if !ev.Time.IsZero() {
		secs, nanos = ev.Time.Unix(), ev.Time.Nanosecond()
		if secs < 0 {
			secs, nanos = 0, 0
		}
	}
	get := func(name string) string { v, _ := ev.Get(name); return v }
	b.WriteByte('(')
	b.WriteString(strconv.FormatInt(secs, 10))
	b.WriteByte(',')
	b.WriteString(strconv.Itoa(nanos))
	for _, s := range []string{load, ev.Source.File} {
		b.WriteByte(',')
		b.WriteString(quote(s))
	}
	fmt.Fprintf(b, ",%d,%d,%d", ev.Source.Record, ev.Source.Line, ev.Source.Offset)
	for _, s := range []string{get("Computer"), sigma.Lower(get("Channel")), sigma.Lower(get("EventID")), get("Provider_Name")} {
		b.WriteByte(',')
		b.WriteString(quote(s))
	}
	b.WriteString(",[")
	for i, f := range ev.Fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(f.Name))
	}
	b.WriteString("],[")
	for i, f := range ev.Fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(f.Value))
	}
	b.WriteString("],[")
	for i, f := range ev.Fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(sigma.Lower(f.Value)))
	}
	b.WriteString("],")
	if repeats(ev) {
		b.WriteString("1)\n")
	} else {
		b.WriteString("0)\n")
	}
}

// repeats reports whether a field name occurs more than once.
func repeats(ev *events.Event) bool {
	seen := make(map[string]bool, len(ev.Fields))
	for _, f := range ev.Fields {
		if seen[f.Name] {
			return true
		}
		seen[f.Name] = true
	}
	return false
}

var quoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// quote writes a ClickHouse string literal; every byte is kept.
func quote(s string) string {
	return "'" + quoter.Replace(s) + "'"
}

type fileSum struct {
	sha256 string
	size   int64
}

func sumFile(path string) (fileSum, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileSum{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fileSum{}, fmt.Errorf("%s: %w", path, err)
	}
	return fileSum{sha256: hex.EncodeToString(h.Sum(nil)), size: n}, nil
}

// checkNew refuses files whose content a complete load already holds.
func (t *Table) checkNew(ctx context.Context, files []string, sums []fileSum) error {
	byHash := map[string]int{}
	list := make([]string, 0, len(sums))
	for i, s := range sums {
		if _, ok := byHash[s.sha256]; !ok {
			byHash[s.sha256] = i
			list = append(list, quote(s.sha256))
		}
	}
	db := t.Client.Database
	q := fmt.Sprintf("SELECT sha256, file, load, events FROM %s.%s_files WHERE sha256 IN (%s) AND load IN (SELECT load FROM %s.%s_loads) ORDER BY file",
		db, t.Name, strings.Join(list, ", "), db, t.Name)
	dup := &DuplicateLoad{}
	seen := map[string]bool{}
	err := t.Client.Rows(ctx, q, func(c []string) error {
		if seen[c[0]] {
			return nil
		}
		seen[c[0]] = true
		n, _ := strconv.Atoi(c[3])
		dup.Files = append(dup.Files, LoadedFile{Path: files[byHash[c[0]]], LoadedAs: c[1], Load: c[2], LoadedEvs: n})
		return nil
	})
	if err != nil {
		return err
	}
	if len(dup.Files) == 0 {
		return nil
	}
	return dup
}
