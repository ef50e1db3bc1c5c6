// Package generators holds the contract every artifact generator meets
// (a validated finding and its evidence in; artifacts with provenance,
// stable ids and regression expectations out) and one sub-package per
// artifact kind: Sigma rules, YARA signatures, Rego policies, playbook
// diffs. Generators use the engines in rules, policies and playbooks to
// tune what they produce; they do not write files themselves.
package generators
