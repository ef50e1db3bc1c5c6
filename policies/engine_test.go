package policies_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/policies"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

// TestHostilePolicies: broken or malicious policies get a clear,
// positioned error, and none reaches the network or hangs.
func TestHostilePolicies(t *testing.T) {
	cases := map[string]struct{ src, want string }{
		"syntax error": {"package p\n\ndeny contains msg if {\n\tmsg := \n}\n", "p.rego:5:1: rego_parse_error: unexpected } token"},
		"network":      {"package p\n\ndeny contains msg if {\n\tresp := http.send({\"method\": \"get\", \"url\": \"http://example.com\"})\n\tmsg := resp.body\n}\n", "p.rego:4:10: rego_type_error: undefined function http.send"},
		"environment":  {"package p\n\ndeny contains msg if {\n\tmsg := opa.runtime().env.HOME\n}\n", "undefined function opa.runtime"},
		"recursion":    {"package p\n\na := b\n\nb := a\n\ndeny contains a\n", "rego_recursion_error"},
		"unused var":   {"package p\n\ndeny contains msg if {\n\tx := 1\n\tmsg := \"m\"\n}\n", "rego_compile_error"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "p.rego", c.src)
			b, problems, err := policies.Load([]string{dir})
			require.NoError(t, err)
			assert.Nil(t, b)
			require.NotEmpty(t, problems)
			var all []string
			for _, p := range problems {
				all = append(all, p.String())
			}
			assert.Contains(t, strings.Join(all, "\n"), c.want)
		})
	}
}

func TestEvaluationIsBounded(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "slow.rego", "package slow\n\ndeny contains msg if {\n\tn := count([1 | some i in numbers.range(1, 5000); some j in numbers.range(1, 5000)])\n\tmsg := sprintf(\"%d\", [n])\n}\n")
	b, problems, err := policies.Load([]string{dir})
	require.NoError(t, err)
	require.Empty(t, problems)
	b.Timeout = 50 * time.Millisecond
	start := time.Now()
	_, err = b.Deny(context.Background(), "slow", map[string]any{"kind": "x"})
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second, "evaluation stops at its deadline")
}

func TestSnapshots(t *testing.T) {
	dir := t.TempDir()
	_, err := policies.ReadSnapshot(write(t, dir, "bad.json", "{\n  \"kind\": \"identity\",\n  \"users\": [\n}\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.json:4: not a JSON object")
	_, err = policies.ReadSnapshot(write(t, dir, "nokind.yaml", "users: []\n"))
	assert.ErrorContains(t, err, "nokind.yaml:1: snapshot has no kind")
	big := write(t, dir, "big.json", `{"kind":"identity","pad":"`+strings.Repeat("x", policies.MaxFile)+`"}`)
	_, err = policies.ReadSnapshot(big)
	assert.ErrorContains(t, err, "expected at most")
	s, err := policies.ReadSnapshot(write(t, dir, "ok.yaml", "kind: identity\nusers:\n  - name: a\n"))
	require.NoError(t, err)
	assert.Equal(t, "identity", s["kind"])
}

// TestOPACommand builds the opa command from the pinned module and runs
// opa fmt and opa test over the example's generated policies.
func TestOPACommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the opa command (about a minute)")
	}
	bin := filepath.Join(t.TempDir(), "opa")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/open-policy-agent/opa").CombinedOutput()
	require.NoError(t, err, "%s", out)
	dir := "../testdata/example/policies"
	out, err = exec.Command(bin, "fmt", "--fail", "--list", dir).CombinedOutput()
	assert.NoError(t, err, "opa fmt would change: %s", out)
	assert.Empty(t, strings.TrimSpace(string(out)))
	out, err = exec.Command(bin, "test", "--v1-compatible", dir).CombinedOutput()
	if err != nil && strings.Contains(string(out), "unknown flag") {
		out, err = exec.Command(bin, "test", dir).CombinedOutput()
	}
	assert.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "PASS: 14/14")
}
