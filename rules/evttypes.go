package rules

import (
	"github.com/vigilsec/vigil/rules/condition"
	"github.com/vigilsec/vigil/rules/fields"
)

// eventTypes derives the set of event types for which a condition can hold,
// the way Falco indexes rules:
//
//   - evt.type (or syscall.type) =, in, intersects → the named types;
//     != → every other type;
//   - a check that can never hold on a real event (evt.num = 0, evt.num < 1,
//     evt.num in (0)) → no type;
//   - every other check → all types ("neutral");
//   - and → intersection, or → union; not is pushed down to the checks with
//     De Morgan's laws, complementing evt.type and evt.num checks while
//     neutral checks stay neutral.
//
// Macro references are followed; a reference loop or undefined macro
// contributes all types (the condition fails to compile anyway).
func (b *builder) eventTypes(e condition.Expr) fields.EventSet {
	return b.evtSet(e, false, 0)
}

// maxMacroDepth bounds macro nesting while walking ASTs.
const maxMacroDepth = 1000

func (b *builder) evtSet(e condition.Expr, neg bool, depth int) fields.EventSet {
	switch e := e.(type) {
	case *condition.And:
		return b.combine(e.Terms, !neg, neg, depth)
	case *condition.Or:
		return b.combine(e.Terms, neg, neg, depth)
	case *condition.Not:
		return b.evtSet(e.X, !neg, depth)
	case *condition.Ident:
		m := b.macros[e.Name]
		if m == nil || m.ast == nil || depth >= maxMacroDepth {
			return fields.AllEvents()
		}
		return b.evtSet(m.ast, neg, depth+1)
	case *condition.Compare:
		set, neutral := leafEventTypes(e)
		if neutral {
			return fields.AllEvents()
		}
		if neg {
			set.Complement()
		}
		return set
	}
	return fields.AllEvents()
}

// combine intersects (intersect true) or unites the sets of terms.
func (b *builder) combine(terms []condition.Expr, intersect, neg bool, depth int) fields.EventSet {
	var acc fields.EventSet
	if intersect {
		acc = fields.AllEvents()
	}
	for _, t := range terms {
		s := b.evtSet(t, neg, depth)
		if intersect {
			acc.Intersect(&s)
		} else {
			acc.Union(&s)
		}
	}
	return acc
}

// leafEventTypes returns the set of a single check, or neutral when the
// check says nothing about event types.
func leafEventTypes(c *condition.Compare) (set fields.EventSet, neutral bool) {
	if len(c.LHS.Transformers) > 0 || c.LHS.HasArg || c.Modifier != condition.ModNone ||
		(c.RHS.Kind != condition.RHSValue && c.RHS.Kind != condition.RHSList) {
		return set, true
	}
	switch c.LHS.Field {
	case "evt.type", "syscall.type":
		switch c.Op {
		case condition.OpEq, condition.OpIn, condition.OpIntersects, condition.OpNe:
			for _, v := range c.RHS.Values {
				if t, ok := fields.LookupEventType(v.Text); ok {
					set.Add(t)
				}
			}
			if c.Op == condition.OpNe {
				set.Complement()
			}
			return set, false
		}
	case "evt.num":
		if evtNumNeverTrue(c) {
			return set, false
		}
	}
	return set, true
}

// evtNumNeverTrue reports whether a check on evt.num can never hold for a
// real event, whose number is at least 1.
func evtNumNeverTrue(c *condition.Compare) bool {
	if len(c.RHS.Values) == 0 {
		return c.Op == condition.OpIn || c.Op == condition.OpIntersects
	}
	for _, v := range c.RHS.Values {
		n, err := parseInt(v.Text)
		if err != nil {
			return false
		}
		u := uint64(n)
		possible := false
		switch c.Op {
		case condition.OpEq, condition.OpIn, condition.OpIntersects:
			possible = u >= 1
		case condition.OpLt:
			possible = u > 1
		case condition.OpLe:
			possible = u >= 1
		default:
			return false
		}
		if possible {
			return false
		}
	}
	return true
}
