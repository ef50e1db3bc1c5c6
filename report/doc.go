// Package report writes the incident report (Markdown and self-contained
// HTML) and the review metrics across findings: durations named by both
// milestones, trends, ATT&CK coverage, and the projected time to detect
// had the generated defenses existed. It reads findings and harness
// results; it runs no engine itself.
package report
