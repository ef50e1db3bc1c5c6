package yara

import (
	"archive/zip"
	"bytes"
	"sort"
	"strings"
	"unicode/utf16"
)

// visible returns the strings of a file that YARA can see in its raw
// bytes. A ZIP container (Office documents, JARs) compresses its members,
// so only the member names are literally there; strings pulled from the
// compressed bytes would be noise.
func visible(data []byte) []extracted {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
			var out []extracted
			for _, f := range zr.File {
				if len(f.Name) >= minString {
					out = append(out, extracted{text: f.Name})
				}
			}
			return out
		}
	}
	return extract(data)
}

// extracted is a string found in a file.
type extracted struct {
	text string
	wide bool // UTF-16LE
}

const minString = 6

// extract returns the printable ASCII and UTF-16LE strings of at least
// minString characters, in file order, without repeats.
func extract(data []byte) []extracted {
	var out []extracted
	seen := map[string]bool{}
	add := func(s string, wide bool) {
		key := s
		if wide {
			key = "w:" + s
		}
		if len(s) >= minString && !seen[key] {
			seen[key] = true
			out = append(out, extracted{text: s, wide: wide})
		}
	}
	start := -1
	for i := 0; i <= len(data); i++ {
		if i < len(data) && printable(data[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			add(string(data[start:i]), false)
			start = -1
		}
	}
	// UTF-16LE: printable byte followed by a zero, repeated.
	for align := 0; align < 2; align++ {
		var units []uint16
		flush := func() {
			if len(units) >= minString {
				add(string(utf16.Decode(units)), true)
			}
			units = units[:0]
		}
		for i := align; i+1 < len(data); i += 2 {
			if data[i+1] == 0 && printable(data[i]) {
				units = append(units, uint16(data[i]))
				continue
			}
			flush()
		}
		flush()
	}
	return out
}

func printable(c byte) bool { return c >= 0x20 && c < 0x7f || c == '\t' }

// Index is a goodware string index: the strings of known-good files.
type Index struct {
	strings map[string]bool
	// Files and Strings count what it was built from.
	Files int
	Size  int
}

// NewIndex builds an index from file contents.
func NewIndex() *Index { return &Index{strings: map[string]bool{}} }

// Add indexes one goodware file.
func (ix *Index) Add(data []byte) {
	ix.Files++
	for _, e := range visible(data) {
		k := strings.ToLower(e.text)
		if !ix.strings[k] {
			ix.strings[k] = true
			ix.Size++
		}
	}
}

// Has reports whether goodware contains the string (case-insensitively).
func (ix *Index) Has(s string) bool { return ix.strings[strings.ToLower(s)] }

// generic are strings every PE or script has; they say nothing.
var generic = []string{
	"this program cannot be run in dos mode", ".text", ".rdata", ".data", ".reloc", "kernel32.dll",
	"user32.dll", "advapi32.dll", "ntdll.dll", "msvcrt.dll", "getprocaddress", "loadlibrary",
	"$erroractionpreference", "silentlycontinue", "write-output", "content_types", "[content_types].xml",
}

// candidate is a string worth putting in a rule, with its score.
type candidate struct {
	extracted
	score int
	kind  string // x: specific enough alone; s: needs company
}

// score rates a string's distinctiveness: long, with structure (paths,
// URLs, format strings, identifiers), not in goodware, not generic.
func score(e extracted, ix *Index, imports map[string]bool) (candidate, bool) {
	s := e.text
	ls := strings.ToLower(strings.TrimSpace(s))
	if ix.Has(s) || imports[ls] || len(strings.TrimSpace(s)) < minString {
		return candidate{}, false
	}
	for _, g := range generic {
		if ls == g || strings.Contains(ls, g) && len(ls) < len(g)+4 {
			return candidate{}, false
		}
	}
	letters, digits, punct, distinct := 0, 0, 0, map[rune]bool{}
	for _, c := range s {
		distinct[c] = true
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters++
		case c >= '0' && c <= '9':
			digits++
		default:
			punct++
		}
	}
	if letters < 3 || len(distinct) < 5 || noisy(s) {
		return candidate{}, false
	}
	sc := min(len(s), 48) + 2*len(distinct)
	kind := "s"
	switch {
	case strings.Contains(ls, ".pdb"), strings.Contains(ls, "://"), strings.Contains(ls, "global\\"):
		sc += 40
		kind = "x"
	case strings.Contains(s, "%") && letters > 6, strings.Contains(s, "/") && strings.Contains(s, " ") && letters > 8:
		sc += 25
		kind = "x"
	case strings.ContainsAny(s, `\:`):
		sc += 10
	}
	if len(s) > 120 {
		sc -= 20 // long strings break on small edits
	}
	return candidate{extracted: e, score: sc, kind: kind}, true
}

// choose scores the strings of a file and keeps the strongest: up to
// three that are specific alone ($x) and up to six that need company ($s).
func choose(data []byte, ix *Index, imports map[string]bool) []candidate {
	var cands []candidate
	for _, e := range visible(data) {
		if c, ok := score(e, ix, imports); ok {
			cands = append(cands, c)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	var out []candidate
	xs, ss := 0, 0
	for _, c := range cands {
		switch {
		case c.kind == "x" && xs < 3:
			xs++
			out = append(out, c)
		case ss < 6:
			c.kind = "s"
			ss++
			out = append(out, c)
		}
	}
	return out
}

// noisy reports strings that look like bytes of compressed or encrypted
// data rather than text: no run of four letters, or letter runs whose case
// flips at most pairs (IiGkj), as no word or identifier does.
func noisy(s string) bool {
	longest, run, flips, pairs := 0, 0, 0, 0
	var prev rune
	for _, c := range s {
		isLetter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !isLetter {
			run = 0
			prev = 0
			continue
		}
		run++
		if run > longest {
			longest = run
		}
		if prev != 0 {
			pairs++
			if (prev >= 'a') != (c >= 'a') {
				flips++
			}
		}
		prev = c
	}
	return longest < 4 || pairs > 0 && flips*2 > pairs
}
