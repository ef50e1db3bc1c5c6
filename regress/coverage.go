package regress

import (
	"path/filepath"
	"sort"

	"github.com/antibody-dev/antibody/findings"
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
			switch {
			case b.Evidence == "" || len(b.Records) == 0:
				bc.Why = "the behaviour names no recorded events (evidence and records), so no rule can be checked against it"
			default:
				seen := map[string]bool{}
				for _, rec := range b.Records {
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
