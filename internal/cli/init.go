package cli

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
)

func newInitCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "init DIR",
		Short: "Create a workspace: antibody.yaml, the folders and a finding to start from",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("init takes one folder (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			created, err := findings.InitWorkspace(args[0])
			if errors.Is(err, fs.ErrExist) {
				return usagef("init: %w", err)
			}
			if err != nil {
				return fmt.Errorf("init: %w", err)
			}
			if g.format == "json" {
				return writeJSON(g.stdout, map[string]any{"created": created})
			}
			for _, p := range created {
				fmt.Fprintf(g.stdout, "created %s\n", p)
			}
			fmt.Fprintf(g.stdout, "workspace ready: edit the finding, then run antibody validate %s\n", args[0])
			return nil
		},
	}
}
