package cli

import (
	"bytes"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/report"
)

func newExportCommand(g *globals) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export FINDING --format stix [-o FILE]",
		Short: "Share a finding as a STIX 2.1 bundle: report, incident, techniques, indicators (Sigma and YARA rules too), courses of action",
		Long: `Export a finding for knowledge sharing as a STIX 2.1 bundle: a report, the
incident, an attack-pattern per ATT&CK technique, an indicator per indicator of
compromise (STIX patterns) and per Sigma and YARA rule generated for the finding
(pattern_type sigma and yara), a course-of-action per corrective action, and the
relationships between them. The finding's TLP becomes the marking of every
object. Ids are derived from the finding, so exporting twice gives the same
bundle. The bundle is checked before it is written.`,
		Annotations: map[string]string{"formats": "text,stix"},
		Args:        cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.format != "stix" {
				return usagef("antibody export writes STIX 2.1 only (expected --format stix)")
			}
			if info, err := os.Stat(args[0]); err != nil || info.IsDir() {
				return usagef("%s is not a finding file (expected the path of a finding, e.g. findings/INC-2026-031.yaml)", args[0])
			}
			ws, err := findings.LoadWorkspace(findings.FindRoot(args[0]))
			if err != nil {
				return usageError{fmt.Errorf("load the workspace of %s: %w", args[0], err)}
			}
			f, err := findings.Load(args[0], ws.Root)
			if err != nil {
				return err
			}
			ex, err := report.ExportSTIX(ws, f)
			if err != nil {
				return err
			}
			var b bytes.Buffer
			if err := writeJSON(&b, ex.Bundle); err != nil {
				return err
			}
			if probs := report.ValidateSTIX(b.Bytes()); len(probs) > 0 {
				return fmt.Errorf("the bundle does not validate, nothing written:\n  %s", joinLines(probs))
			}
			for _, s := range ex.Skipped {
				g.log.Warn("not exported", "what", s)
			}
			if err := writeOutput(g, out, b.Bytes()); err != nil || out == "" {
				return err
			}
			fmt.Fprintf(g.stdout, "%d objects: %d indicators, %d attack patterns, %d courses of action, %d relationships\n",
				len(ex.Bundle["objects"].([]map[string]any)), ex.Counts["indicator"], ex.Counts["attack-pattern"], ex.Counts["course-of-action"], ex.Counts["relationship"])
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the bundle to this file")
	return cmd
}

func joinLines(s []string) string {
	if len(s) > 20 {
		s = append(s[:20:20], fmt.Sprintf("and %d more", len(s)-20))
	}
	var b bytes.Buffer
	for i, v := range s {
		if i > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString(v)
	}
	return b.String()
}
