// Package playbook turns a finding's response review into a change set for
// the playbook the team followed: missing steps added where they belong,
// late steps given their time limit, unclear steps reworded, information
// needed sooner collected early, and a detection step that runs the rules
// generated for the same finding. The change set is written beside the
// playbook; antibody playbook diff renders it and apply applies it.
package playbook

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/generators"
	"github.com/antibody-dev/antibody/playbooks"
)

// Version is the generator's version.
const Version = "1"

// Generator writes playbook change sets.
type Generator struct{}

var _ generators.Generator = (*Generator)(nil)

// Name is the generator's name in provenance.
func (g *Generator) Name() string { return "playbook" }

// Generate writes one change set for the finding's playbook.
func (g *Generator) Generate(ctx context.Context, in generators.Input) (*generators.Result, error) {
	res := &generators.Result{Artifacts: []generators.Artifact{}, Skipped: []generators.Skip{}}
	rr := in.Finding.ResponseReview
	if rr == nil || rr.Playbook == "" {
		return res, nil
	}
	root := findings.FindRoot(in.File)
	if in.Workspace != nil {
		root = in.Workspace.Root
	}
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rr.Playbook)))
	if err != nil {
		res.Skipped = append(res.Skipped, generators.Skip{Source: "response_review", Reason: "playbook " + rr.Playbook + " cannot be read: " + err.Error()})
		return res, nil
	}
	doc := playbooks.Parse(data)
	inc := in.Finding.Incident.ID
	cs := &playbooks.ChangeSet{Schema: playbooks.ChangeSetSchema, Finding: inc, Playbook: rr.Playbook}
	for i, s := range rr.Steps {
		src := s.ID
		if src == "" {
			src = fmt.Sprintf("response_review.steps[%d]", i)
		}
		op := playbooks.Op{Phase: string(s.Phase), Owner: s.Owner, Evidence: evidenceText(s), Source: src, Reason: reasonOf(s, inc)}
		ph := doc.PhaseByName(op.Phase)
		switch string(s.Kind) {
		case "late":
			op.Kind = "annotate"
			op.Step = bestStep(ph, s.Text, 0.6)
			if op.Step == "" {
				res.Skipped = append(res.Skipped, generators.Skip{Source: src, Reason: "no step like it in the playbook's " + op.Phase + " section"})
				continue
			}
			op.Text = lateNote(s, inc)
		case "unclear", "wrong":
			if st := bestStep(ph, s.Text, 0.5); st != "" {
				op.Kind, op.Step, op.Text = "change", st, s.Text
				break
			}
			op.Kind, op.Text = "add", s.Text
		default: // missing
			op.Kind, op.Text = "add", s.Text
			op.Step = beforeAnchor(ph, s.Text)
		}
		cs.Ops = append(cs.Ops, op)
	}
	for i, n := range rr.NeededSooner {
		cs.Ops = append(cs.Ops, playbooks.Op{Kind: "add", Phase: "detection-and-analysis", Text: "Collect early: " + strings.TrimRight(n, "."),
			Reason: "information the team needed sooner in " + inc, Source: fmt.Sprintf("response_review.needed_sooner[%d]", i)})
	}
	sigmaDir, yaraDir := "rules/sigma", "rules/yara"
	if in.Workspace != nil {
		sigmaDir, yaraDir = in.Workspace.Paths.Sigma, in.Workspace.Paths.YARA
	}
	lower := strings.ToLower(inc)
	cs.Ops = append(cs.Ops, playbooks.Op{Kind: "add", Phase: "detection-and-analysis", Owner: "soc", Source: "generated-detections",
		Text:   fmt.Sprintf("Hunt every host with the detections generated from %s: `antibody scan --rules %s/%s` over the event logs and `antibody scan --yara %s/%s` over the files", inc, sigmaDir, lower, yaraDir, lower),
		Reason: "the detections this review produced; no alert fired for them during " + inc})
	// The same changes for the CACAO 2.0 version of the playbook, if the
	// workspace keeps one beside it.
	cacaoRel := strings.TrimSuffix(rr.Playbook, path.Ext(rr.Playbook)) + ".cacao.json"
	if data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(cacaoRel))); err == nil {
		c, err := playbooks.ParseCACAO(data)
		if err != nil {
			res.Skipped = append(res.Skipped, generators.Skip{Source: cacaoRel, Reason: err.Error()})
		} else {
			patch, conflicts := playbooks.CACAOPatch(c, cs.Ops, func(op playbooks.Op) string { return "action--" + generators.ID(inc, op.Source, "cacao") })
			for _, cf := range conflicts {
				res.Skipped = append(res.Skipped, generators.Skip{Source: cf.Op.Source, Reason: "not in " + cacaoRel + ": " + cf.Reason})
			}
			if len(patch) > 0 {
				cs.CACAO, cs.CACAOPatch = cacaoRel, patch
			}
		}
	}
	body, err := cs.Marshal()
	if err != nil {
		return nil, err
	}
	dir := path.Dir(rr.Playbook)
	name := strings.TrimSuffix(path.Base(rr.Playbook), path.Ext(rr.Playbook))
	prov := generators.Provenance{Finding: inc, Sources: []string{"response_review"}, Generator: "playbook", Version: Version}
	res.Artifacts = append(res.Artifacts, generators.Artifact{
		Path: path.Join(dir, "changes", lower+"-"+name+".yaml"), Content: generators.Seal(body), Kind: "playbook-changes", ID: inc + ":" + rr.Playbook,
		Title: "changes to " + rr.Playbook, Provenance: prov, Notes: []string{fmt.Sprintf("%d changes to %s", len(cs.Ops), rr.Playbook)},
	})
	return res, nil
}

func evidenceText(s findings.ReviewStep) string {
	var parts []string
	if s.Evidence != "" {
		parts = append(parts, s.Evidence)
	}
	if s.At != nil {
		parts = append(parts, s.At.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return strings.Join(parts, ", ")
}

func reasonOf(s findings.ReviewStep, inc string) string {
	r := fmt.Sprintf("%s step in %s", s.Kind, inc)
	if s.Cost != "" {
		r += ": " + s.Cost
	}
	return r
}

// short writes a duration the way a playbook would: 1h, 90m, 1h 30m.
func short(d findings.Duration) string {
	return strings.ReplaceAll(strings.TrimSuffix(findings.HumanDuration(d.Duration), " 0m"), " 0m", "")
}

func lateNote(s findings.ReviewStep, inc string) string {
	note := "(binding time limit"
	if s.Planned != nil {
		note += " " + short(*s.Planned)
	}
	if s.Actual != nil {
		note += fmt.Sprintf("; took %s in %s", short(*s.Actual), inc)
	}
	return note + "; escalate to the incident manager when it slips)."
}

func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		if len(w) > 2 {
			out[w] = true
		}
	}
	return out
}

// bestStep returns the text of the phase's step most like text, when at
// least share of the text's words are in it.
func bestStep(ph *playbooks.Phase, text string, share float64) string {
	if ph == nil {
		return ""
	}
	want := words(text)
	best, bestScore := "", 0.0
	for _, st := range ph.Steps {
		have := words(st.Text)
		common := 0
		for w := range want {
			if have[w] {
				common++
			}
		}
		if score := float64(common) / float64(max(len(want), 1)); score > bestScore {
			best, bestScore = st.Text, score
		}
	}
	if bestScore < share {
		return ""
	}
	return best
}

// beforeAnchor finds the step a new step should precede when its text
// says so ("... before isolating the host").
func beforeAnchor(ph *playbooks.Phase, text string) string {
	if ph == nil {
		return ""
	}
	i := strings.Index(strings.ToLower(text), " before ")
	if i < 0 {
		return ""
	}
	rest := strings.Fields(strings.ToLower(text[i+len(" before "):]))
	if len(rest) == 0 {
		return ""
	}
	stem := strings.TrimSuffix(rest[0], "ing")
	if len(stem) < 4 {
		return ""
	}
	for _, st := range ph.Steps {
		if strings.Contains(strings.ToLower(st.Text), stem) {
			return st.Text
		}
	}
	return ""
}
