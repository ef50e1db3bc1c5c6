package generators

import (
	"context"
	"fmt"

	"github.com/antibody-dev/antibody/findings"
)

// Skipped is a Skip with the finding and generator it came from.
type Skipped struct {
	Finding   string `json:"finding"`
	Generator string `json:"generator"`
	Skip
}

// Run loads each finding (it must be valid), runs every generator on it
// and returns all artifacts and everything skipped. Nothing is written.
func Run(ctx context.Context, ws *findings.Workspace, files []string, gens []Generator) ([]Artifact, []Skipped, error) {
	var arts []Artifact
	var skipped []Skipped
	for _, file := range files {
		f, err := findings.Load(file, ws.Root)
		if err != nil {
			return nil, nil, fmt.Errorf("generate from %s: the finding is not valid (run antibody validate): %w", file, err)
		}
		for _, g := range gens {
			res, err := g.Generate(ctx, Input{Finding: f, File: file, Workspace: ws})
			if err != nil {
				return nil, nil, fmt.Errorf("generate %s from %s: %w", g.Name(), file, err)
			}
			arts = append(arts, res.Artifacts...)
			for _, s := range res.Skipped {
				skipped = append(skipped, Skipped{Finding: f.Incident.ID, Generator: g.Name(), Skip: s})
			}
		}
	}
	return arts, skipped, nil
}
