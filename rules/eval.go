package rules

import (
	"github.com/vigilsec/vigil/rules/fields"
)

// node is one compiled piece of a condition. eval reports whether it holds
// for the event the evaluator is currently looking at. Nodes are immutable
// and shared between rules and goroutines; all mutable state lives in the
// Evaluator.
type node interface {
	eval(x *Evaluator) bool
}

// valRef is a field use with its slot in the per-event extraction cache.
// Every distinct (field, argument) of a ruleset has one slot.
type valRef struct {
	ref  fields.Ref
	slot int32
}

// valSlot caches one field's value for the current event.
type valSlot struct {
	gen uint32
	ok  bool
	v   fields.Value
}

// memoSlot caches one macro's result for the current event.
type memoSlot struct {
	gen uint32
	res bool
}

// maxAncestors bounds the walk of an any-ancestor field (proc.aname without
// index).
const maxAncestors = 64

// value returns the value of f for the current event, extracting it at most
// once per event.
func (x *Evaluator) value(f *valRef) (*fields.Value, bool) {
	s := &x.vals[f.slot]
	if s.gen != x.gen {
		s.gen = x.gen
		s.v.Reset()
		s.ok = x.ev.Extract(&f.ref, &s.v)
	}
	return &s.v, s.ok
}

type andNode struct{ terms []node }

func (n *andNode) eval(x *Evaluator) bool {
	for _, t := range n.terms {
		if !t.eval(x) {
			return false
		}
	}
	return true
}

type orNode struct{ terms []node }

func (n *orNode) eval(x *Evaluator) bool {
	for _, t := range n.terms {
		if t.eval(x) {
			return true
		}
	}
	return false
}

type notNode struct{ x node }

func (n *notNode) eval(x *Evaluator) bool { return !n.x.eval(x) }

// constNode is a condition whose value is known at compile time.
type constNode bool

func (n constNode) eval(*Evaluator) bool { return bool(n) }

// memoNode caches the result of a shared macro for the current event, so a
// macro used by many rules is evaluated once per event.
type memoNode struct {
	x    node
	slot int32
}

func (n *memoNode) eval(x *Evaluator) bool {
	s := &x.memo[n.slot]
	if s.gen == x.gen {
		return s.res
	}
	r := n.x.eval(x)
	s.gen, s.res = x.gen, r
	return r
}

// evtTypeNode is evt.type =, !=, in or intersects against literal names,
// answered from the event's type without extraction.
type evtTypeNode struct {
	set fields.EventSet
	neg bool
}

func (n *evtTypeNode) eval(x *Evaluator) bool {
	t := x.ev.Type()
	if t >= fields.NumEventTypes {
		return n.neg
	}
	return n.set.Has(t) != n.neg
}

// evtTypeNameNode applies a string operator to the event-type name.
type evtTypeNameNode struct {
	m   strMatcher
	neg bool
}

func (n *evtTypeNameNode) eval(x *Evaluator) bool {
	return n.m.matchString(x.ev.Type().String()) != n.neg
}

// cmpNode compares a plain field. neg turns = into != (and only for a
// present value: a missing value fails every comparison).
type cmpNode struct {
	f   valRef
	m   matcher
	neg bool
}

func (n *cmpNode) eval(x *Evaluator) bool {
	v, ok := x.value(&n.f)
	return ok && n.m.match(v) != n.neg
}

// strEqNode is the common case of = / != on a plain string field, without
// the matcher indirection.
type strEqNode struct {
	f   valRef
	s   string
	neg bool
}

func (n *strEqNode) eval(x *Evaluator) bool {
	v, ok := x.value(&n.f)
	return ok && (v.Str == n.s) != n.neg
}

// strInNode is `in` on a plain single-valued string field.
type strInNode struct {
	f   valRef
	set stringSet
}

func (n *strInNode) eval(x *Evaluator) bool {
	v, ok := x.value(&n.f)
	return ok && n.set.has(v.Str)
}

// intEqNode is = / != on a plain integer-carried field (ints, bool, port).
type intEqNode struct {
	f   valRef
	n   int64
	neg bool
}

func (n *intEqNode) eval(x *Evaluator) bool {
	v, ok := x.value(&n.f)
	return ok && (v.Int == n.n) != n.neg
}

// existsNode is `exists` on a plain field.
type existsNode struct{ f valRef }

func (n *existsNode) eval(x *Evaluator) bool {
	_, ok := x.value(&n.f)
	return ok
}

// ancestorNode is a comparison on an any-ancestor field used without index
// (proc.aname = x): it holds when it holds for some ancestor, parent first,
// up to maxAncestors. `!=` holds as soon as one ancestor differs.
type ancestorNode struct {
	id  fields.ID
	m   matcher // nil for exists
	neg bool
}

func (n *ancestorNode) eval(x *Evaluator) bool {
	for i := 1; i <= maxAncestors; i++ {
		x.tmpRef = fields.Ref{ID: n.id, Arg: fields.Arg{Kind: fields.ArgIndex, Index: i}}
		x.tmpVal.Reset()
		if !x.ev.Extract(&x.tmpRef, &x.tmpVal) {
			return false
		}
		if n.m == nil || n.m.match(&x.tmpVal) != n.neg {
			return true
		}
	}
	return false
}

// eitherNode compares a filter-only field that stands for two fields (fd.ip
// is fd.cip or fd.sip). =, in and intersects hold when they hold for either
// present side. != holds when at least one side is present and every
// present side differs — the exact negation of = over the known sides, and
// false when both sides are missing.
type eitherNode struct {
	a, b valRef
	m    matcher // nil for exists
	neg  bool
}

func (n *eitherNode) eval(x *Evaluator) bool {
	va, oka := x.value(&n.a)
	vb, okb := x.value(&n.b)
	if n.m == nil {
		return oka || okb
	}
	if !n.neg {
		return (oka && n.m.match(va)) || (okb && n.m.match(vb))
	}
	if !oka && !okb {
		return false
	}
	return (!oka || !n.m.match(va)) && (!okb || !n.m.match(vb))
}

// xformNode compares a transformed field (tolower(proc.name) = x).
type xformNode struct {
	o   xformOperand
	m   matcher // nil for exists
	neg bool
}

func (n *xformNode) eval(x *Evaluator) bool {
	v := &x.xv[0]
	if !x.load(&n.o, v) {
		return false
	}
	return n.m == nil || n.m.match(v) != n.neg
}
