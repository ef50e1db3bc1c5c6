package events

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/Velocidex/ordereddict"
)

// HexFields are the fields Windows types as hexadecimal integers on every
// channel. EVTX stores them as numbers and Event Viewer shows them as
// 0x..., and Sigma rules are written against what Event Viewer shows, so
// numbers in these fields are rendered in hex. The EVTX parser drops the
// type of each value, so the list is by name; it covers the fields
// SigmaHQ's rules compare.
var HexFields = map[string]bool{
	"GrantedAccess": true, "LogonId": true, "SubjectLogonId": true,
	"TargetLogonId": true, "TargetLinkedLogonId": true, "AccessMask": true,
	"Status": true, "SubStatus": true, "FailureCode": true,
	"TicketOptions": true, "TicketEncryptionType": true, "Keywords": true,
	"ResultCode": true, "AuditPolicyChanges": true,
}

// SecurityHexFields are hexadecimal only on the Security channel: there
// ProcessId is 0x1a2c, while Sysmon writes the same name in decimal.
var SecurityHexFields = map[string]bool{
	"ProcessId": true, "NewProcessId": true, "CallerProcessId": true,
	"HandleId": true, "TargetProcessId": true, "ParentProcessId": true,
}

// builder collects the fields of one event and remembers which came from
// numbers, so hex rendering can wait until the channel is known.
type builder struct {
	ev      *Event
	numeric []bool
}

func (b *builder) add(name string, v any) {
	switch x := v.(type) {
	case nil:
		b.put(name, "", false)
	case string:
		b.put(name, x, false)
	case bool:
		b.put(name, strconv.FormatBool(x), false)
	case json.Number:
		b.put(name, string(x), true)
	case uint8, uint16, uint32, uint64, int8, int16, int32, int64, int, uint:
		b.put(name, integerString(x), true)
	case float32:
		b.put(name, strconv.FormatFloat(float64(x), 'f', -1, 32), false)
	case float64:
		b.put(name, strconv.FormatFloat(x, 'f', -1, 64), false)
	case []byte:
		b.put(name, strings.ToUpper(hexString(x)), false)
	case []string:
		for _, s := range x {
			b.put(name, s, false)
		}
	case []any:
		for _, item := range x {
			b.add(name, item)
		}
	case []uint16:
		for _, n := range x {
			b.put(name, strconv.FormatUint(uint64(n), 10), true)
		}
	case []uint64:
		for _, n := range x {
			b.put(name, strconv.FormatUint(n, 10), true)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.add(join(name, k), x[k])
		}
	case *ordereddict.Dict:
		for _, k := range x.Keys() {
			item, _ := x.Get(k)
			b.add(join(name, k), item)
		}
	default:
		b.put(name, "", false)
	}
}

func (b *builder) put(name, value string, numeric bool) {
	b.ev.Fields = append(b.ev.Fields, Field{Name: name, Value: value})
	b.numeric = append(b.numeric, numeric)
}

// finish renders hex fields now that the channel is known.
func (b *builder) finish() {
	channel, _ := b.ev.Get("Channel")
	security := strings.EqualFold(channel, "Security")
	for i := range b.ev.Fields {
		if !b.numeric[i] {
			continue
		}
		f := &b.ev.Fields[i]
		if !HexFields[f.Name] && !(security && SecurityHexFields[f.Name]) {
			continue
		}
		if n, err := strconv.ParseUint(f.Value, 10, 64); err == nil {
			f.Value = "0x" + strconv.FormatUint(n, 16)
		} else if n, err := strconv.ParseInt(f.Value, 10, 64); err == nil {
			f.Value = "0x" + strconv.FormatUint(uint64(n), 16)
		}
	}
	b.ev.settle()
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func integerString(v any) string {
	switch n := v.(type) {
	case uint8:
		return strconv.FormatUint(uint64(n), 10)
	case uint16:
		return strconv.FormatUint(uint64(n), 10)
	case uint32:
		return strconv.FormatUint(uint64(n), 10)
	case uint64:
		return strconv.FormatUint(n, 10)
	case uint:
		return strconv.FormatUint(uint64(n), 10)
	case int8:
		return strconv.FormatInt(int64(n), 10)
	case int16:
		return strconv.FormatInt(int64(n), 10)
	case int32:
		return strconv.FormatInt(int64(n), 10)
	case int64:
		return strconv.FormatInt(n, 10)
	case int:
		return strconv.FormatInt(int64(n), 10)
	}
	return ""
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, len(b)*2)
	for i, c := range b {
		out[i*2] = digits[c>>4]
		out[i*2+1] = digits[c&15]
	}
	return string(out)
}

// object is the read-only view of a JSON object or an EVTX dictionary.
type object interface {
	keys() []string
	get(string) (any, bool)
}

type mapObject map[string]any

func (m mapObject) keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (m mapObject) get(k string) (any, bool) { v, ok := m[k]; return v, ok }

type dictObject struct{ d *ordereddict.Dict }

func (o dictObject) keys() []string           { return o.d.Keys() }
func (o dictObject) get(k string) (any, bool) { return o.d.Get(k) }

func asObject(v any) (object, bool) {
	switch x := v.(type) {
	case map[string]any:
		return mapObject(x), true
	case *ordereddict.Dict:
		if x == nil {
			return nil, false
		}
		return dictObject{x}, true
	}
	return nil, false
}

// windowsEvent returns the Event object of a Windows record shaped as
// {"Event":{"System":...}}, or false for any other JSON.
func windowsEvent(v any) (object, bool) {
	root, ok := asObject(v)
	if !ok {
		return nil, false
	}
	inner, ok := root.get("Event")
	if !ok {
		return nil, false
	}
	ev, ok := asObject(inner)
	if !ok {
		return nil, false
	}
	if _, ok := ev.get("System"); !ok {
		return nil, false
	}
	return ev, true
}

// flatten turns one decoded record into ev's fields.
func flatten(v any, ev *Event) {
	b := &builder{ev: ev}
	if win, ok := windowsEvent(v); ok {
		flattenWindows(b, win)
	} else if obj, ok := asObject(v); ok {
		for _, k := range obj.keys() {
			item, _ := obj.get(k)
			b.add(k, item)
		}
	} else {
		b.add("value", v)
	}
	b.finish()
}

func flattenWindows(b *builder, win object) {
	for _, section := range win.keys() {
		v, _ := win.get(section)
		switch section {
		case "System":
			flattenSystem(b, v)
		case "EventData":
			flattenData(b, v)
		case "UserData":
			obj, ok := asObject(v)
			if !ok {
				continue
			}
			for _, wrapper := range obj.keys() {
				inner, _ := obj.get(wrapper)
				flattenData(b, inner)
			}
		case "#attributes", "xmlns":
		default:
			b.add(section, v)
		}
	}
}

func flattenSystem(b *builder, v any) {
	sys, ok := asObject(v)
	if !ok {
		return
	}
	for _, k := range sys.keys() {
		item, _ := sys.get(k)
		obj, isObj := asObject(item)
		switch {
		case k == "TimeCreated" && isObj:
			b.put("TimeCreated", systemTime(obj), false)
		case isObj:
			if text, ok := textOf(obj); ok {
				b.add(k, text)
				// Attributes beside the text, such as EventID's
				// Qualifiers, become k_attribute.
				for _, ak := range obj.keys() {
					if ak == "Value" || ak == "#text" || ak == "#attributes" {
						continue
					}
					av, _ := obj.get(ak)
					b.add(k+"_"+ak, av)
				}
				if a, ok := obj.get("#attributes"); ok {
					if ao, ok := asObject(a); ok {
						for _, ak := range ao.keys() {
							av, _ := ao.get(ak)
							b.add(k+"_"+ak, av)
						}
					}
				}
				continue
			}
			attrs := obj
			if a, ok := obj.get("#attributes"); ok {
				if ao, ok := asObject(a); ok {
					attrs = ao
				}
			}
			for _, ak := range attrs.keys() {
				av, _ := attrs.get(ak)
				if _, nested := asObject(av); nested || strings.HasPrefix(ak, "xmlns") {
					continue
				}
				b.add(k+"_"+ak, av)
			}
		default:
			b.add(k, item)
		}
	}
}

// textOf returns the element text of an object such as {"Value": 4688}
// (Velocidex) or {"#text": 4688, "#attributes": {...}} (evtx_dump).
func textOf(obj object) (any, bool) {
	if v, ok := obj.get("#text"); ok {
		return v, true
	}
	// Velocidex writes an element with attributes as {"Value": 1000,
	// "Qualifiers": 0}; any other key next to Value must be a scalar
	// attribute for Value to be the text.
	v, ok := obj.get("Value")
	if !ok {
		return nil, false
	}
	for _, k := range obj.keys() {
		if other, _ := obj.get(k); k != "Value" {
			if _, nested := asObject(other); nested {
				return nil, false
			}
		}
	}
	return v, true
}

func systemTime(obj object) string {
	v, ok := obj.get("SystemTime")
	if !ok {
		if a, ok := obj.get("#attributes"); ok {
			if ao, ok := asObject(a); ok {
				v, _ = ao.get("SystemTime")
			}
		}
	}
	switch t := v.(type) {
	case float64:
		sec, frac := math.Modf(t)
		// FILETIME has 100 ns ticks; keep them all.
		return time.Unix(int64(sec), int64(math.Round(frac*1e7))*100).UTC().Format(time.RFC3339Nano)
	case json.Number:
		if f, err := t.Float64(); err == nil && !strings.ContainsAny(string(t), "-:") {
			return systemTime(mapObject{"SystemTime": f})
		}
		return string(t)
	case string:
		return t
	}
	return ""
}

// flattenData handles EventData and the inside of UserData: named fields
// by name, unnamed <Data> elements as values of Data.
func flattenData(b *builder, v any) {
	obj, ok := asObject(v)
	if !ok {
		if v != nil {
			b.add("Data", v)
		}
		return
	}
	for _, k := range obj.keys() {
		item, _ := obj.get(k)
		switch {
		case k == "#attributes" || strings.HasPrefix(k, "xmlns"):
		case k == "Data" || k == "#text":
			flattenUnnamed(b, item)
		default:
			if inner, ok := asObject(item); ok {
				if text, ok := textOf(inner); ok {
					b.add(k, text)
					continue
				}
			}
			b.add(k, item)
		}
	}
}

func flattenUnnamed(b *builder, v any) {
	switch x := v.(type) {
	case []any:
		for _, item := range x {
			flattenUnnamed(b, item)
		}
	default:
		if obj, ok := asObject(v); ok {
			// {"#attributes":{"Name":"X"},"#text":"v"} is a named
			// field written the long way.
			if text, ok := textOf(obj); ok {
				if a, ok := obj.get("#attributes"); ok {
					if ao, ok := asObject(a); ok {
						if name, ok := ao.get("Name"); ok {
							if s, ok := name.(string); ok {
								b.add(s, text)
								return
							}
						}
					}
				}
				flattenUnnamed(b, text)
				return
			}
			b.add("Data", v)
			return
		}
		b.add("Data", v)
	}
}
