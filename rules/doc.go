// Package rules is the home of detection rules and the engines that run
// them: rules/sigma (loading all of the Sigma specification, the compiled
// matcher, log-source pipelines), rules/yara (compile, lint and scan with
// libyara) and rules/events (EVTX and JSON event readers). It builds on
// the findings model and knows nothing of generation or reporting. The
// package itself holds what the engines share: expanding paths into files.
package rules
