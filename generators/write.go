package generators

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/antibody-dev/antibody/internal/atomicfile"
)

// checksumPrefix starts the line a generated file carries so a later run
// can tell whether a human has edited it: the sha256 of everything after
// that line.
const checksumPrefix = "# antibody-sha256: "

// Seal puts the checksum line in front of a generated file's body. The
// body must be a format where # starts a comment (YAML, Rego, YARA...:
// generators of other formats use their own comment mark through
// SealWith).
func Seal(body []byte) []byte { return SealWith("# ", body) }

// SealWith seals with a comment mark ("# ", "// ").
func SealWith(mark string, body []byte) []byte {
	sum := sha256.Sum256(body)
	line := strings.Replace(checksumPrefix, "# ", mark, 1) + hex.EncodeToString(sum[:]) + "\n"
	return append([]byte(line), body...)
}

// Unseal returns a file without its checksum line, when it has one: the
// rule as it is shared with others.
func Unseal(data []byte) []byte {
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 || !strings.Contains(string(data[:nl]), "antibody-sha256: ") {
		return data
	}
	return data[nl+1:]
}

// edited reports whether a sealed file's body no longer matches its
// checksum (a human changed it), and whether it was sealed at all.
func edited(data []byte) (changed, sealed bool) {
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return false, false
	}
	first := string(data[:nl])
	i := strings.Index(first, "antibody-sha256: ")
	if i < 0 {
		return false, false
	}
	want := strings.TrimSpace(first[i+len("antibody-sha256: "):])
	sum := sha256.Sum256(data[nl+1:])
	return hex.EncodeToString(sum[:]) != want, true
}

// Action is what Apply does with one artifact.
type Action string

// The actions of a plan.
const (
	Create    Action = "create"
	Update    Action = "update"
	Unchanged Action = "unchanged"
	// Kept: a human edited the file since it was generated (or wrote
	// it); the new version goes beside it as PATH.new.
	Kept Action = "kept"
)

// Change is one artifact's planned action, with the diff against what is
// on disk.
type Change struct {
	Artifact Artifact `json:"artifact"`
	Action   Action   `json:"action"`
	// Target is the file written: the artifact's path, or PATH.new for
	// a kept file.
	Target string `json:"target"`
	Diff   string `json:"-"`
}

// Plan compares artifacts with the workspace on disk.
func Plan(root string, arts []Artifact) ([]Change, error) {
	var out []Change
	seen := map[string]bool{}
	for _, a := range arts {
		if seen[a.Path] {
			return nil, fmt.Errorf("two artifacts want %s", a.Path)
		}
		seen[a.Path] = true
		full := filepath.Join(root, filepath.FromSlash(a.Path))
		c := Change{Artifact: a, Target: a.Path}
		old, err := os.ReadFile(full)
		switch {
		case errors.Is(err, os.ErrNotExist):
			c.Action = Create
			c.Diff = diff("/dev/null", a.Path, nil, a.Content)
		case err != nil:
			return nil, fmt.Errorf("plan %s: %w", a.Path, err)
		case bytes.Equal(old, a.Content):
			c.Action = Unchanged
		default:
			changed, sealed := edited(old)
			if changed || !sealed {
				c.Action, c.Target = Kept, a.Path+".new"
			} else {
				c.Action = Update
			}
			c.Diff = diff(a.Path, c.Target, old, a.Content)
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Artifact.Path < out[j].Artifact.Path })
	return out, nil
}

func diff(from, to string, a, b []byte) string {
	text, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(a)), B: difflib.SplitLines(string(b)),
		FromFile: from, ToFile: to, Context: 3,
	})
	return text
}

// Apply writes the planned changes atomically (a temporary file in the
// same folder, then a rename), so an interrupted run never leaves a
// half-written file. Unchanged files are not touched; kept files get
// their new version beside them.
func Apply(root string, changes []Change) error {
	for _, c := range changes {
		if c.Action == Unchanged {
			continue
		}
		if err := atomicfile.Write(filepath.Join(root, filepath.FromSlash(c.Target)), c.Artifact.Content); err != nil {
			return err
		}
	}
	return nil
}
