package yara

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLint(t *testing.T) {
	src := `rule Bad_One {
  meta:
    description = "x"
  strings:
    $a = "ab"
    $b = { 4D ~5A 90 }
    $c = /foo.*bar{/
    $d = "1234" nocase
    $p = "C:\\Windows" fullword
    $unused = "never used here"
  condition:
    $a and $b and $c and $d and $p and any of them at 0 // them makes all used
}
rule Bad_One { condition: true }
rule Clean {
  meta:
    description = "Detects a clean thing"
    author = "me"
    date = "2026-03-24"
    reference = "findings/INC-2026-031.yaml"
  strings:
    $x1 = "UHLP/3.2 beacon" ascii
    $s1 = { 4D 5A 90 00 }
  condition:
    uint16(0) == 0x5A4D and filesize < 1MB and ($x1 or $s1)
}
`
	ps, n := LintText("t.yar", src)
	assert.Equal(t, 3, n)
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	want := []string{
		"t.yar:1: missing_meta: rule Bad_One: meta author is missing",
		"t.yar:1: missing_meta: rule Bad_One: meta date is missing",
		"t.yar:1: missing_meta: rule Bad_One: meta reference is missing",
		"t.yar:11: dialect_of_at: rule Bad_One: 'of ... at' does not compile on libyara 4.2 (expected one condition per string offset)",
		"t.yar:5: short_atom: rule Bad_One: $a: 2 bytes are too short to search fast (expected at least 4)",
		"t.yar:6: dialect_hex_not: rule Bad_One: $b: '~' in hex strings does not compile on libyara 4.2",
		"t.yar:6: short_atom: rule Bad_One: $b: no run of 3 fixed bytes to anchor the search (expected at least 3)",
		"t.yar:7: unbounded_regex: rule Bad_One: $c: unbounded .* or .+ makes the scan slow (expected a bound such as .{0,64})",
		"t.yar:7: dialect_regex_brace: rule Bad_One: $c: a literal { must be escaped as \\{ for YARA-X",
		"t.yar:8: pointless_nocase: rule Bad_One: $d: nocase on a string without letters only slows the scan",
		"t.yar:9: fullword_path: rule Bad_One: $p: fullword on a path fragment misses it next to a separator",
		"t.yar:14: duplicate_rule: rule Bad_One: rule name is also used at line 1",
	}
	for _, w := range want {
		assert.Contains(t, got, w)
	}
	for _, g := range got {
		assert.NotContains(t, g, "rule Clean", "the clean rule has no problem")
	}
	// A string the condition never names is reported.
	ps, _ = LintText("u.yar", "rule U { meta: description = \"d\" author = \"a\" date = \"d\" reference = \"r\" strings: $x = \"abcdef\" $y = \"ghijkl\" condition: $x }")
	require.NotEmpty(t, ps)
	assert.Contains(t, ps[len(ps)-1].String(), "$y: the condition never uses it")
}

func TestCompileReportsPositions(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yar")
	bad := filepath.Join(dir, "bad.yar")
	require.NoError(t, os.WriteFile(good, []byte(`rule G { strings: $a = "abcdef" condition: $a }`), 0o644))
	require.NoError(t, os.WriteFile(bad, []byte("rule B {\n  condition:\n    $nope\n}\n"), 0o644))
	rs, ps, err := Compile([]string{dir})
	require.NoError(t, err)
	require.Len(t, ps, 1)
	assert.GreaterOrEqual(t, ps[0].Line, 3, "libyara names the line where it noticed the error")
	assert.Equal(t, "compile_error", ps[0].Code)
	assert.True(t, strings.HasSuffix(ps[0].File, "bad.yar"))
	assert.Equal(t, 1, rs.Rules, "the good file still compiles")
	hits, err := rs.ScanBytes([]byte("xxabcdefxx"))
	require.NoError(t, err)
	assert.Equal(t, []string{"G"}, hits)
}
