package cli

import (
	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/regress"
)

// schemas are the JSON Schemas antibody schema prints, by name.
var schemas = map[string][]byte{
	"finding":     findings.JSONSchema,
	"test-report": regress.ReportSchema,
}

func newSchemaCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "schema [finding|test-report]",
		Short: "Print a JSON Schema: the finding format (default) or antibody test's JSON report",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "finding"
			if len(args) == 1 {
				name = args[0]
			}
			s, ok := schemas[name]
			if !ok {
				return usagef("no schema named %q (expected finding or test-report)", name)
			}
			_, err := g.stdout.Write(s)
			return err
		},
	}
}
