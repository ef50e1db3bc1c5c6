package example

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Incident is the example incident's id; its samples live under
// samples/<Incident>/.
const Incident = "INC-2026-031"

var (
	baselineStart = at("2026-02-09T00:00:00Z") // three weeks of normal activity
	windowStart   = at("2026-03-02T00:00:00Z") // the incident's recorded window
	windowEnd     = at("2026-03-06T03:00:00Z")
)

// Stats counts what Generate wrote.
type Stats struct {
	AttackEvents int            // events that are part of the intrusion
	BenignEvents int            // events in benign/events
	ByStage      map[string]int // attack events by ATT&CK tactic
	Files        map[string][]byte
	// Attack maps each sample file to its attack events' record ids and
	// stages, so tests can check what a finding's behaviours point at.
	Attack map[string]map[int64]string
}

// Generate builds every generated file of the example workspace, keyed by
// its slash-separated path relative to the workspace root.
func Generate() *Stats {
	g := newGen(2026_031)
	a := makeArtifacts()
	procs := map[*host]*hostProcs{
		ws07: g.baseProcs(ws07, userVictim), ws12: g.baseProcs(ws12, `CORVID\a.lindqvist`),
		fs01: g.baseProcs(fs01, ""), adm03: g.baseProcs(adm03, userAdmin),
	}
	for day := baselineStart; day.Before(windowEnd); day = day.Add(24 * time.Hour) {
		psexec := day.Weekday() == time.Thursday
		g.workstationDay(ws07, userVictim, procs[ws07], day)
		g.workstationDay(ws12, `CORVID\a.lindqvist`, procs[ws12], day)
		g.serverDay(fs01, procs[fs01], day, psexec)
		g.adminDay(adm03, procs[adm03], day, psexec)
	}
	// The laptop was isolated on the afternoon of 5 March: nothing after.
	isolated := at("2026-03-05T16:02:00Z")
	kept := g.events[:0]
	for _, e := range g.events {
		if e.host == ws07 && e.t.After(isolated) && e.stage == "" {
			continue
		}
		kept = append(kept, e)
	}
	g.events = kept
	g.attack(a, procs[ws07], procs[fs01])

	st := &Stats{ByStage: map[string]int{}, Files: map[string][]byte{}, Attack: map[string]map[int64]string{}}
	streams := g.streams()
	keys := make([]string, 0, len(streams))
	for k := range streams {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		evs := streams[k]
		h := evs[0].host
		channel := "sysmon"
		if evs[0].channel == chSecurity {
			channel = "security"
		}
		name := strings.ToLower(h.name) + "-" + channel + ".jsonl"
		samplePath := "samples/" + Incident + "/events/" + name
		var sample, benign bytes.Buffer
		for _, e := range evs {
			if e.t.After(windowEnd) {
				continue
			}
			if e.stage != "" {
				st.AttackEvents++
				st.ByStage[e.stage]++
			}
			inWindow := !e.t.Before(windowStart)
			attackHost := h == ws07 || h == fs01
			switch {
			case inWindow && attackHost:
				sample.Write(jsonLine(e))
				if e.stage != "" {
					if st.Attack[samplePath] == nil {
						st.Attack[samplePath] = map[int64]string{}
					}
					st.Attack[samplePath][e.record] = e.stage
				}
			case e.stage == "":
				st.BenignEvents++
				benign.Write(jsonLine(e))
			}
		}
		if sample.Len() > 0 {
			st.Files[samplePath] = sample.Bytes()
		}
		if benign.Len() > 0 {
			st.Files["benign/events/"+name] = benign.Bytes()
		}
	}
	files := "samples/" + Incident + "/files/"
	st.Files[files+"update_helper.exe"] = a.loader.content
	st.Files[files+"vbrcreds.exe"] = a.tool.content
	st.Files[files+"stage2.ps1"] = a.stage2
	st.Files[files+"Invoice_0342_March.docm"] = a.doc
	for name, data := range benignFiles() {
		st.Files["benign/files/"+name] = data
	}
	for name, data := range configs() {
		st.Files[name] = data
	}
	return st
}

// Write writes the generated files under root, replacing what is there.
func Write(root string, st *Stats) error {
	for name, data := range st.Files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}
