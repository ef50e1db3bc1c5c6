package sigma_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

func TestCompileMatch(t *testing.T) {
	logon := func(user, ip string) *events.Event {
		return &events.Event{Fields: []events.Field{{Name: "EventID", Value: "4625"}, {Name: "LogonType", Value: "3"},
			{Name: "TargetUserName", Value: user}, {Name: "IpAddress", Value: ip}}}
	}
	sel, err := sigma.CompileMatch(map[string]any{"EventID": 4625, "LogonType": 3, "TargetUserName|startswith": "svc_", "IpAddress": []any{"10.20.4.37", "10.20.4.38"}})
	require.NoError(t, err)
	assert.True(t, sel(logon("svc_backup", "10.20.4.37")))
	assert.True(t, sel(logon("SVC_SQL", "10.20.4.38")), "case-insensitive, as Sigma is")
	assert.False(t, sel(logon("j.moreau", "10.20.4.37")))
	assert.False(t, sel(logon("svc_backup", "10.9.9.9")))

	_, err = sigma.CompileMatch(map[string]any{"Image|nosuchmodifier": "x"})
	assert.ErrorContains(t, err, "nosuchmodifier")
	_, err = sigma.CompileMatch(nil)
	assert.ErrorContains(t, err, "an empty match selects nothing")
}
