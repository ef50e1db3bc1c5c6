package sigma

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/antibody-dev/antibody/rules/sigma"
)

func relPath(root, file string) (string, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	absFile, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absRoot, absFile)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}

// readFileDoc returns the YAML document of a rule: the whole file when it
// holds one document.
func readFileDoc(r *sigma.Rule) ([]byte, error) {
	data, err := os.ReadFile(r.File)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(string(data), "\n") {
		data = append(data, '\n')
	}
	return data, nil
}
