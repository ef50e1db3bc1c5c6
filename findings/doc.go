// Package findings owns what a user writes by hand: the finding (one
// incident review as structured data, schema antibody/finding/v1) and the
// workspace settings file antibody.yaml.
//
// It parses both strictly through YAML nodes so every problem carries
// file:line:col and a stable code, collects all problems before returning,
// and checks what can be checked without running anything: references
// between sections, ATT&CK ids, timelines, and the evidence files on disk
// (inside the workspace, sha256 as recorded).
//
// It does not read event logs, rules or policies; the packages that do build
// on the model defined here.
package findings
