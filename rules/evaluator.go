package rules

import (
	"time"

	"github.com/vigilsec/vigil/rules/fields"
)

// Evaluator evaluates a Ruleset against events. It owns the per-event
// scratch state (field cache, macro results, transformer buffers, counters)
// and is therefore NOT safe for concurrent use: give each goroutine its own
// Evaluator from Ruleset.NewEvaluator. Evaluators of one Ruleset share
// nothing mutable except the atomic rule counters.
type Evaluator struct {
	rs  *Ruleset
	ev  fields.Event
	gen uint32

	vals   []valSlot
	memo   []memoSlot
	tmpRef fields.Ref
	tmpVal fields.Value
	xv     [2]fields.Value
	arena  []byte

	evals     []uint64 // per rule, not yet published
	pending   int
	countdown int

	render  []byte
	rv, rtv fields.Value
	rarena  []byte
}

// flushEvery is the number of events after which an Evaluator publishes its
// evaluation counts.
const flushEvery = 1024

// maxArena is the transformer arena capacity kept between events.
const maxArena = 1 << 20

// NewEvaluator returns an evaluator for rs.
func (rs *Ruleset) NewEvaluator() *Evaluator {
	return &Evaluator{
		rs:        rs,
		vals:      make([]valSlot, rs.nslots),
		memo:      make([]memoSlot, rs.nmemo),
		evals:     make([]uint64, len(rs.rules)),
		countdown: rs.opts.TimingSampleEvery,
	}
}

// Ruleset returns the ruleset the evaluator evaluates.
func (x *Evaluator) Ruleset() *Ruleset { return x.rs }

// Evaluate evaluates the active rules bound to ev's type, in rule order, and
// calls emit (if not nil) for each rule that matches. With MatchFirst it
// stops after the first match; emit returning false stops it too. It
// returns the number of matches. Evaluate does not allocate; emit is called
// while ev is being evaluated, so it may render the detection (Detect).
func (x *Evaluator) Evaluate(ev fields.Event, emit func(r *Rule) bool) int {
	t := ev.Type()
	if int(t) >= len(x.rs.byType) {
		return 0
	}
	list := x.rs.byType[t]
	if len(list) == 0 {
		return 0
	}
	x.begin(ev)
	timed := false
	if x.rs.opts.TimingSampleEvery > 0 {
		if x.countdown--; x.countdown <= 0 {
			x.countdown = x.rs.opts.TimingSampleEvery
			timed = true
		}
	}
	first := x.rs.opts.Matching == MatchFirst
	n := 0
	for _, r := range list {
		x.evals[r.Index]++
		var hit bool
		if timed {
			t0 := time.Now()
			hit = r.cond.eval(x)
			r.stats.nanos.Add(uint64(time.Since(t0)))
			r.stats.samples.Add(1)
		} else {
			hit = r.cond.eval(x)
		}
		if !hit {
			continue
		}
		n++
		r.stats.matches.Add(1)
		if emit != nil && !emit(r) {
			break
		}
		if first {
			break
		}
	}
	x.end()
	return n
}

// Match reports whether rule r's condition holds for ev, regardless of the
// rule's event types and activity. It does not update counters.
func (x *Evaluator) Match(r *Rule, ev fields.Event) bool {
	if r.cond == nil {
		return false
	}
	x.begin(ev)
	hit := r.cond.eval(x)
	x.ev = nil
	return hit
}

func (x *Evaluator) begin(ev fields.Event) {
	x.ev = ev
	x.gen++
	if x.gen == 0 {
		// The generation wrapped: forget every cached entry.
		clear(x.vals)
		clear(x.memo)
		x.gen = 1
	}
	if cap(x.arena) > maxArena {
		x.arena = nil
	}
	x.arena = x.arena[:0]
}

func (x *Evaluator) end() {
	x.ev = nil
	x.pending++
	if x.pending >= flushEvery {
		x.Flush()
	}
}

// Flush publishes the evaluator's pending evaluation counts to the rules'
// counters. Evaluate does it every 1024 events; call it before reading
// counters when exact numbers matter, from the evaluator's goroutine.
func (x *Evaluator) Flush() {
	for i, n := range x.evals {
		if n != 0 {
			x.rs.rules[i].stats.evals.Add(n)
			x.evals[i] = 0
		}
	}
	x.pending = 0
}

// Detect renders the detection of rule r for ev at time t. It allocates the
// output string and the fields map, reusing the evaluator's render buffer.
func (x *Evaluator) Detect(r *Rule, ev fields.Event, t time.Time) Detection {
	x.render = x.render[:0]
	x.rarena = x.rarena[:0]
	x.render = r.out.render(ev, x.render, &x.rv, &x.rtv, &x.rarena)
	return Detection{Rule: r, Time: t, Output: string(x.render), OutputFields: r.out.fieldValues(ev)}
}
