package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/playbooks"
)

func newPlaybookCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "playbook", Short: "Review and apply the playbook changes a finding asks for"}
	var workspace string
	load := func(args []string) (*findings.Workspace, []*playbooks.Plan, error) {
		ws, err := findings.LoadWorkspace(workspace)
		if err != nil {
			return nil, nil, usageError{err}
		}
		files := args
		if len(files) == 0 {
			if files, err = playbooks.ChangeSets(filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.Playbooks))); err != nil {
				return nil, nil, err
			}
		}
		if len(files) == 0 {
			return nil, nil, usagef("no playbook change sets in %s (run antibody generate first)", filepath.Join(ws.Root, ws.Paths.Playbooks, "changes"))
		}
		var plans []*playbooks.Plan
		for _, f := range files {
			cs, err := playbooks.ReadChangeSet(f)
			if err != nil {
				return nil, nil, usageError{err}
			}
			p, err := playbooks.Prepare(ws.Root, cs)
			if err != nil {
				return nil, nil, usageError{err}
			}
			plans = append(plans, p)
		}
		return ws, plans, nil
	}
	var patchOnly bool
	diff := &cobra.Command{
		Use:   "diff [CHANGESET...]",
		Short: "Show a finding's playbook changes: a review table and a patch git apply accepts",
		RunE: func(cmd *cobra.Command, args []string) error {
			_, plans, err := load(args)
			if err != nil {
				return err
			}
			if g.format == "json" {
				var out []map[string]any
				for _, p := range plans {
					out = append(out, map[string]any{"playbook": p.Path, "finding": p.ChangeSet.Finding, "changes": p.ChangeSet.Ops, "conflicts": p.Conflicts, "diff": p.Diff()})
				}
				return writeJSON(g.stdout, map[string]any{"version": 1, "playbooks": out})
			}
			var b strings.Builder
			if patchOnly {
				for _, p := range plans {
					b.WriteString(p.Diff())
				}
				_, err = io.WriteString(g.stdout, b.String())
				return err
			}
			for _, p := range plans {
				fmt.Fprintf(&b, "## %s: changes from %s\n\n", p.Path, p.ChangeSet.Finding)
				b.WriteString(playbooks.ReviewTable(p.ChangeSet.Ops))
				for _, c := range p.Conflicts {
					fmt.Fprintf(&b, "\nCONFLICT %s\n", c.Error())
				}
				if d := p.Diff(); d != "" {
					fmt.Fprintf(&b, "\n```diff\n%s```\n", d)
				} else {
					b.WriteString("\nThe playbook already has every change.\n")
				}
				if len(p.ChangeSet.CACAOPatch) > 0 {
					patch, _ := json.MarshalIndent(p.ChangeSet.CACAOPatch, "", "  ")
					fmt.Fprintf(&b, "\n### %s: JSON Patch (RFC 6902), keyed by step id\n\n```json\n%s\n```\n", p.ChangeSet.CACAO, patch)
				}
			}
			_, err = io.WriteString(g.stdout, b.String())
			return err
		},
	}
	apply := &cobra.Command{
		Use:   "apply [CHANGESET...]",
		Short: "Apply a finding's playbook changes; refuse when the playbook changed in a conflicting way",
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, plans, err := load(args)
			if err != nil {
				return err
			}
			for _, p := range plans {
				if err := p.Write(ws.Root); err != nil {
					return usageError{err}
				}
				if p.Applied == 0 {
					fmt.Fprintf(g.stdout, "unchanged %s: every change is already in it\n", p.Path)
					continue
				}
				fmt.Fprintf(g.stdout, "applied %d %s to %s\n", p.Applied, plural2(p.Applied, "change"), p.Path)
			}
			return nil
		},
	}
	diff.Flags().BoolVar(&patchOnly, "patch", false, "print only the patch (for git apply or patch)")
	cmd.PersistentFlags().StringVar(&workspace, "workspace", ".", "workspace folder (holding antibody.yaml)")
	cmd.AddCommand(diff, apply)
	return cmd
}

func plural2(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}
