package policies

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/antibody-dev/antibody/rules"
)

// ReadSnapshot reads a configuration snapshot (JSON or YAML) as OPA input.
// It must be a mapping with a kind (identity, password-policy,
// software-inventory, ...); errors name the file and line.
func ReadSnapshot(path string) (map[string]any, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > MaxFile {
		return nil, fmt.Errorf("%s:1: snapshot is %d bytes (expected at most %d)", path, info.Size(), MaxFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		if err := d.Decode(&out); err != nil {
			line := 1
			if se, ok := err.(*json.SyntaxError); ok {
				line = bytes.Count(data[:se.Offset], []byte("\n")) + 1
			}
			return nil, fmt.Errorf("%s:%d: not a JSON object: %v", path, line, err)
		}
		out = normalise(out).(map[string]any)
	default:
		var node yaml.Node
		if err := yaml.Unmarshal(data, &node); err != nil {
			return nil, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		if len(node.Content) == 0 || node.Content[0].Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:1: snapshot is not a mapping (expected kind: and the settings)", path)
		}
		if err := node.Decode(&out); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
	}
	if k, _ := out["kind"].(string); k == "" {
		return nil, fmt.Errorf("%s:1: snapshot has no kind (expected identity, password-policy, software-inventory, network-exposure, logging or storage-access)", path)
	}
	return out, nil
}

// normalise turns json.Number into int64 or float64 for OPA.
func normalise(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalise(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalise(e)
		}
		return x
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// SnapshotFiles lists the JSON and YAML snapshots under paths, sorted.
func SnapshotFiles(paths []string) ([]string, error) {
	return rules.Files(paths, func(n string) bool {
		ext := strings.ToLower(filepath.Ext(n))
		return ext == ".json" || ext == ".yaml" || ext == ".yml"
	}, "snapshot", ".json, .yaml or .yml")
}
