// Package yara generates YARA rules from a finding's artifacts (the files
// the attacker left): distinctive ASCII and UTF-16LE strings, scored
// against a goodware string index built from the workspace's benign files
// (and any folder the user names), written in signature-base's style
// (MAL_/HKTL_/SUSP_ names, meta description, author, date, reference,
// hash, score; header check, filesize bound, strongest strings first).
// Each rule is compiled by libyara and proven: it matches every artifact
// it came from and no goodware file. Hash indicators become a hash-module
// rule. Every rule gets regression expectations in the harness format.
package yara
