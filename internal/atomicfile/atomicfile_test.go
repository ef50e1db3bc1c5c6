package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a", "b", "out.txt")
	require.NoError(t, Write(p, []byte("one")))
	info, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())

	require.NoError(t, os.Chmod(p, 0o600))
	require.NoError(t, Write(p, []byte("two")))
	got, _ := os.ReadFile(p)
	assert.Equal(t, "two", string(got))
	info, _ = os.Stat(p)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "an existing file keeps its mode")

	entries, _ := os.ReadDir(filepath.Dir(p))
	assert.Len(t, entries, 1, "no temporary file is left behind")

	err = Write(dir, []byte("x"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "write "+dir)
}
