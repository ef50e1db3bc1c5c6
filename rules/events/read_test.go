package events_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/rules/events"
)

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return path
}

func readAll(t *testing.T, path string) ([]events.Event, events.Stats) {
	t.Helper()
	var out []events.Event
	st, err := events.Read(path, func(ev *events.Event) error {
		out = append(out, *ev.Clone())
		return nil
	})
	require.NoError(t, err)
	return out, st
}

func get(t *testing.T, ev events.Event, name string) string {
	t.Helper()
	v, ok := ev.Get(name)
	require.True(t, ok, "field %s in %v", name, ev.Fields)
	return v
}

func TestFormats(t *testing.T) {
	flat := `{"TimeCreated":"2026-03-02T07:58:49.003Z","Channel":"Security","EventID":4688,"EventRecordID":2115365,"NewProcessName":"C:\\x.exe","Tags":["a","b"],"Nested":{"Key":"v"}}`
	// SigmaHQ's EVTX-as-JSON as evtx_dump writes it.
	dump := `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon","Guid":"{5770385f}"}},"EventID":10,"TimeCreated":{"#attributes":{"SystemTime":"2020-06-30T20:50:25.546713Z"}},"EventRecordID":303867,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"PC"},"EventData":{"GrantedAccess":"0x1fffff","TargetImage":"C:\\Windows\\system32\\lsass.exe"}}}`
	// The same as Velocidex writes it: typed numbers, {"Value": ...}.
	velo := `{"Event":{"System":{"Provider":{"Name":"Microsoft-Windows-Sysmon"},"EventID":{"Value":10,"Qualifiers":0},"Keywords":9223372036854775808,"TimeCreated":{"SystemTime":1593550225.5467136},"EventRecordID":303867,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"PC","Security":{"UserID":"S-1-5-18"}},"EventData":{"GrantedAccess":2097151,"SourceProcessId":1972},"UserData":null}}`
	unnamed := `{"Event":{"System":{"EventID":400,"Channel":"Windows PowerShell"},"EventData":{"Data":["Available","None","HostName=ConsoleHost"]}}}`

	t.Run("jsonl", func(t *testing.T) {
		evs, st := readAll(t, write(t, "a.jsonl", []byte(flat+"\n\n"+dump+"\n")))
		require.Len(t, evs, 2)
		assert.Empty(t, st.Damage)
		assert.Equal(t, "4688", get(t, evs[0], "EventID"))
		assert.Equal(t, "v", get(t, evs[0], "Nested.Key"))
		assert.Equal(t, uint64(2115365), evs[0].Source.Record)
		assert.Equal(t, 1, evs[0].Source.Line)
		assert.Equal(t, 3, evs[1].Source.Line)
		assert.Equal(t, "2026-03-02T07:58:49.003Z", evs[0].Time.Format("2006-01-02T15:04:05.000Z07:00"))
		var tags []string
		for _, f := range evs[0].Fields {
			if f.Name == "Tags" {
				tags = append(tags, f.Value)
			}
		}
		assert.Equal(t, []string{"a", "b"}, tags)
	})
	t.Run("evtx_dump shape", func(t *testing.T) {
		evs, _ := readAll(t, write(t, "a.json", []byte(dump)))
		require.Len(t, evs, 1)
		e := evs[0]
		assert.Equal(t, "10", get(t, e, "EventID"))
		assert.Equal(t, "Microsoft-Windows-Sysmon", get(t, e, "Provider_Name"))
		assert.Equal(t, "0x1fffff", get(t, e, "GrantedAccess"))
		assert.Equal(t, "2020-06-30T20:50:25.546713Z", get(t, e, "TimeCreated"))
		assert.Equal(t, uint64(303867), e.Source.Record)
	})
	t.Run("velocidex shape renders hex as Windows does", func(t *testing.T) {
		evs, _ := readAll(t, write(t, "a.json", []byte(velo)))
		require.Len(t, evs, 1)
		e := evs[0]
		assert.Equal(t, "10", get(t, e, "EventID"))
		assert.Equal(t, "0", get(t, e, "EventID_Qualifiers"))
		assert.Equal(t, "0x1fffff", get(t, e, "GrantedAccess"))
		assert.Equal(t, "1972", get(t, e, "SourceProcessId"), "Sysmon process ids stay decimal")
		assert.Equal(t, "0x8000000000000000", get(t, e, "Keywords"))
		assert.Equal(t, "S-1-5-18", get(t, e, "Security_UserID"))
		assert.Equal(t, "2020-06-30T20:50:25.5467136Z", get(t, e, "TimeCreated"))
	})
	t.Run("unnamed data elements become Data", func(t *testing.T) {
		evs, _ := readAll(t, write(t, "a.json", []byte(unnamed)))
		require.Len(t, evs, 1)
		var data []string
		for _, f := range evs[0].Fields {
			if f.Name == "Data" {
				data = append(data, f.Value)
			}
		}
		assert.Equal(t, []string{"Available", "None", "HostName=ConsoleHost"}, data)
	})
	t.Run("array", func(t *testing.T) {
		evs, st := readAll(t, write(t, "a.json", []byte("[\n"+flat+",\n"+dump+"\n]")))
		assert.Len(t, evs, 2)
		assert.Empty(t, st.Damage)
		assert.Equal(t, 2, evs[1].Source.Line)
	})
	t.Run("pretty-printed objects", func(t *testing.T) {
		evs, st := readAll(t, write(t, "a.json", []byte("{\n  \"A\": 1\n}\n{\n  \"A\": 2\n}\n")))
		assert.Len(t, evs, 2)
		assert.Empty(t, st.Damage)
	})
	t.Run("gzip", func(t *testing.T) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(flat + "\n" + flat + "\n"))
		zw.Close()
		evs, st := readAll(t, write(t, "a.jsonl.gz", buf.Bytes()))
		assert.Len(t, evs, 2)
		assert.Empty(t, st.Damage)
	})
}

func TestDamage(t *testing.T) {
	good := `{"A":"1"}`
	t.Run("bad line is skipped and reported", func(t *testing.T) {
		evs, st := readAll(t, write(t, "a.jsonl", []byte(good+"\n{\"A\": \n"+good+"\n[1]\n")))
		assert.Len(t, evs, 2)
		require.Len(t, st.Damage, 2)
		assert.Equal(t, 2, st.Damage[0].Line)
		assert.Equal(t, int64(10), st.Damage[0].Offset)
		assert.Contains(t, st.Damage[1].Message, "expected an object")
	})
	t.Run("truncated array keeps what was read", func(t *testing.T) {
		evs, st := readAll(t, write(t, "a.json", []byte("["+good+","+good+",{\"A\"")))
		assert.Len(t, evs, 2)
		require.Len(t, st.Damage, 1)
		assert.Contains(t, st.Damage[0].Message, "element 3")
	})
	t.Run("truncated gzip keeps what was read", func(t *testing.T) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(strings.Repeat(good+"\n", 5000)))
		zw.Close()
		data := buf.Bytes()[:buf.Len()-20]
		evs, st := readAll(t, write(t, "a.jsonl.gz", data))
		assert.Greater(t, len(evs), 4000)
		require.NotEmpty(t, st.Damage)
		assert.Contains(t, st.Damage[0].Message, "stream ends early")
	})
	t.Run("not JSON", func(t *testing.T) {
		evs, st := readAll(t, write(t, "a.json", []byte("hello")))
		assert.Empty(t, evs)
		require.Len(t, st.Damage, 1)
		assert.Contains(t, st.Damage[0].Message, "not JSON")
	})
	t.Run("not EVTX", func(t *testing.T) {
		evs, st := readAll(t, write(t, "a.evtx", []byte("ElfFile\x00 but short")))
		assert.Empty(t, evs)
		require.Len(t, st.Damage, 1)
		assert.Contains(t, st.Damage[0].Message, "not a readable EVTX file")
	})
	t.Run("unknown extension", func(t *testing.T) {
		_, err := events.Read(write(t, "a.txt", []byte(good)), func(*events.Event) error { return nil })
		require.Error(t, err)
		assert.Contains(t, err.Error(), "expected .evtx, .jsonl, .ndjson or .json")
	})
}

const corpus = "../../../shared/corpus/evtx-attack-samples"

// TestCorpusEVTX: every EVTX file of EVTX-ATTACK-SAMPLES parses without
// damage, and a truncated copy of one still yields its readable records.
func TestCorpusEVTX(t *testing.T) {
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("corpus not present at %s: %v", corpus, err)
	}
	files, err := events.Files([]string{corpus})
	require.NoError(t, err)
	require.Len(t, files, 160)
	total := 0
	for _, f := range files {
		evs, st := readAll(t, f)
		assert.Empty(t, st.Damage, f)
		assert.NotEmpty(t, evs, f)
		for _, e := range evs {
			if _, ok := e.Get("EventID"); !ok {
				t.Errorf("%s: record %d has no EventID", f, e.Source.Record)
				break
			}
		}
		total += len(evs)
	}
	assert.Equal(t, 3269, total)

	src := filepath.Join(corpus, "defense-evasion", "DE_1102_security_log_cleared.evtx")
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	full, _ := readAll(t, src)
	cut := write(t, "cut.evtx", data[:4096+65536+30000])
	evs, st := readAll(t, cut)
	assert.NotEmpty(t, evs)
	assert.Less(t, len(evs), len(full))
	assert.NotEmpty(t, st.Damage, "the cut chunk is reported")
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"A":"1"}` + "\n" + `{"Event":{"System":{"EventID":{"Value":1}}}}`))
	f.Add([]byte(`[{"A":1},{"B":[1,2,{"C":null}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		for _, name := range []string{"a.json", "a.jsonl", "a.evtx"} {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := events.Read(path, func(*events.Event) error { return nil }); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	})
}
