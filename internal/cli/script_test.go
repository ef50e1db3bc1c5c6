package cli

import (
	"fmt"
	"io"
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
			if err != nil {
				return err
			}
			env.Setenv("EXAMPLE", example)
			history, err := filepath.Abs("../../testdata/history")
			if err != nil {
				return err
			}
			env.Setenv("HISTORY", history)
			for _, k := range []string{"ANTIBODY_CLICKHOUSE", "ANTIBODY_CLICKHOUSE_CLUSTER", "ANTIBODY_CLICKHOUSE_SHARDS"} {
				env.Setenv(k, os.Getenv(k))
			}
			corpus, err := filepath.Abs("../../../shared/corpus")
			env.Setenv("CORPUS", corpus)
			return err
		},
		// [corpus] holds when ../shared/corpus is present, [clickhouse]
		// when ANTIBODY_CLICKHOUSE names a server.
		Condition: func(cond string) (bool, error) {
			if cond == "cluster" {
				return os.Getenv("ANTIBODY_CLICKHOUSE_CLUSTER") != "", nil
			}
			if cond == "clickhouse" {
				if os.Getenv("ANTIBODY_CLICKHOUSE") == "" && os.Getenv("ANTIBODY_REQUIRE_CLICKHOUSE") != "" {
					return false, fmt.Errorf("ANTIBODY_REQUIRE_CLICKHOUSE is set but ANTIBODY_CLICKHOUSE names no server")
				}
				return os.Getenv("ANTIBODY_CLICKHOUSE") != "", nil
			}
			if cond != "corpus" {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			_, err := os.Stat("../../../shared/corpus/evtx-attack-samples")
			return err == nil, nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// cpdir SRC DST copies a folder tree, for scripts that
			// change a copy of the example workspace.
			"cpdir": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: cpdir SRC DST")
				}
				ts.Check(copyTree(ts.MkAbs(args[0]), ts.MkAbs(args[1])))
			},
		},
	})
}

func copyTree(src, dst string) error {
	return filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
