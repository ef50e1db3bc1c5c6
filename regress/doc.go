// Package regress is the regression harness: expectations stored beside
// the rules (SigmaHQ's regression_tests_path and info.yml, extended), the
// runner that proves every rule, signature, policy and playbook against
// its samples, the results, and the reporters (text, JSON, JUnit, SARIF).
package regress
