package report_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/findings"
	"github.com/antibody-dev/antibody/report"
)

func exampleReport(t *testing.T) *report.Report {
	t.Helper()
	ws, err := findings.LoadWorkspace("../testdata/example")
	require.NoError(t, err)
	r, err := report.Build(context.Background(), ws, "../testdata/example/findings/INC-2026-031.yaml", report.Options{})
	require.NoError(t, err)
	return r
}

func TestMarkdown(t *testing.T) {
	r := exampleReport(t)
	md := r.Markdown()
	for _, want := range []string{
		"# INC-2026-031: Invoice phishing to file-server data theft over an MFA-less VPN",
		"| detected | 2026-03-05 14:30 UTC |",
		"It was detected after 3d 6h 18m.",
		"**With the defenses generated from this review, the attack would have been detected 3d 6h 18m earlier**, at 2026-03-02 08:12 UTC, by \"WINWORD starts PowerShell with a hidden window and an encoded command\"",
		"| first_action | compromise | 25s |",
		"None: every review question is answered.",
		"- **rc-vpn-no-mfa** (missing-mfa, root cause)",
		"| domain | `cdn-update-check[.]example` |",
		"| url | `hxxps://cdn-update-check[.]example/s2[.]ps1` |",
		"Regression run: 80 of 80 cases pass.",
		"| b-password-spray | T1110.003 | Many failed NTLM network logons to FS01 for different service accounts from one workstation, NTLM Password Spray From One Source |",
		"- 2026-03-06 02:10 UTC (containment): j.moreau disabled at the identity provider and VPN sessions revoked",
		"for `playbooks/malware-intrusion.md`: 7 changes, not applied yet (antibody playbook apply).",
		"| yara | MAL_UpdateHelper_Loader_Mar26 | 2 of 2 | `",
	} {
		assert.Contains(t, md, want)
	}
	require.NotNil(t, r.Projection)
	assert.Equal(t, "b97d1e8d-bf45-57f9-9f52-60f9d82bc986", r.Projection.RuleID)
}

func TestGapsAreFlaggedNotInvented(t *testing.T) {
	r := exampleReport(t)
	r.Finding.ResponseReview.NeededSooner = nil
	r.Finding.Incident.Discovery = nil
	md := r.Markdown()
	assert.Contains(t, md, "Needed sooner:\n- _not answered (gap)_")
	assert.Contains(t, md, "_How the incident was discovered is not recorded (gap)._")
}

// TestHTMLInBrowser renders the self-contained HTML report in headless
// Chromium: it loads without errors, the three charts have size, and a
// screenshot is left for review.
func TestHTMLInBrowser(t *testing.T) {
	r := exampleReport(t)
	page, err := r.HTML()
	require.NoError(t, err)
	assert.NotRegexp(t, regexp.MustCompile(`(?i)(src|href)\s*=\s*"https?:`), string(page), "nothing is fetched at view time")
	assert.Equal(t, 3, strings.Count(string(page), "<svg "))
	dom, shot := inBrowser(t, page, "INC-2026-031")
	assert.Contains(t, dom, `data-charts="3"`, "the three charts are laid out with a size")
	assert.NotContains(t, dom, "data-errors", "no script error")
	t.Logf("screenshot: %s", shot)
}

func contextWithTimeout(_ *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
