package sigma

import (
	"net/netip"
	"path"
	"regexp"
	"sort"
	"strings"
)

// pred is one candidate condition on one field: the building block of a
// generated selection.
type pred struct {
	field  string
	mods   string // "", "endswith", "contains", "windash|contains", "cidr"
	values []string
	all    bool
	prio   int
	anchor bool   // may start a selection: it says what the event is
	what   string // for notes: "image name", "command-line flag"
	// alt is an alternative the predicate also accepts (the original
	// file name of a program), written as a selection of its own.
	alt *pred
}

func (p pred) key() string {
	k := p.field
	if p.mods != "" {
		k += "|" + p.mods
	}
	if p.all && len(p.values) > 1 {
		k += "|all"
	}
	return k
}

func (p pred) id() string {
	id := p.key() + "=" + strings.Join(p.values, "\x00")
	if p.alt != nil {
		id += "|" + p.alt.id()
	}
	return id
}

// sample is one evidence event in Sigma's field names.
type sample map[string]string

// Known programs: Windows and common tools whose names mean something to
// a defender. An image outside this list and not seen in the benign
// corpora is treated as attacker-named: its name goes to IOC rules, not
// to behaviour rules.
var knownPrograms = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`powershell.exe pwsh.exe cmd.exe rundll32.exe regsvr32.exe mshta.exe
		wscript.exe cscript.exe schtasks.exe at.exe net.exe net1.exe nltest.exe whoami.exe wmic.exe
		certutil.exe bitsadmin.exe msiexec.exe reg.exe regedit.exe sc.exe vssadmin.exe wbadmin.exe
		bcdedit.exe winword.exe excel.exe powerpnt.exe outlook.exe msaccess.exe mspub.exe onenote.exe
		explorer.exe svchost.exe services.exe lsass.exe winlogon.exe wininit.exe csrss.exe smss.exe
		taskhostw.exe taskeng.exe conhost.exe dllhost.exe msbuild.exe installutil.exe regasm.exe
		regsvcs.exe cmstp.exe forfiles.exe pcalua.exe hh.exe curl.exe ftp.exe tasklist.exe
		taskkill.exe systeminfo.exe ipconfig.exe netsh.exe route.exe arp.exe quser.exe qwinsta.exe
		ntdsutil.exe dsquery.exe adfind.exe procdump.exe psexec.exe psexesvc.exe mstsc.exe
		chrome.exe msedge.exe firefox.exe iexplore.exe winrar.exe 7z.exe rclone.exe wevtutil.exe
		fsutil.exe icacls.exe takeown.exe attrib.exe robocopy.exe xcopy.exe expand.exe makecab.exe`) {
		knownPrograms[n] = true
	}
}

// interestingParents are parents whose children say something by
// themselves (a document opening a shell).
var interestingParents = map[string]bool{
	"winword.exe": true, "excel.exe": true, "powerpnt.exe": true, "outlook.exe": true,
	"msaccess.exe": true, "mspub.exe": true, "onenote.exe": true, "wscript.exe": true,
	"cscript.exe": true, "mshta.exe": true, "wmiprvse.exe": true, "w3wp.exe": true,
	"sqlservr.exe": true, "java.exe": true, "acrord32.exe": true, "psexesvc.exe": true,
}

// suspiciousFolders are the user-writable places attackers stage tools in.
var suspiciousFolders = []string{
	`\Users\Public\`, `\AppData\Roaming\`, `\AppData\Local\Temp\`, `\Windows\Temp\`,
	`\PerfLogs\`, `\ProgramData\`, `\AppData\Local\`, `\Downloads\`, `\Desktop\`,
}

// enumerated are fields whose values are a small vocabulary, worth
// matching exactly.
var enumerated = map[string]int{
	"EventID": 55, "LogonType": 50, "AuthenticationPackageName": 40, "LogonProcessName": 35,
	"GrantedAccess": 50, "EventType": 45, "IntegrityLevel": 20, "Initiated": 30,
	"DestinationPort": 45, "Protocol": 20, "ElevatedToken": 25, "Status": 40,
	"FailureReason": 30, "TicketEncryptionType": 40, "ObjectType": 30, "AccessMask": 35,
	"ServiceType": 30, "StartType": 30, "Signed": 20, "SignatureStatus": 20,
}

// dropped are fields that never generalise: identities of one process,
// one logon, one host, one user, one moment.
var dropped = map[string]bool{
	"ProcessId": true, "ParentProcessId": true, "ProcessGuid": true, "ParentProcessGuid": true,
	"SourceProcessGUID": true, "TargetProcessGUID": true, "SourceProcessId": true, "TargetProcessId": true,
	"SourceThreadId": true, "LogonGuid": true, "LogonId": true, "TargetLogonId": true,
	"SubjectLogonId": true, "TargetLinkedLogonId": true, "UtcTime": true, "CreationUtcTime": true,
	"TimeCreated": true, "EventRecordID": true, "Computer": true, "User": true, "ParentUser": true,
	"SourceUser": true, "TargetUser": true, "SubjectUserName": true, "SubjectUserSid": true,
	"SubjectDomainName": true, "TargetUserName": true, "TargetUserSid": true, "TargetDomainName": true,
	"WorkstationName": true, "IpPort": true, "SourcePort": true, "TerminalSessionId": true,
	"CurrentDirectory": true, "FileVersion": true, "Hashes": true, "RuleName": true,
	"Channel": true, "Provider_Name": true, "ParentCommandLine": true, "ProcessName": true,
	"KeyLength": true, "TransmittedServices": true, "LmPackageName": true, "ImpersonationLevel": true,
	"RestrictedAdminMode": true, "VirtualAccount": true, "TargetOutboundUserName": true,
	"TargetOutboundDomainName": true, "SourceHostname": true, "DestinationHostname": true,
	"SourceIp": true, "DestinationIp": true, "QueryName": true, "QueryResults": true, "Details": false,
}

var (
	guidRE    = regexp.MustCompile(`(?i)\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?`)
	sidRE     = regexp.MustCompile(`(?i)S-1-5-21-[0-9-]+`)
	hexRunRE  = regexp.MustCompile(`(?i)[0-9a-f]{16,}`)
	base64RE  = regexp.MustCompile(`^[A-Za-z0-9+/]{24,}={0,2}$`)
	numberRE  = regexp.MustCompile(`^[0-9.,:x]+$`)
	userDirRE = regexp.MustCompile(`(?i)^(?:[a-z]:)?\\users\\[^\\]+\\`)
	ipPortRE  = regexp.MustCompile(`^\d{1,3}(?:\.\d{1,3}){3}:(\d{1,5})$`)
	// userHiveRE is a user's registry hive: HKU\<SID> or its classes.
	userHiveRE = regexp.MustCompile(`(?i)^(?:HKU|HKEY_USERS)\\S-1-5-[0-9-]+(?:_Classes)?`)
)

// scrub is what generalisation removes from every value: host and user
// names of the incident, given as lower-case strings.
type scrub []string

func (s scrub) mentions(v string) bool {
	lv := strings.ToLower(v)
	for _, n := range s {
		if n != "" && strings.Contains(lv, n) {
			return true
		}
	}
	return false
}

// basename returns the last element of a Windows path.
func basename(p string) string {
	p = strings.TrimRight(strings.Trim(p, `"' `), `\`)
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// randomLooking reports whether a name looks generated rather than
// chosen to mean something: long hex runs, GUIDs, mixed digits.
func randomLooking(name string) bool {
	stem := strings.TrimSuffix(strings.ToLower(name), path.Ext(strings.ToLower(name)))
	if guidRE.MatchString(stem) || hexRunRE.MatchString(stem) {
		return true
	}
	digits := 0
	for _, c := range stem {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	return len(stem) >= 6 && digits*3 >= len(stem)
}

// candidates proposes the predicates that hold on every event of a group,
// generalised. known says whether a program name is a normal one (in the
// built-in list or seen in the benign corpora).
func candidates(group []sample, known func(string) bool, names scrub) []pred {
	var out []pred
	seen := map[string]bool{}
	add := func(p pred) {
		for _, v := range p.values {
			if v == "" || names.mentions(v) {
				return
			}
		}
		if seen[p.id()] {
			return
		}
		seen[p.id()] = true
		out = append(out, p)
	}
	common := func(field string) (string, bool) {
		v, ok := group[0][field]
		if !ok {
			return "", false
		}
		for _, s := range group[1:] {
			if s[field] != v {
				return "", false
			}
		}
		return v, true
	}
	fields := map[string]bool{}
	for f := range group[0] {
		fields[f] = true
	}
	names2 := make([]string, 0, len(fields))
	for f := range fields {
		names2 = append(names2, f)
	}
	sort.Strings(names2)
	for _, f := range names2 {
		if dropped[f] {
			continue
		}
		v, same := common(f)
		switch {
		case f == "Image" || f == "SourceImage" || f == "TargetImage" || f == "ParentImage" || f == "ImageLoaded":
			if !same {
				continue
			}
			base := basename(v)
			lb := strings.ToLower(base)
			switch {
			case f == "ParentImage" && interestingParents[lb]:
				add(pred{field: f, mods: "endswith", values: []string{`\` + base}, prio: 90, what: "parent program"})
			case known(lb) && !randomLooking(base):
				prio, what := 100, "program name"
				if f == "ParentImage" {
					prio, what = 45, "parent program"
				}
				p := pred{field: f, mods: "endswith", values: []string{`\` + base}, prio: prio, anchor: f != "ParentImage", what: what}
				if of, ok := common("OriginalFileName"); ok && f == "Image" && strings.EqualFold(of, base) {
					// Renamed copies keep their original name: match
					// either, as SigmaHQ's rules do.
					p.alt = &pred{field: "OriginalFileName", values: []string{of}}
				}
				add(p)
			}
			for _, folder := range suspiciousFolders {
				if strings.Contains(strings.ToLower(v), strings.ToLower(folder)) {
					add(pred{field: f, mods: "contains", values: []string{folder}, prio: 42, what: "staging folder"})
					break
				}
			}
		case f == "OriginalFileName":
			if same && v != "-" && !randomLooking(v) {
				add(pred{field: f, values: []string{v}, prio: 85, anchor: true, what: "original file name"})
			}
		case f == "Product" || f == "Description" || f == "Company":
			if same && v != "-" && !strings.Contains(v, "Microsoft") && len(v) >= 4 {
				add(pred{field: f, values: []string{v}, prio: 30, what: strings.ToLower(f)})
			}
		case f == "CommandLine":
			for _, t := range commonTokens(group, f, names) {
				add(t)
			}
		case f == "CallTrace":
			for _, t := range commonModules(group, f) {
				add(pred{field: f, mods: "contains", values: []string{t}, prio: 55, what: "module in the call stack"})
			}
		case f == "TargetFilename" || f == "Details" || f == "TargetObject" || f == "PipeName":
			for _, t := range pathFragments(group, f, names) {
				add(t)
			}
		case f == "IpAddress":
			if p, ok := commonNetwork(group, f); ok {
				add(pred{field: f, mods: "cidr", values: []string{p}, prio: 35, what: "address range"})
			}
		default:
			if prio, ok := enumerated[f]; ok && same {
				add(pred{field: f, values: []string{v}, prio: prio, anchor: f == "EventID", what: "event " + strings.ToLower(f)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].prio > out[j].prio })
	return out
}

// commonTokens returns the command-line tokens every event of the group
// has, generalised: flags (with windash), flag values and keywords; never
// paths of a user, numbers, encoded blobs, host or user names.
func commonTokens(group []sample, field string, names scrub) []pred {
	var sets []map[string]pred
	for _, s := range group {
		m := map[string]pred{}
		for _, p := range tokens(s[field], names) {
			m[strings.ToLower(p.values[0])+"|"+p.mods] = p
		}
		sets = append(sets, m)
	}
	var out []pred
	for k, p := range sets[0] {
		ok := true
		for _, m := range sets[1:] {
			if _, has := m[k]; !has {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].prio != out[j].prio {
			return out[i].prio > out[j].prio
		}
		return out[i].values[0] < out[j].values[0]
	})
	return out
}

var tokenRE = regexp.MustCompile(`"[^"]*"|'[^']*'|\S+`)

func tokens(cmd string, names scrub) []pred {
	var out []pred
	var pieces []string
	for i, raw := range tokenRE.FindAllString(cmd, -1) {
		if i == 0 {
			continue // the program itself is the Image
		}
		raw = strings.Trim(raw, `"'`)
		if strings.Contains(raw, " ") {
			pieces = append(pieces, raw)
			continue
		}
		// rundll32's dll,Export arguments are two things.
		pieces = append(pieces, strings.Split(raw, ",")...)
	}
	for _, t := range pieces {
		t = strings.TrimRight(t, ",;")
		if t == "" {
			continue
		}
		lt := strings.ToLower(t)
		isFlag := (strings.HasPrefix(t, "-") || strings.HasPrefix(t, "/")) && len(t) >= 2 && isWord(strings.TrimLeft(flagName(t), "-/"))
		switch {
		case isFlag && !names.mentions(flagName(t)):
			// A flag's value (a domain, a user) is dropped, the flag kept.
			out = append(out, pred{field: "CommandLine", mods: "windash|contains", values: []string{" " + flagName(lt)}, prio: 70, what: "command-line flag"})
			continue
		case names.mentions(t), sidRE.MatchString(t), guidRE.MatchString(t), base64RE.MatchString(t) && len(t) > 40:
			continue
		case ipPortRE.MatchString(t):
			port := ipPortRE.FindStringSubmatch(t)[1]
			out = append(out, pred{field: "CommandLine", mods: "contains", values: []string{":" + port}, prio: 58, what: "service port"})
		case numberRE.MatchString(t):
			continue
		case strings.ContainsAny(t, `\`):
			for _, frag := range generalPath(t) {
				out = append(out, pred{field: "CommandLine", mods: "contains", values: []string{frag}, prio: 48, what: "path in the command line"})
			}
		case isWord(t) && len(t) >= 3 && !randomLooking(t):
			out = append(out, pred{field: "CommandLine", mods: "contains", values: []string{t}, prio: 60, what: "command-line keyword"})
		case strings.Contains(t, " ") && len(t) >= 4 && !strings.ContainsAny(t, `\/:`):
			out = append(out, pred{field: "CommandLine", mods: "contains", values: []string{t}, prio: 52, what: "quoted argument"})
		}
	}
	return out
}

// flagName cuts a flag's value off (/dclist:corvid.example -> /dclist).
func flagName(t string) string {
	if i := strings.IndexAny(t[1:], ":="); i >= 0 {
		return t[:i+1]
	}
	return t
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// generalPath keeps what is stable in a path: a staging folder and the
// file's extension, or a system file's name; never a user's own folder or
// an attacker's file name.
func generalPath(p string) []string {
	var out []string
	lp := strings.ToLower(p)
	for _, folder := range suspiciousFolders {
		if strings.Contains(lp, strings.ToLower(folder)) {
			out = append(out, folder)
			break
		}
	}
	base := basename(p)
	lb := strings.ToLower(base)
	switch ext := path.Ext(lb); {
	case strings.HasPrefix(lp, `c:\windows\system32\`) && !userDirRE.MatchString(p) && !randomLooking(base):
		out = append(out, base)
	case ext != "" && len(ext) <= 5 && ext != ".exe":
		out = append(out, ext)
	}
	return out
}

// pathFragments generalises file, registry and pipe paths.
func pathFragments(group []sample, field string, names scrub) []pred {
	var out []pred
	first := group[0][field]
	for _, s := range group[1:] {
		if s[field] != first {
			return nil
		}
	}
	if names.mentions(first) && field != "TargetFilename" && field != "Details" {
		first = userDirRE.ReplaceAllString(first, `\`)
	}
	lf := strings.ToLower(first)
	if field == "TargetObject" {
		// HKU\S-1-5-21-...[_Classes]\Software\... -> \Software\...\<parent key>\:
		// the user's hive is dropped, not wildcarded (a backslash before
		// * would make it a literal asterisk in Sigma).
		k := first
		if m := userHiveRE.FindString(k); m != "" {
			k = k[len(m):]
		} else if i := strings.Index(strings.ToLower(k), `\software\`); i >= 0 {
			k = k[i:]
		} else if i := strings.Index(strings.ToLower(k), `\system\`); i >= 0 {
			k = k[i:]
		}
		if j := strings.LastIndex(k, `\`); j > 0 {
			out = append(out, pred{field: field, mods: "contains", values: []string{k[:j+1]}, prio: 65, anchor: true, what: "registry key"})
		}
		return out
	}
	for _, folder := range suspiciousFolders {
		if strings.Contains(lf, strings.ToLower(folder)) {
			out = append(out, pred{field: field, mods: "contains", values: []string{folder}, prio: 44, what: "staging folder"})
			break
		}
	}
	if field == "TargetFilename" {
		if ext := path.Ext(basename(first)); ext != "" && len(ext) <= 6 {
			out = append(out, pred{field: field, mods: "endswith", values: []string{ext}, prio: 50, anchor: true, what: "file type"})
		}
	}
	if field == "Details" {
		if ext := path.Ext(strings.ToLower(strings.Fields(strings.Trim(first, `"`) + " ")[0])); ext == ".exe" || ext == ".dll" || ext == ".ps1" || ext == ".vbs" || ext == ".js" || ext == ".bat" {
			out = append(out, pred{field: field, mods: "contains", values: []string{ext}, prio: 40, what: "launched file type"})
		}
	}
	return out
}

// commonModules returns the non-system modules every call stack shows.
func commonModules(group []sample, field string) []string {
	boring := map[string]bool{"ntdll.dll": true, "kernelbase.dll": true, "kernel32.dll": true, "unknown": true}
	var common map[string]bool
	for _, s := range group {
		mods := map[string]bool{}
		for _, frame := range strings.Split(s[field], "|") {
			name := strings.ToLower(basename(strings.SplitN(frame, "+", 2)[0]))
			if strings.HasSuffix(name, ".dll") && !boring[name] {
				mods[name] = true
			}
		}
		if common == nil {
			common = mods
			continue
		}
		for m := range common {
			if !mods[m] {
				delete(common, m)
			}
		}
	}
	out := make([]string, 0, len(common))
	for m := range common {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// commonNetwork returns the smallest network (/16 or narrower) holding
// every address of the group.
func commonNetwork(group []sample, field string) (string, bool) {
	var addrs []netip.Addr
	for _, s := range group {
		a, err := netip.ParseAddr(s[field])
		if err != nil || !a.Is4() {
			return "", false
		}
		addrs = append(addrs, a)
	}
	for bits := 24; bits >= 16; bits -= 8 {
		p, _ := addrs[0].Prefix(bits)
		ok := true
		for _, a := range addrs[1:] {
			if !p.Contains(a) {
				ok = false
				break
			}
		}
		if ok {
			return p.String(), true
		}
	}
	return "", false
}
