package findings

// The closed vocabularies of the finding. Values are lower-case with
// hyphens; where VERIS has the enumeration, the values are VERIS's words in
// that spelling, so exporting to VERIS is a renaming.

// IncidentStatus is VERIS security_incident.
type IncidentStatus string

func (IncidentStatus) allowed() []string { return []string{"confirmed", "suspected", "false-positive"} }

// AttackCategory is the kind of attack an incident was, as review metrics
// count it: how the attacker got in or what they were after.
type AttackCategory string

func (AttackCategory) allowed() []string {
	return []string{"phishing", "malware", "ransomware", "credential-abuse", "exploitation",
		"web-application", "denial-of-service", "insider-misuse", "lost-or-stolen-asset",
		"misconfiguration", "supply-chain", "error", "other"}
}

// Rating is VERIS impact.overall_rating.
type Rating string

func (Rating) allowed() []string {
	return []string{"insignificant", "distracting", "painful", "damaging", "catastrophic", "unknown"}
}

// TLP is a Traffic Light Protocol 2.0 label.
type TLP string

func (TLP) allowed() []string { return []string{"clear", "green", "amber", "amber+strict", "red"} }

// DiscoverySource is the first level of VERIS discovery_method.
type DiscoverySource string

func (DiscoverySource) allowed() []string {
	return []string{"internal", "external", "partner", "unknown"}
}

// Fidelity says how exactly a time is known. Comparisons between times
// allow for the coarser of the two.
type Fidelity string

func (Fidelity) allowed() []string {
	return []string{"exact", "minute", "hour", "day", "week", "month"}
}

// Tactics are the ATT&CK Enterprise tactics, as phase names.
var Tactics = []string{
	"reconnaissance", "resource-development", "initial-access", "execution", "persistence",
	"privilege-escalation", "defense-evasion", "credential-access", "discovery",
	"lateral-movement", "collection", "command-and-control", "exfiltration", "impact",
}

// ResponsePhases are the incident response phases (NIST SP 800-61), plus
// communication, which playbooks often keep as a phase of its own.
var ResponsePhases = []string{
	"preparation", "detection-and-analysis", "containment", "eradication", "recovery",
	"post-incident", "communication",
}

// EventPhase is an ATT&CK tactic (attacker actions) or a response phase
// (defender actions).
type EventPhase string

func (EventPhase) allowed() []string {
	return append(append([]string{}, Tactics...), ResponsePhases...)
}

// ResponsePhase is a phase of the response.
type ResponsePhase string

func (ResponsePhase) allowed() []string { return ResponsePhases }

// AssetKind is a simplified VERIS asset variety.
type AssetKind string

func (AssetKind) allowed() []string {
	return []string{"server", "user-device", "network", "cloud-service", "media", "person", "terminal", "embedded", "unknown"}
}

// AccountKind says what sort of identity an account is.
type AccountKind string

func (AccountKind) allowed() []string {
	return []string{"user", "admin", "service", "contractor", "machine", "shared", "external"}
}

// DataVariety is VERIS attribute.confidentiality.data.variety.
type DataVariety string

func (DataVariety) allowed() []string {
	return []string{"credentials", "personal", "bank", "payment", "medical", "internal", "secrets",
		"system", "classified", "copyrighted", "other", "unknown"}
}

// LossVariety is VERIS impact.loss.variety.
type LossVariety string

func (LossVariety) allowed() []string {
	return []string{"asset-and-fraud", "brand-damage", "business-disruption", "operating-costs",
		"legal-and-regulatory", "competitive-advantage", "response-and-recovery", "other"}
}

// LossRating is VERIS impact.loss.rating.
type LossRating string

func (LossRating) allowed() []string {
	return []string{"major", "moderate", "minor", "none", "unknown"}
}

// EvidenceKind says what an evidence file is.
type EvidenceKind string

// Evidence kinds.
const (
	KindEvents EvidenceKind = "events"
	KindFile   EvidenceKind = "file"
	KindConfig EvidenceKind = "config"
)

func (EvidenceKind) allowed() []string { return []string{"events", "file", "config"} }

// EvidenceFormat says how an evidence file is encoded.
type EvidenceFormat string

func (EvidenceFormat) allowed() []string { return []string{"jsonl", "json", "evtx", "yaml", "raw"} }

// formatsFor lists the formats each kind of evidence may have; the first
// is the one assumed when format is omitted, where one can be.
var formatsFor = map[EvidenceKind][]EvidenceFormat{
	KindEvents: {"jsonl", "json", "evtx"},
	KindFile:   {"raw"},
	KindConfig: {"json", "yaml"},
}

// IndicatorType says what an indicator's value is.
type IndicatorType string

func (IndicatorType) allowed() []string {
	return []string{"md5", "sha1", "sha256", "imphash", "domain", "ipv4", "ipv6", "cidr", "url",
		"file-name", "file-path", "registry-key", "mutex", "named-pipe", "email", "user-agent",
		"service-name", "scheduled-task", "account"}
}

// ArtifactRole is what an attacker file did.
type ArtifactRole string

func (ArtifactRole) allowed() []string {
	return []string{"loader", "dropper", "downloader", "script", "tool", "backdoor", "payload",
		"ransomware", "webshell", "document", "other"}
}

// RootCauseCategory is the kind of weakness behind an incident.
type RootCauseCategory string

func (RootCauseCategory) allowed() []string {
	return []string{"missing-mfa", "weak-credential", "missing-patch", "misconfiguration",
		"exposed-service", "excessive-privilege", "missing-logging", "detection-gap",
		"process-gap", "unmanaged-asset", "third-party", "user-action", "other"}
}

// Adequacy says whether a playbook was enough.
type Adequacy string

func (Adequacy) allowed() []string { return []string{"yes", "partial", "no", "unknown"} }

// StepKind says what was wrong with a response step.
type StepKind string

func (StepKind) allowed() []string { return []string{"missing", "late", "wrong", "unclear"} }

// ActionType says what a corrective action does.
type ActionType string

func (ActionType) allowed() []string {
	return []string{"prevent", "detect", "respond", "recover", "process", "training"}
}

// ActionStatus is a corrective action's state.
type ActionStatus string

func (ActionStatus) allowed() []string { return []string{"open", "in-progress", "done", "wont-do"} }

// ActionCost is VERIS cost_corrective_action.
type ActionCost string

func (ActionCost) allowed() []string {
	return []string{"simple-and-cheap", "difficult-and-expensive", "other", "unknown"}
}
