package findings

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CheckFiles checks the finding's files against the disk: every evidence
// path and the playbook exist inside the workspace root (following
// symbolic links), and every evidence file has the sha256 the finding
// records.
func CheckFiles(f *Finding, root string) Problems {
	var ps Problems
	for i, e := range f.Evidence {
		p := fmt.Sprintf("evidence[%d]", i)
		if e.Path == "" || checkRelPath(e.Path) != "" {
			continue // reported by Parse
		}
		full, code, msg := resolveInside(root, e.Path)
		if msg != "" {
			ps = append(ps, f.problem(p+".path", code, "evidence %q: %s %s", e.ID, e.Path, msg))
			continue
		}
		sum, err := FileSHA256(full)
		if err != nil {
			ps = append(ps, f.problem(p+".path", CodeMissingFile, "evidence %q: cannot read %s: %v", e.ID, e.Path, unwrapPath(err)))
			continue
		}
		if e.SHA256 != "" && len(e.SHA256) == 64 && !strings.EqualFold(sum, e.SHA256) {
			ps = append(ps, f.problem(p+".sha256", CodeHashMismatch, "evidence %q: %s has sha256 %s (expected %s as recorded; if the file was replaced on purpose, record the new hash)", e.ID, e.Path, sum, e.SHA256))
		}
	}
	if rr := f.ResponseReview; rr != nil && rr.Playbook != "" && checkRelPath(rr.Playbook) == "" {
		if _, code, msg := resolveInside(root, rr.Playbook); msg != "" {
			ps = append(ps, f.problem("response_review.playbook", code, "playbook %s %s", rr.Playbook, msg))
		}
	}
	ps.Sort()
	return ps
}

// resolveInside joins rel to root and checks that the result, with
// symbolic links followed, is a regular file inside root. It returns the
// resolved path, or a problem code and a reason that completes "<path> ...".
func resolveInside(root, rel string) (path, code, msg string) {
	full := filepath.Join(root, filepath.FromSlash(rel))
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", CodeMissingFile, fmt.Sprintf("cannot be checked: workspace root %s: %v", root, unwrapPath(err))
	}
	real, err := filepath.EvalSymlinks(full)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", CodeMissingFile, fmt.Sprintf("does not exist in the workspace %q (expected the file there, at that path from the workspace root)", root)
	case err != nil:
		return "", CodeMissingFile, fmt.Sprintf("cannot be resolved: %v", unwrapPath(err))
	}
	if r, err := filepath.Rel(realRoot, real); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", CodePath, fmt.Sprintf("is a link to %s, outside the workspace (expected evidence stored inside the workspace)", real)
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", CodeMissingFile, fmt.Sprintf("cannot be read: %v", unwrapPath(err))
	}
	if !st.Mode().IsRegular() {
		return "", CodePath, "is not a regular file (expected a file)"
	}
	return real, "", ""
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// FileSHA256 returns the hex sha256 of a file, as evidence records it.
func FileSHA256(name string) (string, error) {
	fh, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", fmt.Errorf("hash: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ReadDocument reads a user's document with a size limit, so a wrong file
// (a 50 MB log passed by mistake) is refused before it is read whole.
func ReadDocument(name string) ([]byte, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory (expected a file)", name)
	}
	if st.Size() > MaxDocumentBytes {
		return nil, Problems{{File: name, Code: CodeFile, Message: fmt.Sprintf("file is %d bytes (expected a hand-written document of at most %d MiB)", st.Size(), MaxDocumentBytes>>20)}}
	}
	data, err := io.ReadAll(io.LimitReader(fh, MaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}

// Load reads, parses and fully checks the finding at path, including its
// files against the workspace root. When root is empty, the workspace is
// found from the finding's location (see FindRoot). It returns Problems
// as the error when the finding is invalid.
func Load(path, root string) (*Finding, error) {
	data, err := ReadDocument(path)
	if err != nil {
		return nil, err
	}
	f, ps := Parse(path, data)
	if f == nil {
		return nil, ps
	}
	if root == "" {
		root = FindRoot(path)
	}
	ps = append(ps, CheckFiles(f, root)...)
	ps.Sort()
	if len(ps) > 0 {
		return f, ps
	}
	return f, nil
}

// WorkspaceFile is the name of the workspace settings file.
const WorkspaceFile = "antibody.yaml"

// FindRoot returns the workspace root for a file: the nearest directory
// above it holding antibody.yaml; failing that, the parent of a findings/
// directory the file sits in; failing that, the file's own directory.
func FindRoot(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return filepath.Dir(file)
	}
	for dir := filepath.Dir(abs); ; {
		if _, err := os.Stat(filepath.Join(dir, WorkspaceFile)); err == nil {
			return relOrAbs(dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	dir := filepath.Dir(abs)
	if filepath.Base(dir) == "findings" {
		return relOrAbs(filepath.Dir(dir))
	}
	return relOrAbs(dir)
}

// relOrAbs shortens an absolute path relative to the working directory for
// messages, when it is below it.
func relOrAbs(p string) string { return DisplayPath(p) }

// DisplayPath shortens an absolute path to one relative to the working
// directory when it is below it, for messages and reports.
func DisplayPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
