package findings

import (
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	idPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	hexPattern   = regexp.MustCompile(`^[0-9a-fA-F]+$`)
	cvePattern   = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)
	domainLabel  = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9-_]{0,61}[A-Za-z0-9])?$`)
	currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)
)

// sigmaModifiers are the field modifiers of Sigma specification v2.1; a
// behaviour's match uses the same notation, so a typo is caught here
// rather than silently matching nothing later.
var sigmaModifiers = []string{
	"contains", "startswith", "endswith", "all", "re", "i", "m", "s", "cidr", "base64",
	"base64offset", "wide", "utf16le", "utf16be", "utf16", "windash", "exists", "cased", "neq",
	"lt", "lte", "gt", "gte", "fieldref", "expand", "minute", "hour", "day", "week", "month", "year",
}

// idKind remembers where an id was defined and what it names.
type idKind struct {
	kind string
	path string
	ev   *Evidence
}

// check runs the checks that need the whole document.
func (f *Finding) check() Problems {
	var ps Problems
	add := func(path, code, format string, args ...any) {
		ps = append(ps, f.problem(path, code, format, args...))
	}
	ids := map[string]idKind{}
	define := func(id, kind, p string, ev *Evidence) {
		if id == "" {
			return
		}
		if !idPattern.MatchString(id) {
			add(p, CodeFormat, "id %q has characters ids may not have (expected letters, digits, '.', '_' and '-', starting with a letter or digit)", id)
		}
		if prev, ok := ids[id]; ok {
			add(p, CodeDuplicate, "id %q is already used by %s at line %d (expected ids unique across the finding)", id, prev.kind, f.Pos(prev.path).Line)
			return
		}
		ids[id] = idKind{kind: kind, path: p, ev: ev}
	}
	if strings.ContainsAny(f.Incident.ID, " \t/\\") {
		add("incident.id", CodeFormat, "incident id %q contains spaces or slashes (expected e.g. INC-2026-014; it names generated files)", f.Incident.ID)
	}
	if f.Scope != nil {
		for i, a := range f.Scope.Assets {
			define(a.ID, "asset", fmt.Sprintf("scope.assets[%d].id", i), nil)
		}
	}
	for i := range f.Evidence {
		e := &f.Evidence[i]
		p := fmt.Sprintf("evidence[%d]", i)
		define(e.ID, "evidence", p+".id", e)
		f.checkEvidence(e, p, add)
	}
	for i, b := range f.Behaviors {
		define(b.ID, "behavior", fmt.Sprintf("behaviors[%d].id", i), nil)
	}
	for i, in := range f.Indicators {
		define(in.ID, "indicator", fmt.Sprintf("indicators[%d].id", i), nil)
	}
	for i, a := range f.Artifacts {
		define(a.ID, "artifact", fmt.Sprintf("artifacts[%d].id", i), nil)
	}
	for i, rc := range f.RootCauses {
		define(rc.ID, "root cause", fmt.Sprintf("root_causes[%d].id", i), nil)
	}
	if rr := f.ResponseReview; rr != nil {
		for i, s := range rr.Steps {
			define(s.ID, "review step", fmt.Sprintf("response_review.steps[%d].id", i), nil)
		}
	}
	for i, ca := range f.CorrectiveActions {
		define(ca.ID, "corrective action", fmt.Sprintf("corrective_actions[%d].id", i), nil)
	}

	// ref checks that id names something of one of the wanted kinds (and,
	// for evidence, of the wanted evidence kind).
	ref := func(id, p, want string, evKind EvidenceKind) {
		if id == "" {
			return
		}
		def, ok := ids[id]
		if !ok {
			add(p, CodeReference, "%q does not name any %s in this finding (expected one of: %s)", id, want, f.idsOf(ids, want, evKind))
			return
		}
		if !strings.Contains(want, def.kind) {
			add(p, CodeReference, "%q is a %s (expected a %s)", id, def.kind, want)
			return
		}
		if evKind != "" && def.ev != nil && def.ev.Kind != evKind {
			add(p, CodeReference, "evidence %q is of kind %s (expected kind %s here)", id, def.ev.Kind, evKind)
		}
	}

	for i, ev := range f.Timeline.Events {
		ref(ev.Evidence, fmt.Sprintf("timeline.events[%d].evidence", i), "evidence", "")
	}
	for i, b := range f.Behaviors {
		p := fmt.Sprintf("behaviors[%d]", i)
		ref(b.Evidence, p+".evidence", "evidence", KindEvents)
		switch {
		case (len(b.Records) > 0 || len(b.Match) > 0) && b.Evidence == "":
			add(p, CodeRequired, "behavior %q selects events but names no evidence (expected evidence: the id of the events evidence)", b.ID)
		case b.Evidence != "" && len(b.Records) == 0 && len(b.Match) == 0:
			add(p+".evidence", CodeRequired, "behavior %q names evidence but selects no events in it (expected records: [...] or match: {...})", b.ID)
		case b.Evidence == "" && len(b.Fields) == 0:
			add(p, CodeRequired, "behavior %q points at nothing (expected evidence with records or match, or explicit fields)", b.ID)
		}
		f.checkSelection(b.Match, p+".match", add)
		f.checkSelection(b.Fields, p+".fields", add)
		for j, r := range b.Records {
			if r <= 0 {
				add(fmt.Sprintf("%s.records[%d]", p, j), CodeFormat, "record id %d is not positive (expected an EventRecordID)", r)
			}
		}
	}
	for i, in := range f.Indicators {
		p := fmt.Sprintf("indicators[%d]", i)
		ref(in.Evidence, p+".evidence", "evidence", "")
		if msg := checkIndicator(in.Type, in.Value); msg != "" && in.Value != "" {
			add(p+".value", CodeFormat, "%s", msg)
		}
	}
	for i, a := range f.Artifacts {
		ref(a.Evidence, fmt.Sprintf("artifacts[%d].evidence", i), "evidence", KindFile)
	}
	for i, rc := range f.RootCauses {
		p := fmt.Sprintf("root_causes[%d]", i)
		ref(rc.Before, p+".before", "evidence", KindConfig)
		ref(rc.After, p+".after", "evidence", KindConfig)
		if rc.Before != "" && rc.Before == rc.After {
			add(p+".after", CodeReference, "before and after are the same evidence %q (expected the pre-incident and the remediated snapshot)", rc.After)
		}
		for j, cve := range rc.Vulnerabilities {
			if !cvePattern.MatchString(cve) {
				add(fmt.Sprintf("%s.vulnerabilities[%d]", p, j), CodeFormat, "%q is not a CVE id (expected CVE-YYYY-NNNN)", cve)
			}
		}
	}
	if rr := f.ResponseReview; rr != nil {
		for i, s := range rr.Steps {
			ref(s.Evidence, fmt.Sprintf("response_review.steps[%d].evidence", i), "evidence", "")
		}
		if rr.Playbook != "" {
			if msg := checkRelPath(rr.Playbook); msg != "" {
				add("response_review.playbook", CodePath, "playbook path %q %s", rr.Playbook, msg)
			}
		}
	}
	for i, ca := range f.CorrectiveActions {
		for j, id := range ca.Implements {
			ref(id, fmt.Sprintf("corrective_actions[%d].implements[%d]", i, j), "behavior, indicator, artifact, root cause or review step", "")
		}
	}
	if f.Impact != nil {
		if f.Impact.Downtime != nil {
			for i, id := range f.Impact.Downtime.Assets {
				ref(id, fmt.Sprintf("impact.downtime.assets[%d]", i), "asset", "")
			}
		}
		for i, l := range f.Impact.Losses {
			if l.Currency != "" && !currencyCode.MatchString(l.Currency) {
				add(fmt.Sprintf("impact.losses[%d].currency", i), CodeFormat, "currency %q is not an ISO 4217 code (expected e.g. EUR, USD)", l.Currency)
			}
			if l.Amount != 0 && l.Currency == "" {
				add(fmt.Sprintf("impact.losses[%d]", i), CodeRequired, "loss has an amount but no currency (expected currency: EUR, USD, ...)")
			}
		}
	}
	ps = append(ps, f.checkTimeline()...)
	return ps
}

func (f *Finding) idsOf(ids map[string]idKind, want string, evKind EvidenceKind) string {
	var names []string
	for id, def := range ids {
		if strings.Contains(want, def.kind) && (evKind == "" || def.ev == nil || def.ev.Kind == evKind) {
			names = append(names, id)
		}
	}
	if len(names) == 0 {
		return "none defined"
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func (f *Finding) checkEvidence(e *Evidence, p string, add func(string, string, string, ...any)) {
	if e.Kind != "" && e.Format != "" {
		if allowed := formatsFor[e.Kind]; allowed != nil && !slices.Contains(allowed, e.Format) {
			add(p+".format", CodeEnum, "format %q does not fit evidence of kind %s (expected one of %s)", e.Format, e.Kind, joinFormats(allowed))
		}
	}
	if e.SHA256 != "" && (len(e.SHA256) != 64 || !hexPattern.MatchString(e.SHA256)) {
		add(p+".sha256", CodeFormat, "sha256 %q is not 64 hex digits (expected the output of sha256sum)", clip(e.SHA256))
	}
	if e.Path != "" {
		if msg := checkRelPath(e.Path); msg != "" {
			add(p+".path", CodePath, "evidence path %q %s", e.Path, msg)
		}
	}
}

func joinFormats(fs []EvidenceFormat) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// checkRelPath returns why p cannot be a path inside the workspace, or "".
// Symbolic links are checked against the disk by CheckFiles.
func checkRelPath(p string) string {
	switch {
	case strings.Contains(p, `\`):
		return "uses backslashes (expected a path relative to the workspace root, with /)"
	case path.IsAbs(p) || (len(p) > 1 && p[1] == ':'):
		return "is absolute (expected a path relative to the workspace root)"
	case path.Clean(p) == ".." || strings.HasPrefix(path.Clean(p), "../"):
		return "leaves the workspace (expected a path relative to the workspace root, without ../)"
	}
	return ""
}

// checkSelection checks Sigma-style field|modifier keys.
func (f *Finding) checkSelection(m map[string]any, p string, add func(string, string, string, ...any)) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts := strings.Split(k, "|")
		if parts[0] == "" {
			add(p+"."+k, CodeFormat, "key %q has no field name (expected Field or Field|modifier)", k)
		}
		for _, mod := range parts[1:] {
			if !slices.Contains(sigmaModifiers, mod) {
				add(p+"."+k, CodeFormat, "key %q uses modifier %q, which Sigma does not define%s", k, mod, suggest(sigmaModifiers, mod))
			}
		}
	}
}

// checkIndicator returns why value is not a valid indicator of type t, or "".
func checkIndicator(t IndicatorType, v string) string {
	if strings.Contains(v, "[.]") || strings.Contains(v, "[:]") || strings.HasPrefix(strings.ToLower(v), "hxxp") {
		return fmt.Sprintf("%q is defanged (expected the real value; reports defang it themselves)", v)
	}
	hashLen := map[IndicatorType]int{"md5": 32, "sha1": 40, "sha256": 64, "imphash": 32}
	switch t {
	case "md5", "sha1", "sha256", "imphash":
		if len(v) != hashLen[t] || !hexPattern.MatchString(v) {
			return fmt.Sprintf("%q is not a %s (expected %d hex digits)", clip(v), t, hashLen[t])
		}
	case "ipv4", "ipv6":
		a, err := netip.ParseAddr(v)
		if err != nil || (t == "ipv4") != a.Is4() {
			return fmt.Sprintf("%q is not an %s address", v, t)
		}
	case "cidr":
		if _, err := netip.ParsePrefix(v); err != nil {
			return fmt.Sprintf("%q is not a CIDR range (expected e.g. 203.0.113.0/24)", v)
		}
	case "domain":
		labels := strings.Split(strings.TrimSuffix(v, "."), ".")
		if len(labels) < 2 {
			return fmt.Sprintf("%q is not a domain name (expected e.g. cdn-update-check.example)", v)
		}
		for _, l := range labels {
			if !domainLabel.MatchString(l) {
				return fmt.Sprintf("%q is not a domain name (expected labels of letters, digits and '-', no scheme or path)", v)
			}
		}
	case "url":
		u, err := url.Parse(v)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Sprintf("%q is not an absolute URL (expected scheme://host/path)", v)
		}
	case "email":
		if _, err := mail.ParseAddress(v); err != nil {
			return fmt.Sprintf("%q is not an email address", v)
		}
	}
	return ""
}

// order lists the pairs of milestones that cannot happen in the other
// order: the first must be at or before the second.
var order = [][2]string{
	{"first_action", "compromise"},
	{"first_action", "detected"},
	{"compromise", "contained"},
	{"detected", "acknowledged"},
	{"detected", "declared"},
	{"detected", "contained"},
	{"contained", "eradicated"},
	{"contained", "recovered"},
	{"detected", "closed"},
	{"contained", "closed"},
	{"detected", "review_completed"},
}

// Milestones returns the timeline's milestones by their document names,
// leaving out those not given.
func (t *Timeline) Milestones() map[string]*Milestone {
	all := map[string]*Milestone{
		"first_action": t.FirstAction, "compromise": t.Compromise, "detected": t.Detected,
		"acknowledged": t.Acknowledged, "declared": t.Declared, "contained": t.Contained,
		"eradicated": t.Eradicated, "recovered": t.Recovered, "closed": t.Closed,
		"review_completed": t.ReviewCompleted,
	}
	for k, v := range all {
		if v == nil || v.At.IsZero() {
			delete(all, k)
		}
	}
	return all
}

// after reports whether a is after b by more than their fidelity allows.
func after(a, b time.Time, fa, fb Fidelity) bool {
	return a.Sub(b) > max(fa.Tolerance(), fb.Tolerance())
}

func (f *Finding) checkTimeline() Problems {
	var ps Problems
	ms := f.Timeline.Milestones()
	for _, pair := range order {
		a, b := ms[pair[0]], ms[pair[1]]
		if a == nil || b == nil {
			continue
		}
		if after(a.At.Time, b.At.Time, a.Fidelity, b.Fidelity) {
			ps = append(ps, f.problem("timeline."+pair[1], CodeTimeline,
				"%s %s is before %s %s (expected %s at or after %s)",
				pair[1], fmtTime(b.At.Time), pair[0], fmtTime(a.At.Time), pair[1], pair[0]))
		}
	}
	if first := ms["first_action"]; first != nil {
		for i, ev := range f.Timeline.Events {
			if slices.Contains(Tactics, string(ev.Phase)) && after(first.At.Time, ev.At.Time, first.Fidelity, ev.Fidelity) {
				ps = append(ps, f.problem(fmt.Sprintf("timeline.events[%d].at", i), CodeTimeline,
					"attacker event at %s is before first_action %s (expected first_action to be the earliest attacker action)",
					fmtTime(ev.At.Time), fmtTime(first.At.Time)))
			}
		}
	}
	return ps
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
