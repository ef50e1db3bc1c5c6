package example

import (
	"fmt"
	"strings"
	"time"
)

var (
	webDomains = [][2]string{
		{"www.google.com", "142.250.185.68"}, {"outlook.office365.com", "52.97.146.210"},
		{"teams.microsoft.com", "52.113.194.132"}, {"login.microsoftonline.com", "20.190.159.2"},
		{"update.googleapis.com", "142.250.186.35"}, {"www.dhl.com", "23.52.40.164"},
		{"portal.corvid-bank.example", "192.0.2.80"}, {"sharepoint.corvid.example", "10.20.13.20"},
		{"www.linkedin.com", "13.107.42.14"}, {"go.microsoft.com", "23.203.76.128"},
	}
	attachments = []string{"Invoice_0339_February.pdf", "Remittance_advice_2026-02.pdf", "Freight_rates_Q1.xlsx", "Invoice_0339_February.docx", "PO-77812.pdf", "Timesheet_week08.xlsx"}
	office      = []string{"EXCEL.EXE", "WINWORD.EXE"}
)

const (
	chrome   = `C:\Program Files\Google\Chrome\Application\chrome.exe`
	msmpeng  = `C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24010.12-0\MsMpEng.exe`
	invAgent = `C:\Program Files\Corvid\InventoryAgent\CorvidInventoryAgent.exe`
	intune   = `C:\Program Files (x86)\Microsoft Intune Management Extension\AgentExecutor.exe`
)

func (g *gen) jitter(t time.Time, maxSeconds int) time.Time {
	return t.Add(time.Duration(g.rng.IntN(maxSeconds*1000)) * time.Millisecond)
}

func (g *gen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

// workstationDay records a normal day on a finance workstation.
func (g *gen) workstationDay(h *host, user string, hp *hostProcs, day time.Time) {
	sys := `NT AUTHORITY\SYSTEM`
	weekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
	// Background: service logons, Defender touching LSASS, updates.
	for i := 0; i < 3+g.rng.IntN(3); i++ {
		t := g.jitter(day, 86399)
		g.logon(h, t, sys, 5, "-", "-", "Negotiate", true, "")
	}
	for i := 0; i < 2+g.rng.IntN(3); i++ {
		def := &proc{guid: g.guid(), pid: 3120, image: msmpeng, user: sys}
		g.access(h, g.jitter(day, 86399), def, hp.lsass, "0x1000", `C:\Windows\SYSTEM32\ntdll.dll+9d4c4|C:\Windows\System32\KERNELBASE.dll+2c13e|`+msmpeng[:len(msmpeng)-11]+`mpengine.dll+4a2b1`, "")
	}
	upd := g.process(h, day.Add(time.Duration(11*3600+g.rng.IntN(3600))*time.Second), hp.svchost, `C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe`, `"C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe" /ua /installsource scheduler`, sys, "System", "")
	g.dns(h, g.jitter(day.Add(11*time.Hour), 3600), upd, "msedge.api.cdp.microsoft.com", "::ffff:13.107.246.40;", "")
	g.process(h, day.Add(time.Duration(3*3600+g.rng.IntN(3600))*time.Second), hp.svchost, `C:\Windows\System32\CompatTelRunner.exe`, `C:\Windows\system32\compattelrunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun`, sys, "System", "")
	if day.Weekday() == time.Tuesday {
		g.taskCreated(h, day.Add(time.Duration(10*3600+g.rng.IntN(3600))*time.Second), sys, "0x3e7", `\GoogleSystem\GoogleUpdater\GoogleUpdaterTaskSystem{A0B1C2D3-E4F5-4061-8273-94A5B6C7D8E9}`, `C:\Program Files (x86)\Google\GoogleUpdater\124.0.6342.0\updater.exe`, "--wake --system", "<TimeTrigger><Repetition><Interval>PT1H</Interval></Repetition><StartBoundary>2026-02-17T10:00:00</StartBoundary><Enabled>true</Enabled></TimeTrigger>", "HighestAvailable", "")
	}
	if weekend {
		return
	}

	start := day.Add(7*time.Hour + 35*time.Minute).Add(time.Duration(g.rng.IntN(40*60)) * time.Second)
	lid := g.logon(h, start, user, 2, "127.0.0.1", h.name, "Negotiate", false, "")
	hp.explorer.logonID = lid
	g.regSet(h, start.Add(20*time.Second), hp.explorer, `HKU\`+sidOf(user)+`\Software\Microsoft\Windows\CurrentVersion\Run\OneDrive`, `"C:\Users\`+userName(user)+`\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`, "")
	ol := g.process(h, start.Add(70*time.Second), hp.explorer, outlook, `"`+outlook+`" `, user, "Medium", "")
	ch := g.process(h, start.Add(95*time.Second), hp.explorer, chrome, `"`+chrome+`" `, user, "Medium", "")
	for i := 0; i < 3+g.rng.IntN(4); i++ {
		g.process(h, g.jitter(start.Add(2*time.Minute), 8*3600), ch, chrome, fmt.Sprintf(`"%s" --type=renderer --lang=en-GB --renderer-client-id=%d --launch-time-ticks=%d /prefetch:1`, chrome, 5+i, 9000000000+g.rng.IntN(999999999)), user, "Low", "")
	}
	for i := 0; i < 8+g.rng.IntN(10); i++ {
		d := webDomains[g.rng.IntN(len(webDomains))]
		t := g.jitter(start, 9*3600)
		g.dns(h, t, ch, d[0], "::ffff:"+d[1]+";", "")
		g.connect(h, t.Add(40*time.Millisecond), ch, d[1], d[0], 443, "")
	}
	for i := 0; i < 2+g.rng.IntN(3); i++ {
		g.connect(h, g.jitter(start, 9*3600), ol, "52.97.146.210", "outlook.office365.com", 443, "")
	}
	// Attachments opened from Outlook: the near misses for an Office rule.
	for i := 0; i < 1+g.rng.IntN(3); i++ {
		t := g.jitter(start.Add(10*time.Minute), 8*3600)
		name := g.pick(attachments)
		path := fmt.Sprintf(`C:\Users\%s\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\%s\%s`, userName(user), "7HQ2LX0C", name)
		g.fileCreate(h, t, ol, path, "")
		switch name[len(name)-4:] {
		case "xlsx":
			g.process(h, t.Add(2*time.Second), ol, `C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE" "`+path+`"`, user, "Medium", "")
		case "docx":
			g.process(h, t.Add(2*time.Second), ol, winword, `"`+winword+`" /n "`+path+`" /o ""`, user, "Medium", "")
		}
	}
	for i := 0; i < 2+g.rng.IntN(3); i++ {
		app := g.pick(office)
		image := `C:\Program Files\Microsoft Office\root\Office16\` + app
		doc := fmt.Sprintf(`\\FS01\Finance\Q1-2026\ledger-%02d.xlsx`, 1+g.rng.IntN(40))
		if app == "WINWORD.EXE" {
			doc = fmt.Sprintf(`\\FS01\Finance\Q1-2026\memo-%02d.docx`, 1+g.rng.IntN(40))
		}
		g.process(h, g.jitter(start.Add(15*time.Minute), 8*3600), hp.explorer, image, fmt.Sprintf(`"%s" "%s"`, image, doc), user, "Medium", "")
	}
	// Management agents: encoded and policy-bypassing PowerShell that is fine.
	inv := &proc{guid: g.guid(), pid: 2280, image: invAgent, cmd: `"` + invAgent + `" --service`, user: sys, integrity: "System", logonID: "0x3e7", meta: meta(invAgent), hashes: fakeHashes(invAgent)}
	invPS := g.process(h, day.Add(12*time.Hour+time.Duration(g.rng.IntN(600))*time.Second), inv, powershell, `powershell.exe -NoLogo -NonInteractive -WindowStyle Hidden -EncodedCommand `+encodedCommand("Get-CimInstance Win32_Product | Select-Object Name,Version,Vendor | ConvertTo-Json -Compress"), sys, "System", "")
	g.imageLoad(h, invPS.started.Add(180*time.Millisecond), invPS, `C:\Windows\assembly\NativeImages_v4.0.30319_64\System.Management.Automation\0c2d7f4b9a0d6b1e5a1c7e3b1f0b2c33\System.Management.Automation.ni.dll`, "System.Management.Automation", "")
	ime := &proc{guid: g.guid(), pid: 6120, image: intune, cmd: `"` + intune + `" -powershell`, user: sys, integrity: "System", logonID: "0x3e7", meta: meta(intune), hashes: fakeHashes(intune)}
	g.process(h, g.jitter(start.Add(30*time.Minute), 3600), ime, powershell, `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -executionPolicy bypass -file "C:\Program Files (x86)\Microsoft Intune Management Extension\Policies\Scripts\4f1c2a9e-7b3d-4e8a-9c51-0d2b6e7f8a90_1.ps1"`, sys, "System", "")
	// Legitimate rundll32 and scheduled-task use.
	if g.rng.IntN(3) == 0 {
		t := g.jitter(start, 8*3600)
		r := g.process(h, t, hp.explorer, rundll32, `"C:\Windows\system32\rundll32.exe" printui.dll,PrintUIEntry /in /n\\PRN01\Finance-3F`, user, "Medium", "")
		g.imageLoad(h, t.Add(30*time.Millisecond), r, `C:\Windows\System32\printui.dll`, "Printer Settings User Interface", "")
	}
	if g.rng.IntN(4) == 0 {
		g.process(h, g.jitter(start, 8*3600), hp.explorer, rundll32, `"C:\Windows\system32\rundll32.exe" C:\Windows\system32\shell32.dll,Control_RunDLL "C:\Windows\System32\main.cpl"`, user, "Medium", "")
	}
	if g.rng.IntN(3) == 0 {
		dll := &proc{guid: g.guid(), pid: g.pid(), image: `C:\Windows\System32\dllhost.exe`, cmd: `C:\Windows\system32\DllHost.exe /Processid:{02D4B3F1-FD88-11D1-960D-00805FC79235}`, user: sys}
		g.imageLoad(h, g.jitter(day, 86399), dll, `C:\Windows\System32\comsvcs.dll`, "COM+ Services", "")
	}
	c2r := &proc{guid: g.guid(), pid: 4412, image: `C:\Program Files\Common Files\microsoft shared\ClickToRun\OfficeClickToRun.exe`, cmd: `"C:\Program Files\Common Files\microsoft shared\ClickToRun\OfficeClickToRun.exe" /service`, user: sys}
	g.process(h, g.jitter(day.Add(13*time.Hour), 3600), c2r, schtasks, `"C:\Windows\system32\schtasks.exe" /query /tn "\Microsoft\Office\Office Automatic Updates 2.0" /xml`, sys, "System", "")
	// Screen locks and the odd mistyped password at unlock.
	for i := 0; i < 2+g.rng.IntN(4); i++ {
		t := g.jitter(start.Add(time.Hour), 8*3600)
		if g.rng.IntN(6) == 0 {
			g.logonFailure(h, t.Add(-9*time.Second), user, 7, "127.0.0.1", h.name, "Negotiate", "")
		}
		g.logon(h, t, user, 7, "127.0.0.1", h.name, "Negotiate", false, "")
	}
}

func userName(user string) string { return user[strings.LastIndex(user, `\`)+1:] }

// serverDay records a normal day on the file server.
func (g *gen) serverDay(h *host, hp *hostProcs, day time.Time, adminPsExec bool) {
	sys := `NT AUTHORITY\SYSTEM`
	weekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
	clients := []struct{ ip, name, user string }{
		{"10.20.4.37", "WS-FIN-07", `CORVID\j.moreau`}, {"10.20.4.52", "WS-FIN-12", `CORVID\a.lindqvist`},
		{"10.20.4.61", "WS-FIN-15", `CORVID\m.okafor`}, {"10.20.5.14", "WS-OPS-03", `CORVID\p.demir`},
		{"10.20.5.22", "WS-OPS-09", `CORVID\s.novak`}, {"10.20.9.11", "ADM-03", `CORVID\adm.kowalski`},
	}
	shareLogons := 90 + g.rng.IntN(60)
	if weekend {
		shareLogons = 5 + g.rng.IntN(8)
	}
	for i := 0; i < shareLogons; i++ {
		c := clients[g.rng.IntN(len(clients))]
		t := g.jitter(day.Add(7*time.Hour), 11*3600)
		if weekend {
			t = g.jitter(day, 86399)
		}
		g.logon(h, t, c.user, 3, c.ip, "-", "Kerberos", c.user == userAdmin, "")
		if g.rng.IntN(40) == 0 {
			g.logonFailure(h, t.Add(-4*time.Second), c.user, 3, c.ip, c.name, "NTLM", "")
		}
	}
	for i := 0; i < 4+g.rng.IntN(3); i++ {
		g.logon(h, g.jitter(day, 86399), sys, 5, "-", "-", "Negotiate", true, "")
	}
	for i := 0; i < 2+g.rng.IntN(2); i++ {
		def := &proc{guid: g.guid(), pid: 2964, image: msmpeng, user: sys}
		g.access(h, g.jitter(day, 86399), def, hp.lsass, "0x1000", `C:\Windows\SYSTEM32\ntdll.dll+9d4c4|C:\Windows\System32\KERNELBASE.dll+2c13e`, "")
	}
	g.access(h, g.jitter(day, 86399), hp.wmi, hp.lsass, "0x1410", `C:\Windows\SYSTEM32\ntdll.dll+9d4c4|C:\Windows\System32\KERNELBASE.dll+2c13e|C:\Windows\system32\wbem\wmiprvse.exe+3e1a0`, "")
	// Nightly backup: Veeam talks to itself on 9401, like the exploit did.
	vsvc := &proc{guid: g.guid(), pid: 3388, image: `C:\Program Files\Veeam\Backup and Replication\Backup\Veeam.Backup.Service.exe`, cmd: `"C:\Program Files\Veeam\Backup and Replication\Backup\Veeam.Backup.Service.exe"`, user: userVeeam, integrity: "System", logonID: "0x5a1e2"}
	nightly := day.Add(22*time.Hour + time.Duration(g.rng.IntN(300))*time.Second)
	g.logon(h, nightly.Add(-2*time.Second), userVeeam, 5, "-", "-", "Negotiate", true, "")
	mgr := g.process(h, nightly, vsvc, `C:\Program Files\Veeam\Backup and Replication\Backup\Veeam.Backup.Manager.exe`, `"C:\Program Files\Veeam\Backup and Replication\Backup\Veeam.Backup.Manager.exe" startbackupjob owner=[vbsvc] sessionid=[`+g.guid()+`] issyntheticfull=[False]`, userVeeam, "System", "")
	port := 50000 + g.rng.IntN(9000)
	g.network(h, nightly.Add(2*time.Second), mgr, "127.0.0.1", port, "127.0.0.1", h.fqdn(), 9401, true, "")
	g.network(h, nightly.Add(2*time.Second+time.Millisecond), vsvc, "127.0.0.1", 9401, "127.0.0.1", h.fqdn(), port, false, "")
	for i := 0; i < 6+g.rng.IntN(6); i++ {
		g.connect(h, nightly.Add(time.Duration(30+i*60)*time.Second), mgr, "10.20.13.9", "BKP-REPO01.corvid.example", 2500+i, "")
	}
	g.process(h, nightly.Add(40*time.Second), mgr, `C:\Windows\System32\vssadmin.exe`, `vssadmin.exe list shadows /for=D:`, userVeeam, "System", "")
	if weekend {
		return
	}
	// An administrator's RDP session on some days.
	if g.rng.IntN(5) < 2 {
		t := g.jitter(day.Add(9*time.Hour), 6*3600)
		lid := g.logon(h, t, userAdmin, 10, "10.20.9.11", "ADM-03", "Negotiate", true, "")
		ex := &proc{guid: g.guid(), pid: g.pid(), image: explorer, cmd: explorer, user: userAdmin, integrity: "High", logonID: lid, cwd: `C:\Users\adm.kowalski\`}
		ps := g.process(h, t.Add(2*time.Minute), ex, powershell, `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" `, userAdmin, "High", "")
		for _, c := range []string{`"C:\Windows\system32\robocopy.exe" D:\Shares\Finance \\BKP-REPO01\finance-mirror /MIR /R:1 /W:1 /LOG:C:\Logs\robocopy-finance.log`, `"C:\Windows\system32\schtasks.exe" /query /fo LIST /v`, `"C:\Windows\system32\whoami.exe" /groups`} {
			image := `C:\Windows\System32\` + c[len(`"C:\Windows\system32\`):strings.Index(c, `.exe"`)] + ".exe"
			g.process(h, g.jitter(t.Add(3*time.Minute), 1800), ps, image, c, userAdmin, "High", "")
		}
	}
	if adminPsExec {
		t := day.Add(14*time.Hour + time.Duration(g.rng.IntN(3600))*time.Second)
		lid := g.logon(h, t, userAdmin, 3, "10.20.9.11", "ADM-03", "Kerberos", true, "")
		sysp := &proc{guid: "{5C1B0E2A-0001-0000-0000-000000000000}", pid: 4, image: "System", user: sys}
		g.fileCreate(h, t.Add(300*time.Millisecond), sysp, `C:\Windows\PSEXESVC.exe`, "")
		g.regSet(h, t.Add(400*time.Millisecond), hp.services, `HKLM\System\CurrentControlSet\Services\PSEXESVC\ImagePath`, `%SystemRoot%\PSEXESVC.exe`, "")
		svc := g.process(h, t.Add(600*time.Millisecond), hp.services, `C:\Windows\PSEXESVC.exe`, `C:\Windows\PSEXESVC.exe`, sys, "System", "")
		gp := g.process(h, t.Add(time.Second), svc, `C:\Windows\System32\gpupdate.exe`, `"gpupdate" /force`, userAdmin, "High", "")
		gp.logonID = lid
	}
}

// adminDay records a normal day on the administrators' workstation,
// including the discovery commands and PsExec an attacker also uses.
func (g *gen) adminDay(h *host, hp *hostProcs, day time.Time, psexec bool) {
	sys := `NT AUTHORITY\SYSTEM`
	for i := 0; i < 3+g.rng.IntN(3); i++ {
		g.logon(h, g.jitter(day, 86399), sys, 5, "-", "-", "Negotiate", true, "")
	}
	if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		return
	}
	start := day.Add(7*time.Hour + 50*time.Minute).Add(time.Duration(g.rng.IntN(30*60)) * time.Second)
	lid := g.logon(h, start, userAdmin, 2, "127.0.0.1", h.name, "Negotiate", true, "")
	hp.explorer.logonID = lid
	term := g.process(h, start.Add(2*time.Minute), hp.explorer, powershell, `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" `, userAdmin, "High", "")
	term.cwd = `C:\Users\adm.kowalski\`
	cmds := [][2]string{
		{`C:\Windows\System32\whoami.exe`, `"C:\Windows\system32\whoami.exe" /all`},
		{`C:\Windows\System32\nltest.exe`, `"C:\Windows\system32\nltest.exe" /dsgetdc:corvid.example`},
		{`C:\Windows\System32\ipconfig.exe`, `"C:\Windows\system32\ipconfig.exe" /all`},
		{`C:\Windows\System32\net.exe`, `"C:\Windows\system32\net.exe" group "Domain Admins" /domain`},
		{`C:\Windows\System32\net.exe`, `"C:\Windows\system32\net.exe" user svc_backup /domain`},
		{`C:\Windows\System32\mstsc.exe`, `"C:\Windows\system32\mstsc.exe" /v:FS01`},
		{`C:\Windows\System32\mmc.exe`, `"C:\Windows\system32\mmc.exe" "C:\Windows\system32\dsa.msc"`},
	}
	for i := 0; i < 3+g.rng.IntN(4); i++ {
		c := cmds[g.rng.IntN(len(cmds))]
		g.process(h, g.jitter(start.Add(5*time.Minute), 8*3600), term, c[0], c[1], userAdmin, "High", "")
	}
	if day.Weekday() == time.Monday {
		g.process(h, start.Add(20*time.Minute), term, powershell, `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -ExecutionPolicy Bypass -File \\FS01\IT$\scripts\Get-DiskReport.ps1`, userAdmin, "High", "")
	}
	if day.Day() == 18 {
		t := start.Add(40 * time.Minute)
		st := g.process(h, t, term, schtasks, `"C:\Windows\system32\schtasks.exe" /create /tn "\IT\DiskReport" /tr "powershell.exe -ExecutionPolicy Bypass -File \\FS01\IT$\scripts\Get-DiskReport.ps1" /sc weekly /d MON /st 08:30 /ru SYSTEM /f`, userAdmin, "High", "")
		g.taskCreated(h, t.Add(200*time.Millisecond), userAdmin, st.logonID, `\IT\DiskReport`, "powershell.exe", `-ExecutionPolicy Bypass -File \\FS01\IT$\scripts\Get-DiskReport.ps1`, "<CalendarTrigger><StartBoundary>2026-02-23T08:30:00</StartBoundary><ScheduleByWeek><DaysOfWeek><Monday /></DaysOfWeek><WeeksInterval>1</WeeksInterval></ScheduleByWeek></CalendarTrigger>", "HighestAvailable", "")
	}
	if psexec {
		t := day.Add(14 * time.Hour)
		pe := g.process(h, t, term, `C:\Tools\Sysinternals\PsExec64.exe`, `"C:\Tools\Sysinternals\PsExec64.exe" \\FS01 -accepteula gpupdate /force`, userAdmin, "High", "")
		g.connect(h, t.Add(200*time.Millisecond), pe, fs01.ip, fs01.fqdn(), 445, "")
	}
	for i := 0; i < 5+g.rng.IntN(6); i++ {
		d := webDomains[g.rng.IntN(len(webDomains))]
		t := g.jitter(start, 8*3600)
		g.dns(h, t, term, d[0], "::ffff:"+d[1]+";", "")
	}
}
