package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"antibody": func() { os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// The scripts in testdata/script run the real command in-process and
// check exit codes, stdout, stderr and written files. Refresh expected
// output with ANTIBODY_UPDATE=1 go test ./internal/cli.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "../../testdata/script",
		UpdateScripts: os.Getenv("ANTIBODY_UPDATE") != "",
		Setup: func(env *testscript.Env) error {
			example, err := filepath.Abs("../../testdata/example")
			env.Setenv("EXAMPLE", example)
			return err
		},
	})
}
