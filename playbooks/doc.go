// Package playbooks owns response playbooks: the Markdown-by-phase model
// and OASIS CACAO 2.0 JSON, semantic change sets (add, change or move a
// step), their rendering as diffs and their application. It does not
// decide what to change; generators/playbook does, from the finding.
package playbooks
