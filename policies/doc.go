// Package policies owns Rego policy checks on the OPA v1 Go API: the
// documented input shape of configuration snapshots, parsing, formatting,
// strict compilation, sandboxed evaluation, Rego tests with coverage, and
// the behavioural diff policy owners review. It does not generate policy;
// generators/rego does.
package policies
