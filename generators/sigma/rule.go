package sigma

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/generators"
	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// draft is a rule before it is written.
type draft struct {
	id, title, description string
	source                 string // behaviour or indicator group id
	evidence               []string
	refs, tags             []string
	ls                     sigma.Logsource
	sels                   []selection
	filters                []pred
	falsepositives         []string
	level                  string
	slug                   string
	// tests are the positive expectations: evidence file -> detections.
	tests []positive
}

type positive struct {
	path  string
	count int
}

var prefixes = map[string]string{
	"process_creation": "proc_creation_win_", "process_access": "proc_access_win_",
	"file_event": "file_event_win_", "registry_set": "registry_set_win_", "registry_event": "registry_event_win_",
	"network_connection": "net_connection_win_", "image_load": "image_load_win_", "dns_query": "dns_query_win_",
	"ps_script": "posh_ps_", "pipe_created": "pipe_created_", "create_remote_thread": "create_remote_thread_win_",
}

func slugFor(ls sigma.Logsource, name string) string {
	prefix := prefixes[ls.Category]
	switch {
	case prefix != "":
	case ls.Service != "":
		prefix = "win_" + strings.ReplaceAll(ls.Service, "-", "_") + "_"
	default:
		prefix = ls.Category + "_win_"
	}
	name = strings.TrimPrefix(strings.ToLower(name), "b-")
	var b strings.Builder
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return prefix + strings.Trim(b.String(), "_")
}

func titleCase(s string) string {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if s == "" {
		return s
	}
	if len(s) > 100 {
		// Cut at the last clause that fits, else at a word.
		cut := strings.LastIndexAny(s[:100], ",;(")
		if cut < 40 {
			cut = strings.LastIndex(s[:100], " ")
		}
		if cut < 40 {
			cut = 100
		}
		s = strings.TrimSpace(s[:cut])
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func categoryWords(ls sigma.Logsource) string {
	if ls.Category != "" {
		return strings.ReplaceAll(ls.Category, "_", " ")
	}
	return ls.Service + " log"
}

// behaviourRule tunes the selections of one log source into a rule,
// proves it and emits it with its expectations.
func (r *run) behaviourRule(b findings.Behavior, evPath string, src *sigma.Source, groups []*group, split bool) error {
	ls := src.Logsource()
	var sels []selection
	var positives []*events.Event
	var remaining []int
	var notes []string
	for gi, g := range groups {
		var samples []sample
		for _, ev := range g.events {
			samples = append(samples, toSample(ev, src))
		}
		cands := candidates(samples, r.known, r.names)
		if ls.Category != "" {
			// The log source already implies the event id.
			cands = without(cands, "EventID")
		}
		preds, rest, note, err := r.tune(ls, g.events, cands)
		var many *tooMany
		if errors.As(err, &many) {
			r.skip(b.ID, fmt.Sprintf("inseparable from benign %s events: %s", categoryWords(ls), many.Error()), nil)
			return nil
		}
		if err != nil {
			return err
		}
		if len(preds) == 0 {
			r.skip(b.ID, fmt.Sprintf("nothing generalisable holds on every %s event it cites (only one-off values)", categoryWords(ls)), nil)
			return nil
		}
		name := "selection"
		if len(groups) > 1 {
			name = fmt.Sprintf("selection_%s", selName(samples[0], gi))
		}
		sels = append(sels, selection{name: name, preds: preds})
		positives = append(positives, g.events...)
		remaining = union(remaining, rest)
		notes = append(notes, note)
	}
	var filters []pred
	if len(remaining) > r.budget {
		for _, f := range r.filters(ls, positives, src, remaining) {
			if len(remaining) <= r.budget {
				break
			}
			ev, err := r.evaluate(ls, []pred{f}, positives)
			if err != nil {
				return err
			}
			if ev.pos[0] > 0 {
				continue // would hide the attack
			}
			left := subtract(remaining, ev.hits[0])
			if len(left) == len(remaining) {
				continue
			}
			filters = append(filters, f)
			notes = append(notes, fmt.Sprintf("excluding %s (shared by %d benign events) left %d", describe(f), len(remaining)-len(left), len(left)))
			remaining = left
		}
	}
	if len(remaining) > r.budget {
		var coll []string
		for _, bi := range remaining {
			coll = append(coll, r.pool[bi].Source.String())
		}
		coll = firstFive(coll)
		r.skip(b.ID, fmt.Sprintf("inseparable from benign %s events: the best draft still matches %d benign events (budget %d)", categoryWords(ls), len(remaining), r.budget), coll)
		return nil
	}
	title := titleCase(b.Summary)
	if title == "" {
		title = "Behaviour " + b.ID + " of " + r.in.Finding.Incident.ID
	}
	idParts := []string{b.ID}
	if split {
		title = titleCase(title + " (" + categoryWords(ls) + ")")
		idParts = append(idParts, ls.Category+ls.Service)
	}
	d := draft{
		id: generators.ID(r.in.Finding.Incident.ID, idParts...), title: title, source: b.ID,
		evidence: []string{b.Evidence}, ls: ls, sels: sels, filters: filters, level: "high",
		refs:           []string{r.findingRef() + "#" + b.ID},
		tags:           attackTags(string(b.Technique)),
		slug:           slugFor(ls, b.ID),
		tests:          []positive{{path: evPath, count: len(positives)}},
		falsepositives: []string{"Administrative or software-deployment activity that does the same (none in the benign corpora it was tuned on)"},
	}
	d.description = wrap(fmt.Sprintf("%s\n\nGenerated by Antibody from %s behaviour %s (%s, evidence %s). Tuned against %d benign events (budget %d): %s.",
		strings.TrimSpace(b.Summary), r.in.Finding.Incident.ID, b.ID, b.Technique, b.Evidence, r.benignN, r.budget, strings.Join(notes, "; ")), 96)
	return r.emit(d, positives, notes)
}

func without(preds []pred, field string) []pred {
	var out []pred
	for _, p := range preds {
		if p.field != field {
			out = append(out, p)
		}
	}
	return out
}

func selName(s sample, i int) string {
	for _, f := range []string{"Image", "TargetImage", "OriginalFileName"} {
		if v, ok := s[f]; ok {
			n := strings.TrimSuffix(strings.ToLower(basename(v)), path.Ext(strings.ToLower(basename(v))))
			if isWord(n) && !randomLooking(n) {
				return strings.ReplaceAll(strings.ReplaceAll(n, "-", "_"), ".", "_")
			}
		}
	}
	return fmt.Sprint(i + 1)
}

func subtract(a, b []int) []int {
	drop := map[int]bool{}
	for _, x := range b {
		drop[x] = true
	}
	var out []int
	for _, x := range a {
		if !drop[x] {
			out = append(out, x)
		}
	}
	return out
}

func (r *run) findingRef() string {
	if r.in.Workspace != nil {
		if rel, err := relPath(r.in.Workspace.Root, r.in.File); err == nil {
			return rel
		}
	}
	return r.in.File
}

// ruleYAML writes the rule document.
func (r *run) ruleYAML(d draft) []byte {
	w := &docWriter{}
	w.line(0, "title: "+quote(d.title))
	w.line(0, "id: "+d.id)
	w.line(0, "status: experimental")
	w.text(0, "description", d.description)
	w.list(0, "references", quoteAll(d.refs))
	w.line(0, "author: "+quote("Antibody sigma generator v"+Version+" from "+r.in.Finding.Incident.ID))
	w.line(0, "date: "+r.date())
	w.list(0, "tags", d.tags)
	writeLogsource(w, d.ls)
	w.line(0, "detection:")
	var clauses []string
	for _, s := range d.sels {
		var plain []pred
		var alts []pred
		for _, p := range s.preds {
			if p.alt != nil {
				alts = append(alts, p)
			} else {
				plain = append(plain, p)
			}
		}
		parts := []string{}
		for i, p := range alts {
			name := s.name + "_img"
			if i > 0 {
				name = fmt.Sprintf("%s_img%d", s.name, i+1)
			}
			writePred(w, name, p)
			parts = append(parts, name)
		}
		if len(plain) > 0 {
			w.line(1, s.name+":")
			for _, p := range plain {
				w.field(2, p.key(), p.values)
			}
			parts = append(parts, s.name)
		}
		clause := strings.Join(parts, " and ")
		if len(parts) > 1 && len(d.sels) > 1 {
			clause = "(" + clause + ")"
		}
		clauses = append(clauses, clause)
	}
	for i, f := range d.filters {
		w.line(1, fmt.Sprintf("filter_benign_%d:", i+1))
		w.field(2, f.key(), f.values)
	}
	cond := strings.Join(clauses, " or ")
	if len(d.filters) > 0 {
		if len(clauses) > 1 {
			cond = "(" + cond + ")"
		}
		cond += " and not 1 of filter_benign_*"
	}
	w.line(1, "condition: "+cond)
	w.list(0, "falsepositives", quoteAll(d.falsepositives))
	w.line(0, "level: "+d.level)
	w.line(0, "regression_tests_path: regression_data/"+d.slug+"/info.yml")
	return w.bytes()
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = quote(v)
	}
	return out
}

// infoYAML writes the rule's SigmaHQ expectations.
func (r *run) infoYAML(d draft) []byte {
	w := &docWriter{}
	w.line(0, "id: "+generators.ID(r.in.Finding.Incident.ID, d.source, "tests", d.slug))
	w.text(0, "description", fmt.Sprintf("Evidence of %s behaviour %s; the benign corpora of the workspace are checked by antibody test.", r.in.Finding.Incident.ID, d.source))
	w.line(0, "date: "+r.date())
	w.line(0, "author: "+quote("Antibody sigma generator v"+Version))
	w.line(0, "rule_metadata:")
	w.line(1, "- id: "+d.id)
	w.line(1, "  title: "+quote(d.title))
	w.line(0, "regression_tests_info:")
	for _, t := range d.tests {
		typ := "jsonl"
		if f, ok := events.FormatOf(t.path); ok {
			typ = string(f)
		}
		if t.count < 0 {
			w.line(1, "- name: Benign corpus stays silent")
			w.line(1, "  type: "+typ)
			w.line(1, "  expect: no-match")
			w.line(1, "  path: "+quote(t.path))
			continue
		}
		w.line(1, "- name: Positive Detection Test")
		w.line(1, "  type: "+typ)
		w.line(1, fmt.Sprintf("  match_count: %d", t.count))
		w.line(1, "  path: "+quote(t.path))
	}
	return w.bytes()
}

// emit proves the finished rule with the engine (every positive matches,
// the benign corpora stay within budget) and adds it and its
// expectations to the result.
func (r *run) emit(d draft, positives []*events.Event, notes []string) error {
	body := r.ruleYAML(d)
	set, err := sigma.Parse(d.slug+".yml", body, sigma.LoadOptions{Pipeline: r.p})
	if err != nil {
		return err
	}
	if len(set.Refusals) > 0 {
		return fmt.Errorf("generated rule %s does not load: %s", d.slug, set.Refusals[0].Error())
	}
	e := sigma.NewEngine(set, r.p)
	m := e.NewMatcher()
	matched := 0
	for _, p := range positives {
		hit := false
		m.Match(p, func(sigma.Detection) { hit = true })
		if hit {
			matched++
		}
	}
	// The expectation counts every detection in the evidence file, the
	// cited events and any other attack events the rule also catches, so
	// antibody test neither fails nor warns on a correct rule.
	for i, t := range d.tests {
		if len(d.evidence) <= i || t.count < 0 {
			continue
		}
		if evs, _, err := r.evidenceEvents(d.evidence[i]); err == nil {
			n := 0
			for _, ev := range evs {
				m.Match(ev, func(sigma.Detection) { n++ })
			}
			d.tests[i].count = n
		}
	}
	fp, _, err := r.benignHits(set, func(*sigma.Rule) bool { return true })
	if err != nil {
		return err
	}
	if matched != len(positives) || fp > r.budget {
		return fmt.Errorf("generated rule %s does not hold: %d of %d evidence events match, %d benign hits (budget %d)", d.slug, matched, len(positives), fp, r.budget)
	}
	r.add(d, body, []string{d.source}, notes)
	return nil
}

// add records a proven rule and its expectations as artifacts.
func (r *run) add(d draft, body []byte, sources, notes []string) {
	dir := path.Join(r.sigmaDir(), strings.ToLower(r.in.Finding.Incident.ID))
	prov := generators.Provenance{Finding: r.in.Finding.Incident.ID, Sources: sources, Evidence: d.evidence, Generator: "sigma", Version: Version}
	r.res.Artifacts = append(r.res.Artifacts,
		generators.Artifact{Path: path.Join(dir, d.slug+".yml"), Content: generators.Seal(body), Kind: "sigma", ID: d.id, Title: d.title, Provenance: prov, Notes: notes},
		generators.Artifact{Path: path.Join(dir, "regression_data", d.slug, "info.yml"), Content: generators.Seal(r.infoYAML(d)), Kind: "sigma-expectations", ID: d.id, Title: d.title, Provenance: prov},
	)
}
