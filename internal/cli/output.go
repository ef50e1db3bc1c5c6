package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/internal/atomicfile"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments (got %q)", cmd.CommandPath(), args[0])
	}
	return nil
}

// writeOutput writes a command's result to stdout, or atomically to the
// file out and says so.
func writeOutput(g *globals, out string, data []byte) error {
	if out == "" {
		_, err := g.stdout.Write(data)
		return err
	}
	if err := atomicfile.Write(out, data); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "wrote %s\n", out)
	return nil
}

// writeJSONTo writes v as indented JSON, like writeOutput.
func writeJSONTo(g *globals, out string, v any) error {
	var b bytes.Buffer
	if err := writeJSON(&b, v); err != nil {
		return err
	}
	return writeOutput(g, out, b.Bytes())
}

// loadFindings loads every finding of dir (a workspace or a folder of
// findings); any problem in any of them is returned, all at once.
func loadFindings(dir string) ([]*findings.Finding, error) {
	files, err := findings.ListFindings(dir)
	if err != nil {
		return nil, usageError{err}
	}
	var list []*findings.Finding
	var problems findings.Problems
	for _, file := range files {
		f, err := findings.Load(file, "")
		var ps findings.Problems
		switch {
		case errors.As(err, &ps):
			problems = append(problems, ps...)
		case err != nil:
			return nil, usageError{err}
		default:
			list = append(list, f)
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return list, nil
}
