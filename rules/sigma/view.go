package sigma

import (
	"strings"
	"unicode/utf8"

	"github.com/antibody-dev/antibody/rules/events"
)

// view is one event prepared for matching: every value lower-cased once,
// fields reachable by slot without a map lookup, all values joined for
// the literal prefilter. A Matcher reuses one view for every event.
type view struct {
	ev   *events.Event
	low  []string // lower-cased value of each event field
	next []int    // next field with the same slot, or -1
	buf  []byte   // lower-cased values joined by NUL; low points into it
	text string

	// Slots are stamped with the generation that set them, so nothing
	// has to be cleared between events.
	head  []int
	stamp []uint32
	gen   uint32
}

func newView(slots int) *view {
	return &view{head: make([]int, slots), stamp: make([]uint32, slots)}
}

// first returns the index of the first event field in slot, or -1.
func (v *view) first(slot int) int {
	if slot < 0 || v.stamp[slot] != v.gen {
		return -1
	}
	return v.head[slot]
}

func (v *view) raw(idx int) string { return v.ev.Fields[idx].Value }

// load prepares ev; slotOf maps field names to slots.
func (v *view) load(ev *events.Event, slotOf map[string]int) {
	v.gen++
	if v.gen == 0 {
		clear(v.stamp)
		v.gen = 1
	}
	v.ev = ev
	n := len(ev.Fields)
	v.low = v.low[:0]
	v.next = v.next[:0]
	v.buf = v.buf[:0]
	offsets := make([]int, 0, 2*n)
	for i := range ev.Fields {
		start := len(v.buf)
		v.buf = appendLower(v.buf, ev.Fields[i].Value)
		offsets = append(offsets, start, len(v.buf))
		v.buf = append(v.buf, 0)
	}
	// One string for all values: the prefilter scans it and every
	// lower-cased value is a substring of it, so there is one
	// allocation per event.
	v.text = string(v.buf)
	for i := range ev.Fields {
		v.low = append(v.low, v.text[offsets[2*i]:offsets[2*i+1]])
		v.next = append(v.next, -1)
		slot, ok := slotOf[ev.Fields[i].Name]
		if !ok {
			continue
		}
		if v.stamp[slot] != v.gen {
			v.stamp[slot] = v.gen
			v.head[slot] = i
			continue
		}
		// A repeated field: append to the slot's chain.
		j := v.head[slot]
		for v.next[j] >= 0 {
			j = v.next[j]
		}
		v.next[j] = i
	}
}

// appendLower appends the lower case of s, fast for ASCII.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return append(dst, strings.ToLower(s[i:])...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// Lower is the lower case the engine compares with: what a backend that
// stores events for the engine's rules must store as the lower-cased
// value.
func Lower(s string) string { return string(appendLower(nil, s)) }
