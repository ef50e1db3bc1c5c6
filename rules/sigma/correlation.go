package sigma

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/antibody-dev/antibody/rules/events"
)

// corrHit is one event that fed a correlation.
type corrHit struct {
	corr  int
	pos   int // which of the correlation's rules matched
	t     time.Time
	src   events.Source
	group []string
	val   string
}

func (m *Matcher) recordHit(r int) {
	e, v := m.e, m.v
	rule := e.rules[r]
	for _, f := range e.feeds[r] {
		c := e.corrs[f.corr].correlation
		h := corrHit{corr: f.corr, pos: f.pos, t: v.ev.Time, src: v.ev.Source}
		for _, g := range c.GroupBy {
			h.group = append(h.group, m.fieldFor(c, rule, g))
		}
		if c.Field != "" {
			h.val = m.fieldFor(c, rule, c.Field)
		}
		m.hits = append(m.hits, h)
	}
}

// fieldFor reads a correlation field from the current event, through the
// correlation's aliases for this rule.
func (m *Matcher) fieldFor(c *Correlation, rule *Rule, name string) string {
	if alias, ok := c.Aliases[name]; ok {
		if f, ok := alias[rule.Name]; ok {
			name = f
		} else if f, ok := alias[rule.ID]; ok {
			name = f
		}
	}
	if s, ok := m.e.slotOf[name]; ok {
		if idx := m.v.first(s); idx >= 0 {
			return m.v.raw(idx)
		}
	}
	val, _ := m.v.ev.Get(name)
	return val
}

// Correlate decides the correlation rules over the hits the matchers
// recorded, in time order, and returns their detections. Correlations of
// correlations are decided after the ones they build on.
func (e *Engine) Correlate(ms ...*Matcher) []Detection {
	var hits []corrHit
	for _, m := range ms {
		hits = append(hits, m.hits...)
		m.hits = nil
	}
	byCorr := make([][]corrHit, len(e.corrs))
	for _, h := range hits {
		byCorr[h.corr] = append(byCorr[h.corr], h)
	}
	index := map[*Rule]int{}
	for i, c := range e.corrs {
		index[c] = i
	}
	var out []Detection
	done := make([]bool, len(e.corrs))
	for progress := true; progress; {
		progress = false
		for ci, cr := range e.corrs {
			if done[ci] {
				continue
			}
			ready := true
			for _, t := range cr.correlation.targets {
				if j, ok := index[t]; ok && !done[j] {
					ready = false
				}
			}
			if !ready {
				continue
			}
			dets := decide(cr, byCorr[ci])
			done[ci], progress = true, true
			// Feed correlations that build on this one.
			for cj, other := range e.corrs {
				for pos, t := range other.correlation.targets {
					if t != cr {
						continue
					}
					for _, d := range dets {
						h := corrHit{corr: cj, pos: pos, t: d.Time, src: d.Source}
						for _, g := range other.correlation.GroupBy {
							h.group = append(h.group, d.Group[g])
						}
						byCorr[cj] = append(byCorr[cj], h)
					}
				}
			}
			if cr.correlation.Generate || !isTarget(e.corrs, cr) {
				out = append(out, dets...)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

func isTarget(corrs []*Rule, r *Rule) bool {
	for _, c := range corrs {
		for _, t := range c.correlation.targets {
			if t == r {
				return true
			}
		}
	}
	return false
}

// decide runs one correlation over its hits.
func decide(cr *Rule, hits []corrHit) []Detection {
	c := cr.correlation
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].t.Before(hits[j].t) })
	groups := map[string][]corrHit{}
	var keys []string
	for _, h := range hits {
		k := strings.Join(h.group, "\x00")
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], h)
	}
	var out []Detection
	for _, k := range keys {
		seq := groups[k]
		start := 0
		for end := 0; end < len(seq); end++ {
			for seq[end].t.Sub(seq[start].t) > c.Timespan {
				start++
			}
			window := seq[start : end+1]
			if !holds(c, window) {
				continue
			}
			d := Detection{Rule: cr, Time: seq[end].t, Source: seq[end].src, Group: map[string]string{}}
			for i, g := range c.GroupBy {
				d.Group[g] = seq[end].group[i]
			}
			for _, h := range window {
				d.Events = append(d.Events, h.src)
			}
			out = append(out, d)
			// The events that fired are used up; the next detection
			// needs new ones.
			start = end + 1
		}
	}
	return out
}

func holds(c *Correlation, window []corrHit) bool {
	all := func(x float64) bool {
		for _, b := range c.Conditions {
			if !b.holds(x) {
				return false
			}
		}
		return true
	}
	switch c.Type {
	case "event_count":
		return all(float64(len(window)))
	case "value_count":
		distinct := map[string]bool{}
		for _, h := range window {
			if h.val != "" {
				distinct[h.val] = true
			}
		}
		return all(float64(len(distinct)))
	case "value_sum", "value_avg", "value_percentile":
		var nums []float64
		for _, h := range window {
			if n, err := strconv.ParseFloat(strings.TrimSpace(h.val), 64); err == nil {
				nums = append(nums, n)
			}
		}
		if len(nums) == 0 {
			return false
		}
		var x float64
		switch c.Type {
		case "value_sum", "value_avg":
			for _, n := range nums {
				x += n
			}
			if c.Type == "value_avg" {
				x /= float64(len(nums))
			}
		default:
			sort.Float64s(nums)
			rank := c.Percentile / 100 * float64(len(nums)-1)
			lo := int(math.Floor(rank))
			hi := int(math.Ceil(rank))
			x = nums[lo] + (nums[hi]-nums[lo])*(rank-float64(lo))
		}
		return all(x)
	case "temporal":
		distinct := map[int]bool{}
		for _, h := range window {
			distinct[h.pos] = true
		}
		if len(c.Conditions) > 0 {
			return all(float64(len(distinct)))
		}
		return len(distinct) == len(c.Rules)
	case "temporal_ordered":
		next := 0
		for _, h := range window {
			if h.pos == next {
				next++
				if next == len(c.Rules) {
					return true
				}
			}
		}
		return false
	}
	return false
}
