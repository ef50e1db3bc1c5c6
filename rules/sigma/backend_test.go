package sigma

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/rules/events"
)

const backendRules = `title: encoded powershell
id: 6b0e1f9a-1111-4c1e-9d7a-000000000001
logsource: {category: process_creation, product: windows}
detection:
    sel_img: {Image|endswith: '\powershell.exe'}
    sel_cmd: {CommandLine|contains: ' -enc '}
    sel_parent: {ParentImage|endswith: '\winword.exe'}
    sel_user: {User|contains: 'fin'}
    condition: sel_img and sel_cmd and (sel_parent or sel_user)
---
title: net discovery
id: 6b0e1f9a-1111-4c1e-9d7a-000000000002
name: net_discovery
logsource: {category: process_creation, product: windows}
detection:
    sel: {Image|endswith: ['\net.exe', '\net1.exe']}
    condition: sel
---
title: discovery burst
id: 6b0e1f9a-1111-4c1e-9d7a-000000000003
correlation:
    type: event_count
    rules: [net_discovery]
    group-by: [Computer]
    timespan: 10m
    condition: {gte: 2}
`

const backendEvents = `{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"ws1","UtcTime":"2026-03-02 08:12:00.000","Image":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","CommandLine":"powershell -w hidden -enc SQBFAFgA","ParentImage":"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE","User":"CORP\\jdoe"}
{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"ws1","UtcTime":"2026-03-02 08:13:00.000","Image":"C:\\Windows\\System32\\net.exe","CommandLine":"net group \"domain admins\" /domain","ParentImage":"C:\\Windows\\System32\\cmd.exe","User":"CORP\\jdoe"}
{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"ws1","UtcTime":"2026-03-02 08:14:00.000","Image":"C:\\Windows\\System32\\net1.exe","CommandLine":"net1 user /domain","ParentImage":"C:\\Windows\\System32\\net.exe","User":"CORP\\jdoe"}
{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"ws2","UtcTime":"2026-03-02 09:00:00.000","Image":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","CommandLine":"powershell -enc AAAA","ParentImage":"C:\\Windows\\explorer.exe","User":"CORP\\fin-ops"}
{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"ws3","UtcTime":"2026-03-02 10:00:00.000","Image":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","CommandLine":"powershell -enc AAAA","ParentImage":"C:\\Windows\\explorer.exe","User":"CORP\\hr"}
`

func backendFixture(t *testing.T) (*Set, *Pipeline, string, []*events.Event) {
	t.Helper()
	p, err := LoadPipeline("windows")
	require.NoError(t, err)
	set, err := Parse("rules.yml", []byte(backendRules), LoadOptions{Pipeline: p})
	require.NoError(t, err)
	require.Empty(t, set.Refusals)
	file := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(file, []byte(backendEvents), 0o644))
	var evs []*events.Event
	_, err = events.Read(file, func(ev *events.Event) error { evs = append(evs, ev.Clone()); return nil })
	require.NoError(t, err)
	return set, p, file, evs
}

func detections(t *testing.T, b Backend, set *Set, p *Pipeline) []string {
	t.Helper()
	var out []string
	rep, err := b.Detect(context.Background(), set, p, func(d Detection) {
		out = append(out, d.Rule.Title+" @ "+d.Source.String())
	})
	require.NoError(t, err)
	require.Equal(t, 5, rep.Events)
	sort.Strings(out)
	return out
}

// The in-memory backend and the files backend are the same engine: the
// same detections, correlations included.
func TestMemoryBackendEqualsFiles(t *testing.T) {
	set, p, file, evs := backendFixture(t)
	files := detections(t, FilesBackend{Files: []string{file}}, set, p)
	mem := detections(t, MemoryBackend{Events: evs}, set, p)
	require.Equal(t, files, mem)
	require.Len(t, mem, 3, strings.Join(mem, "\n"))
	require.Contains(t, strings.Join(mem, "\n"), "discovery burst")

	want := func(r *Rule) bool { return r.Title == "encoded powershell" }
	fm, fn, err := FilesBackend{Files: []string{file}}.Matched(context.Background(), set, p, want)
	require.NoError(t, err)
	mm, mn, err := MemoryBackend{Events: evs}.Matched(context.Background(), set, p, want)
	require.NoError(t, err)
	require.Equal(t, 5, fn)
	require.Equal(t, 5, mn)
	require.Len(t, fm, 2)
	require.Equal(t, fm[0].Source, mm[0].Source)
	require.Equal(t, fm[1].Source, mm[1].Source)

	fv, err := FilesBackend{Files: []string{file}}.Values(context.Background(), []string{"Computer", "User"})
	require.NoError(t, err)
	mv, err := MemoryBackend{Events: evs}.Values(context.Background(), []string{"Computer", "User"})
	require.NoError(t, err)
	require.Equal(t, []string{"CORP\\fin-ops", "CORP\\hr", "CORP\\jdoe", "ws1", "ws2", "ws3"}, fv)
	require.Equal(t, fv, mv)
}

// A set bound to a second engine leaves the first one matching as
// before (a rule's field slots are numbered in a fixed order; they were
// once numbered in map order, and the first engine then read the wrong
// fields).
func TestSetReboundKeepsEarlierEngine(t *testing.T) {
	set, p, _, evs := backendFixture(t)
	first := NewEngine(set, p).NewMatcher()
	count := func(m *Matcher) int {
		n := 0
		for _, ev := range evs {
			m.Match(ev, func(d Detection) {
				if d.Rule.Title == "encoded powershell" {
					n++
				}
			})
		}
		return n
	}
	require.Equal(t, 2, count(first))
	for i := 0; i < 50; i++ {
		NewEngine(set, p)
		require.Equal(t, 2, count(first), "after rebinding %d times", i+1)
	}
}
