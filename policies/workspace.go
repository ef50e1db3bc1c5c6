package policies

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/antibody-dev/antibody/findings"
)

// DiffWorkspace compares the workspace's policies with their version at a
// git ref, over every configuration snapshot of the workspace (the
// samples' and the compliant corpora's).
func DiffWorkspace(ctx context.Context, ws *findings.Workspace, ref string) (*Diff, error) {
	dir := filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.Policies))
	var cur *Bundle
	if _, err := os.Stat(dir); err == nil {
		b, problems, err := Load([]string{dir})
		if err != nil {
			return nil, err
		}
		if len(problems) > 0 {
			return nil, fmt.Errorf("the current policies do not compile: %s", problems[0])
		}
		cur = b
	}
	old, err := atRef(dir, ref)
	if err != nil {
		return nil, err
	}
	snaps := map[string]map[string]any{}
	roots := []string{filepath.Join(ws.Root, filepath.FromSlash(ws.Paths.Samples))}
	for _, b := range ws.Benign {
		if b.Kind == "config" {
			roots = append(roots, filepath.Join(ws.Root, filepath.FromSlash(b.Path)))
		}
	}
	var existing []string
	for _, r := range roots {
		if _, err := os.Stat(r); err == nil {
			existing = append(existing, r)
		}
	}
	files, err := SnapshotFiles(existing)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if s, err := ReadSnapshot(f); err == nil {
			rel, _ := filepath.Rel(ws.Root, f)
			snaps[filepath.ToSlash(rel)] = s
		}
	}
	return Compare(ctx, old, cur, snaps)
}

// atRef loads the policies of dir as they were at a git ref; a ref where
// the folder did not exist gives no bundle.
func atRef(dir, ref string) (*Bundle, error) {
	where := dir
	git := func(args ...string) ([]byte, error) {
		cmd := exec.Command("git", append([]string{"-C", where}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(errb.String()))
		}
		return out.Bytes(), nil
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, nil
	}
	top, err := git("rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("policy diff needs a git repository: %w", err)
	}
	if _, err := git("rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		return nil, fmt.Errorf("--base %s is not a commit", ref)
	}
	topDir := strings.TrimSpace(string(top))
	// Paths given to ls-tree and show are relative to the top.
	where = topDir
	absDir, _ := filepath.Abs(dir)
	if real, err := filepath.EvalSymlinks(absDir); err == nil {
		absDir = real
	}
	rel, err := filepath.Rel(topDir, absDir)
	if err != nil {
		return nil, err
	}
	list, err := git("ls-tree", "-r", "--name-only", ref, "--", filepath.ToSlash(rel))
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "antibody-policies-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	n := 0
	for _, name := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		if !strings.HasSuffix(name, ".rego") {
			continue
		}
		src, err := git("show", ref+":"+name)
		if err != nil {
			return nil, err
		}
		target := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(target, src, 0o644); err != nil {
			return nil, err
		}
		n++
	}
	if n == 0 {
		return nil, nil
	}
	b, problems, err := Load([]string{tmp})
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("the policies at %s do not compile: %s", ref, problems[0].Message)
	}
	return b, nil
}
