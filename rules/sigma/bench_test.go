package sigma_test

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"
	"github.com/stretchr/testify/require"

	"github.com/antibody-dev/antibody/rules/events"
	"github.com/antibody-dev/antibody/rules/sigma"
)

// The benchmarks run every SigmaHQ Windows rule over the events of
// EVTX-ATTACK-SAMPLES and report events/s for, in one run:
//
//	BenchmarkDecode      reading and flattening the EVTX files (the floor)
//	BenchmarkEngine/1    this engine on one core
//	BenchmarkEngine/all  this engine on every core
//	BenchmarkSigmaGo     sigma-go's evaluator on the same rules and events
//
// Run with make bench.

func benchEvents(b *testing.B) ([]*events.Event, []string) {
	b.Helper()
	dir := needCorpus(b, "evtx-attack-samples")
	files, err := events.Files([]string{dir})
	require.NoError(b, err)
	var out []*events.Event
	for _, f := range files {
		_, err := events.Read(f, func(ev *events.Event) error {
			out = append(out, ev.Clone())
			return nil
		})
		require.NoError(b, err)
	}
	return out, files
}

func benchRules(b *testing.B) *sigma.Engine {
	b.Helper()
	dir := filepath.Join(needCorpus(b, "sigmahq"), "rules", "windows")
	p, err := sigma.LoadPipeline("windows")
	require.NoError(b, err)
	set, err := sigma.Load([]string{dir}, sigma.LoadOptions{Pipeline: p})
	require.NoError(b, err)
	b.Logf("%d Windows rules loaded, %d refused", len(set.Rules), len(set.Refusals))
	return sigma.NewEngine(set, p)
}

func eventsPerSecond(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkDecode(b *testing.B) {
	evs, files := benchEvents(b)
	b.ResetTimer()
	n := 0
	for n < b.N {
		for _, f := range files {
			_, _ = events.Read(f, func(*events.Event) error { n++; return nil })
		}
	}
	eventsPerSecond(b, n)
	_ = evs
}

func BenchmarkEngine(b *testing.B) {
	evs, _ := benchEvents(b)
	e := benchRules(b)
	b.Run("1", func(b *testing.B) {
		m := e.NewMatcher()
		hits := 0
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			m.Match(evs[i%len(evs)], func(sigma.Detection) { hits++ })
		}
		eventsPerSecond(b, b.N)
		b.ReportMetric(float64(m.Evaluated)/float64(b.N), "rules-evaluated/event")
	})
	b.Run("all", func(b *testing.B) {
		var next atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			m := e.NewMatcher()
			for pb.Next() {
				i := next.Add(1)
				m.Match(evs[int(i)%len(evs)], func(sigma.Detection) {})
			}
		})
		eventsPerSecond(b, b.N)
	})
}

// BenchmarkSigmaGo runs sigma-go's evaluator, one RuleEvaluator per rule,
// over the same events, each event a map of its flattened fields. Rules
// sigma-go cannot parse are left out (which favours it).
func BenchmarkSigmaGo(b *testing.B) {
	evs, _ := benchEvents(b)
	dir := filepath.Join(needCorpus(b, "sigmahq"), "rules", "windows")
	files, err := sigma.RuleFiles([]string{dir})
	require.NoError(b, err)
	var rules []*evaluator.RuleEvaluator
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(b, err)
		r, err := sigmago.ParseRule(data)
		if err != nil {
			continue
		}
		rules = append(rules, evaluator.ForRule(r))
	}
	b.Logf("%d of %d Windows rules parse with sigma-go", len(rules), len(files))
	maps := make([]map[string]interface{}, len(evs))
	for i, ev := range evs {
		m := map[string]interface{}{}
		for _, f := range ev.Fields {
			if _, ok := m[f.Name]; !ok {
				m[f.Name] = f.Value
			}
		}
		maps[i] = m
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev := maps[i%len(maps)]
		for _, r := range rules {
			_, _ = r.Matches(ctx, ev)
		}
	}
	eventsPerSecond(b, b.N)
}
