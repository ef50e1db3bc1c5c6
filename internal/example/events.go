package example

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

const (
	chSysmon   = "Microsoft-Windows-Sysmon/Operational"
	chSecurity = "Security"
	domain     = "CORVID"
	dnsDomain  = "corvid.example"
)

// kv is one field of an event; events keep their fields in order so the
// files are stable and read like the real thing.
type kv struct {
	k string
	v any
}

type event struct {
	t       time.Time
	host    *host
	channel string
	id      int
	fields  []kv
	stage   string // attack stage, "" for benign activity
	seq     int
	record  int64
}

type host struct {
	name, ip                 string
	sysmonBase, securityBase int64
}

func (h *host) fqdn() string { return h.name + "." + dnsDomain }

// proc is a running process as Sysmon identifies it.
type proc struct {
	guid, image, cmd, user, integrity, logonID, cwd string
	pid                                             int
	parent                                          *proc
	hashes                                          string
	meta                                            [5]string // FileVersion, Description, Product, Company, OriginalFileName
	started                                         time.Time // when its creation was logged
}

type gen struct {
	rng    *rand.Rand
	events []*event
	seq    int
}

func newGen(seed uint64) *gen { return &gen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

func (g *gen) emit(h *host, t time.Time, channel string, id int, stage string, fields ...kv) *event {
	g.seq++
	e := &event{t: t, host: h, channel: channel, id: id, fields: fields, stage: stage, seq: g.seq}
	g.events = append(g.events, e)
	return e
}

func (g *gen) guid() string {
	return fmt.Sprintf("{%08X-%04X-%04X-%04X-%012X}", g.rng.Uint32(), g.rng.IntN(1<<16), g.rng.IntN(1<<16), g.rng.IntN(1<<16), g.rng.Uint64()&0xFFFFFFFFFFFF)
}

func (g *gen) pid() int { return 1000 + 4*g.rng.IntN(4000) }

func utc(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") }

// fakeHashes renders a Sysmon Hashes value for a well-known binary: stable
// per image name, shaped like the real thing.
func fakeHashes(image string) string {
	s := sha256.Sum256([]byte("antibody-example:" + strings.ToLower(image)))
	m := md5.Sum([]byte(image))
	s1 := sha1.Sum([]byte(image))
	im := md5.Sum([]byte("imphash:" + image))
	return fmt.Sprintf("SHA1=%s,MD5=%s,SHA256=%s,IMPHASH=%s", upper(s1[:]), upper(m[:]), upper(s[:]), upper(im[:]))
}

// realHashes renders the Hashes value Sysmon would log for file content.
func realHashes(content []byte, imphash string) string {
	s := sha256.Sum256(content)
	m := md5.Sum(content)
	s1 := sha1.Sum(content)
	return fmt.Sprintf("SHA1=%s,MD5=%s,SHA256=%s,IMPHASH=%s", upper(s1[:]), upper(m[:]), upper(s[:]), strings.ToUpper(imphash))
}

func upper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// imphash computes the import hash of a stand-in PE the way pefile does.
func imphash(imps []peImport) string {
	var parts []string
	for _, imp := range imps {
		lib := strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(imp.dll, ".dll"), ".DLL"))
		for _, fn := range imp.funcs {
			parts = append(parts, lib+"."+strings.ToLower(fn))
		}
	}
	sum := md5.Sum([]byte(strings.Join(parts, ",")))
	return hex.EncodeToString(sum[:])
}

// known binaries: image path -> FileVersion, Description, Product, Company, OriginalFileName.
var known = map[string][5]string{}

func meta(image string) [5]string {
	if m, ok := known[strings.ToLower(image)]; ok {
		return m
	}
	base := image[strings.LastIndex(image, `\`)+1:]
	return [5]string{"10.0.19041.3636 (WinBuild.160101.0800)", base, "Microsoft® Windows® Operating System", "Microsoft Corporation", base}
}

func init() {
	add := func(image, ver, desc, product, company, orig string) {
		known[strings.ToLower(image)] = [5]string{ver, desc, product, company, orig}
	}
	add(`C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`, "16.0.17328.20162", "Microsoft Word", "Microsoft Office", "Microsoft Corporation", "WinWord.exe")
	add(`C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE`, "16.0.17328.20162", "Microsoft Excel", "Microsoft Office", "Microsoft Corporation", "Excel.exe")
	add(`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, "16.0.17328.20162", "Microsoft Outlook", "Microsoft Office", "Microsoft Corporation", "Outlook.exe")
	add(`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "10.0.19041.3636 (WinBuild.160101.0800)", "Windows PowerShell", "Microsoft® Windows® Operating System", "Microsoft Corporation", "PowerShell.EXE")
	add(`C:\Program Files\Google\Chrome\Application\chrome.exe`, "122.0.6261.95", "Google Chrome", "Google Chrome", "Google LLC", "chrome.exe")
	add(`C:\Users\Public\Documents\pe64.exe`, "2.43", "Execute processes remotely", "Sysinternals PsExec", "Sysinternals - www.sysinternals.com", "psexec.exe")
	add(`C:\Tools\Sysinternals\PsExec64.exe`, "2.43", "Execute processes remotely", "Sysinternals PsExec", "Sysinternals - www.sysinternals.com", "psexec.exe")
	add(`C:\Windows\PSEXESVC.exe`, "2.43", "PsExec Service", "Sysinternals PsExec", "Sysinternals", "psexesvc.exe")
	add(`C:\Program Files\7-Zip\7z.exe`, "23.01", "7-Zip Console", "7-Zip", "Igor Pavlov", "7z.exe")
	add(`C:\PerfLogs\svchst.exe`, "1.65.2", "Rsync for cloud storage", "Rclone", "https://rclone.org", "rclone.exe")
	add(`C:\Program Files\Veeam\Backup and Replication\Backup\Veeam.Backup.Service.exe`, "11.0.1.1261", "Veeam Backup Service", "Veeam Backup & Replication", "Veeam Software Group GmbH", "Veeam.Backup.Service.exe")
	add(`C:\Program Files\Veeam\Backup and Replication\Backup\Veeam.Backup.Manager.exe`, "11.0.1.1261", "Veeam Backup Manager", "Veeam Backup & Replication", "Veeam Software Group GmbH", "Veeam.Backup.Manager.exe")
}

// process creates a process under parent and logs Sysmon 1 and Security 4688.
func (g *gen) process(h *host, t time.Time, parent *proc, image, cmd, user, integrity, stage string) *proc {
	p := g.newProc(parent, image, cmd, user, integrity)
	g.logProcess(h, t, p, stage)
	return p
}

// newProc makes a process without logging its creation, for callers that
// set its hashes or version information first.
func (g *gen) newProc(parent *proc, image, cmd, user, integrity string) *proc {
	p := &proc{guid: g.guid(), pid: g.pid(), image: image, cmd: cmd, user: user, integrity: integrity, parent: parent, meta: meta(image)}
	p.cwd = `C:\Windows\system32\`
	if parent != nil {
		p.logonID = parent.logonID
		if parent.cwd != "" {
			p.cwd = parent.cwd
		}
	}
	if p.logonID == "" {
		p.logonID = "0x3e7"
	}
	p.hashes = fakeHashes(image)
	return p
}

func (g *gen) logProcess(h *host, t time.Time, p *proc, stage string) {
	p.started = t
	par := p.parent
	if par == nil {
		par = &proc{guid: "{00000000-0000-0000-0000-000000000000}", pid: 4, image: "System", cmd: "", user: `NT AUTHORITY\SYSTEM`}
	}
	g.emit(h, t, chSysmon, 1, stage,
		kv{"RuleName", "-"}, kv{"UtcTime", utc(t)}, kv{"ProcessGuid", p.guid}, kv{"ProcessId", p.pid},
		kv{"Image", p.image}, kv{"FileVersion", p.meta[0]}, kv{"Description", p.meta[1]}, kv{"Product", p.meta[2]},
		kv{"Company", p.meta[3]}, kv{"OriginalFileName", p.meta[4]}, kv{"CommandLine", p.cmd},
		kv{"CurrentDirectory", p.cwd}, kv{"User", p.user}, kv{"LogonGuid", g.guid()}, kv{"LogonId", p.logonID},
		kv{"TerminalSessionId", sessionOf(p.user)}, kv{"IntegrityLevel", p.integrity}, kv{"Hashes", p.hashes},
		kv{"ParentProcessGuid", par.guid}, kv{"ParentProcessId", par.pid}, kv{"ParentImage", par.image},
		kv{"ParentCommandLine", par.cmd}, kv{"ParentUser", par.user})
	dom, name, _ := strings.Cut(p.user, `\`)
	g.emit(h, t.Add(3*time.Millisecond), chSecurity, 4688, stage,
		kv{"SubjectUserSid", sidOf(p.user)}, kv{"SubjectUserName", name}, kv{"SubjectDomainName", dom},
		kv{"SubjectLogonId", p.logonID}, kv{"NewProcessId", fmt.Sprintf("0x%x", p.pid)}, kv{"NewProcessName", p.image},
		kv{"TokenElevationType", elevation(p.integrity)}, kv{"ProcessId", fmt.Sprintf("0x%x", par.pid)},
		kv{"CommandLine", p.cmd}, kv{"TargetUserSid", "S-1-0-0"}, kv{"TargetUserName", "-"}, kv{"TargetDomainName", "-"},
		kv{"TargetLogonId", "0x0"}, kv{"ParentProcessName", par.image}, kv{"MandatoryLabel", label(p.integrity)})
}

func sessionOf(user string) int {
	if strings.HasPrefix(user, "NT AUTHORITY") {
		return 0
	}
	return 1
}

func elevation(integrity string) string {
	if integrity == "High" || integrity == "System" {
		return "%%1937"
	}
	return "%%1938"
}

func label(integrity string) string {
	return map[string]string{"Low": "S-1-16-4096", "Medium": "S-1-16-8192", "High": "S-1-16-12288", "System": "S-1-16-16384"}[integrity]
}

// sids are the accounts' security identifiers.
var sids = map[string]string{
	`NT AUTHORITY\SYSTEM`:          "S-1-5-18",
	`NT AUTHORITY\LOCAL SERVICE`:   "S-1-5-19",
	`NT AUTHORITY\NETWORK SERVICE`: "S-1-5-20",
}

func sidOf(user string) string {
	if s, ok := sids[user]; ok {
		return s
	}
	sum := sha256.Sum256([]byte(strings.ToLower(user)))
	rid := 1100 + int(sum[0])<<4 + int(sum[1]&0xF)
	return fmt.Sprintf("S-1-5-21-3421764908-2877142395-1208470362-%d", rid)
}

func (g *gen) network(h *host, t time.Time, p *proc, srcIP string, srcPort int, dstIP, dstHost string, dstPort int, initiated bool, stage string) {
	portName := map[int]string{443: "https", 80: "http", 445: "microsoft-ds", 53: "domain", 3389: "ms-wbt-server", 135: "epmap"}
	g.emit(h, t, chSysmon, 3, stage,
		kv{"RuleName", "-"}, kv{"UtcTime", utc(t)}, kv{"ProcessGuid", p.guid}, kv{"ProcessId", p.pid},
		kv{"Image", p.image}, kv{"User", p.user}, kv{"Protocol", "tcp"}, kv{"Initiated", fmt.Sprint(initiated)},
		kv{"SourceIsIpv6", "false"}, kv{"SourceIp", srcIP}, kv{"SourceHostname", h.fqdn()}, kv{"SourcePort", srcPort},
		kv{"SourcePortName", "-"}, kv{"DestinationIsIpv6", "false"}, kv{"DestinationIp", dstIP},
		kv{"DestinationHostname", dstHost}, kv{"DestinationPort", dstPort}, kv{"DestinationPortName", or(portName[dstPort], "-")})
}

func or(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

func (g *gen) connect(h *host, t time.Time, p *proc, dstIP, dstHost string, dstPort int, stage string) {
	g.network(h, t, p, h.ip, 49152+g.rng.IntN(16000), dstIP, dstHost, dstPort, true, stage)
}

func (g *gen) dns(h *host, t time.Time, p *proc, query, results, stage string) {
	g.emit(h, t, chSysmon, 22, stage,
		kv{"RuleName", "-"}, kv{"UtcTime", utc(t)}, kv{"ProcessGuid", p.guid}, kv{"ProcessId", p.pid},
		kv{"QueryName", query}, kv{"QueryStatus", "0"}, kv{"QueryResults", results}, kv{"Image", p.image}, kv{"User", p.user})
}

func (g *gen) fileCreate(h *host, t time.Time, p *proc, path, stage string) {
	g.emit(h, t, chSysmon, 11, stage,
		kv{"RuleName", "-"}, kv{"UtcTime", utc(t)}, kv{"ProcessGuid", p.guid}, kv{"ProcessId", p.pid},
		kv{"Image", p.image}, kv{"TargetFilename", path}, kv{"CreationUtcTime", utc(t)}, kv{"User", p.user})
}

func (g *gen) regSet(h *host, t time.Time, p *proc, key, details, stage string) {
	g.emit(h, t, chSysmon, 13, stage,
		kv{"RuleName", "-"}, kv{"EventType", "SetValue"}, kv{"UtcTime", utc(t)}, kv{"ProcessGuid", p.guid},
		kv{"ProcessId", p.pid}, kv{"Image", p.image}, kv{"TargetObject", key}, kv{"Details", details}, kv{"User", p.user})
}

func (g *gen) imageLoad(h *host, t time.Time, p *proc, dll, desc string, stage string) {
	g.emit(h, t, chSysmon, 7, stage,
		kv{"RuleName", "-"}, kv{"UtcTime", utc(t)}, kv{"ProcessGuid", p.guid}, kv{"ProcessId", p.pid},
		kv{"Image", p.image}, kv{"ImageLoaded", dll}, kv{"FileVersion", "10.0.19041.3636 (WinBuild.160101.0800)"},
		kv{"Description", desc}, kv{"Product", "Microsoft® Windows® Operating System"}, kv{"Company", "Microsoft Corporation"},
		kv{"OriginalFileName", dll[strings.LastIndex(dll, `\`)+1:]}, kv{"Hashes", fakeHashes(dll)}, kv{"Signed", "true"},
		kv{"Signature", "Microsoft Windows"}, kv{"SignatureStatus", "Valid"}, kv{"User", p.user})
}

func (g *gen) access(h *host, t time.Time, src, tgt *proc, granted, trace, stage string) {
	g.emit(h, t, chSysmon, 10, stage,
		kv{"RuleName", "-"}, kv{"UtcTime", utc(t)}, kv{"SourceProcessGUID", src.guid}, kv{"SourceProcessId", src.pid},
		kv{"SourceThreadId", src.pid + 4 + g.rng.IntN(400)*4}, kv{"SourceImage", src.image}, kv{"TargetProcessGUID", tgt.guid},
		kv{"TargetProcessId", tgt.pid}, kv{"TargetImage", tgt.image}, kv{"GrantedAccess", granted}, kv{"CallTrace", trace},
		kv{"SourceUser", src.user}, kv{"TargetUser", tgt.user})
}

// logon logs a successful logon (4624) and, for privileged accounts, the
// special privileges assigned (4672).
func (g *gen) logon(h *host, t time.Time, user string, logonType int, ip, workstation, pkg string, privileged bool, stage string) string {
	dom, name, _ := strings.Cut(user, `\`)
	lid := fmt.Sprintf("0x%x", 0x100000+g.rng.IntN(0xEFFFFF))
	proc, pname := "0x2a8", `C:\Windows\System32\lsass.exe`
	lproc := "User32 "
	if logonType == 3 {
		proc, pname, lproc = "0x0", "-", "NtLmSsp "
		if pkg == "Kerberos" {
			lproc = "Kerberos"
		}
	}
	if logonType == 5 {
		proc, pname, lproc = "0x2a0", `C:\Windows\System32\services.exe`, "Advapi  "
	}
	g.emit(h, t, chSecurity, 4624, stage,
		kv{"SubjectUserSid", "S-1-5-18"}, kv{"SubjectUserName", h.name + "$"}, kv{"SubjectDomainName", domain},
		kv{"SubjectLogonId", "0x3e7"}, kv{"TargetUserSid", sidOf(user)}, kv{"TargetUserName", name},
		kv{"TargetDomainName", dom}, kv{"TargetLogonId", lid}, kv{"LogonType", logonType},
		kv{"LogonProcessName", lproc}, kv{"AuthenticationPackageName", pkg}, kv{"WorkstationName", workstation},
		kv{"LogonGuid", "{00000000-0000-0000-0000-000000000000}"}, kv{"TransmittedServices", "-"},
		kv{"LmPackageName", lmPackage(pkg)}, kv{"KeyLength", 0}, kv{"ProcessId", proc}, kv{"ProcessName", pname},
		kv{"IpAddress", ip}, kv{"IpPort", ipPort(g, ip)}, kv{"ImpersonationLevel", "%%1833"}, kv{"RestrictedAdminMode", "-"},
		kv{"TargetOutboundUserName", "-"}, kv{"TargetOutboundDomainName", "-"}, kv{"VirtualAccount", "%%1843"},
		kv{"TargetLinkedLogonId", "0x0"}, kv{"ElevatedToken", elevated(privileged)})
	if privileged {
		g.emit(h, t.Add(time.Millisecond), chSecurity, 4672, stage,
			kv{"SubjectUserSid", sidOf(user)}, kv{"SubjectUserName", name}, kv{"SubjectDomainName", dom},
			kv{"SubjectLogonId", lid}, kv{"PrivilegeList", "SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\tSeTakeOwnershipPrivilege\n\t\t\tSeDebugPrivilege\n\t\t\tSeSystemEnvironmentPrivilege\n\t\t\tSeLoadDriverPrivilege\n\t\t\tSeImpersonatePrivilege\n\t\t\tSeDelegateSessionUserImpersonatePrivilege"})
	}
	return lid
}

func lmPackage(pkg string) string {
	if pkg == "NTLM" {
		return "NTLM V2"
	}
	return "-"
}

func ipPort(g *gen, ip string) string {
	if ip == "-" || ip == "127.0.0.1" {
		return "0"
	}
	return fmt.Sprint(49152 + g.rng.IntN(16000))
}

func elevated(b bool) string {
	if b {
		return "%%1842"
	}
	return "%%1843"
}

// logonFailure logs a failed logon (4625) with a wrong password.
func (g *gen) logonFailure(h *host, t time.Time, user string, logonType int, ip, workstation, pkg, stage string) {
	dom, name, _ := strings.Cut(user, `\`)
	status, sub := "0xc000006d", "0xc000006a"
	g.emit(h, t, chSecurity, 4625, stage,
		kv{"SubjectUserSid", "S-1-0-0"}, kv{"SubjectUserName", "-"}, kv{"SubjectDomainName", "-"}, kv{"SubjectLogonId", "0x0"},
		kv{"TargetUserSid", "S-1-0-0"}, kv{"TargetUserName", name}, kv{"TargetDomainName", dom}, kv{"Status", status},
		kv{"FailureReason", "%%2313"}, kv{"SubStatus", sub}, kv{"LogonType", logonType}, kv{"LogonProcessName", "NtLmSsp "},
		kv{"AuthenticationPackageName", pkg}, kv{"WorkstationName", workstation}, kv{"TransmittedServices", "-"},
		kv{"LmPackageName", "-"}, kv{"KeyLength", 0}, kv{"ProcessId", "0x0"}, kv{"ProcessName", "-"},
		kv{"IpAddress", ip}, kv{"IpPort", ipPort(g, ip)})
}

// taskCreated logs a scheduled task registration (4698).
func (g *gen) taskCreated(h *host, t time.Time, user, logonID, name, command, args, trigger, runLevel, stage string) {
	dom, uname, _ := strings.Cut(user, `\`)
	xml := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Date>%s</Date>
    <Author>%s</Author>
    <URI>%s</URI>
  </RegistrationInfo>
  <Triggers>
    %s
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>%s</UserId>
      <RunLevel>%s</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>%s</Command>
      <Arguments>%s</Arguments>
    </Exec>
  </Actions>
</Task>`, t.Format("2006-01-02T15:04:05"), user, name, trigger, sidOf(user), runLevel, command, args)
	g.emit(h, t, chSecurity, 4698, stage,
		kv{"SubjectUserSid", sidOf(user)}, kv{"SubjectUserName", uname}, kv{"SubjectDomainName", dom},
		kv{"SubjectLogonId", logonID}, kv{"TaskName", name}, kv{"TaskContent", xml})
}

// stream is the events of one host and channel, in time order, with
// record ids as Windows would have numbered them.
func (g *gen) streams() map[string][]*event {
	out := map[string][]*event{}
	for _, e := range g.events {
		k := e.host.name + "/" + e.channel
		out[k] = append(out[k], e)
	}
	for _, evs := range out {
		sort.SliceStable(evs, func(i, j int) bool {
			if !evs[i].t.Equal(evs[j].t) {
				return evs[i].t.Before(evs[j].t)
			}
			return evs[i].seq < evs[j].seq
		})
		base := evs[0].host.sysmonBase
		if evs[0].channel == chSecurity {
			base = evs[0].host.securityBase
		}
		for i, e := range evs {
			e.record = base + int64(i)
		}
	}
	return out
}

// jsonLine renders an event as one line of JSON: the System fields first
// (named as Sigma rules name them), then the EventData fields in order.
func jsonLine(e *event) []byte {
	var b bytes.Buffer
	provider := "Microsoft-Windows-Sysmon"
	if e.channel == chSecurity {
		provider = "Microsoft-Windows-Security-Auditing"
	}
	head := []kv{
		{"TimeCreated", e.t.UTC().Format("2006-01-02T15:04:05.000000Z")}, {"Channel", e.channel},
		{"Provider_Name", provider}, {"EventID", e.id}, {"EventRecordID", e.record}, {"Computer", e.host.fqdn()},
	}
	b.WriteByte('{')
	for i, f := range append(head, e.fields...) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(marshal(f.k))
		b.WriteByte(':')
		b.Write(marshal(f.v))
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// marshal encodes a value without HTML escaping, so XML in TaskContent
// reads as Windows wrote it.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only strings and numbers are encoded here
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
