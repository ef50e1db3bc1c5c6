package policies

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Flip is how one snapshot's decision changed between two policy
// versions.
type Flip struct {
	Package  string   `json:"package"`
	Snapshot string   `json:"snapshot"`
	Change   string   `json:"change"` // allow->deny, deny->allow, messages
	Before   []string `json:"before"`
	After    []string `json:"after"`
}

// PackageDiff counts a package's changes.
type PackageDiff struct {
	Package    string `json:"package"`
	AllowDeny  int    `json:"allow_to_deny"`
	DenyAllow  int    `json:"deny_to_allow"`
	Messages   int    `json:"messages_changed"`
	Unchanged  int    `json:"unchanged"`
	Added      bool   `json:"added,omitempty"`
	Removed    bool   `json:"removed,omitempty"`
	flipsTotal int
}

// Diff is the behavioural difference of two policy bundles over a set of
// snapshots.
type Diff struct {
	Snapshots int           `json:"snapshots"`
	Packages  []PackageDiff `json:"packages"`
	Flips     []Flip        `json:"flips"`
}

// Compare evaluates every package of both bundles (either may be nil)
// over every snapshot and reports what flips.
func Compare(ctx context.Context, old, cur *Bundle, snapshots map[string]map[string]any) (*Diff, error) {
	pkgs := map[string][2]bool{}
	if old != nil {
		for _, p := range old.Packages() {
			v := pkgs[p]
			v[0] = true
			pkgs[p] = v
		}
	}
	if cur != nil {
		for _, p := range cur.Packages() {
			v := pkgs[p]
			v[1] = true
			pkgs[p] = v
		}
	}
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	files := make([]string, 0, len(snapshots))
	for f := range snapshots {
		files = append(files, f)
	}
	sort.Strings(files)
	d := &Diff{Snapshots: len(files), Packages: []PackageDiff{}, Flips: []Flip{}}
	for _, p := range names {
		pd := PackageDiff{Package: p, Added: !pkgs[p][0], Removed: !pkgs[p][1]}
		for _, f := range files {
			var before, after []string
			var err error
			if pkgs[p][0] {
				if before, err = old.Deny(ctx, p, snapshots[f]); err != nil {
					return nil, err
				}
			}
			if pkgs[p][1] {
				if after, err = cur.Deny(ctx, p, snapshots[f]); err != nil {
					return nil, err
				}
			}
			change := ""
			switch {
			case len(before) == 0 && len(after) > 0:
				change = "allow->deny"
				pd.AllowDeny++
			case len(before) > 0 && len(after) == 0:
				change = "deny->allow"
				pd.DenyAllow++
			case strings.Join(before, "\n") != strings.Join(after, "\n"):
				change = "messages"
				pd.Messages++
			default:
				pd.Unchanged++
			}
			if change != "" {
				d.Flips = append(d.Flips, Flip{Package: p, Snapshot: f, Change: change, Before: nonNil(before), After: nonNil(after)})
			}
		}
		d.Packages = append(d.Packages, pd)
	}
	return d, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Markdown renders the diff for a pull-request comment.
func (d *Diff) Markdown() string {
	var b strings.Builder
	flips := len(d.Flips)
	fmt.Fprintf(&b, "## Policy changes by behaviour\n\n%d %s change decision or message on %d %s.\n\n", flips, plural(flips, "evaluation"), d.Snapshots, plural(d.Snapshots, "snapshot"))
	b.WriteString("| policy | allow → deny | deny → allow | messages changed | unchanged |\n|---|---:|---:|---:|---:|\n")
	for _, p := range d.Packages {
		name := "`" + p.Package + "`"
		switch {
		case p.Added:
			name += " (new)"
		case p.Removed:
			name += " (removed)"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d |\n", name, p.AllowDeny, p.DenyAllow, p.Messages, p.Unchanged)
	}
	var last string
	for _, f := range d.Flips {
		if f.Package != last {
			fmt.Fprintf(&b, "\n### `%s`\n\n", f.Package)
			last = f.Package
		}
		switch f.Change {
		case "allow->deny":
			fmt.Fprintf(&b, "- **allow → deny** `%s`: %s\n", f.Snapshot, strings.Join(f.After, "; "))
		case "deny->allow":
			fmt.Fprintf(&b, "- **deny → allow** `%s` (was: %s)\n", f.Snapshot, strings.Join(f.Before, "; "))
		default:
			fmt.Fprintf(&b, "- **message changed** `%s`: %s (was: %s)\n", f.Snapshot, strings.Join(f.After, "; "), strings.Join(f.Before, "; "))
		}
	}
	return b.String()
}

func plural(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}
