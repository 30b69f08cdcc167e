// Package rules is Vigil's Falco-compatible rules engine: it compiles the
// lists, macros and rules collected by package rulefile against the field
// registry of package fields, indexes the rules by event type and evaluates
// them against events.
//
// Compilation (Compile, Load) follows Falco's loader: lists are substituted
// into conditions textually, conditions are parsed by package condition,
// macro references are resolved on the AST (a macro may only use macros
// defined before it; an undefined macro is an error even in an unused
// macro), fields are resolved and every operator is type-checked against its
// field, literal values are parsed for the field's type (integers, booleans,
// ports or service names, addresses, networks, regular expressions, hex
// byte strings), outputs are compiled, and each rule's set of event types is
// derived from its condition. Every problem is reported with its file,
// line, column, item and code; a Ruleset is only returned when there is no
// error.
//
// Evaluation compiles each condition into a tree of small nodes specialised
// at compile time for the operator and the field's type: hash or linear sets
// for in/intersects, a component trie for pmatch, an allocation-free
// fnmatch for glob (where '*' crosses '/'), full-match regular expressions.
// Macros are compiled once and shared by every rule that uses them; a
// composite macro's result is cached per event.
//
// Invariants:
//   - A Ruleset is immutable after Compile and safe for concurrent use. All
//     per-event state (the field cache, macro results, transformer scratch,
//     unpublished counters) lives in an Evaluator, which serves one
//     goroutine at a time: create one per goroutine with NewEvaluator.
//   - Evaluating an event that matches no rule does not allocate. Each field
//     is extracted at most once per event and Evaluator, whatever the
//     number of rules reading it.
//   - Missing values follow Falco: every comparison on a field the event
//     has no value for is false, including != and in; `not` of such a
//     comparison is true; only `exists` tests presence. A field without
//     index that stands for any ancestor (proc.aname) holds if the
//     comparison holds for some ancestor, parent first, at most 64 levels
//     up. A filter-only field standing for two endpoints (fd.ip, fd.net,
//     fd.port) holds for =, in and intersects when either present endpoint
//     matches, and for != when at least one endpoint is present and every
//     present endpoint differs.
//   - and/or short-circuit left to right in the order written; the engine
//     never reorders checks, so rule semantics match Falco even for
//     conditions with side-effect-free but costly checks.
//   - Rules are evaluated in definition order; with MatchFirst (Falco's
//     rule_matching: first) the first match ends the event's evaluation.
//   - Rule counters are cheap: an Evaluator counts evaluations locally and
//     publishes them every 1024 events (or on Flush); matches and sampled
//     timings are published immediately.
package rules
