// Package yara compiles YARA rules with libyara (through go-yara, cgo,
// over Debian's libyara 4.2), reports compiler errors and warnings with
// file and line, lints rules (style checks in the spirit of yaraQA and a
// dialect gate: only syntax that compiles on libyara 4.2 and YARA-X), and
// scans files in parallel with a per-file timeout and size limit.
//
// Files are only read, never executed; archives are scanned as they are,
// never unpacked.
package yara
