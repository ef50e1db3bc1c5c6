package regress

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// ChangedSince asks git which files under dir differ from ref (committed,
// staged, unstaged or new) and returns a test for Options.Changed: a path
// is changed when it or a file below it is.
func ChangedSince(dir, ref string) (func(string) bool, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(errb.String()))
		}
		return out.String(), nil
	}
	top, err := git("rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%w: --changed-since needs a git repository: %v", ErrUsage, err)
	}
	top = strings.TrimSpace(top)
	if _, err := git("rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		return nil, fmt.Errorf("%w: --changed-since %s: not a commit in %s", ErrUsage, ref, top)
	}
	diff, err := git("diff", "--name-only", ref)
	if err != nil {
		return nil, err
	}
	untracked, err := git("ls-files", "--others", "--exclude-standard", "--full-name")
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, line := range strings.Split(diff+"\n"+untracked, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			changed = append(changed, filepath.Join(top, filepath.FromSlash(line)))
		}
	}
	return func(path string) bool {
		abs, err := filepath.Abs(path)
		if err != nil {
			return false
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		for _, c := range changed {
			if c == abs || strings.HasPrefix(c, abs+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}, nil
}
