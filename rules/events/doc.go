// Package events reads the event logs detection engineers have and hands
// them to the rule engines one flat event at a time.
//
// Formats: Windows EVTX files, JSON Lines, JSON arrays, a single JSON
// object, SigmaHQ's EVTX-as-JSON samples ({"Event":{"System":...,
// "EventData":...}} in either evtx_dump's or Velocidex's shape), and gzip of
// any of these. Reading streams: one event is decoded, handed to the
// caller and dropped, so memory stays flat however large the input is.
//
// Flattening, the contract the rule engines rely on:
//
//   - System fields keep their element names: EventID, Version, Level,
//     Task, Opcode, Keywords, EventRecordID, Channel, Computer. Provider
//     becomes Provider_Name and Provider_Guid, TimeCreated is RFC 3339 in
//     UTC, Execution becomes Execution_ProcessID and Execution_ThreadID,
//     Security becomes Security_UserID.
//   - EventData and UserData fields keep their names. UserData's single
//     wrapper element (e.g. LogFileCleared) is dropped. Unnamed <Data>
//     elements all become values of one field, Data, which matches when
//     any of its values does.
//   - Values are strings rendered the way Windows renders them: the fields
//     Windows types as hexadecimal (GrantedAccess, LogonId, AccessMask,
//     Status, Keywords, Security's ProcessId and NewProcessId...) are
//     written 0x1fffff, because that is what Event Viewer shows and what
//     Sigma rules are written against. See HexFields.
//   - Other JSON is flattened with dots (a.b.c); arrays give a field
//     several values.
//
// Damage (a truncated EVTX chunk, a JSON line that does not parse) does not
// stop a read: the readable records are used and each damaged place is
// reported with its file and offset or line.
//
// This package knows nothing of rules; rules/sigma and the regression
// harness build on it.
package events
