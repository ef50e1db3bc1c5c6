package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// scanSummary is what a scan examined, in a shape for json and text.
type scanSummary struct {
	Pipeline      string               `json:"pipeline"`
	RuleFiles     int                  `json:"rule_files"`
	RulesLoaded   int                  `json:"rules_loaded"`
	RulesRefused  int                  `json:"rules_refused"`
	Refused       []sigma.RefusalGroup `json:"refused"`
	Unrouted      []logsourceCount     `json:"unrouted"`
	UnroutedRules int                  `json:"unrouted_rules"`
	Silent        []silentJSON         `json:"silent"`
	EventFiles    int                  `json:"event_files"`
	Events        int                  `json:"events"`
	Damage        []events.Damage      `json:"damage"`
	Detections    int                  `json:"detections"`
	RulesFired    int                  `json:"rules_fired"`
	// ByRule counts detections per rule id (or title).
	ByRule map[string]int `json:"by_rule"`
}

type logsourceCount struct {
	Logsource string `json:"logsource"`
	Rules     int    `json:"rules"`
}

type silentJSON struct {
	RuleID string `json:"rule_id"`
	Title  string `json:"title"`
	File   string `json:"file"`
	Reason string `json:"reason"`
}

func summarize(res *sigma.ScanResult) scanSummary {
	s := scanSummary{
		Pipeline: res.Pipeline, RuleFiles: res.Set.Files, RulesLoaded: len(res.Set.Rules),
		RulesRefused: len(res.Set.Refusals), Refused: res.Set.Grouped(),
		UnroutedRules: len(res.Engine.Unrouted), EventFiles: len(res.Files), Events: res.Events.Records,
		Damage: res.Events.Damage, Detections: res.Count, RulesFired: len(res.ByRule),
		Silent: []silentJSON{}, Unrouted: []logsourceCount{}, ByRule: res.ByRule,
	}
	if s.Damage == nil {
		s.Damage = []events.Damage{}
	}
	if s.Refused == nil {
		s.Refused = []sigma.RefusalGroup{}
	}
	by := map[string]int{}
	for _, r := range res.Engine.Unrouted {
		by[r.Logsource.String()]++
	}
	for ls, n := range by {
		s.Unrouted = append(s.Unrouted, logsourceCount{ls, n})
	}
	sort.Slice(s.Unrouted, func(i, j int) bool {
		if s.Unrouted[i].Rules != s.Unrouted[j].Rules {
			return s.Unrouted[i].Rules > s.Unrouted[j].Rules
		}
		return s.Unrouted[i].Logsource < s.Unrouted[j].Logsource
	})
	for _, x := range res.Silent {
		s.Silent = append(s.Silent, silentJSON{RuleID: x.Rule.ID, Title: x.Rule.Title, File: x.Rule.File, Reason: x.Reason})
	}
	return s
}

func renderScanSummary(w io.Writer, s scanSummary) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s in %s: %d loaded, %d refused\n", plural(s.RulesLoaded+s.RulesRefused, "rule"), plural(s.RuleFiles, "file"), s.RulesLoaded, s.RulesRefused)
	for _, g := range s.Refused {
		fmt.Fprintf(&b, "  refused for %s: %d\n", g.Feature, g.Count)
		for _, r := range g.Refusals {
			fmt.Fprintf(&b, "    %s\n", r.Error())
		}
	}
	if s.UnroutedRules > 0 {
		fmt.Fprintf(&b, "%s not run: pipeline %s routes no events to their log source\n", plural(s.UnroutedRules, "rule"), s.Pipeline)
		for i, u := range s.Unrouted {
			if i == 5 {
				fmt.Fprintf(&b, "  ... and %d more log sources (--format json lists them)\n", len(s.Unrouted)-5)
				break
			}
			fmt.Fprintf(&b, "  %s: %d\n", u.Logsource, u.Rules)
		}
	}
	var noEvents, noField []silentJSON
	for _, x := range s.Silent {
		if strings.HasPrefix(x.Reason, "can never fire") {
			noField = append(noField, x)
		} else {
			noEvents = append(noEvents, x)
		}
	}
	if len(noEvents) > 0 {
		fmt.Fprintf(&b, "%s had no event of their log source in this data\n", plural(len(noEvents), "rule"))
	}
	if len(noField) > 0 {
		fmt.Fprintf(&b, "%s can never fire on this data (a field they need occurs in no event of their log source):\n", plural(len(noField), "rule"))
		for i, x := range noField {
			if i == 10 {
				fmt.Fprintf(&b, "  ... and %d more (--format json lists them)\n", len(noField)-10)
				break
			}
			fmt.Fprintf(&b, "  %s: %s\n", x.File, strings.TrimPrefix(x.Reason, "can never fire on this data: "))
		}
	}
	fmt.Fprintf(&b, "%s read from %s", plural(s.Events, "event"), plural(s.EventFiles, "event file"))
	if len(s.Damage) > 0 {
		fmt.Fprintf(&b, "; %s skipped:\n", plural(len(s.Damage), "damaged place"))
		for _, d := range s.Damage {
			fmt.Fprintf(&b, "  %s\n", d)
		}
	} else {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%s from %s\n", plural(s.Detections, "detection"), plural(s.RulesFired, "rule"))
	io.WriteString(w, b.String())
}
