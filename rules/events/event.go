package events

import (
	"fmt"
	"strings"
	"time"
)

// Field is one flattened name and value. An event may hold several fields
// with the same name (a JSON array, unnamed EVTX <Data> elements); a rule
// on that name matches when any of them does.
type Field struct {
	Name  string
	Value string
}

// Event is one record, flattened. EVTX fields keep the record's order;
// the keys of a JSON object come sorted.
type Event struct {
	Fields []Field
	// Source says where the event came from, so every detection can be
	// traced back to its record.
	Source Source
	// Time is when the event happened (TimeCreated, @timestamp, ...);
	// zero when the record carries no time.
	Time time.Time
}

// Source locates an event in its file.
type Source struct {
	File string `json:"file"`
	// Record is the EVTX EventRecordID, or the EventRecordID field of a
	// JSON event when it has one; zero otherwise.
	Record uint64 `json:"record,omitempty"`
	// Line is the 1-based line of a JSON Lines record, or the 1-based
	// index of an element in a JSON array; zero for EVTX.
	Line int `json:"line,omitempty"`
	// Offset is the byte offset of the record in the (uncompressed) file.
	Offset int64 `json:"offset"`
}

// String renders the location the way an engineer would look it up.
func (s Source) String() string {
	switch {
	case s.Record != 0 && s.Line != 0:
		return fmt.Sprintf("%s:%d (record %d)", s.File, s.Line, s.Record)
	case s.Record != 0:
		return fmt.Sprintf("%s (record %d)", s.File, s.Record)
	case s.Line != 0:
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	if s.Offset == 0 {
		return s.File
	}
	return fmt.Sprintf("%s@%d", s.File, s.Offset)
}

// Get returns the first value of the named field.
func (e *Event) Get(name string) (string, bool) {
	for i := range e.Fields {
		if e.Fields[i].Name == name {
			return e.Fields[i].Value, true
		}
	}
	return "", false
}

// Add appends a field.
func (e *Event) Add(name, value string) {
	e.Fields = append(e.Fields, Field{Name: name, Value: value})
}

// timeFields are the fields, in order of preference, that carry an event's
// time in the formats this package reads.
var timeFields = []string{"TimeCreated", "@timestamp", "timestamp", "UtcTime", "EventTime", "time"}

// timeLayouts are the layouts tried for them.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
}

// settle fills Time and Record from the fields once an event is complete.
func (e *Event) settle() {
	if e.Source.Record == 0 {
		if v, ok := e.Get("EventRecordID"); ok {
			var n uint64
			if _, err := fmt.Sscan(v, &n); err == nil {
				e.Source.Record = n
			}
		}
	}
	for _, name := range timeFields {
		v, ok := e.Get(name)
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		for _, layout := range timeLayouts {
			if t, err := time.Parse(layout, v); err == nil {
				e.Time = t.UTC()
				return
			}
		}
	}
}

// Clone returns a copy that stays valid after the reader moves on (the
// Event a Handler receives is reused).
func (e *Event) Clone() *Event {
	c := *e
	c.Fields = append([]Field(nil), e.Fields...)
	return &c
}
