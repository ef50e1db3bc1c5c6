package findings

// SchemaV1 is the value of the schema key of every finding this version reads.
const SchemaV1 = "antibody/finding/v1"

// Finding is one incident review as structured data: what happened, the
// evidence recorded, what the attacker did, why it was possible, how the
// response went and what will change.
type Finding struct {
	// Schema names the format version; always antibody/finding/v1.
	Schema string `json:"schema" jsonschema:"required"`
	// Incident identifies the incident and rates it.
	Incident Incident `json:"incident" jsonschema:"required"`
	// Timeline holds the milestones of the incident and the narrative events.
	Timeline Timeline `json:"timeline" jsonschema:"required"`
	// Scope lists the assets and accounts involved.
	Scope *Scope `json:"scope,omitempty"`
	// Impact records what was lost: records, downtime, money.
	Impact *Impact `json:"impact,omitempty"`
	// Evidence lists the recorded samples: event logs, attacker files, configuration snapshots.
	Evidence []Evidence `json:"evidence,omitempty"`
	// Behaviors are what the attacker did, pointing into the evidence; they drive Sigma generation.
	Behaviors []Behavior `json:"behaviors,omitempty"`
	// Indicators are indicators of compromise (hashes, domains, addresses, names).
	Indicators []Indicator `json:"indicators,omitempty"`
	// Artifacts are attacker files among the evidence; they drive YARA generation.
	Artifacts []Artifact `json:"artifacts,omitempty"`
	// RootCauses are why the attack was possible; they drive policy generation.
	RootCauses []RootCause `json:"root_causes,omitempty"`
	// ResponseReview judges the response against the playbook; it drives playbook diffs.
	ResponseReview *ResponseReview `json:"response_review,omitempty"`
	// CorrectiveActions are the changes decided, with owners and due dates.
	CorrectiveActions []CorrectiveAction `json:"corrective_actions,omitempty"`
	// Lessons are the lessons learned, one sentence each.
	Lessons []string `json:"lessons,omitempty"`

	// File is the path the finding was read from.
	File string `json:"-"`
	pos  positions
}

// Pos returns where the value at path ("behaviors[1].evidence") was written,
// or the nearest enclosing value's position when that one was not written.
func (f *Finding) Pos(path string) Pos { return f.pos.at(path) }

// Incident identifies the incident (VERIS: incident_id, summary,
// security_incident, impact.overall_rating).
type Incident struct {
	// ID is the incident's identifier, e.g. INC-2026-014; generated artifacts derive their ids from it.
	ID string `json:"id" jsonschema:"required"`
	// Title is one line naming the incident.
	Title string `json:"title" jsonschema:"required"`
	// Summary is a paragraph: what happened, how it was found, what it cost.
	Summary string `json:"summary,omitempty"`
	// Status is whether the incident is confirmed (VERIS security_incident).
	Status IncidentStatus `json:"status" jsonschema:"required"`
	// Category is the kind of attack, the first axis of the review metrics' trends.
	Category AttackCategory `json:"category,omitempty"`
	// Severity is the overall impact rating (VERIS impact.overall_rating).
	Severity Rating `json:"severity,omitempty"`
	// TLP is the Traffic Light Protocol 2.0 label for sharing the finding and its report.
	TLP TLP `json:"tlp,omitempty"`
	// Authors are the people who wrote the review.
	Authors []string `json:"authors,omitempty"`
	// Discovery is how the incident was found (VERIS discovery_method).
	Discovery *Discovery `json:"discovery,omitempty"`
}

// Discovery is how the incident came to light.
type Discovery struct {
	// Source is who found it: internal, external, partner or unknown.
	Source DiscoverySource `json:"source" jsonschema:"required"`
	// Variety is how, in VERIS words where they fit: security alarm, reported by employee, log review, ...
	Variety string `json:"variety,omitempty"`
	// Summary says in a sentence what was noticed.
	Summary string `json:"summary,omitempty"`
}

// Timeline holds the incident's milestones (all optional, in RFC 3339) and
// the narrative events. Durations such as time to detect are computed
// between named milestones.
type Timeline struct {
	// FirstAction is the attacker's first known action.
	FirstAction *Milestone `json:"first_action,omitempty"`
	// Compromise is when an asset was first compromised.
	Compromise *Milestone `json:"compromise,omitempty"`
	// Detected is when the defenders first noticed.
	Detected *Milestone `json:"detected,omitempty"`
	// Acknowledged is when someone took ownership of the alert or report.
	Acknowledged *Milestone `json:"acknowledged,omitempty"`
	// Declared is when it was declared an incident.
	Declared *Milestone `json:"declared,omitempty"`
	// Contained is when the attacker lost access.
	Contained *Milestone `json:"contained,omitempty"`
	// Eradicated is when the attacker's footholds were removed.
	Eradicated *Milestone `json:"eradicated,omitempty"`
	// Recovered is when normal operation was restored.
	Recovered *Milestone `json:"recovered,omitempty"`
	// Closed is when the incident was closed.
	Closed *Milestone `json:"closed,omitempty"`
	// ReviewCompleted is when this review was finished.
	ReviewCompleted *Milestone `json:"review_completed,omitempty"`
	// Events is the narrative: what happened when, by whom, with what evidence.
	Events []TimelineEvent `json:"events,omitempty"`
}

// TimelineEvent is one entry of the narrative.
type TimelineEvent struct {
	// At is when it happened (RFC 3339).
	At Time `json:"at" jsonschema:"required"`
	// Fidelity says how exact At is; exact when omitted.
	Fidelity Fidelity `json:"fidelity,omitempty"`
	// Phase is the ATT&CK tactic for attacker actions or the response phase for defender actions.
	Phase EventPhase `json:"phase,omitempty"`
	// Technique is the ATT&CK technique, e.g. T1059.001.
	Technique Technique `json:"technique,omitempty"`
	// Evidence is the id of the evidence that shows it.
	Evidence string `json:"evidence,omitempty"`
	// Summary says what happened in one line.
	Summary string `json:"summary" jsonschema:"required"`
}

// Scope lists what the incident touched.
type Scope struct {
	// Assets are the hosts, devices and services involved.
	Assets []Asset `json:"assets,omitempty"`
	// Accounts are the identities involved.
	Accounts []Account `json:"accounts,omitempty"`
}

// Asset is one host, device or service in scope (VERIS asset).
type Asset struct {
	// ID is a short name other sections may use.
	ID string `json:"id" jsonschema:"required"`
	// Hostname is the asset's name as it appears in the evidence (e.g. the event's Computer field).
	Hostname string `json:"hostname,omitempty"`
	// Kind is the VERIS asset variety, simplified.
	Kind AssetKind `json:"kind" jsonschema:"required"`
	// Role says what the asset is for and what happened to it.
	Role string `json:"role,omitempty"`
	// Compromised is true when the attacker controlled the asset.
	Compromised bool `json:"compromised,omitempty"`
}

// Account is one identity in scope.
type Account struct {
	// Name is the account name as it appears in the evidence (DOMAIN\user or user@domain).
	Name string `json:"name" jsonschema:"required"`
	// Kind is what sort of identity it is.
	Kind AccountKind `json:"kind" jsonschema:"required"`
	// Privileged is true for administrative accounts.
	Privileged bool `json:"privileged,omitempty"`
	// Compromised is true when the attacker used the account.
	Compromised bool `json:"compromised,omitempty"`
}

// Impact is what the incident cost (VERIS impact and attribute.confidentiality).
type Impact struct {
	// Records are the records disclosed or lost, by data variety.
	Records []RecordLoss `json:"records,omitempty"`
	// Downtime is how long affected services were unavailable.
	Downtime *Downtime `json:"downtime,omitempty"`
	// Losses are costs by VERIS loss variety.
	Losses []Loss `json:"losses,omitempty"`
}

// RecordLoss is a count of records of one data variety.
type RecordLoss struct {
	// Variety is the VERIS data variety.
	Variety DataVariety `json:"variety" jsonschema:"required"`
	// Amount is the number of records; omitted when unknown.
	Amount int64 `json:"amount,omitempty"`
}

// Downtime is how long services were unavailable.
type Downtime struct {
	// Hours of unavailability.
	Hours float64 `json:"hours" jsonschema:"required"`
	// Assets are the ids of the assets that were down.
	Assets []string `json:"assets,omitempty"`
}

// Loss is one kind of cost (VERIS impact.loss).
type Loss struct {
	// Variety is the VERIS loss variety.
	Variety LossVariety `json:"variety" jsonschema:"required"`
	// Rating is the VERIS loss rating.
	Rating LossRating `json:"rating,omitempty"`
	// Amount is the cost in Currency.
	Amount float64 `json:"amount,omitempty"`
	// Currency is an ISO 4217 code such as EUR or USD.
	Currency string `json:"currency,omitempty"`
}

// Evidence is one recorded sample: an event log, a file the attacker used,
// or a configuration snapshot.
type Evidence struct {
	// ID is how other sections refer to this evidence.
	ID string `json:"id" jsonschema:"required"`
	// Kind is events, file or config.
	Kind EvidenceKind `json:"kind" jsonschema:"required"`
	// Path is the file's path relative to the workspace root; it may not leave the workspace.
	Path string `json:"path" jsonschema:"required"`
	// Format is how the file is encoded: jsonl, json or evtx for events; json or yaml for configs; raw for files.
	Format EvidenceFormat `json:"format,omitempty"`
	// SHA256 is the file's hash, checked against the file on disk.
	SHA256 string `json:"sha256" jsonschema:"required"`
	// Host is the asset id or hostname the evidence was collected from.
	Host string `json:"host,omitempty"`
	// Summary says what the evidence holds.
	Summary string `json:"summary,omitempty"`
}

// Behavior is something the attacker did, pointing at the malicious events
// in the evidence. It drives Sigma rule generation.
type Behavior struct {
	// ID is how corrective actions and generated rules refer to this behaviour.
	ID string `json:"id" jsonschema:"required"`
	// Technique is the ATT&CK technique, e.g. T1059.001.
	Technique Technique `json:"technique" jsonschema:"required"`
	// Summary says what the attacker did in one line.
	Summary string `json:"summary,omitempty"`
	// Evidence is the id of the events evidence holding the malicious events.
	Evidence string `json:"evidence,omitempty"`
	// Records are the malicious events' record ids (EventRecordID) in that evidence.
	Records []int64 `json:"records,omitempty"`
	// Match selects the malicious events by fields, in Sigma's field|modifier notation.
	Match map[string]any `json:"match,omitempty"`
	// Logsource is the Sigma log source when it cannot be inferred from the events.
	Logsource *Logsource `json:"logsource,omitempty"`
	// Fields are explicit detection fields in Sigma's taxonomy, used when there are no events.
	Fields map[string]any `json:"fields,omitempty"`
}

// Logsource is a Sigma log source.
type Logsource struct {
	// Category is the Sigma category, e.g. process_creation.
	Category string `json:"category,omitempty"`
	// Product is the Sigma product, e.g. windows.
	Product string `json:"product,omitempty"`
	// Service is the Sigma service, e.g. security or sysmon.
	Service string `json:"service,omitempty"`
}

// Indicator is an indicator of compromise.
type Indicator struct {
	// ID is optional; give one when corrective actions refer to the indicator.
	ID string `json:"id,omitempty"`
	// Type says what Value is.
	Type IndicatorType `json:"type" jsonschema:"required"`
	// Value is the indicator itself, not defanged.
	Value string `json:"value" jsonschema:"required"`
	// Evidence is the id of the evidence it was seen in.
	Evidence string `json:"evidence,omitempty"`
	// Expires is when detections built on this indicator should be reviewed or retired (YYYY-MM-DD).
	Expires *Date `json:"expires,omitempty"`
	// Note says anything a hunter should know about it.
	Note string `json:"note,omitempty"`
}

// Artifact is an attacker file among the evidence. It drives YARA
// signature generation.
type Artifact struct {
	// ID is how corrective actions and generated signatures refer to this artifact.
	ID string `json:"id" jsonschema:"required"`
	// Evidence is the id of the file evidence.
	Evidence string `json:"evidence" jsonschema:"required"`
	// Family is the malware or tool family name, if known.
	Family string `json:"family,omitempty"`
	// Role is what the file did in the attack.
	Role ArtifactRole `json:"role" jsonschema:"required"`
	// Summary says what the file is in one line.
	Summary string `json:"summary,omitempty"`
}

// RootCause is why the attack was possible. It drives policy generation.
type RootCause struct {
	// ID is how corrective actions and generated policies refer to this root cause.
	ID string `json:"id" jsonschema:"required"`
	// Category is the kind of weakness.
	Category RootCauseCategory `json:"category" jsonschema:"required"`
	// Statement says what was wrong, in one or two sentences.
	Statement string `json:"statement" jsonschema:"required"`
	// Contributing marks a factor that helped the attacker but was not the primary cause.
	Contributing bool `json:"contributing,omitempty"`
	// Control is the control that was missing, in a named framework.
	Control *Control `json:"control,omitempty"`
	// Before is the id of the config evidence from before the incident; the generated policy must deny it.
	Before string `json:"before,omitempty"`
	// After is the id of the config evidence after remediation; the generated policy must allow it.
	After string `json:"after,omitempty"`
	// Scope narrows the root cause to part of the configuration (e.g. group: contractors).
	Scope map[string]string `json:"scope,omitempty"`
	// Vulnerabilities are CVE ids, for missing patches.
	Vulnerabilities []string `json:"vulnerabilities,omitempty"`
}

// Control names a control in a framework, such as CIS Controls v8 6.4.
type Control struct {
	// Framework is the framework's short name, e.g. cis-v8, nist-800-53.
	Framework string `json:"framework" jsonschema:"required"`
	// ID is the control's id within the framework.
	ID string `json:"id" jsonschema:"required"`
	// Title is the control's name.
	Title string `json:"title,omitempty"`
}

// ResponseReview judges the response against the playbook that was used.
type ResponseReview struct {
	// Playbook is the path of the playbook used, relative to the workspace root.
	Playbook string `json:"playbook,omitempty"`
	// Adequate says whether the playbook was enough: yes, partial, no or unknown.
	Adequate Adequacy `json:"adequate,omitempty"`
	// Steps are the response steps that were missing, late, wrong or unclear.
	Steps []ReviewStep `json:"steps,omitempty"`
	// WentWell lists what went well.
	WentWell []string `json:"went_well,omitempty"`
	// WentBadly lists what went badly.
	WentBadly []string `json:"went_badly,omitempty"`
	// NeededSooner lists information the responders needed sooner.
	NeededSooner []string `json:"needed_sooner,omitempty"`
}

// ReviewStep is one response step the review found missing, late, wrong
// or unclear.
type ReviewStep struct {
	// ID is optional; give one when corrective actions refer to the step.
	ID string `json:"id,omitempty"`
	// Kind is missing, late, wrong or unclear.
	Kind StepKind `json:"kind" jsonschema:"required"`
	// Phase is the response phase the step belongs to.
	Phase ResponsePhase `json:"phase" jsonschema:"required"`
	// Text is the step as it should read in the playbook.
	Text string `json:"text" jsonschema:"required"`
	// Planned is how long after the phase began the step should happen (ISO 8601 duration, e.g. PT1H).
	Planned *Duration `json:"planned,omitempty"`
	// Actual is how long it actually took (ISO 8601 duration).
	Actual *Duration `json:"actual,omitempty"`
	// At is when the step was actually done, if it was.
	At *Time `json:"at,omitempty"`
	// Owner is the role that should own the step.
	Owner string `json:"owner,omitempty"`
	// Cost says what the gap cost, e.g. "attacker kept access 11 hours after detection".
	Cost string `json:"cost,omitempty"`
	// Evidence is the id of the evidence that shows the gap.
	Evidence string `json:"evidence,omitempty"`
}

// CorrectiveAction is a change decided by the review.
type CorrectiveAction struct {
	// ID is how the action is referred to.
	ID string `json:"id" jsonschema:"required"`
	// Type is what the action does: prevent, detect, respond, recover, process or training.
	Type ActionType `json:"type" jsonschema:"required"`
	// Text says what will be done.
	Text string `json:"text" jsonschema:"required"`
	// Owner is the team or person responsible.
	Owner string `json:"owner,omitempty"`
	// Due is the date it is due (YYYY-MM-DD).
	Due *Date `json:"due,omitempty"`
	// Status is open, in-progress, done or wont-do.
	Status ActionStatus `json:"status,omitempty"`
	// Cost is the VERIS cost_corrective_action rating.
	Cost ActionCost `json:"cost,omitempty"`
	// Implements lists the ids (behaviors, root causes, indicators, artifacts, review steps) the action addresses.
	Implements []string `json:"implements,omitempty"`
}
