package yara

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/pe"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/generators"
	"github.com/antibody-dev/antibody/rules/yara"
)

// Version is the generator's version, recorded in every rule it writes.
const Version = "1"

// MaxFile bounds the files read for the goodware index and as artifacts.
const MaxFile = 64 << 20

// Generator writes YARA rules for a finding's artifacts.
type Generator struct {
	// Goodware are extra files or folders of known-good files (a
	// system's binaries) to score strings against and prove rules on.
	Goodware []string
}

var _ generators.Generator = (*Generator)(nil)

// Name is the generator's name in provenance.
func (g *Generator) Name() string { return "yara" }

// Generate writes a rule per artifact and one for the hash indicators.
func (g *Generator) Generate(ctx context.Context, in generators.Input) (*generators.Result, error) {
	res := &generators.Result{Artifacts: []generators.Artifact{}, Skipped: []generators.Skip{}}
	good, err := g.goodware(in.Workspace)
	if err != nil {
		return nil, err
	}
	ix := NewIndex()
	for _, f := range good {
		if data, err := readCapped(f); err == nil {
			ix.Add(data)
		}
	}
	r := &run{in: in, good: good, ix: ix, res: res}
	for _, a := range in.Finding.Artifacts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := r.artifact(a); err != nil {
			return nil, err
		}
	}
	if err := r.hashes(); err != nil {
		return nil, err
	}
	return res, nil
}

type run struct {
	in   generators.Input
	good []string
	ix   *Index
	res  *generators.Result
}

func readCapped(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > MaxFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, MaxFile)
	}
	return os.ReadFile(path)
}

// goodware lists the workspace's benign files and the extra folders.
func (g *Generator) goodware(ws *findings.Workspace) ([]string, error) {
	var paths []string
	if ws != nil {
		for _, b := range ws.Benign {
			if b.Kind == "file" {
				paths = append(paths, filepath.Join(ws.Root, filepath.FromSlash(b.Path)))
			}
		}
	}
	paths = append(paths, g.Goodware...)
	if len(paths) == 0 {
		return nil, nil
	}
	return yara.TargetFiles(paths)
}

func (r *run) root() string {
	if r.in.Workspace != nil {
		return r.in.Workspace.Root
	}
	return findings.FindRoot(r.in.File)
}

func (r *run) evidencePath(id string) (string, string, bool) {
	for _, e := range r.in.Finding.Evidence {
		if e.ID == id {
			return filepath.Join(r.root(), filepath.FromSlash(e.Path)), e.Path, true
		}
	}
	return "", "", false
}

func (r *run) date() time.Time {
	t := r.in.Finding.Timeline
	for _, m := range []*findings.Milestone{t.ReviewCompleted, t.Closed, t.Recovered, t.Contained, t.Detected} {
		if m != nil && !m.At.IsZero() {
			return m.At.UTC()
		}
	}
	return time.Unix(0, 0).UTC()
}

func (r *run) skip(source, reason string) {
	r.res.Skipped = append(r.res.Skipped, generators.Skip{Source: source, Reason: reason})
}

// ruleName builds a signature-base style name: PREFIX_Family_Role_MonYY.
func (r *run) ruleName(a findings.Artifact, file string) (string, int) {
	prefix, sc := "MAL", 80
	switch string(a.Role) {
	case "tool":
		prefix, sc = "HKTL", 75
	case "document":
		prefix, sc = "SUSP", 65
	}
	family := a.Family
	if family == "" {
		family = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	name := prefix + "_" + ident(family) + "_" + ident(string(a.Role)) + "_" + r.date().Format("Jan06")
	return name, sc
}

func ident(s string) string {
	var b strings.Builder
	up := true
	for _, c := range s {
		switch {
		case unicode.IsLetter(c) || unicode.IsDigit(c):
			if up {
				c = unicode.ToUpper(c)
			}
			b.WriteRune(c)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

func yaraString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(s) {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// artifact writes and proves one artifact's rule.
func (r *run) artifact(a findings.Artifact) error {
	full, rel, ok := r.evidencePath(a.Evidence)
	if !ok {
		r.skip(a.ID, "its evidence "+a.Evidence+" is not in the finding")
		return nil
	}
	data, err := readCapped(full)
	if err != nil {
		r.skip(a.ID, err.Error())
		return nil
	}
	isPE := len(data) > 2 && data[0] == 'M' && data[1] == 'Z'
	imports := map[string]bool{}
	if isPE {
		if f, err := pe.NewFile(bytes.NewReader(data)); err == nil {
			syms, _ := f.ImportedSymbols()
			for _, s := range syms {
				imports[strings.ToLower(strings.SplitN(s, ":", 2)[0])] = true
			}
			libs, _ := f.ImportedLibraries()
			for _, l := range libs {
				imports[strings.ToLower(l)] = true
			}
		}
	}
	cands := choose(data, r.ix, imports)
	name, sc := r.ruleName(a, full)
	sum := sha256.Sum256(data)
	for attempt := 0; attempt < 4; attempt++ {
		if len(cands) == 0 {
			r.skip(a.ID, "no string in it is distinctive against the goodware index ("+fmt.Sprint(r.ix.Size)+" strings from "+fmt.Sprint(r.ix.Files)+" files)")
			return nil
		}
		text := r.ruleText(a, name, sc, hex.EncodeToString(sum[:]), isPE, len(data), cands)
		rs, ps, err := yara.CompileString(text)
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			return fmt.Errorf("generated YARA rule %s does not compile: %s", name, ps[0].Message)
		}
		hits, err := rs.ScanBytes(data)
		if err != nil {
			return err
		}
		if len(hits) == 0 {
			return fmt.Errorf("generated YARA rule %s does not match its own artifact", name)
		}
		bad := map[string]bool{}
		fps := 0
		if err := rs.Scan(context.Background(), r.good, yara.ScanOptions{}, func(fr yara.FileResult) {
			for _, m := range fr.Matches {
				fps++
				for _, s := range m.Strings {
					bad[s.Name] = true
				}
			}
		}); err != nil {
			return err
		}
		if fps == 0 {
			r.emit(a, name, rel, text, len(cands), len(r.good))
			return nil
		}
		var kept []candidate
		for i, c := range cands {
			if !bad[stringName(cands, i)] {
				kept = append(kept, c)
			}
		}
		if len(kept) == len(cands) {
			break
		}
		cands = kept
	}
	r.skip(a.ID, "every draft matched goodware files")
	return nil
}

// stringName is the $name a candidate gets in ruleText.
func stringName(cands []candidate, i int) string {
	n := 0
	for j := 0; j <= i; j++ {
		if cands[j].kind == cands[i].kind {
			n++
		}
	}
	return fmt.Sprintf("$%s%d", cands[i].kind, n)
}

func (r *run) ruleText(a findings.Artifact, name string, sc int, sha string, isPE bool, size int, cands []candidate) string {
	var b strings.Builder
	desc := strings.TrimSpace(a.Summary)
	if desc == "" {
		desc = string(a.Role)
	}
	fmt.Fprintf(&b, "rule %s {\n", name)
	b.WriteString("    meta:\n")
	fmt.Fprintf(&b, "        description = %s\n", yaraString("Detects the "+desc+" ("+r.in.Finding.Incident.ID+" artifact "+a.ID+")"))
	fmt.Fprintf(&b, "        author = %s\n", yaraString("Antibody yara generator v"+Version+" from "+r.in.Finding.Incident.ID))
	fmt.Fprintf(&b, "        date = %s\n", yaraString(r.date().Format(time.DateOnly)))
	fmt.Fprintf(&b, "        reference = %s\n", yaraString(r.findingRef()+"#"+a.ID))
	fmt.Fprintf(&b, "        hash = %s\n", yaraString(sha))
	fmt.Fprintf(&b, "        score = %d\n", sc)
	fmt.Fprintf(&b, "        id = %s\n", yaraString(generators.ID(r.in.Finding.Incident.ID, a.ID, "yara")))
	fmt.Fprintf(&b, "        regression_tests_path = %s\n", yaraString("regression_data/"+name+"/info.yml"))
	b.WriteString("    strings:\n")
	xs, ss := 0, 0
	for i, c := range cands {
		mod := "ascii"
		if c.wide {
			mod = "wide"
		}
		fmt.Fprintf(&b, "        %s = %s %s\n", stringName(cands, i), yaraString(c.text), mod)
		if c.kind == "x" {
			xs++
		} else {
			ss++
		}
	}
	b.WriteString("    condition:\n        ")
	var parts []string
	if isPE {
		parts = append(parts, "uint16(0) == 0x5A4D")
	}
	limit := (size*4/1024 + 1)
	parts = append(parts, fmt.Sprintf("filesize < %dKB", limit))
	var alts []string
	if xs > 0 {
		alts = append(alts, "1 of ($x*)")
	}
	if ss > 0 {
		alts = append(alts, fmt.Sprintf("%d of ($s*)", min(ss, 3)))
	}
	logic := strings.Join(alts, " or ")
	if len(alts) > 1 {
		logic = "(" + logic + ")"
	}
	parts = append(parts, logic)
	b.WriteString(strings.Join(parts, " and "))
	b.WriteString("\n}\n")
	return b.String()
}

func (r *run) findingRef() string {
	if r.in.Workspace != nil {
		if rel, err := filepath.Rel(r.in.Workspace.Root, r.in.File); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(r.in.File)
}

func (r *run) dir() string {
	base := "rules/yara"
	if r.in.Workspace != nil {
		base = r.in.Workspace.Paths.YARA
	}
	return path.Join(base, strings.ToLower(r.in.Finding.Incident.ID))
}

// emit records a proven rule and its expectations.
func (r *run) emit(a findings.Artifact, name, evidence, text string, strs, goodware int) {
	header := fmt.Sprintf("// Generated by Antibody from %s artifact %s: %d strings chosen against a goodware index of %d strings from %d files; matches the artifact and none of %d goodware files.\n",
		r.in.Finding.Incident.ID, a.ID, strs, r.ix.Size, r.ix.Files, goodware)
	body := []byte(header + text)
	prov := generators.Provenance{Finding: r.in.Finding.Incident.ID, Sources: []string{a.ID}, Evidence: []string{a.Evidence}, Generator: "yara", Version: Version}
	r.res.Artifacts = append(r.res.Artifacts,
		generators.Artifact{Path: path.Join(r.dir(), name+".yar"), Content: generators.SealWith("// ", body), Kind: "yara", ID: name, Title: name, Provenance: prov},
		generators.Artifact{Path: path.Join(r.dir(), "regression_data", name, "info.yml"), Content: generators.Seal(infoYAML(name, r.date(), []string{evidence})), Kind: "yara-expectations", ID: name, Title: name, Provenance: prov},
	)
}

func infoYAML(name string, date time.Time, files []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "id: %s\n", generators.ID(name, "tests"))
	b.WriteString("description: The artifacts the rule was generated from; the workspace's goodware is checked by antibody test.\n")
	fmt.Fprintf(&b, "date: %s\n", date.Format(time.DateOnly))
	fmt.Fprintf(&b, "author: 'Antibody yara generator v%s'\n", Version)
	b.WriteString("rule_metadata:\n")
	fmt.Fprintf(&b, "    - id: %s\n", name)
	fmt.Fprintf(&b, "      title: %s\n", name)
	b.WriteString("regression_tests_info:\n")
	sort.Strings(files)
	for _, f := range files {
		b.WriteString("    - name: Positive Detection Test\n")
		b.WriteString("      type: file\n")
		b.WriteString("      match_count: 1\n")
		fmt.Fprintf(&b, "      path: '%s'\n", strings.ReplaceAll(f, "'", "''"))
	}
	return []byte(b.String())
}

// hashes writes one hash-module rule for the finding's hash indicators.
func (r *run) hashes() error {
	fns := map[string]string{"md5": "md5", "sha1": "sha1", "sha256": "sha256"}
	var conds []string
	var evidence []string
	for _, ind := range r.in.Finding.Indicators {
		fn, ok := fns[string(ind.Type)]
		if !ok {
			continue
		}
		conds = append(conds, fmt.Sprintf("hash.%s(0, filesize) == %s", fn, yaraString(strings.ToLower(ind.Value))))
		if ind.Evidence != "" {
			if _, rel, ok := r.evidencePath(ind.Evidence); ok {
				evidence = append(evidence, rel)
			}
		}
	}
	if len(conds) == 0 {
		return nil
	}
	sort.Strings(conds)
	name := "MAL_" + ident(r.in.Finding.Incident.ID) + "_Hashes_" + r.date().Format("Jan06")
	var b strings.Builder
	b.WriteString("import \"hash\"\n\n")
	fmt.Fprintf(&b, "rule %s {\n    meta:\n", name)
	fmt.Fprintf(&b, "        description = %s\n", yaraString("Detects the files of "+r.in.Finding.Incident.ID+" by their hashes (exact copies only)"))
	fmt.Fprintf(&b, "        author = %s\n", yaraString("Antibody yara generator v"+Version+" from "+r.in.Finding.Incident.ID))
	fmt.Fprintf(&b, "        date = %s\n", yaraString(r.date().Format(time.DateOnly)))
	fmt.Fprintf(&b, "        reference = %s\n", yaraString(r.findingRef()+"#indicators"))
	b.WriteString("        score = 70\n")
	fmt.Fprintf(&b, "        regression_tests_path = %s\n", yaraString("regression_data/"+name+"/info.yml"))
	b.WriteString("    condition:\n        filesize < 64MB and (\n            ")
	b.WriteString(strings.Join(conds, " or\n            "))
	b.WriteString("\n        )\n}\n")
	text := b.String()
	rs, ps, err := yara.CompileString(text)
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		return fmt.Errorf("generated hash rule does not compile: %s", ps[0].Message)
	}
	for _, e := range evidence {
		data, err := readCapped(filepath.Join(r.root(), filepath.FromSlash(e)))
		if err != nil {
			return err
		}
		if hits, _ := rs.ScanBytes(data); len(hits) == 0 {
			return fmt.Errorf("hash rule %s does not match %s, whose hash the finding records", name, e)
		}
	}
	body := []byte(fmt.Sprintf("// Generated by Antibody from the hash indicators of %s.\n", r.in.Finding.Incident.ID) + text)
	prov := generators.Provenance{Finding: r.in.Finding.Incident.ID, Sources: []string{"indicators:hashes"}, Generator: "yara", Version: Version}
	r.res.Artifacts = append(r.res.Artifacts,
		generators.Artifact{Path: path.Join(r.dir(), name+".yar"), Content: generators.SealWith("// ", body), Kind: "yara", ID: name, Title: name, Provenance: prov},
		generators.Artifact{Path: path.Join(r.dir(), "regression_data", name, "info.yml"), Content: generators.Seal(infoYAML(name, r.date(), dedupe(evidence))), Kind: "yara-expectations", ID: name, Title: name, Provenance: prov},
	)
	return nil
}

func dedupe(vs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
