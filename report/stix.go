package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/generators"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// stixNamespace seeds the UUIDv5 identifiers of exported objects, so that
// exporting the same finding twice gives the same ids (STIX 2.1 allows
// UUIDs other than v4 from a producer's own namespace).
var stixNamespace = uuid.MustParse("0b7d5f3e-2a41-4c69-8e1f-6d3a9c2b5e47")

// The STIX 2.1 predefined TLP 1.0 marking definitions; TLP 2.0 labels map
// onto them (clear is white), and amber+strict gets a statement marking
// of its own as well.
var tlpMarkings = map[string]string{
	"clear": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
	"green": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
	"amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
	"red":   "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}

// Export is a STIX 2.1 bundle of a finding and what was skipped.
type Export struct {
	Bundle  map[string]any
	Skipped []string
	Counts  map[string]int
}

type stixObj = map[string]any

// ExportSTIX builds the STIX 2.1 bundle of a finding: a report, the
// incident, attack patterns for its techniques, indicators for its
// indicators of compromise and for the Sigma and YARA rules generated for
// it (pattern_type sigma and yara), courses of action for its corrective
// actions, and the relationships between them.
func ExportSTIX(ws *findings.Workspace, f *findings.Finding) (*Export, error) {
	id := func(typ string, parts ...string) string {
		return typ + "--" + uuid.NewSHA1(stixNamespace, []byte(strings.Join(append([]string{f.Incident.ID, typ}, parts...), "/"))).String()
	}
	stamp := exportTime(f)
	ts := stamp.Format("2006-01-02T15:04:05.000Z")
	ex := &Export{Counts: map[string]int{}}
	var objects []stixObj
	var markings []string
	tlp := string(f.Incident.TLP)
	var statement stixObj
	switch {
	case tlp == "amber+strict":
		statement = stixObj{"type": "marking-definition", "spec_version": "2.1", "id": id("marking-definition", "amber+strict"), "created": ts,
			"definition_type": "statement", "definition": stixObj{"statement": "TLP:AMBER+STRICT: limited disclosure, recipients may share only within their own organisation."}, "name": "TLP:AMBER+STRICT"}
		markings = []string{tlpMarkings["amber"], statement["id"].(string)}
	case tlpMarkings[tlp] != "":
		markings = []string{tlpMarkings[tlp]}
	}
	identity := stixObj{"type": "identity", "spec_version": "2.1", "id": id("identity", ws.Name), "created": ts, "modified": ts,
		"name": nonEmpty(ws.Name, "antibody workspace"), "identity_class": "organization"}
	common := func(typ string, o stixObj) stixObj {
		o["type"], o["spec_version"], o["created"], o["modified"] = typ, "2.1", ts, ts
		o["created_by_ref"] = identity["id"]
		if len(markings) > 0 {
			o["object_marking_refs"] = markings
		}
		ex.Counts[typ]++
		return o
	}
	objects = append(objects, identity)
	if statement != nil {
		objects = append(objects, statement)
	}

	incident := common("incident", stixObj{"id": id("incident"), "name": f.Incident.ID + ": " + f.Incident.Title})
	if f.Incident.Summary != "" {
		incident["description"] = strings.TrimSpace(f.Incident.Summary)
	}
	objects = append(objects, incident)

	// Attack patterns, one per technique.
	techniques := map[string]string{}
	addTechnique := func(t string) {
		t = strings.ToUpper(t)
		if t == "" || techniques[t] != "" {
			return
		}
		ap := common("attack-pattern", stixObj{"id": id("attack-pattern", t), "name": t,
			"external_references": []stixObj{{"source_name": "mitre-attack", "external_id": t}}})
		techniques[t] = ap["id"].(string)
		objects = append(objects, ap)
	}
	for _, b := range f.Behaviors {
		addTechnique(string(b.Technique))
	}
	for _, e := range f.Timeline.Events {
		addTechnique(string(e.Technique))
	}
	var rels []stixObj
	related := map[string]bool{}
	relate := func(kind, src, dst string) {
		if related[kind+src+dst] {
			return
		}
		related[kind+src+dst] = true
		rels = append(rels, common("relationship", stixObj{"id": id("relationship", kind, src, dst), "relationship_type": kind, "source_ref": src, "target_ref": dst}))
	}
	for _, ap := range sortedValues(techniques) {
		relate("related-to", incident["id"].(string), ap)
	}

	// Indicators of compromise.
	for i, ind := range f.Indicators {
		pattern, ok := stixPattern(string(ind.Type), ind.Value)
		if !ok {
			ex.Skipped = append(ex.Skipped, fmt.Sprintf("indicators[%d] (%s %s): no STIX 2.1 observable for this type", i, ind.Type, ind.Value))
			continue
		}
		o := common("indicator", stixObj{"id": id("indicator", "ioc", string(ind.Type), ind.Value), "name": string(ind.Type) + " " + ind.Value,
			"indicator_types": []string{"malicious-activity"}, "pattern": pattern, "pattern_type": "stix", "pattern_version": "2.1", "valid_from": ts})
		if ind.Note != "" {
			o["description"] = ind.Note
		}
		if ind.Expires != nil {
			if until := ind.Expires.Time; until.After(stamp) {
				o["valid_until"] = until.UTC().Format("2006-01-02T15:04:05.000Z")
			}
		}
		objects = append(objects, o)
		relate("related-to", o["id"].(string), incident["id"].(string))
	}

	// The rules generated for the finding.
	slug := strings.ToLower(f.Incident.ID)
	ruleFiles := func(dir string, exts ...string) ([]string, error) {
		var out []string
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && p == dir {
					return filepath.SkipDir
				}
				return err
			}
			if d.IsDir() && d.Name() == "regression_data" {
				return filepath.SkipDir
			}
			for _, e := range exts {
				if !d.IsDir() && strings.HasSuffix(strings.ToLower(p), e) {
					out = append(out, p)
				}
			}
			return nil
		})
		sort.Strings(out)
		return out, err
	}
	sigmaFiles, err := ruleFiles(filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.Sigma), slug), ".yml", ".yaml")
	if err != nil {
		return nil, err
	}
	for _, file := range sigmaFiles {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		set, err := sigma.Load([]string{file}, sigma.LoadOptions{})
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		// One indicator per file, the pattern being the whole file; it is
		// named after the correlation rule when the file holds one.
		var r *sigma.Rule
		for _, c := range set.Rules {
			if c.Kind == sigma.KindCorrelation || r == nil && c.Kind != sigma.KindFilter {
				r = c
			}
		}
		if r != nil {
			o := common("indicator", stixObj{"id": id("indicator", "sigma", r.ID, r.Title), "name": r.Title,
				"indicator_types": []string{"malicious-activity"}, "pattern": string(generators.Unseal(data)), "pattern_type": "sigma", "valid_from": ts,
				"external_references": []stixObj{{"source_name": "sigma", "external_id": nonEmpty(r.ID, r.Title)}}})
			if r.Description != "" {
				o["description"] = r.Description
			}
			objects = append(objects, o)
			linked := false
			for _, t := range r.Techniques() {
				if ap := techniques[strings.ToUpper(t)]; ap != "" {
					relate("indicates", o["id"].(string), ap)
					linked = true
				}
			}
			if !linked {
				relate("related-to", o["id"].(string), incident["id"].(string))
			}
		}
	}
	yaraFiles, err := ruleFiles(filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.YARA), slug), ".yar", ".yara")
	if err != nil {
		return nil, err
	}
	for _, file := range yaraFiles {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		o := common("indicator", stixObj{"id": id("indicator", "yara", name), "name": "YARA " + name,
			"indicator_types": []string{"malicious-activity"}, "pattern": string(generators.Unseal(data)), "pattern_type": "yara", "valid_from": ts})
		objects = append(objects, o)
		relate("related-to", o["id"].(string), incident["id"].(string))
	}

	// Corrective actions.
	behaviourTech := map[string]string{}
	for _, b := range f.Behaviors {
		behaviourTech[b.ID] = strings.ToUpper(string(b.Technique))
	}
	for _, a := range f.CorrectiveActions {
		desc := a.Text
		if a.Owner != "" {
			desc += " Owner: " + a.Owner + "."
		}
		if a.Due != nil {
			desc += " Due: " + a.Due.Format("2006-01-02") + "."
		}
		if a.Status != "" {
			desc += " Status: " + string(a.Status) + "."
		}
		o := common("course-of-action", stixObj{"id": id("course-of-action", a.ID), "name": a.ID, "description": desc})
		objects = append(objects, o)
		linked := false
		for _, target := range a.Implements {
			if ap := techniques[behaviourTech[target]]; ap != "" {
				relate("mitigates", o["id"].(string), ap)
				linked = true
			}
		}
		if !linked {
			relate("related-to", o["id"].(string), incident["id"].(string))
		}
	}

	objects = append(objects, rels...)
	var refs []string
	for _, o := range objects {
		if t := o["type"]; t != "identity" && t != "marking-definition" {
			refs = append(refs, o["id"].(string))
		}
	}
	rep := common("report", stixObj{"id": id("report"), "name": "Incident review " + f.Incident.ID + ": " + f.Incident.Title,
		"report_types": []string{"attack-pattern", "indicator"}, "published": ts, "object_refs": refs})
	if f.Incident.Summary != "" {
		rep["description"] = strings.TrimSpace(f.Incident.Summary)
	}
	objects = append([]stixObj{rep}, objects...)
	ex.Bundle = stixObj{"type": "bundle", "id": id("bundle"), "objects": objects}
	return ex, nil
}

// exportTime is the time the exported objects carry: when the review was
// completed, else the latest milestone, so exports are reproducible.
func exportTime(f *findings.Finding) time.Time {
	ms := f.Timeline.Milestones()
	if m := ms["review_completed"]; m != nil {
		return m.At.UTC()
	}
	var latest time.Time
	for _, m := range ms {
		if m.At.After(latest) {
			latest = m.At.UTC()
		}
	}
	if latest.IsZero() {
		latest = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return latest
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func sortedValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// stixQuote writes a STIX pattern string literal.
func stixQuote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `\'`) + "'"
}

// stixPattern writes the STIX 2.1 pattern of an indicator of compromise.
func stixPattern(typ, v string) (string, bool) {
	q := stixQuote(v)
	switch typ {
	case "md5":
		return "[file:hashes.MD5 = " + q + "]", true
	case "sha1":
		return "[file:hashes.'SHA-1' = " + q + "]", true
	case "sha256":
		return "[file:hashes.'SHA-256' = " + q + "]", true
	case "domain":
		return "[domain-name:value = " + q + "]", true
	case "ipv4":
		return "[ipv4-addr:value = " + q + "]", true
	case "ipv6":
		return "[ipv6-addr:value = " + q + "]", true
	case "cidr":
		if strings.Contains(v, ":") {
			return "[ipv6-addr:value ISSUBSET " + q + "]", true
		}
		return "[ipv4-addr:value ISSUBSET " + q + "]", true
	case "url":
		return "[url:value = " + q + "]", true
	case "email":
		return "[email-addr:value = " + q + "]", true
	case "file-name":
		return "[file:name = " + q + "]", true
	case "file-path":
		i := strings.LastIndexAny(v, `\/`)
		if i < 0 {
			return "[file:name = " + q + "]", true
		}
		return "[file:name = " + stixQuote(v[i+1:]) + " AND file:parent_directory_ref.path = " + stixQuote(v[:i]) + "]", true
	case "registry-key":
		if strings.ContainsAny(v, "*?") {
			like := strings.NewReplacer("%", `\%`, "_", `\_`, "*", "%", "?", "_").Replace(v)
			return "[windows-registry-key:key LIKE " + stixQuote(like) + "]", true
		}
		return "[windows-registry-key:key = " + q + "]", true
	case "mutex":
		return "[mutex:name = " + q + "]", true
	case "account":
		return "[user-account:account_login = " + q + "]", true
	case "user-agent":
		return "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = " + q + "]", true
	}
	return "", false
}

var (
	stixTypeRe     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	stixIDRe       = regexp.MustCompile(`^([a-z][a-z0-9-]+[a-z0-9])--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`)
	stixTimeRe     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`)
	stixMillisRe   = regexp.MustCompile(`T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
	stixPropertyRe = regexp.MustCompile(`^[a-z0-9_]{3,250}$`)
	stixRelationRe = regexp.MustCompile(`^[a-z0-9-]+$`)
	stixRequired   = map[string][]string{
		"attack-pattern":     {"name"},
		"campaign":           {"name"},
		"course-of-action":   {"name"},
		"grouping":           {"context", "object_refs"},
		"identity":           {"name"},
		"incident":           {"name"},
		"indicator":          {"pattern", "pattern_type", "valid_from"},
		"infrastructure":     {"name"},
		"intrusion-set":      {"name"},
		"malware":            {"is_family"},
		"note":               {"content", "object_refs"},
		"report":             {"name", "published", "object_refs"},
		"threat-actor":       {"name"},
		"tool":               {"name"},
		"vulnerability":      {"name"},
		"relationship":       {"relationship_type", "source_ref", "target_ref"},
		"sighting":           {"sighting_of_ref"},
		"marking-definition": {},
	}
)

// ValidateSTIX checks a STIX 2.1 bundle against the specification's
// rules for the objects Antibody writes: the bundle's shape; on every
// object the common properties (type, spec_version 2.1, an identifier
// whose prefix is the type and whose UUID is RFC 4122, timestamps in UTC
// with millisecond created and modified, modified not before created,
// custom property names, external references with a source name and an
// id, url or description); each type's required properties and their
// types; and that every reference resolves to an object of the bundle
// (or a predefined TLP marking) of a type the property allows. It
// returns one message per problem, naming the object and property.
func ValidateSTIX(data []byte) []string {
	var probs []string
	bad := func(where, format string, a ...any) { probs = append(probs, where+": "+fmt.Sprintf(format, a...)) }
	var b map[string]any
	if err := json.Unmarshal(data, &b); err != nil {
		return []string{"bundle: not a JSON object: " + err.Error()}
	}
	if b["type"] != "bundle" {
		bad("bundle.type", "%v (expected \"bundle\")", b["type"])
	}
	if s, _ := b["id"].(string); !stixIDRe.MatchString(s) || !strings.HasPrefix(s, "bundle--") {
		bad("bundle.id", "%q is not bundle--<uuid>", s)
	}
	for k := range b {
		if k != "type" && k != "id" && k != "objects" {
			bad("bundle."+k, "not a property of a STIX 2.1 bundle")
		}
	}
	objs, ok := b["objects"].([]any)
	if !ok || len(objs) == 0 {
		bad("bundle.objects", "expected a non-empty array")
		return probs
	}
	types := map[string]string{}
	for _, tlp := range tlpMarkings {
		types[tlp] = "marking-definition"
	}
	for i, raw := range objs {
		o, _ := raw.(map[string]any)
		if o == nil {
			bad(fmt.Sprintf("objects[%d]", i), "expected an object")
			continue
		}
		id, _ := o["id"].(string)
		if _, dup := types[id]; dup && id != "" {
			bad(fmt.Sprintf("objects[%d].id", i), "%s appears twice", id)
		}
		t, _ := o["type"].(string)
		types[id] = t
	}
	for i, raw := range objs {
		o, _ := raw.(map[string]any)
		if o == nil {
			continue
		}
		t, _ := o["type"].(string)
		where := fmt.Sprintf("objects[%d] (%s)", i, nonEmpty(t, "no type"))
		if !stixTypeRe.MatchString(t) || len(t) < 3 || len(t) > 250 {
			bad(where+".type", "%q is not a STIX type name", t)
		}
		req, known := stixRequired[t]
		if !known {
			bad(where+".type", "%q is not a STIX 2.1 domain, relationship or marking object this check knows", t)
		}
		if o["spec_version"] != "2.1" {
			bad(where+".spec_version", "%v (expected \"2.1\")", o["spec_version"])
		}
		id, _ := o["id"].(string)
		if m := stixIDRe.FindStringSubmatch(id); m == nil || m[1] != t {
			bad(where+".id", "%q is not %s--<RFC 4122 uuid>", id, t)
		}
		created, _ := o["created"].(string)
		if !stixTimeRe.MatchString(created) || !stixMillisRe.MatchString(created) {
			bad(where+".created", "%q is not a UTC timestamp with milliseconds", created)
		}
		if t != "marking-definition" {
			modified, _ := o["modified"].(string)
			if !stixTimeRe.MatchString(modified) || !stixMillisRe.MatchString(modified) {
				bad(where+".modified", "%q is not a UTC timestamp with milliseconds", modified)
			} else if modified < created {
				bad(where+".modified", "%s is before created %s", modified, created)
			}
		}
		for _, p := range req {
			if v, ok := o[p]; !ok || v == "" || v == nil {
				bad(where+"."+p, "required")
			}
		}
		for k, v := range o {
			if k != "id" && !stixPropertyRe.MatchString(k) {
				bad(where+"."+k, "property names are 3 to 250 of a-z, 0-9 and _")
			}
			if arr, ok := v.([]any); ok && len(arr) == 0 {
				bad(where+"."+k, "an empty list (lists hold at least one item)")
			}
		}
		ref := func(prop, v string, allowed ...string) {
			rt, ok := types[v]
			switch {
			case !ok:
				bad(where+"."+prop, "%s is not an object of the bundle", v)
			case len(allowed) > 0 && !contains(allowed, rt):
				bad(where+"."+prop, "%s is a %s (expected %s)", v, rt, strings.Join(allowed, " or "))
			}
		}
		if v, ok := o["created_by_ref"].(string); ok {
			ref("created_by_ref", v, "identity")
		}
		for _, v := range strs(o["object_marking_refs"]) {
			ref("object_marking_refs", v, "marking-definition")
		}
		for j, er := range anys(o["external_references"]) {
			m, _ := er.(map[string]any)
			w := fmt.Sprintf("%s.external_references[%d]", where, j)
			if m == nil || m["source_name"] == nil || m["source_name"] == "" {
				bad(w+".source_name", "required")
			}
			if m != nil && m["description"] == nil && m["url"] == nil && m["external_id"] == nil {
				bad(w, "needs at least one of description, url and external_id")
			}
		}
		switch t {
		case "indicator":
			vf, _ := o["valid_from"].(string)
			if !stixTimeRe.MatchString(vf) {
				bad(where+".valid_from", "%q is not a UTC timestamp", vf)
			}
			if vu, ok := o["valid_until"].(string); ok && vu <= vf {
				bad(where+".valid_until", "%s is not after valid_from %s", vu, vf)
			}
			if s, _ := o["pattern"].(string); strings.TrimSpace(s) == "" {
				bad(where+".pattern", "empty")
			}
			if s, _ := o["pattern_type"].(string); !stixRelationRe.MatchString(s) {
				bad(where+".pattern_type", "%q is not a vocabulary value", s)
			}
		case "report":
			if s, _ := o["published"].(string); !stixTimeRe.MatchString(s) {
				bad(where+".published", "%q is not a UTC timestamp", s)
			}
			for _, v := range strs(o["object_refs"]) {
				ref("object_refs", v)
			}
		case "relationship":
			if s, _ := o["relationship_type"].(string); !stixRelationRe.MatchString(s) {
				bad(where+".relationship_type", "%q is not lower-case words joined by hyphens", s)
			}
			src, _ := o["source_ref"].(string)
			dst, _ := o["target_ref"].(string)
			ref("source_ref", src)
			ref("target_ref", dst)
			switch o["relationship_type"] {
			case "indicates":
				ref("source_ref", src, "indicator")
			case "mitigates":
				ref("source_ref", src, "course-of-action")
			}
		case "marking-definition":
			if o["definition_type"] == "statement" {
				d, _ := o["definition"].(map[string]any)
				if d == nil || d["statement"] == nil {
					bad(where+".definition.statement", "required for a statement marking")
				}
			}
		}
	}
	return probs
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func anys(v any) []any {
	a, _ := v.([]any)
	return a
}

func strs(v any) []string {
	var out []string
	for _, x := range anys(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
