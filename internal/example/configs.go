package example

// configs returns the configuration snapshots: before and after the
// remediation for each root cause, and compliant snapshots as benign data.
// The shapes are those documented for policy input in docs/finding.md.
func configs() map[string][]byte {
	dir := "samples/" + Incident + "/configs/"
	type obj = map[string]any
	type list = []any
	user := func(name string, groups list, privileged, enrolled bool, methods list, last string) obj {
		return obj{"name": name, "groups": groups, "privileged": privileged,
			"mfa": obj{"enrolled": enrolled, "methods": methods}, "last_login": last}
	}
	idp := func(collected string, vpnMFA bool, moreauEnrolled bool) obj {
		moreauMethods := list{}
		if moreauEnrolled {
			moreauMethods = list{"authenticator-app"}
		}
		return obj{
			"kind": "identity", "source": "idp.corvid.example tenant export", "collected": collected,
			"applications": list{
				obj{"name": "vpn", "display_name": "Remote-access VPN portal (vpn.corvid.example)", "internet_facing": true,
					"require_mfa": vpnMFA, "allowed_groups": list{"vpn-users"}},
				obj{"name": "m365", "display_name": "Microsoft 365", "internet_facing": true, "require_mfa": true, "allowed_groups": list{"all-staff"}},
			},
			"users": list{
				user("j.moreau", list{"finance", "vpn-users", "all-staff"}, false, moreauEnrolled, moreauMethods, "2026-02-27T17:02:11Z"),
				user("a.lindqvist", list{"finance", "vpn-users", "all-staff"}, false, true, list{"authenticator-app"}, "2026-02-28T08:14:40Z"),
				user("m.okafor", list{"finance", "all-staff"}, false, true, list{"fido2"}, "2026-02-28T09:01:07Z"),
				user("adm.kowalski", list{"it-admins", "vpn-users", "all-staff"}, true, true, list{"fido2", "authenticator-app"}, "2026-02-28T07:55:32Z"),
			},
		}
	}
	pwd := func(collected string, minLen, lockout int, svc obj) obj {
		return obj{
			"kind": "password-policy", "source": "Get-ADDefaultDomainPasswordPolicy and password audit", "collected": collected,
			"domain": "corvid.example",
			"policy": obj{"min_length": minLen, "complexity": true, "history": 24, "max_age_days": 365,
				"lockout_threshold": lockout, "lockout_duration_minutes": map[bool]int{true: 0, false: 30}[lockout == 0]},
			"service_accounts": list{svc,
				obj{"name": "svc_veeam", "managed": false, "password_length": 24, "password_last_set": "2025-11-03", "in_breach_corpus": false, "privileged": true},
			},
		}
	}
	sw := func(collected, veeamVersion string, sources list) obj {
		return obj{
			"kind": "software-inventory", "source": "inventory agent", "collected": collected,
			"hosts": list{obj{"name": "FS01", "os": "Windows Server 2019 17763.5458", "software": list{
				obj{"product": "Veeam Backup & Replication", "vendor": "Veeam", "version": veeamVersion},
				obj{"product": "7-Zip", "vendor": "Igor Pavlov", "version": "23.01"},
				obj{"product": "Microsoft Defender Antivirus", "vendor": "Microsoft", "version": "4.18.24010.12"},
			}}},
			"advisories": list{obj{"product": "Veeam Backup & Replication", "cve": "CVE-2023-27532",
				"vulnerable_below": "11.0.1.1261 P20230227", "fixed_in": list{"11.0.1.1261 P20230227", "12.0.0.1420 P20230223"}}},
			"exposure": list{obj{"host": "FS01", "port": 9401, "protocol": "tcp", "service": "Veeam Backup Service", "allowed_sources": sources}},
		}
	}
	return map[string][]byte{
		dir + "idp-2026-03-01.json": mustJSON(idp("2026-03-01T00:00:00Z", false, false)),
		dir + "idp-2026-03-10.json": mustJSON(idp("2026-03-10T00:00:00Z", true, true)),
		dir + "ad-password-2026-03-01.json": mustJSON(pwd("2026-03-01T00:00:00Z", 8, 0,
			obj{"name": "svc_backup", "managed": false, "password_length": 9, "password_last_set": "2019-05-14", "in_breach_corpus": true, "privileged": true})),
		dir + "ad-password-2026-03-10.json": mustJSON(pwd("2026-03-10T00:00:00Z", 14, 10,
			obj{"name": "svc_backup", "managed": true, "password_length": 120, "password_last_set": "2026-03-08", "in_breach_corpus": false, "privileged": true})),
		dir + "fs01-software-2026-03-01.json":   mustJSON(sw("2026-03-01T00:00:00Z", "11.0.1.1261", list{"10.20.0.0/16"})),
		dir + "fs01-software-2026-03-10.json":   mustJSON(sw("2026-03-10T00:00:00Z", "12.1.2.172", list{"10.20.13.0/28"})),
		"benign/configs/idp-branch-office.json": mustJSON(idp("2026-03-01T00:00:00Z", true, true)),
		"benign/configs/fs02-software.json":     mustJSON(sw("2026-03-01T00:00:00Z", "12.1.2.172", list{"10.20.13.0/28"})),
	}
}
