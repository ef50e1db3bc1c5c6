package generators

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/antibody-dev/antibody/findings"
)

// Namespace is the UUID namespace of every generated artifact id: ids are
// UUIDv5 of this namespace and "finding-id/source-id[/part]", so the same
// finding always yields the same ids.
var Namespace = uuid.MustParse("5b0f6a2e-8c1d-4c7a-9e3b-2d4f6a8c0e1b")

// ID returns the stable id of an artifact generated from a finding and one
// of its parts (a behaviour, an indicator group, a root cause).
func ID(findingID string, parts ...string) string {
	return uuid.NewSHA1(Namespace, []byte(strings.Join(append([]string{findingID}, parts...), "/"))).String()
}

// Input is what a generator works from: a validated finding, the workspace
// it lives in, and where it was read from.
type Input struct {
	Finding   *findings.Finding
	File      string
	Workspace *findings.Workspace
}

// Provenance says where an artifact came from.
type Provenance struct {
	Finding   string   `json:"finding"`
	Sources   []string `json:"sources"`  // behaviour, indicator or root-cause ids
	Evidence  []string `json:"evidence"` // evidence ids
	Generator string   `json:"generator"`
	Version   string   `json:"version"`
}

// Artifact is one file a generator proposes, relative to the workspace
// root, with why it exists and how it was tuned.
type Artifact struct {
	Path       string     `json:"path"`
	Content    []byte     `json:"-"`
	Kind       string     `json:"kind"`
	ID         string     `json:"id,omitempty"`
	Title      string     `json:"title,omitempty"`
	Provenance Provenance `json:"provenance"`
	// Notes say how the artifact was tuned, in a sentence each.
	Notes []string `json:"notes,omitempty"`
}

// Skip is a part of the finding a generator could not turn into an
// artifact, and why.
type Skip struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
	// Collisions are benign events a draft could not be separated from.
	Collisions []string `json:"collisions,omitempty"`
}

// Result is what one generator produced from one finding.
type Result struct {
	Artifacts []Artifact `json:"artifacts"`
	Skipped   []Skip     `json:"skipped"`
}

// Generator turns a finding into artifacts of one kind. It does not write
// files: Plan and Apply do, so every generator gets the same protection of
// human edits.
type Generator interface {
	Name() string
	Generate(ctx context.Context, in Input) (*Result, error)
}
