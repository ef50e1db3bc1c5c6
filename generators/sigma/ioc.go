package sigma

import (
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strings"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/generators"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// iocKind is how one group of indicator types becomes a rule.
type iocKind struct {
	name  string // slug part and selection name
	what  string // words for the title
	ls    sigma.Logsource
	level string
	// build turns the group's values into selections (ANDed within,
	// ORed between).
	build func(values []string) [][]pred
}

var windowsLS = func(category string) sigma.Logsource { return sigma.Logsource{Category: category, Product: "windows"} }

// iocKinds in the order rules are written; types maps indicator types to
// them.
var iocKinds = []iocKind{
	{name: "hashes", what: "file hashes", ls: windowsLS("process_creation"), level: "high", build: func(v []string) [][]pred {
		return [][]pred{{{field: "Hashes", mods: "contains", values: upper(v)}}}
	}},
	{name: "domains", what: "domains", ls: windowsLS("dns_query"), level: "high", build: func(v []string) [][]pred {
		return [][]pred{{{field: "QueryName", mods: "endswith", values: v}}}
	}},
	{name: "addresses", what: "network addresses", ls: windowsLS("network_connection"), level: "medium", build: func(v []string) [][]pred {
		return [][]pred{{{field: "DestinationIp", mods: "cidr", values: v}}}
	}},
	{name: "files", what: "file names and paths", ls: windowsLS("file_event"), level: "high", build: func(v []string) [][]pred {
		return [][]pred{{{field: "TargetFilename", mods: "endswith", values: v}}}
	}},
	{name: "programs", what: "program names and paths", ls: windowsLS("process_creation"), level: "high", build: func(v []string) [][]pred {
		return [][]pred{{{field: "Image", mods: "endswith", values: v}}}
	}},
	{name: "registry", what: "registry keys", ls: windowsLS("registry_set"), level: "high", build: func(v []string) [][]pred {
		return [][]pred{{{field: "TargetObject", mods: "endswith", values: v}}}
	}},
	{name: "pipes", what: "named pipes", ls: windowsLS("pipe_created"), level: "high", build: func(v []string) [][]pred {
		return [][]pred{{{field: "PipeName", values: v}}}
	}},
	{name: "tasks", what: "scheduled tasks", ls: sigma.Logsource{Product: "windows", Service: "security"}, level: "high", build: func(v []string) [][]pred {
		return [][]pred{{{field: "EventID", values: []string{"4698"}}, {field: "TaskName", values: v}}}
	}},
	{name: "services", what: "service names", ls: sigma.Logsource{Product: "windows", Service: "system"}, level: "high", build: func(v []string) [][]pred {
		return [][]pred{{{field: "EventID", values: []string{"7045"}}, {field: "ServiceName", values: v}}}
	}},
}

func upper(v []string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = strings.ToUpper(s)
	}
	return out
}

// iocValue maps an indicator to the kinds and values it contributes.
func iocValue(i findings.Indicator) (map[string][]string, string) {
	v := strings.TrimSpace(i.Value)
	switch string(i.Type) {
	case "md5", "sha1", "sha256", "imphash":
		return map[string][]string{"hashes": {v}}, ""
	case "domain":
		return map[string][]string{"domains": {v}}, ""
	case "url":
		u, err := url.Parse(v)
		if err != nil || u.Hostname() == "" {
			return nil, "not a URL with a host"
		}
		if _, err := netip.ParseAddr(u.Hostname()); err == nil {
			return map[string][]string{"addresses": {u.Hostname()}}, ""
		}
		return map[string][]string{"domains": {u.Hostname()}}, ""
	case "ipv4", "ipv6", "cidr":
		return map[string][]string{"addresses": {v}}, ""
	case "file-name":
		return map[string][]string{"files": {`\` + v}, "programs": {`\` + v}}, ""
	case "file-path":
		return map[string][]string{"files": {v}, "programs": {v}}, ""
	case "registry-key":
		k := v
		if j := strings.Index(strings.ToLower(k), `\software\`); j >= 0 {
			k = k[j:]
		}
		return map[string][]string{"registry": {k}}, ""
	case "named-pipe":
		return map[string][]string{"pipes": {v}}, ""
	case "scheduled-task":
		return map[string][]string{"tasks": {v}}, ""
	case "service-name":
		return map[string][]string{"services": {v}}, ""
	case "mutex":
		return nil, "Windows event logs do not record mutexes (a YARA rule or EDR query can)"
	}
	return nil, fmt.Sprintf("indicators of type %s have no Windows log source to match in", i.Type)
}

// indicators writes one rule per kind of indicator, kept apart from the
// behaviour rules: they expire, behaviours do not.
func (r *run) indicators() error {
	values := map[string][]string{}
	expires := map[string]string{}
	evidence := map[string][]string{}
	sources := map[string][]string{}
	for n, ind := range r.in.Finding.Indicators {
		src := ind.ID
		if src == "" {
			src = fmt.Sprintf("indicators[%d]", n)
		}
		kinds, why := iocValue(ind)
		if why != "" {
			r.skip(src, fmt.Sprintf("indicator %s (%s): %s", ind.Value, ind.Type, why), nil)
			continue
		}
		for k, vs := range kinds {
			values[k] = append(values[k], vs...)
			sources[k] = append(sources[k], src)
			if ind.Evidence != "" && !containsStr(evidence[k], ind.Evidence) {
				evidence[k] = append(evidence[k], ind.Evidence)
			}
			if ind.Expires != nil {
				e := ind.Expires.Format("2006-01-02")
				if expires[k] == "" || e < expires[k] {
					expires[k] = e
				}
			}
		}
	}
	for _, kind := range iocKinds {
		vs := dedupe(values[kind.name])
		if len(vs) == 0 {
			continue
		}
		if err := r.iocRule(kind, vs, expires[kind.name], evidence[kind.name], sources[kind.name]); err != nil {
			return err
		}
	}
	return nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func dedupe(vs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		if !seen[strings.ToLower(v)] {
			seen[strings.ToLower(v)] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func (r *run) iocRule(kind iocKind, vs []string, expiry string, evidence, srcs []string) error {
	id := r.in.Finding.Incident.ID
	slug := slugFor(kind.ls, strings.ToLower(id)+"_ioc_"+kind.name)
	d := draft{
		id: generators.ID(id, "indicators", kind.name), source: "indicators:" + kind.name, slug: slug,
		title:    titleCase(fmt.Sprintf("Known %s of %s", kind.what, id)),
		evidence: evidence, ls: kind.ls, level: kind.level, tags: []string{"detection.emerging-threats"},
		refs:           []string{r.findingRef() + "#indicators"},
		falsepositives: []string{"Infrastructure or files reused by legitimate parties after the incident (shared hosting, re-registered domains)"},
	}
	for i, sel := range kind.build(vs) {
		name := "selection"
		if i > 0 {
			name = fmt.Sprintf("selection_%d", i+1)
		}
		d.sels = append(d.sels, selection{name: name, preds: sel})
	}
	guidance := "No expiry is recorded for them: review them at the latest 90 days after " + r.date() + "."
	if expiry != "" {
		guidance = "They are valid until " + expiry + " (the earliest expiry recorded): review, renew or retire this rule by then."
	}
	d.description = wrap(fmt.Sprintf("Indicators of compromise from %s (%s): %s. %s Kept apart from the behaviour rules, which do not expire.",
		id, strings.Join(dedupe(srcs), ", "), strings.Join(vs, ", "), guidance), 96)
	// Positives: the events of the cited evidence the rule matches.
	body := r.ruleYAML(d)
	set, err := sigma.Parse(slug+".yml", body, sigma.LoadOptions{Pipeline: r.p})
	if err != nil {
		return err
	}
	if len(set.Refusals) > 0 {
		return fmt.Errorf("generated IOC rule %s does not load: %s", slug, set.Refusals[0].Error())
	}
	e := sigma.NewEngine(set, r.p)
	m := e.NewMatcher()
	var notes []string
	for _, evID := range evidence {
		evs, evPath, err := r.evidenceEvents(evID)
		if err != nil {
			continue // file evidence: nothing to replay
		}
		n := 0
		for _, ev := range evs {
			hit := false
			m.Match(ev, func(sigma.Detection) { hit = true })
			if hit {
				n++
			}
		}
		if n > 0 {
			d.tests = append(d.tests, positive{path: evPath, count: n})
			notes = append(notes, fmt.Sprintf("matches %d %s of %s", n, plural(n, "event"), evID))
		}
	}
	fp, coll, err := r.benignHits(set, func(*sigma.Rule) bool { return true })
	if err != nil {
		return err
	}
	if fp > r.budget {
		r.skip(d.source, fmt.Sprintf("the %s match %d benign events (budget %d): they are not indicators of this attack alone", kind.what, fp, r.budget), coll)
		return nil
	}
	notes = append(notes, fmt.Sprintf("silent on %d benign events", r.benignN))
	if len(d.tests) == 0 {
		// No recorded event to prove it on: its expectation is the
		// benign corpora's silence, stated explicitly.
		for _, b := range r.benignPaths() {
			d.tests = append(d.tests, positive{path: b, count: -1})
		}
	}
	r.add(d, body, dedupe(srcs), notes)
	return nil
}

// benignPaths are the workspace's benign event corpora, relative to its
// root.
func (r *run) benignPaths() []string {
	var out []string
	if r.in.Workspace == nil {
		return nil
	}
	for _, b := range r.in.Workspace.Benign {
		if b.Kind == "events" {
			out = append(out, b.Path)
		}
	}
	return out
}
