// Package rego generates Rego v1 policies from a finding's root causes:
// one package per root cause with configuration evidence (the snapshot
// before the incident and the remediated one), with METADATA annotations,
// deny rules in conftest's and Gatekeeper's form whose messages name the
// offending object, thresholds read from data so policy owners can tune
// them, and a _test.rego built from the evidence: the pre-incident
// snapshot is denied for the reason found, the remediated one allowed.
// Output is formatted by OPA's formatter, compiles strictly and is proven
// with the policies engine before it is written.
package rego
