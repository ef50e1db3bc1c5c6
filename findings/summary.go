package findings

import (
	"fmt"
	"time"
)

// Summary is a short account of a valid finding, for listings and CI logs.
type Summary struct {
	ID        string         `json:"id"`
	Title     string         `json:"title"`
	Status    string         `json:"status"`
	Severity  string         `json:"severity,omitempty"`
	Durations []Span         `json:"durations"`
	Evidence  map[string]int `json:"evidence"`
	Counts    map[string]int `json:"counts"`
}

// Span is the time between two named milestones. Durations are always
// named by both ends, never as a bare "time to respond".
type Span struct {
	From    string        `json:"from"`
	To      string        `json:"to"`
	Seconds float64       `json:"seconds"`
	Value   time.Duration `json:"-"`
}

func (s Span) String() string {
	return fmt.Sprintf("%s -> %s %s", s.From, s.To, HumanDuration(s.Value))
}

// spans are the durations a review reports, each from one milestone to
// another.
var spans = [][2]string{
	{"first_action", "detected"},
	{"detected", "contained"},
	{"contained", "recovered"},
	{"first_action", "contained"},
}

// Summarize counts what the finding holds and computes the main durations.
func Summarize(f *Finding) Summary {
	s := Summary{
		ID: f.Incident.ID, Title: f.Incident.Title, Status: string(f.Incident.Status),
		Severity: string(f.Incident.Severity), Evidence: map[string]int{},
		Durations: []Span{},
		Counts: map[string]int{
			"timeline_events": len(f.Timeline.Events), "behaviors": len(f.Behaviors),
			"indicators": len(f.Indicators), "artifacts": len(f.Artifacts),
			"root_causes": len(f.RootCauses), "corrective_actions": len(f.CorrectiveActions),
			"lessons": len(f.Lessons),
		},
	}
	if f.ResponseReview != nil {
		s.Counts["review_steps"] = len(f.ResponseReview.Steps)
	}
	for _, e := range f.Evidence {
		s.Evidence[string(e.Kind)]++
	}
	ms := f.Timeline.Milestones()
	for _, sp := range spans {
		a, b := ms[sp[0]], ms[sp[1]]
		if a == nil || b == nil {
			continue
		}
		d := b.At.Sub(a.At.Time)
		s.Durations = append(s.Durations, Span{From: sp[0], To: sp[1], Seconds: d.Seconds(), Value: d})
	}
	return s
}

// HumanDuration renders a duration in days, hours and minutes: "3d 6h 18m";
// under half a minute, in seconds: "25s".
func HumanDuration(d time.Duration) string {
	if d < 0 {
		return "-" + HumanDuration(-d)
	}
	if d < 30*time.Second {
		return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
	}
	d = d.Round(time.Minute)
	days, hours, mins := d/(24*time.Hour), (d%(24*time.Hour))/time.Hour, (d%time.Hour)/time.Minute
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh %dm", days, hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	}
	return fmt.Sprintf("%dm", mins)
}
