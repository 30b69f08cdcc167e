package rules

import "github.com/vigilsec/vigil/rules/fields"

// tri is a three-valued truth: a condition over an event of which only some
// fields are known may be true, false or undecided.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// CanMatch reports whether some active rule bound to ev's event type could
// match an event of that type of which only some fields are known: known
// says which field uses ev answers for, and every other field may hold
// anything. Conditions are evaluated in three-valued logic (a comparison on
// an unknown field is undecided; and/or/not combine as in Kleene's logic),
// so false means no such event can match, whatever its other fields. The
// agent uses it to tell the kernel which records no rule can need.
func (rs *Ruleset) CanMatch(ev fields.Event, known func(fields.Ref) bool) bool {
	t := ev.Type()
	if int(t) >= len(rs.byType) {
		return false
	}
	x := rs.NewEvaluator()
	x.begin(ev)
	for _, r := range rs.byType[t] {
		if x.tri(r.cond, known) != triFalse {
			return true
		}
	}
	return false
}

// tri evaluates n on the current event, undecided where it reads a field
// known does not cover.
func (x *Evaluator) tri(n node, known func(fields.Ref) bool) tri {
	switch n := n.(type) {
	case *andNode:
		res := triTrue
		for _, t := range n.terms {
			switch x.tri(t, known) {
			case triFalse:
				return triFalse
			case triUnknown:
				res = triUnknown
			}
		}
		return res
	case *orNode:
		res := triFalse
		for _, t := range n.terms {
			switch x.tri(t, known) {
			case triTrue:
				return triTrue
			case triUnknown:
				res = triUnknown
			}
		}
		return res
	case *notNode:
		switch v := x.tri(n.x, known); v {
		case triUnknown:
			return v
		default:
			return triOf(v == triFalse)
		}
	case *memoNode:
		return x.tri(n.x, known)
	case constNode, *evtTypeNode, *evtTypeNameNode:
		return triOf(n.eval(x))
	case *cmpNode:
		return x.leaf(n, &n.f, known)
	case *strEqNode:
		return x.leaf(n, &n.f, known)
	case *strInNode:
		return x.leaf(n, &n.f, known)
	case *intEqNode:
		return x.leaf(n, &n.f, known)
	case *existsNode:
		return x.leaf(n, &n.f, known)
	}
	// Ancestor walks, either-side fields, transformers and field-to-field
	// comparisons: not analysed.
	return triUnknown
}

// leaf evaluates a single-field comparison when its field is known.
func (x *Evaluator) leaf(n node, f *valRef, known func(fields.Ref) bool) tri {
	if !known(f.ref) {
		return triUnknown
	}
	return triOf(n.eval(x))
}
