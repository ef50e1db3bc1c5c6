package findings

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// FieldReference renders the finding's JSON Schema as a Markdown field
// reference: one table per object type, in the order a reader meets them.
func FieldReference(schema []byte) (string, error) {
	var s struct {
		Defs map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(schema, &s); err != nil {
		return "", fmt.Errorf("read schema: %w", err)
	}
	type prop struct {
		Ref         string   `json:"$ref"`
		Type        string   `json:"type"`
		Format      string   `json:"format"`
		Pattern     string   `json:"pattern"`
		Enum        []string `json:"enum"`
		Description string   `json:"description"`
		Const       string   `json:"const"`
		Items       *prop    `json:"items"`
		OneOf       []prop   `json:"oneOf"`
	}
	type def struct {
		prop
		Properties orderedProps `json:"properties"`
		Required   []string     `json:"required"`
	}
	var b strings.Builder
	b.WriteString("# Finding field reference (antibody/finding/v1)\n\n")
	b.WriteString("Generated from the Go types by `make update`; do not edit by hand. The JSON Schema is\n")
	b.WriteString("[findings/finding.schema.json](../findings/finding.schema.json) (`antibody schema` prints it).\n")
	queue, seen := []string{"Finding"}, map[string]bool{"Finding": true}
	refName := func(r string) string { return strings.TrimPrefix(r, "#/$defs/") }
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		var d def
		if err := json.Unmarshal(s.Defs[name], &d); err != nil {
			return "", fmt.Errorf("read schema definition %s: %w", name, err)
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", name, d.Description)
		if len(d.OneOf) > 0 {
			b.WriteString("\nWritten either as an RFC 3339 time or as a mapping:\n")
			var alt struct {
				OneOf []struct {
					Properties orderedProps `json:"properties"`
					Required   []string     `json:"required"`
				} `json:"oneOf"`
			}
			if err := json.Unmarshal(s.Defs[name], &alt); err != nil {
				return "", err
			}
			for _, o := range alt.OneOf {
				if len(o.Properties) > 0 {
					d.Properties, d.Required = o.Properties, o.Required
				}
			}
		}
		if len(d.Properties) == 0 {
			continue
		}
		b.WriteString("\n| key | type | required | meaning |\n|---|---|---|---|\n")
		for _, kv := range d.Properties {
			var p prop
			if err := json.Unmarshal(kv.value, &p); err != nil {
				return "", err
			}
			typ := p.Type
			target := p
			if p.Type == "array" && p.Items != nil {
				target = *p.Items
				typ = "list of " + p.Items.Type
			}
			if target.Ref != "" {
				n := refName(target.Ref)
				link := fmt.Sprintf("[%s](#%s)", n, strings.ToLower(n))
				if p.Type == "array" {
					typ = "list of " + link
				} else {
					typ = link
				}
				if !seen[n] {
					seen[n] = true
					queue = append(queue, n)
				}
			}
			switch {
			case p.Format != "":
				typ += " (" + p.Format + ")"
			case p.Pattern != "":
				typ += " (`" + p.Pattern + "`)"
			}
			desc := p.Description
			if len(p.Enum) > 0 {
				desc += " One of: `" + strings.Join(p.Enum, "`, `") + "`."
			}
			if p.Const != "" {
				desc += " Always `" + p.Const + "`."
			}
			req := ""
			if slices.Contains(d.Required, kv.key) {
				req = "yes"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", kv.key, typ, req, strings.ReplaceAll(desc, "|", `\|`))
		}
	}
	return b.String(), nil
}

type propKV struct {
	key   string
	value json.RawMessage
}

// orderedProps keeps the schema's property order (the Go field order).
type orderedProps []propKV

func (o *orderedProps) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		*o = append(*o, propKV{key: tok.(string), value: raw})
	}
	return nil
}
