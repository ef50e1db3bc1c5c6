// Package sigma generates Sigma rules from a finding: a behaviour rule
// for each behaviour (and each log source its events span), built from
// what is distinctive in the recorded events and generalised (user paths,
// host and user names, random file names, GUIDs, numbers dropped), and IOC
// rules for the indicators, grouped by type. Every draft is tuned with the
// engine in rules/sigma: all cited evidence events must match, and the
// workspace's benign corpora must stay within the false-positive budget;
// a draft that cannot be separated from benign events is reported with the
// events it collides with, not written. Each rule comes with its SigmaHQ
// info.yml expectations.
package sigma
