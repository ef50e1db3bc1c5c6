package sigma

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func values(ps []pred) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.key()+"="+p.values[0])
	}
	return out
}

func TestTokensGeneralise(t *testing.T) {
	names := scrub{"j.moreau", "corvid", "corvid.example", "fs01"}
	cases := map[string][]string{
		`powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBi`: {
			"CommandLine|windash|contains= -nop", "CommandLine|windash|contains= -w", "CommandLine|contains=hidden", "CommandLine|windash|contains= -enc"},
		`"powershell.exe" -ExecutionPolicy Bypass -File "C:\Users\j.moreau\AppData\Local\Temp\stage2.ps1"`: {
			"CommandLine|windash|contains= -executionpolicy", "CommandLine|contains=Bypass", "CommandLine|windash|contains= -file"},
		`nltest  /dclist:corvid.example`: {"CommandLine|windash|contains= /dclist"},
		`C:\Windows\Temp\vbrcreds.exe --target 127.0.0.1:9401 --dump`: {
			"CommandLine|windash|contains= --target", "CommandLine|contains=:9401", "CommandLine|windash|contains= --dump"},
		`rundll32.exe  C:\Windows\System32\comsvcs.dll, MiniDump 1200 C:\Users\Public\Documents\wdupd.dmp full`: {
			"CommandLine|contains=comsvcs.dll", "CommandLine|contains=MiniDump", "CommandLine|contains=\\Users\\Public\\", "CommandLine|contains=.dmp", "CommandLine|contains=full"},
		`net  group "Domain Admins" /domain`:                                          {"CommandLine|contains=group", "CommandLine|contains=Domain Admins", "CommandLine|windash|contains= /domain"},
		`x.exe {3F2504E0-4F89-11D3-9A0C-0305E82C3301} S-1-5-21-1-2-3-1104 12345 FS01`: nil,
	}
	for cmd, want := range cases {
		assert.Equal(t, want, values(tokens(cmd, names)), cmd)
	}
}

func TestCandidatesDropOneOffs(t *testing.T) {
	known := func(n string) bool { return knownPrograms[n] }
	group := []sample{{
		"Image": `C:\Users\Public\Documents\pe64.exe`, "OriginalFileName": "psexec.exe", "Product": "Sysinternals PsExec",
		"ProcessId": "10020", "User": `CORVID\j.moreau`, "LogonId": "0x3e7", "Hashes": "SHA256=6BD9",
		"ParentImage": `C:\Windows\System32\cmd.exe`, "IntegrityLevel": "High",
	}}
	got := values(candidates(group, known, scrub{"j.moreau"}))
	assert.Contains(t, got, "OriginalFileName=psexec.exe")
	assert.Contains(t, got, `Image|contains=\Users\Public\`)
	assert.Contains(t, got, `ParentImage|endswith=\cmd.exe`)
	assert.NotContains(t, got, `Image|endswith=\pe64.exe`, "an attacker's file name is an indicator, not a behaviour")
	for _, v := range got {
		assert.NotContains(t, v, "10020")
		assert.NotContains(t, v, "j.moreau")
		assert.NotContains(t, v, "SHA256")
	}
}

func TestTitleAndTags(t *testing.T) {
	assert.Equal(t, "Rundll32 calls comsvcs.dll MiniDump", titleCase("rundll32 calls comsvcs.dll MiniDump."))
	long := "PsExec renamed (OriginalFileName psexec.exe) run from C:\\Users\\Public with a password on the command line, to reach FS01"
	assert.LessOrEqual(t, len(titleCase(long)), 100)
	assert.Equal(t, []string{"attack.credential-access", "attack.t1003.001"}, attackTags("T1003.001"))
	assert.Equal(t, []string{"attack.t9999"}, attackTags("T9999"))
}
