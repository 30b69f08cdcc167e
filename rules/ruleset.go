package rules

import (
	"sync/atomic"
	"time"

	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// Rule is one compiled rule.
type Rule struct {
	Name, Desc string
	Priority   rulefile.Priority
	Source     string
	// Tags are sorted and unique.
	Tags []string
	// Enabled is the rule's enabled flag from the rules files.
	Enabled bool
	// Active reports whether the rule is evaluated: Enabled, at least
	// Options.MinPriority, and bound to at least one event type.
	Active bool
	// EventTypes is the set of event types the condition can match.
	EventTypes fields.EventSet
	// Condition is the compiled condition text: appends applied,
	// exceptions expanded, lists substituted.
	Condition string
	// Output is the output format as written.
	Output string
	// Capture and CaptureDuration are the rule's capture request.
	Capture         bool
	CaptureDuration time.Duration
	// Index is the rule's position in Ruleset.Rules (evaluation order).
	Index int

	cond  node
	out   *outputFormat
	stats *ruleStats
}

// ruleStats are a rule's shared counters; evaluators add to them in
// batches.
type ruleStats struct {
	evals, matches, samples, nanos atomic.Uint64
}

// RuleStats are a rule's evaluation counters.
type RuleStats struct {
	// Evaluations counts condition evaluations, Matches the true ones.
	Evaluations, Matches uint64
	// Samples counts timed evaluations and SampledNanos their total
	// duration (see Options.TimingSampleEvery).
	Samples, SampledNanos uint64
}

// Stats returns the rule's counters. Evaluations are published by each
// Evaluator in batches (see Evaluator.Flush); matches immediately.
func (r *Rule) Stats() RuleStats {
	return RuleStats{
		Evaluations:  r.stats.evals.Load(),
		Matches:      r.stats.matches.Load(),
		Samples:      r.stats.samples.Load(),
		SampledNanos: r.stats.nanos.Load(),
	}
}

// Ruleset is a compiled, immutable set of rules indexed by event type. It is
// safe for concurrent use; evaluation state lives in Evaluators.
type Ruleset struct {
	rules  []*Rule
	byName map[string]*Rule
	byType [][]*Rule // indexed by EventType: active rules in rule order
	types  fields.EventSet
	nslots int
	nmemo  int
	opts   Options
}

// Rules returns every compiled rule, active or not, in evaluation order.
func (rs *Ruleset) Rules() []*Rule { return append([]*Rule(nil), rs.rules...) }

// Lookup returns the rule with the given name, or nil.
func (rs *Ruleset) Lookup(name string) *Rule { return rs.byName[name] }

// EventTypes returns the union of the active rules' event types: the events
// a source must deliver.
func (rs *Ruleset) EventTypes() fields.EventSet { return rs.types }

// RulesFor returns the active rules evaluated for events of type t, in
// order.
func (rs *Ruleset) RulesFor(t fields.EventType) []*Rule {
	if int(t) >= len(rs.byType) {
		return nil
	}
	return append([]*Rule(nil), rs.byType[t]...)
}

// NumRulesFor returns how many rules an event of type t is evaluated
// against (the length of RulesFor, without its copy).
func (rs *Ruleset) NumRulesFor(t fields.EventType) int {
	if int(t) >= len(rs.byType) {
		return 0
	}
	return len(rs.byType[t])
}

// Options returns the options the ruleset was compiled with.
func (rs *Ruleset) Options() Options { return rs.opts }

// index builds the per-event-type rule lists.
func (rs *Ruleset) index() {
	rs.byType = make([][]*Rule, fields.NumEventTypes)
	rs.byName = make(map[string]*Rule, len(rs.rules))
	min := rs.opts.minPriority()
	for i, r := range rs.rules {
		r.Index = i
		rs.byName[r.Name] = r
		r.Active = r.Enabled && r.Priority.AtLeast(min) && r.EventTypes.Len() > 0
		if !r.Active {
			continue
		}
		rs.types.Union(&r.EventTypes)
		for _, t := range r.EventTypes.Types() {
			rs.byType[t] = append(rs.byType[t], r)
		}
	}
}
