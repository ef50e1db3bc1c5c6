package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/antibody-dev/antibody/findings"
)

// Exit codes, documented in the README. They are the command's contract
// with CI and are mapped from errors in exitCode only.
const (
	ExitOK         = 0 // everything checked passed
	ExitError      = 1 // the run could not be completed (I/O, internal)
	ExitInvalid    = 2 // invalid input or usage
	ExitRegression = 3 // a detection, signature or policy regressed
)

// formats are the result formats a command accepts unless it lists its
// own in its "formats" annotation (comma-separated).
var formats = []string{"text", "json"}

// formatsOf returns the formats cmd accepts.
func formatsOf(cmd *cobra.Command) []string {
	if list, ok := cmd.Annotations["formats"]; ok {
		return strings.Split(list, ",")
	}
	return formats
}

// globals are the flags every command shares.
type globals struct {
	format   string
	logLevel string
	stdout   io.Writer
	stderr   io.Writer
	log      *slog.Logger
}

// usageError is a mistake in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// reportedError means the results already told the user what was wrong;
// Main only sets the exit code.
type reportedError struct{ code int }

func (e reportedError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs the antibody command with args and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := newRootCommand(g)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	started := false
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if allowed := formatsOf(cmd); !slices.Contains(allowed, g.format) {
			return usagef("--format %q is not supported by %s (expected one of %s)", g.format, cmd.CommandPath(), strings.Join(allowed, ", "))
		}
		var level slog.Level
		if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
			return usagef("--log-level %q is not a level (expected debug, info, warn or error)", g.logLevel)
		}
		g.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
		started = true
		return nil
	}
	err := root.Execute()
	code := exitCode(err, started)
	if err != nil && !errors.As(err, new(reportedError)) {
		fmt.Fprintf(stderr, "antibody: %v\n", err)
		if code == ExitInvalid && !started {
			fmt.Fprintln(stderr, "Run 'antibody --help' for usage.")
		}
	}
	return code
}

func exitCode(err error, started bool) int {
	var rep reportedError
	var ps findings.Problems
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &rep):
		return rep.code
	case errors.As(err, new(usageError)), errors.As(err, &ps):
		return ExitInvalid
	case !started:
		return ExitInvalid // cobra refused the arguments or flags
	}
	return ExitError
}

func newRootCommand(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "antibody",
		Short: "Turn incident reviews into proven detections, signatures, policies and playbooks",
		Long: `Antibody takes an incident review as structured data (a finding) and generates
the defenses it calls for: Sigma rules, YARA signatures, OPA policy checks and
playbook diffs. It proves each against the recorded attack samples and keeps
proving them in CI.

Exit codes: 0 ok, 1 error, 2 invalid input or usage, 3 regressions.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.format, "format", "text", "result format: "+strings.Join(formats, "|")+" (scan also jsonl|csv)")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "warn", "log level on stderr: debug|info|warn|error")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newVersionCommand(g), newInitCommand(g), newValidateCommand(g), newSchemaCommand(g), newScanCommand(g), newTestCommand(g), newGenerateCommand(g), newTuneCommand(g), newPolicyCommand(g), newPlaybookCommand(g), newReportCommand(g), newMetricsCommand(g), newCoverageCommand(g), newExportCommand(g), newBacktestCommand(g))
	return root
}
