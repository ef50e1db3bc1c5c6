package example

// Variants are second builds of the example's attacker tools, as a
// defender would meet them next time: a new version string, strings in a
// different order, a different build time and one task added or renamed.
// They are not part of the example workspace; tests use them to prove that
// signatures generated from the first build still catch the second.
func Variants() map[string][]byte {
	loader := buildPE(peSpec{
		timestamp: 0x66F0A1B2,
		imports:   loaderImports,
		rdata: []string{
			"task:exec", "task:upload", "task:download", "task:sleep", "-silent",
			"UHLP/3.3 beacon interval=%u jitter=%u skew=%u", "updhelper.exe",
			`C:\build\updhelper\x64\Release\updhelper.pdb`,
		},
		data: []string{"Software\\Microsoft\\Windows\\CurrentVersion\\Run", "https://cdn-update-check.example/api/v3/poll"},
		wide: []string{"UpdateHelper", "Global\\UHLP-7f3a91c2", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0 UHLP"},
	})
	tool := buildPE(peSpec{
		timestamp: 0x66A1B2C3,
		console:   true,
		imports:   toolImports,
		rdata: []string{
			"[+] dumped %d credential(s) from %s", "usage: vbrcreds --target HOST:PORT --dump [--json]",
			"CredentialsDbScope.GetAllCreds", "vbrcreds 1.1", "net.tcp://%s/%s", "Veeam.Backup.Interaction.MountService",
		},
		data: []string{"CVE-2023-27532"},
	})
	return map[string][]byte{"update_helper_v3.3.exe": loader, "vbrcreds_v1.1.exe": tool}
}
