package sigma

import (
	"fmt"
	"math"
	"path"
	"sort"
	"strings"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/generators"
	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// failedLogons are the event ids of failed authentication.
var failedLogons = map[string]bool{"4625": true, "4771": true, "4776": true}

// isGuessing reports whether a behaviour is password guessing shown by
// failed logons: one failure is normal, many are the behaviour, so the
// rule has to be a correlation.
func isGuessing(b findings.Behavior, evs []*events.Event) bool {
	if !strings.HasPrefix(string(b.Technique), "T1110") {
		return false
	}
	for _, ev := range evs {
		id, _ := ev.Get("EventID")
		if !failedLogons[id] {
			return false
		}
	}
	return len(evs) > 0
}

// guessingRule writes a failed-logon base rule and a value_count
// correlation: one source failing for many accounts (spraying, T1110.003)
// or one account failing many times (T1110.001), within the window the
// evidence spans. The threshold is raised until the benign corpora stay
// silent, and never above what the evidence shows.
func (r *run) guessingRule(b findings.Behavior, evPath string, evs []*events.Event) error {
	src, ok := r.sourceOf(evs[0])
	if !ok || src.Service == "" && src.Category == "" {
		r.skip(b.ID, "no log source for its failed logons", nil)
		return nil
	}
	ls := src.Logsource()
	samples := make([]sample, len(evs))
	for i, ev := range evs {
		samples[i] = toSample(ev, src)
	}
	groupBy, field := "IpAddress", "TargetUserName"
	if b.Technique == "T1110.001" {
		groupBy, field = "TargetUserName", "IpAddress"
	}
	distinct := map[string]bool{}
	first, last := evs[0].Time, evs[0].Time
	for i, s := range samples {
		distinct[strings.ToLower(s[field])] = true
		if evs[i].Time.Before(first) {
			first = evs[i].Time
		}
		if evs[i].Time.After(last) {
			last = evs[i].Time
		}
	}
	span := last.Sub(first)
	minutes := int(math.Ceil(span.Minutes()))
	if minutes < 5 {
		minutes = 5
	}
	var base []pred
	for _, f := range []string{"EventID", "LogonType", "AuthenticationPackageName", "Status"} {
		v, same := samples[0][f], true
		for _, s := range samples[1:] {
			if s[f] != v {
				same = false
			}
		}
		if same && v != "" {
			base = append(base, pred{field: f, values: []string{v}})
		}
	}
	slug := slugFor(ls, b.ID)
	baseName := strings.TrimPrefix(slug, "win_security_") + "_failure"
	var notes []string
	for threshold := 3; threshold <= len(distinct); threshold++ {
		body := r.guessingYAML(b, ls, slug, baseName, base, groupBy, field, minutes, threshold)
		attack, benign, err := r.correlate(body, evs)
		if err != nil {
			return err
		}
		if attack == 0 {
			break
		}
		notes = append(notes, fmt.Sprintf("%d distinct %s per %s within %dm: %d benign %s", threshold, field, groupBy, minutes, benign, plural(benign, "detection")))
		if benign <= r.budget {
			d := draft{id: generators.ID(r.in.Finding.Incident.ID, b.ID), source: b.ID, slug: slug,
				title: titleCase(b.Summary), evidence: []string{b.Evidence}, tests: []positive{{path: evPath, count: 1}}}
			prov := generators.Provenance{Finding: r.in.Finding.Incident.ID, Sources: []string{b.ID}, Evidence: d.evidence, Generator: "sigma", Version: Version}
			dir := path.Join(r.sigmaDir(), strings.ToLower(r.in.Finding.Incident.ID))
			r.res.Artifacts = append(r.res.Artifacts,
				generators.Artifact{Path: path.Join(dir, slug+".yml"), Content: generators.Seal(body), Kind: "sigma", ID: d.id, Title: d.title, Provenance: prov, Notes: notes},
				generators.Artifact{Path: path.Join(dir, "regression_data", slug, "info.yml"), Content: generators.Seal(r.infoYAML(d)), Kind: "sigma-expectations", ID: d.id, Title: d.title, Provenance: prov},
			)
			return nil
		}
	}
	r.skip(b.ID, fmt.Sprintf("no threshold of distinct %s per %s separates the evidence (%d distinct) from the benign corpora: %s", field, groupBy, len(distinct), strings.Join(notes, "; ")), nil)
	return nil
}

func (r *run) sigmaDir() string {
	if r.in.Workspace != nil {
		return r.in.Workspace.Paths.Sigma
	}
	return "rules/sigma"
}

func (r *run) guessingYAML(b findings.Behavior, ls sigma.Logsource, slug, baseName string, base []pred, groupBy, field string, minutes, threshold int) []byte {
	w := &docWriter{}
	w.line(0, "title: "+quote("Failed logon ("+r.in.Finding.Incident.ID+" "+b.ID+")"))
	w.line(0, "id: "+generators.ID(r.in.Finding.Incident.ID, b.ID, "base"))
	w.line(0, "name: "+baseName)
	w.line(0, "status: experimental")
	w.text(0, "description", "One failed logon; the correlation below is the detection.")
	w.line(0, "author: "+quote("Antibody sigma generator v"+Version+" from "+r.in.Finding.Incident.ID))
	w.line(0, "date: "+r.date())
	writeLogsource(w, ls)
	w.line(0, "detection:")
	w.line(1, "selection:")
	for _, p := range base {
		w.field(2, p.key(), p.values)
	}
	w.line(1, "condition: selection")
	w.line(0, "level: informational")
	w.line(0, "---")
	w.line(0, "title: "+quote(titleCase(b.Summary)))
	w.line(0, "id: "+generators.ID(r.in.Finding.Incident.ID, b.ID))
	w.line(0, "status: experimental")
	w.text(0, "description", wrap(fmt.Sprintf("%s\n\nGenerated by Antibody from %s behaviour %s (%s, evidence %s): a value_count correlation, because one failed logon is normal and many are the behaviour. The threshold is the lowest that keeps the %d benign events of the workspace silent.",
		strings.TrimSpace(b.Summary), r.in.Finding.Incident.ID, b.ID, b.Technique, b.Evidence, len(r.benign)), 96))
	w.list(0, "references", quoteAll([]string{r.findingRef() + "#" + b.ID}))
	w.line(0, "author: "+quote("Antibody sigma generator v"+Version+" from "+r.in.Finding.Incident.ID))
	w.line(0, "date: "+r.date())
	w.list(0, "tags", attackTags(string(b.Technique)))
	w.line(0, "correlation:")
	w.line(1, "type: value_count")
	w.line(1, "rules:")
	w.line(2, "- "+baseName)
	w.line(1, "group-by:")
	w.line(2, "- "+groupBy)
	w.line(1, fmt.Sprintf("timespan: %dm", minutes))
	w.line(1, "condition:")
	w.line(2, "field: "+field)
	w.line(2, fmt.Sprintf("gte: %d", threshold))
	w.list(0, "falsepositives", quoteAll([]string{"A service or script retrying with many accounts from one host"}))
	w.line(0, "level: high")
	w.line(0, "regression_tests_path: regression_data/"+slug+"/info.yml")
	return w.bytes()
}

// correlate counts a correlation rule's detections on the evidence and on
// the benign corpora, each replayed in time order.
func (r *run) correlate(body []byte, evs []*events.Event) (attack, benign int, err error) {
	set, err := sigma.Parse("correlation", body, sigma.LoadOptions{Pipeline: r.p})
	if err != nil {
		return 0, 0, err
	}
	if len(set.Refusals) > 0 {
		return 0, 0, fmt.Errorf("generated correlation does not load: %s", set.Refusals[0].Error())
	}
	count := func(list []*events.Event) int {
		e := sigma.NewEngine(set, r.p)
		m := e.NewMatcher()
		sorted := append([]*events.Event(nil), list...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Time.Before(sorted[j].Time) })
		for _, ev := range sorted {
			m.Match(ev, func(sigma.Detection) {})
		}
		return len(e.Correlate(m))
	}
	return count(evs), count(r.benign), nil
}
