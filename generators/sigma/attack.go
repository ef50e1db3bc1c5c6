package sigma

import "strings"

// tactics maps ATT&CK techniques (by their top-level id) to the tactic
// tags SigmaHQ uses for them, for the techniques incident reviews name
// most. A technique not listed gets only its attack.tNNNN tag.
var tactics = map[string][]string{
	"T1003": {"credential-access"}, "T1005": {"collection"}, "T1007": {"discovery"},
	"T1010": {"discovery"}, "T1012": {"discovery"}, "T1016": {"discovery"},
	"T1018": {"discovery"}, "T1021": {"lateral-movement"}, "T1027": {"defense-evasion"},
	"T1033": {"discovery"}, "T1036": {"defense-evasion"}, "T1041": {"exfiltration"},
	"T1046": {"discovery"}, "T1047": {"execution"}, "T1048": {"exfiltration"},
	"T1049": {"discovery"}, "T1053": {"execution", "persistence", "privilege-escalation"},
	"T1055": {"defense-evasion", "privilege-escalation"}, "T1057": {"discovery"},
	"T1059": {"execution"}, "T1069": {"discovery"}, "T1070": {"defense-evasion"},
	"T1071": {"command-and-control"}, "T1078": {"defense-evasion", "persistence", "privilege-escalation", "initial-access"},
	"T1082": {"discovery"}, "T1083": {"discovery"}, "T1087": {"discovery"},
	"T1090": {"command-and-control"}, "T1105": {"command-and-control"}, "T1110": {"credential-access"},
	"T1112": {"defense-evasion"}, "T1133": {"persistence", "initial-access"}, "T1135": {"discovery"},
	"T1136": {"persistence"}, "T1140": {"defense-evasion"}, "T1190": {"initial-access"},
	"T1195": {"initial-access"}, "T1197": {"defense-evasion", "persistence"}, "T1203": {"execution"},
	"T1204": {"execution"}, "T1210": {"lateral-movement"}, "T1212": {"credential-access"},
	"T1218": {"defense-evasion"}, "T1219": {"command-and-control"}, "T1482": {"discovery"},
	"T1486": {"impact"}, "T1489": {"impact"}, "T1490": {"impact"}, "T1543": {"persistence", "privilege-escalation"},
	"T1546": {"persistence", "privilege-escalation"}, "T1547": {"persistence", "privilege-escalation"},
	"T1548": {"privilege-escalation", "defense-evasion"}, "T1550": {"defense-evasion", "lateral-movement"},
	"T1552": {"credential-access"}, "T1555": {"credential-access"}, "T1558": {"credential-access"},
	"T1560": {"collection"}, "T1562": {"defense-evasion"}, "T1566": {"initial-access"},
	"T1567": {"exfiltration"}, "T1569": {"execution"}, "T1570": {"lateral-movement"},
	"T1572": {"command-and-control"}, "T1574": {"persistence", "privilege-escalation", "defense-evasion"},
}

// attackTags returns the tactic and technique tags of a technique id.
func attackTags(technique string) []string {
	top := technique
	if i := strings.IndexByte(top, '.'); i > 0 {
		top = top[:i]
	}
	var tags []string
	for _, t := range tactics[top] {
		tags = append(tags, "attack."+t)
	}
	return append(tags, "attack."+strings.ToLower(technique))
}
