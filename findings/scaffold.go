package findings

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed scaffold
var scaffold embed.FS

// InitWorkspace creates a workspace in dir: antibody.yaml, the folders, and
// a commented finding to start from. It refuses to touch a folder that
// already holds antibody.yaml, and never overwrites a file. It returns the
// folders (with a trailing separator) and files it created.
func InitWorkspace(dir string) ([]string, error) {
	settings := filepath.Join(dir, WorkspaceFile)
	if _, err := os.Stat(settings); err == nil {
		return nil, fmt.Errorf("%s: %w (expected a folder that is not yet a workspace)", settings, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var created []string
	for _, sub := range []string{
		DefaultPaths.Findings, DefaultPaths.Samples, DefaultPaths.Sigma, DefaultPaths.YARA,
		DefaultPaths.Policies, DefaultPaths.Playbooks, "benign/events", "benign/files", "benign/configs",
	} {
		p := filepath.Join(dir, filepath.FromSlash(sub))
		_, statErr := os.Stat(p)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return created, fmt.Errorf("create %s: %w", p, err)
		}
		if errors.Is(statErr, fs.ErrNotExist) {
			created = append(created, p+string(filepath.Separator))
		}
		// .gitkeep lets git keep the empty folder; a folder that already
		// has one, or other files, is left as it is.
		if err := writeNew(filepath.Join(p, ".gitkeep"), nil); err != nil && !errors.Is(err, fs.ErrExist) {
			return created, err
		}
	}
	files := []struct{ src, dst string }{
		{"scaffold/finding.yaml", filepath.Join(dir, DefaultPaths.Findings, "INC-YYYY-NNN.yaml")},
		{"scaffold/antibody.yaml", settings}, // last: its presence marks a finished init
	}
	for _, f := range files {
		data, err := scaffold.ReadFile(f.src)
		if err != nil {
			return created, err
		}
		if err := writeNew(f.dst, data); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue // a human's file stays as it is
			}
			return created, err
		}
		created = append(created, f.dst)
	}
	return created, nil
}

// writeNew writes a file that must not exist yet.
func writeNew(name string, data []byte) error {
	fh, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		os.Remove(name)
		return fmt.Errorf("write %s: %w", name, err)
	}
	return fh.Close()
}
