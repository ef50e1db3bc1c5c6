package yara

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkScan scans the Go toolchain's tools (real ELF binaries) with the
// example's generated YARA rules, in one run: this wrapper on one core and
// on every core, and the yara command-line tool on the same rules and
// files (yara -r uses all cores). Compare the MB/s columns.
func BenchmarkScan(b *testing.B) {
	dir := filepath.Join(runtime.GOROOT(), "pkg", "tool")
	rulesDir := "../../testdata/example/rules/yara"
	files, err := TargetFiles([]string{dir})
	require.NoError(b, err)
	var size int64
	for _, f := range files {
		info, err := os.Stat(f)
		require.NoError(b, err)
		size += info.Size()
	}
	rs, ps, err := Compile([]string{rulesDir})
	require.NoError(b, err)
	require.Empty(b, ps)
	for _, c := range []struct {
		name    string
		workers int
	}{{"antibody-1", 1}, {"antibody-all", runtime.GOMAXPROCS(0)}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(size)
			for i := 0; i < b.N; i++ {
				require.NoError(b, rs.Scan(context.Background(), files, ScanOptions{Workers: c.workers}, func(FileResult) {}))
			}
		})
	}
	bin, err := exec.LookPath("yara")
	if err != nil {
		b.Log("the yara command is not installed: no baseline")
		return
	}
	// One rules file for the command line, as it takes one.
	ruleFiles, err := RuleFiles([]string{rulesDir})
	require.NoError(b, err)
	combined := filepath.Join(b.TempDir(), "all.yar")
	var all []byte
	for _, f := range ruleFiles {
		data, err := os.ReadFile(f)
		require.NoError(b, err)
		all = append(all, data...)
		all = append(all, '\n')
	}
	require.NoError(b, os.WriteFile(combined, all, 0o644))
	b.Run("yara-cli", func(b *testing.B) {
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			out, err := exec.Command(bin, "-w", "-r", combined, dir).CombinedOutput()
			require.NoError(b, err, string(out))
		}
	})
}
