package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/policies"
)

func newPolicyCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Review policy changes by what they do",
	}
	var workspace, base string
	diff := &cobra.Command{
		Use:   "diff [--base GIT_REF]",
		Short: "Show which snapshots a policy change flips (allow->deny, deny->allow, messages), as Markdown or JSON",
		Long: `Evaluate the workspace's policies as they are and as they were at --base (default
HEAD) over every configuration snapshot in the workspace (its samples and its
compliant corpora), and report what flips: allow->deny, deny->allow and changed
messages, with counts per policy and every flipped snapshot. The text format is
Markdown, fit for a pull-request comment; --format json gives the same as data.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, err := findings.LoadWorkspace(workspace)
			if err != nil {
				return usageError{err}
			}
			d, err := policies.DiffWorkspace(cmd.Context(), ws, base)
			if err != nil {
				return usageError{err}
			}
			if g.format == "json" {
				return writeJSON(g.stdout, map[string]any{"version": 1, "base": base, "diff": d})
			}
			_, err = io.WriteString(g.stdout, d.Markdown())
			return err
		},
	}
	diff.Flags().StringVar(&workspace, "workspace", ".", "workspace folder (holding antibody.yaml)")
	diff.Flags().StringVar(&base, "base", "HEAD", "git ref of the policies to compare with")
	cmd.AddCommand(diff)
	return cmd
}
