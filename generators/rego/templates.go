package rego

// The deny rules per root-cause category. Each template gets the package
// name and parameters derived from the evidence; each rule checks the
// snapshot kind first so a policy ignores snapshots of other areas.

const mfaRules = `
# Applications reachable from the internet must require MFA; an owner may
# exempt applications by name in data.antibody.params.{{.Param}}.exempt_applications.
default exempt_applications := []

exempt_applications := data.antibody.params.{{.Param}}.exempt_applications

deny contains msg if {
	input.kind == "identity"
	some app in input.applications
	app.internet_facing
	not app.require_mfa
	not app.name in exempt_applications
	msg := sprintf("application %q is reachable from the internet without MFA", [app.name])
}

deny contains msg if {
	input.kind == "identity"
	some app in input.applications
	app.internet_facing
	some user in input.users
	some group in user.groups
	group in app.allowed_groups
	not user.mfa.enrolled
	msg := sprintf("user %q can reach %q from the internet but has no MFA enrolled", [user.name, app.name])
}
`

const passwordRules = `
# Thresholds, tunable in data.antibody.params.{{.Param}}: the minimum
# password length and the lockout threshold the remediated policy set.
default min_length := {{.MinLength}}

min_length := data.antibody.params.{{.Param}}.min_length

default min_service_length := {{.MinServiceLength}}

min_service_length := data.antibody.params.{{.Param}}.min_service_length

deny contains msg if {
	input.kind == "password-policy"
	input.policy.min_length < min_length
	msg := sprintf("the password policy of %q allows %d-character passwords (expected at least %d)", [input.domain, input.policy.min_length, min_length])
}

deny contains msg if {
	input.kind == "password-policy"
	input.policy.lockout_threshold == 0
	msg := sprintf("the password policy of %q never locks an account out", [input.domain])
}

deny contains msg if {
	input.kind == "password-policy"
	some account in input.service_accounts
	account.privileged
	account.password_length < min_service_length
	msg := sprintf("privileged service account %q has a %d-character password (expected at least %d)", [account.name, account.password_length, min_service_length])
}

deny contains msg if {
	input.kind == "password-policy"
	some account in input.service_accounts
	account.in_breach_corpus
	msg := sprintf("service account %q uses a password found in breach corpora", [account.name])
}
`

const patchRules = `
# Software below the fixed version of a known vulnerability, and services
# reachable from networks wider than data.antibody.params.{{.Param}}.min_source_prefix.
default min_source_prefix := {{.MinPrefix}}

min_source_prefix := data.antibody.params.{{.Param}}.min_source_prefix

deny contains msg if {
	input.kind == "software-inventory"
	some host in input.hosts
	some software in host.software
	some advisory in input.advisories
	software.product == advisory.product
	version_less(software.version, advisory.vulnerable_below)
	msg := sprintf("%s runs %s %s, vulnerable to %s (fixed in %s)", [host.name, software.product, software.version, advisory.cve, concat(" or ", advisory.fixed_in)])
}

deny contains msg if {
	input.kind == "software-inventory"
	some service in input.exposure
	some source in service.allowed_sources
	to_number(split(source, "/")[1]) < min_source_prefix
	msg := sprintf("%s exposes %s (%s/%d) to %s, wider than a /%d", [service.host, service.service, service.protocol, service.port, source, min_source_prefix])
}

# version_less compares the numbers of two version strings in order;
# a version that is a prefix of the other is the lesser.
version_less(a, b) if {
	na := numbers_of(a)
	nb := numbers_of(b)
	some i
	na[i] < nb[i]
	count([j | some j in numbers.range(0, i); j < i; na[j] != nb[j]]) == 0
} else if {
	na := numbers_of(a)
	nb := numbers_of(b)
	count(na) < count(nb)
	every i, n in na {
		n == nb[i]
	}
}

numbers_of(v) := [to_number(x) | some x in regex.find_n(` + "`[0-9]+`" + `, v, -1)]
`
