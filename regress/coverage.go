package regress

import (
	"path/filepath"
	"sort"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// coverage counts rules and passing rules per ATT&CK technique, and, for
// each finding of the workspace, which behaviours a passing rule detects
// among the behaviour's own recorded events.
func coverage(rep *Report, set *sigma.Set, ws *findings.Workspace, byRecord map[string]map[uint64][]string) Coverage {
	cov := Coverage{Techniques: []TechniqueCoverage{}, Findings: []FindingCoverage{}}
	status := map[string]Status{} // artifact key -> worst status
	for _, c := range rep.Cases {
		k := c.Artifact.Key()
		if s, ok := status[k]; !ok || s == Pass {
			status[k] = c.Status
		}
	}
	passing := func(key string) bool { return status[key] == Pass }
	silent := map[string]bool{} // artifact key -> a no-match case passed
	for _, c := range rep.Cases {
		if c.Expect == "no-match" && c.Status == Pass {
			silent[c.Artifact.Key()] = true
		}
	}
	byTech := map[string]*TechniqueCoverage{}
	for _, r := range set.Rules {
		if r.Kind == sigma.KindFilter {
			continue
		}
		key := artifactOf(r).Key()
		for _, t := range r.Techniques() {
			tc := byTech[t]
			if tc == nil {
				tc = &TechniqueCoverage{Technique: t}
				byTech[t] = tc
			}
			tc.Rules++
			if passing(key) {
				tc.Passing++
				if silent[key] {
					tc.Tuned++
				}
			}
		}
	}
	for _, tc := range byTech {
		cov.Techniques = append(cov.Techniques, *tc)
	}
	sort.Slice(cov.Techniques, func(i, j int) bool { return cov.Techniques[i].Technique < cov.Techniques[j].Technique })
	if ws == nil {
		return cov
	}
	titles := map[string]string{}
	for _, r := range set.Rules {
		a := artifactOf(r)
		titles[a.Key()] = a.ID
		if a.ID == "" {
			titles[a.Key()] = a.Title
		}
	}
	files, _ := ws.FindingFiles()
	for _, file := range files {
		fd, err := findings.Load(file, ws.Root)
		if fd == nil || err != nil && !isOnlyProblems(err) {
			continue
		}
		fc := FindingCoverage{Finding: fd.Incident.ID, File: file, Behaviors: []BehaviorCoverage{}}
		evidence := map[string]string{}
		for _, e := range fd.Evidence {
			evidence[e.ID] = absPath(filepath.Join(ws.Root, filepath.FromSlash(e.Path)))
		}
		for _, b := range fd.Behaviors {
			bc := BehaviorCoverage{ID: b.ID, Technique: string(b.Technique), Rules: []string{}}
			records := b.Records
			var why string
			if len(records) == 0 && len(b.Match) > 0 && b.Evidence != "" {
				records, why = matchedRecords(evidence[b.Evidence], b.Match)
			}
			switch {
			case why != "":
				bc.Why = why
			case b.Evidence == "" || len(records) == 0:
				bc.Why = "the behaviour names no recorded events (evidence and records or match), so no rule can be checked against it"
			default:
				seen := map[string]bool{}
				for _, rec := range records {
					for _, key := range byRecord[evidence[b.Evidence]][uint64(rec)] {
						if passing(key) && !seen[key] {
							seen[key] = true
							bc.Rules = append(bc.Rules, titles[key])
						}
					}
				}
				sort.Strings(bc.Rules)
				bc.Covered = len(bc.Rules) > 0
			}
			fc.Behaviors = append(fc.Behaviors, bc)
		}
		cov.Findings = append(cov.Findings, fc)
	}
	return cov
}

// matchedRecords lists the records of an evidence file a behaviour's
// match selects, or says why it cannot.
func matchedRecords(file string, match map[string]any) ([]int64, string) {
	selects, err := sigma.CompileMatch(match)
	if err != nil {
		return nil, "the behaviour's match does not compile: " + err.Error()
	}
	var out []int64
	_, err = events.Read(file, func(ev *events.Event) error {
		if ev.Source.Record != 0 && selects(ev) {
			out = append(out, int64(ev.Source.Record))
		}
		return nil
	})
	if err != nil {
		return nil, "its evidence cannot be read: " + err.Error()
	}
	if len(out) == 0 {
		return nil, "the behaviour's match selects no recorded event of its evidence"
	}
	return out, ""
}
