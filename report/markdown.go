package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/antibody-dev/antibody/findings"
)

// Defang makes an indicator safe to paste: example.com -> example[.]com,
// http -> hxxp.
func Defang(s string) string {
	s = strings.ReplaceAll(s, "http://", "hxxp://")
	s = strings.ReplaceAll(s, "https://", "hxxps://")
	return strings.ReplaceAll(s, ".", "[.]")
}

func gap(s string) string {
	if strings.TrimSpace(s) == "" {
		return "_not recorded (gap)_"
	}
	return s
}

func ts(t interface{ Format(string) string }) string { return t.Format("2006-01-02 15:04 UTC") }

// Markdown renders the report.
func (r *Report) Markdown() string {
	f := r.Finding
	inc := f.Incident
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# %s: %s\n\n", inc.ID, inc.Title)
	w("| | |\n|---|---|\n| Status | %s |\n| Severity | %s |\n| TLP | %s |\n| Authors | %s |\n", inc.Status, gap(string(inc.Severity)), gap(string(inc.TLP)), gap(strings.Join(inc.Authors, ", ")))
	for _, m := range r.Milestones {
		w("| %s | %s |\n", strings.ReplaceAll(m.Name, "_", " "), ts(m.At))
	}
	w("\n## Executive summary\n\n%s\n\n", gap(inc.Summary))
	if len(r.Milestones) > 0 {
		w("The attack started %s. ", ts(r.Milestones[0].At))
	}
	for _, s := range r.Spans {
		if s.From == "first_action" && s.To == "detected" {
			w("It was detected after %s. ", findings.HumanDuration(s.Value))
		}
	}
	for _, rc := range f.RootCauses {
		if !rc.Contributing {
			w("Root cause: %s", rc.Statement)
			break
		}
	}
	b.WriteString("\n")
	if p := r.Projection; p != nil {
		over := ""
		if p.Source != "" && p.Source != "the finding's recorded events" {
			over = fmt.Sprintf(" Replayed over %s (%d events).", p.Source, p.Events)
		}
		switch {
		case p.Rule == "":
			w("\n**None of the %d Sigma rules generated from this review fires** on %s (%d events).\n", p.Rules, p.Source, p.Events)
		case p.Earlier > 0:
			w("\n**With the defenses generated from this review, the attack would have been detected %s earlier**, at %s, by \"%s\" (%s), instead of %s.%s\n", findings.HumanDuration(p.Earlier), ts(p.At), p.Rule, p.Event, ts(p.Detected), over)
		}
	}

	w("\n## Scope and impact\n\n")
	if sc := f.Scope; sc != nil {
		for _, a := range sc.Assets {
			w("- asset %s (%s, %s)%s\n", gap(a.Hostname), a.Kind, a.Role, map[bool]string{true: ": compromised", false: ""}[a.Compromised])
		}
		for _, a := range sc.Accounts {
			w("- account %s (%s)%s\n", a.Name, a.Kind, map[bool]string{true: ": compromised", false: ""}[a.Compromised])
		}
	}
	if im := f.Impact; im != nil {
		for _, rec := range im.Records {
			w("- records lost: %d %s\n", rec.Amount, rec.Variety)
		}
		if im.Downtime != nil {
			w("- downtime: %.1f hours (%s)\n", im.Downtime.Hours, strings.Join(im.Downtime.Assets, ", "))
		}
		total, cur := 0.0, ""
		for _, l := range im.Losses {
			w("- loss: %s %s %.0f %s\n", l.Variety, l.Rating, l.Amount, l.Currency)
			total += l.Amount
			cur = l.Currency
		}
		if total > 0 {
			w("- total losses: %.0f %s\n", total, cur)
		}
	} else {
		w("_Impact not recorded (gap)._\n")
	}

	w("\n## Timeline\n\n| from | to | duration |\n|---|---|---|\n")
	for i := 1; i < len(r.Milestones); i++ {
		a, z := r.Milestones[i-1], r.Milestones[i]
		w("| %s | %s | %s |\n", a.Name, z.Name, findings.HumanDuration(z.At.Sub(a.At)))
	}
	w("\n| time | phase | technique | what happened |\n|---|---|---|---|\n")
	for _, e := range f.Timeline.Events {
		w("| %s | %s | %s | %s |\n", ts(e.At), e.Phase, e.Technique, cell(e.Summary))
	}

	w("\n## Detection analysis\n\n")
	if d := inc.Discovery; d != nil {
		w("Found by %s (%s): %s\n", d.Source, gap(d.Variety), gap(d.Summary))
	} else {
		w("_How the incident was discovered is not recorded (gap)._\n")
	}
	if rr := f.ResponseReview; rr != nil {
		for _, s := range rr.WentBadly {
			w("- %s\n", s)
		}
	}
	if d := r.Defenses; d != nil && len(d.Behaviors) > 0 {
		w("\nWhat the attacker did, against the rules now proven on its recorded events:\n\n| behaviour | technique | detected by |\n|---|---|---|\n")
		for _, b := range d.Behaviors {
			by := strings.Join(b.Rules, ", ")
			if !b.Covered {
				by = "**missed**"
				if b.Why != "" {
					by += ": " + b.Why
				}
			}
			w("| %s | %s | %s |\n", b.ID, b.Technique, cell(by))
		}
	}

	w("\n## Root cause and contributing factors\n\n")
	for _, rc := range f.RootCauses {
		kind := "root cause"
		if rc.Contributing {
			kind = "contributing"
		}
		ctl := ""
		if rc.Control != nil {
			ctl = fmt.Sprintf(" Control: %s %s %s.", rc.Control.Framework, rc.Control.ID, rc.Control.Title)
		}
		w("- **%s** (%s, %s): %s%s\n", rc.ID, rc.Category, kind, rc.Statement, ctl)
	}

	w("\n## Team performance\n\n")
	if rr := f.ResponseReview; rr != nil {
		w("Playbook `%s` was %s.\n\n", gap(rr.Playbook), gap(string(rr.Adequate)))
		for _, s := range rr.Steps {
			w("- %s step (%s): %s\n", s.Kind, s.Phase, s.Text)
		}
		w("\nWent well:\n")
		list(&b, rr.WentWell)
		w("\nWent badly:\n")
		list(&b, rr.WentBadly)
		w("\nNeeded sooner:\n")
		list(&b, rr.NeededSooner)
	} else {
		w("_No response review (gap)._\n")
	}

	w("\n## Remediation\n\n")
	n := 0
	for _, e := range f.Timeline.Events {
		switch string(e.Phase) {
		case "containment", "eradication", "recovery":
			w("- %s (%s): %s\n", ts(e.At), e.Phase, e.Summary)
			n++
		}
	}
	if n == 0 {
		w("_No containment, eradication or recovery step is in the timeline (gap)._\n")
	}

	w("\n## Corrective actions and prevention\n\n| id | type | action | owner | due | status | cost |\n|---|---|---|---|---|---|---|\n")
	for _, a := range f.CorrectiveActions {
		due := ""
		if a.Due != nil {
			due = a.Due.Format("2006-01-02")
		}
		w("| %s | %s | %s | %s | %s | %s | %s |\n", a.ID, a.Type, cell(a.Text), gap(a.Owner), gap(due), a.Status, a.Cost)
	}

	w("\n## Defenses generated\n\n")
	if d := r.Defenses; d != nil {
		kinds := make([]string, 0, len(d.ByKind))
		for k := range d.ByKind {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			kr := d.ByKind[k]
			w("- %s: %d, %d failing their regression tests\n", k, kr.Artifacts, kr.Failing)
		}
		w("\nRegression run: %d of %d cases pass.\n", d.Passed, d.Cases)
		for _, pc := range d.Playbooks {
			state := "all in the playbook"
			switch {
			case pc.Conflicts > 0:
				state = fmt.Sprintf("%d conflict with edits made since", pc.Conflicts)
			case pc.Pending > 0:
				state = "not applied yet (antibody playbook apply)"
			}
			w("\nPlaybook change `%s` for `%s`: %d changes, %s.\n", pc.File, pc.Playbook, pc.Changes, state)
		}
		if len(d.Generated) > 0 {
			w("\n| kind | defense | cases passing | file |\n|---|---|---|---|\n")
			for _, g := range d.Generated {
				w("| %s | %s | %d of %d | `%s` |\n", g.Kind, cell(g.Name), g.Passed, g.Cases, g.File)
			}
		}
	} else {
		w("_No regression results._\n")
	}

	w("\n## Gaps in the review\n\n")
	if len(r.Gaps) == 0 {
		w("None: every review question is answered.\n")
	} else {
		list(&b, r.Gaps)
	}

	w("\n## Appendix: indicators (defanged)\n\n| type | value | expires |\n|---|---|---|\n")
	for _, i := range f.Indicators {
		exp := ""
		if i.Expires != nil {
			exp = i.Expires.Format("2006-01-02")
		}
		w("| %s | `%s` | %s |\n", i.Type, Defang(i.Value), exp)
	}
	w("\n## Appendix: evidence\n\n| id | kind | path | sha256 |\n|---|---|---|---|\n")
	for _, e := range f.Evidence {
		w("| %s | %s | `%s` | `%s` |\n", e.ID, e.Kind, e.Path, e.SHA256)
	}
	return b.String()
}

func list(b *strings.Builder, items []string) {
	if len(items) == 0 {
		b.WriteString("- _not answered (gap)_\n")
		return
	}
	for _, s := range items {
		fmt.Fprintf(b, "- %s\n", s)
	}
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") }
