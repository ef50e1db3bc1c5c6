// Package report writes the incident report of a finding (Markdown, JSON
// and a self-contained HTML page with inline SVG charts): header,
// executive summary, scope and impact, timeline with durations named by
// both milestones, detection analysis, root causes, team performance,
// corrective actions, the defenses generated with their regression
// results, and appendices. It replays the finding's recorded events
// through the Sigma rules generated for it to project when they would
// have detected the attack. Review questions left unanswered are flagged
// as gaps, never filled in.
package report
