package rules

import (
	"github.com/vigilsec/vigil/rules/rulefile"
)

// Matching says how many rules may match one event.
type Matching uint8

const (
	// MatchFirst stops at the first matching rule in rule order (Falco's
	// default rule_matching: first).
	MatchFirst Matching = iota
	// MatchAll reports every matching rule.
	MatchAll
)

// ParseMatching accepts Falco's rule_matching values "first" and "all".
func ParseMatching(s string) (Matching, bool) {
	switch s {
	case "first":
		return MatchFirst, true
	case "all":
		return MatchAll, true
	}
	return MatchFirst, false
}

func (m Matching) String() string {
	if m == MatchAll {
		return "all"
	}
	return "first"
}

// Options tune compilation and evaluation. The zero value is Falco's
// default behaviour.
type Options struct {
	// MinPriority is the least severe priority that is evaluated: rules
	// below it are compiled but not active. The zero value
	// (PriorityInvalid) keeps every priority, like debug.
	MinPriority rulefile.Priority
	// Matching is rule_matching: MatchFirst (default) or MatchAll.
	Matching Matching
	// MaxDepth bounds condition nesting; 0 means the parser's default.
	MaxDepth int
	// TimingSampleEvery, when positive, times every rule evaluation of one
	// event in TimingSampleEvery per Evaluator (for per-rule cost metrics).
	TimingSampleEvery int
	// WarnEvttypesAbove is the size of an event-type set above which a rule
	// gets LOAD_NO_EVTTYPE (unless warn_evttypes is false); 0 means Falco's
	// 100.
	WarnEvttypesAbove int
}

const defaultWarnEvttypesAbove = 100

func (o Options) minPriority() rulefile.Priority {
	if !o.MinPriority.Valid() {
		return rulefile.PriorityDebug
	}
	return o.MinPriority
}
