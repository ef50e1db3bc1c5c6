package rules

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Files expands paths into files: a file named directly is taken when
// accept says yes (or rejected with an error naming what was expected), a
// folder is walked for the files accept takes. The result is sorted and
// free of duplicates. what names the files in errors ("event file").
func Files(paths []string, accept func(name string) bool, what, expected string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			if !accept(p) {
				return nil, fmt.Errorf("%s: not a known %s type (expected %s)", p, what, expected)
			}
			add(p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && accept(path) {
				add(path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}
