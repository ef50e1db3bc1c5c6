package cli

import (
	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
)

func newSchemaCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the finding format (for editors and other tools)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := g.stdout.Write(findings.JSONSchema)
			return err
		},
	}
}
