package findings

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Time is an instant written in RFC 3339 with an explicit offset
// (2026-03-02T08:11:40Z). A time without a zone is ambiguous in a
// multi-site incident, so it is refused.
type Time struct{ time.Time }

func (t *Time) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.problem(n, CodeType, "%s is a %s (expected an RFC 3339 time like 2026-03-02T08:11:40Z)", describe(path), kindName(n))
		return
	}
	v, err := time.Parse(time.RFC3339Nano, n.Value)
	if err != nil {
		d.problem(n, CodeFormat, "%s %q is not an RFC 3339 time with a zone (expected e.g. 2026-03-02T08:11:40Z)", describe(path), n.Value)
		return
	}
	t.Time = v
}

// MarshalText writes the time in RFC 3339, in UTC.
func (t Time) MarshalText() ([]byte, error) { return []byte(t.UTC().Format(time.RFC3339Nano)), nil }

// Date is a calendar day, YYYY-MM-DD.
type Date struct{ time.Time }

func (t *Date) decodeNode(d *decoder, n *yaml.Node, path string) {
	v, err := time.Parse(time.DateOnly, n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		d.problem(n, CodeFormat, "%s %s is not a date (expected YYYY-MM-DD, e.g. 2026-04-15)", describe(path), quoteNode(n))
		return
	}
	t.Time = v
}

// MarshalText writes the date as YYYY-MM-DD.
func (t Date) MarshalText() ([]byte, error) { return []byte(t.Format(time.DateOnly)), nil }

func quoteNode(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return strconv.Quote(clip(n.Value))
	}
	return "(a " + kindName(n) + ")"
}

// Milestone is a timeline milestone: an RFC 3339 time, or a mapping
// {at: TIME, fidelity: day} when the time is only known roughly.
type Milestone struct {
	At       Time     `json:"at" jsonschema:"required"`
	Fidelity Fidelity `json:"fidelity,omitempty"`
}

func (m *Milestone) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.MappingNode {
		d.decodeStruct(n, reflectValue(m), path)
		return
	}
	m.At.decodeNode(d, n, path)
}

// Tolerance is how far apart two times may be in the wrong order before it
// counts as impossible, given the fidelity they were recorded with.
func (f Fidelity) Tolerance() time.Duration {
	switch f {
	case "minute":
		return time.Minute
	case "hour":
		return time.Hour
	case "day":
		return 24 * time.Hour
	case "week":
		return 7 * 24 * time.Hour
	case "month":
		return 31 * 24 * time.Hour
	}
	return 0
}

// Duration is an ISO 8601 duration limited to days, hours, minutes and
// seconds (P1DT2H, PT45M), the units response times are measured in.
type Duration struct{ time.Duration }

var isoDuration = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// ParseDuration reads an ISO 8601 duration such as PT1H30M or P2D.
func ParseDuration(s string) (time.Duration, error) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || strings.HasSuffix(s, "T") {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration (expected e.g. PT1H, PT45M, P1DT2H)", s)
	}
	var total time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] == "" {
			continue
		}
		v, err := strconv.ParseInt(m[i+1], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("%q has a number too large (expected a duration under a few years)", s)
		}
		total += time.Duration(v) * unit
	}
	return total, nil
}

func (t *Duration) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.ScalarNode {
		d.problem(n, CodeType, "%s is a %s (expected an ISO 8601 duration like PT1H)", describe(path), kindName(n))
		return
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		d.problem(n, CodeFormat, "%s %v", describe(path), err)
		return
	}
	t.Duration = v
}

// MarshalText writes the duration in ISO 8601.
func (t Duration) MarshalText() ([]byte, error) {
	v := t.Duration
	var b strings.Builder
	b.WriteString("P")
	if days := v / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dD", days)
		v -= days * 24 * time.Hour
	}
	if v > 0 || b.Len() == 1 {
		b.WriteString("T")
		for _, u := range []struct {
			d time.Duration
			s string
		}{{time.Hour, "H"}, {time.Minute, "M"}, {time.Second, "S"}} {
			if q := v / u.d; q > 0 {
				fmt.Fprintf(&b, "%d%s", q, u.s)
				v -= q * u.d
			}
		}
		if b.String() == "PT" {
			b.WriteString("0S")
		}
	}
	return []byte(b.String()), nil
}

// Technique is a MITRE ATT&CK technique or sub-technique id, Tnnnn or
// Tnnnn.nnn.
type Technique string

var techniqueID = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

// ValidTechnique reports whether s is shaped like an ATT&CK technique id.
func ValidTechnique(s string) bool { return techniqueID.MatchString(s) }

func (t *Technique) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.problem(n, CodeType, "%s is a %s (expected an ATT&CK technique id like T1059.001)", describe(path), kindName(n))
		return
	}
	if !ValidTechnique(n.Value) {
		d.problem(n, CodeATTACK, "technique %q is not an ATT&CK id (expected Tnnnn or Tnnnn.nnn, e.g. T1059.001)", n.Value)
	}
	*t = Technique(n.Value)
}

func reflectValue(p any) reflect.Value { return reflect.ValueOf(p).Elem() }
