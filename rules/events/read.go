package events

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/antibody-dev/antibody/rules"
)

// MaxLineBytes bounds one JSON Lines record. A longer line is reported as
// damage and skipped, so one runaway record cannot exhaust memory.
const MaxLineBytes = 16 << 20

// Format is how a file's events are encoded.
type Format string

// The formats Read understands.
const (
	EVTX  Format = "evtx"
	JSONL Format = "jsonl"
	JSON  Format = "json"
)

// Damage is a place in a file that could not be read. Reading goes on past
// it.
type Damage struct {
	File    string `json:"file"`
	Offset  int64  `json:"offset"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func (d Damage) String() string {
	if d.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.Message)
	}
	return fmt.Sprintf("%s@%d: %s", d.File, d.Offset, d.Message)
}

// Stats counts what a read examined.
type Stats struct {
	Files   int      `json:"files"`
	Records int      `json:"records"`
	Damage  []Damage `json:"damage,omitempty"`
}

// Add merges other into s.
func (s *Stats) Add(other Stats) {
	s.Files += other.Files
	s.Records += other.Records
	s.Damage = append(s.Damage, other.Damage...)
}

// Handler receives each event. The event is only valid during the call:
// the reader may reuse it. Returning an error stops the read and Read
// returns that error.
type Handler func(*Event) error

// FormatOf names the format of a file from its name, looking through a
// .gz suffix: .evtx, .jsonl/.ndjson, .json. It returns false for other
// files.
func FormatOf(name string) (Format, bool) {
	lower := strings.ToLower(name)
	lower = strings.TrimSuffix(lower, ".gz")
	switch {
	case strings.HasSuffix(lower, ".evtx"):
		return EVTX, true
	case strings.HasSuffix(lower, ".jsonl"), strings.HasSuffix(lower, ".ndjson"):
		return JSONL, true
	case strings.HasSuffix(lower, ".json"):
		return JSON, true
	}
	return "", false
}

// Files expands paths into the event files they hold: a file is taken as
// it is (whatever its name, as long as FormatOf knows it), a folder is
// walked for files FormatOf knows. The result is sorted and free of
// duplicates.
func Files(paths []string) ([]string, error) {
	files, err := rules.Files(paths, func(name string) bool { _, ok := FormatOf(name); return ok }, "event file", ".evtx, .jsonl, .ndjson or .json, optionally .gz")
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return files, nil
}

// Read streams the events of one file to fn. Damage inside the file is
// reported in Stats and does not stop the read; an error is returned only
// when the file cannot be opened at all or fn returns one.
func Read(path string, fn Handler) (Stats, error) {
	format, ok := FormatOf(path)
	if !ok {
		return Stats{}, fmt.Errorf("read %s: unknown event file type (expected .evtx, .jsonl, .ndjson or .json, optionally .gz)", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return Stats{}, fmt.Errorf("read events: %w", err)
	}
	defer f.Close()
	st := Stats{Files: 1}
	var r io.Reader = f
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			st.Damage = append(st.Damage, Damage{File: path, Message: "not gzip: " + err.Error()})
			return st, nil
		}
		defer gz.Close()
		r = &damageReader{r: gz, file: path, stats: &st}
		if format == EVTX {
			// The EVTX parser seeks, so a compressed log is spooled to
			// a temporary file first; memory stays flat.
			return st, readSpooledEVTX(path, r, &st, fn)
		}
	}
	switch format {
	case EVTX:
		err = readEVTX(path, f, &st, fn)
	case JSONL:
		err = readLines(path, bufio.NewReaderSize(r, 1<<16), 0, 1, &st, fn)
	default:
		err = readJSON(path, bufio.NewReaderSize(r, 1<<16), &st, fn)
	}
	return st, err
}

// damageReader turns a read error of the underlying stream (a truncated
// gzip member, an I/O error) into damage and a clean end of input, so the
// records before it still count.
type damageReader struct {
	r     io.Reader
	file  string
	off   int64
	stats *Stats
	done  bool
}

func (d *damageReader) Read(p []byte) (int, error) {
	if d.done {
		return 0, io.EOF
	}
	n, err := d.r.Read(p)
	d.off += int64(n)
	if err != nil && err != io.EOF {
		d.stats.Damage = append(d.stats.Damage, Damage{File: d.file, Offset: d.off, Message: "stream ends early: " + err.Error()})
		d.done = true
		return n, io.EOF
	}
	return n, err
}

// readJSON handles .json files: an array of records, one object (possibly
// spread over many lines), or, as SigmaHQ's samples sometimes are, one
// object per line.
func readJSON(path string, r *bufio.Reader, st *Stats, fn Handler) error {
	first, offset, err := firstByte(r)
	if err != nil {
		return nil
	}
	switch first {
	case '[':
		return readArray(path, r, offset, st, fn)
	case '{':
		line, err := r.Peek(lineSpan(r))
		if err == nil || errors.Is(err, io.EOF) || errors.Is(err, bufio.ErrBufferFull) {
			if json.Valid(bytes.TrimSpace(line)) {
				return readLines(path, r, offset, 1, st, fn)
			}
		}
		return readStream(path, r, offset, st, fn)
	default:
		st.Damage = append(st.Damage, Damage{File: path, Offset: offset, Line: 1, Message: fmt.Sprintf("not JSON: starts with %q (expected an object or an array of objects)", first)})
		return nil
	}
}

// lineSpan returns how many buffered bytes make up the first line.
func lineSpan(r *bufio.Reader) int {
	buf, _ := r.Peek(r.Size())
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		return i + 1
	}
	return len(buf)
}

func firstByte(r *bufio.Reader) (byte, int64, error) {
	var off int64
	for {
		b, err := r.ReadByte()
		if err != nil {
			return 0, off, err
		}
		if b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == 0xef || b == 0xbb || b == 0xbf {
			off++
			continue
		}
		return b, off, r.UnreadByte()
	}
}

// readLines reads one JSON object per line. A line that does not parse is
// damage; the next line is read as usual.
func readLines(path string, r *bufio.Reader, offset int64, line int, st *Stats, fn Handler) error {
	var ev Event
	for {
		raw, err := readLine(r)
		start := offset
		offset += int64(len(raw))
		if len(raw) > 0 {
			if len(raw) > MaxLineBytes {
				st.Damage = append(st.Damage, Damage{File: path, Offset: start, Line: line, Message: fmt.Sprintf("line of %d bytes is longer than the %d-byte limit", len(raw), MaxLineBytes)})
			} else if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 {
				v, derr := decode(trimmed)
				if derr != nil {
					st.Damage = append(st.Damage, Damage{File: path, Offset: start, Line: line, Message: "not a JSON object: " + derr.Error()})
				} else {
					ev = Event{Fields: ev.Fields[:0], Source: Source{File: path, Line: line, Offset: start}}
					flatten(v, &ev)
					st.Records++
					if ferr := fn(&ev); ferr != nil {
						return ferr
					}
				}
			}
		}
		line++
		if err != nil {
			return nil
		}
	}
}

// readLine returns the next line including its newline; at the end of
// input it returns what is left and io.EOF. Lines longer than
// MaxLineBytes are consumed and returned truncated to signal the limit.
func readLine(r *bufio.Reader) ([]byte, error) {
	var long []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if len(long) <= MaxLineBytes {
				long = append(long, chunk...)
			}
			continue
		}
		if long != nil {
			if len(long) <= MaxLineBytes {
				long = append(long, chunk...)
			}
			if len(long) > MaxLineBytes {
				return make([]byte, MaxLineBytes+1), err
			}
			return long, err
		}
		return chunk, err
	}
}

func decode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("more than one value on the line")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("found %s (expected an object)", kindOf(v))
	}
	return v, nil
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "a value"
}

// readArray streams the elements of a top-level array.
func readArray(path string, r io.Reader, offset int64, st *Stats, fn Handler) error {
	d := json.NewDecoder(r)
	d.UseNumber()
	if _, err := d.Token(); err != nil {
		return nil
	}
	if err := decodeEach(path, d, offset, "element", "the rest of the array", st, fn); err != nil {
		return err
	}
	if _, err := d.Token(); err != nil && !st.damaged(path) {
		st.Damage = append(st.Damage, Damage{File: path, Offset: offset + d.InputOffset(), Message: "array is not closed: " + err.Error()})
	}
	return nil
}

// readStream reads consecutive JSON objects (pretty-printed or not).
func readStream(path string, r io.Reader, offset int64, st *Stats, fn Handler) error {
	d := json.NewDecoder(r)
	d.UseNumber()
	return decodeEach(path, d, offset, "record", "the rest of the file", st, fn)
}

// decodeEach decodes values until the decoder has no more (the end of the
// input or of the enclosing array), handing each object to fn. A syntax
// error ends the read; a value that is not an object is skipped; both
// are damage.
func decodeEach(path string, d *json.Decoder, offset int64, what, rest string, st *Stats, fn Handler) error {
	var ev Event
	for i := 1; d.More(); i++ {
		at := offset + d.InputOffset()
		var v any
		if err := d.Decode(&v); err != nil {
			if err == io.EOF {
				return nil
			}
			st.Damage = append(st.Damage, Damage{File: path, Offset: at, Message: fmt.Sprintf("%s %d: %v; %s is unreadable", what, i, err, rest)})
			return nil
		}
		if _, ok := v.(map[string]any); !ok {
			st.Damage = append(st.Damage, Damage{File: path, Offset: at, Message: fmt.Sprintf("%s %d is %s (expected an object)", what, i, kindOf(v))})
			continue
		}
		ev = Event{Fields: ev.Fields[:0], Source: Source{File: path, Line: i, Offset: at}}
		flatten(v, &ev)
		st.Records++
		if err := fn(&ev); err != nil {
			return err
		}
	}
	return nil
}

// damaged reports whether a file already has damage recorded.
func (s *Stats) damaged(path string) bool {
	for _, d := range s.Damage {
		if d.File == path {
			return true
		}
	}
	return false
}
