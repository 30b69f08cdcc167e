package rules

import (
	"bytes"
	"strings"

	"github.com/vigilsec/vigil/rules/condition"
	"github.com/vigilsec/vigil/rules/fields"
)

// valNode compares two fields of the same event (proc.name = val(proc.pname),
// tolower(a.b) = tolower(c.d)). Both sides have the same shape after their
// transformers; the comparison is false when either side is missing.
type valNode struct {
	lhs, rhs xformOperand
	shape    xtype
	op       condition.Op
}

func (n *valNode) operand(x *Evaluator, o *xformOperand, i int) (*fields.Value, bool) {
	if len(o.chain) == 0 {
		return x.value(&o.f)
	}
	v := &x.xv[i]
	return v, x.load(o, v)
}

func (n *valNode) eval(x *Evaluator) bool {
	a, ok := n.operand(x, &n.lhs, 0)
	if !ok {
		return false
	}
	b, ok := n.operand(x, &n.rhs, 1)
	if !ok {
		return false
	}
	return compareValues(n.shape, n.op, a, b)
}

// compareValues applies op to two values of the same shape.
func compareValues(sh xtype, op condition.Op, a, b *fields.Value) bool {
	if sh.list {
		switch op {
		case condition.OpIn:
			if len(a.List) == 0 {
				return false
			}
			for _, e := range a.List {
				if !containsString(b.List, e) {
					return false
				}
			}
			return true
		case condition.OpIntersects:
			for _, e := range a.List {
				if containsString(b.List, e) {
					return true
				}
			}
		}
		return false
	}
	switch sh.typ {
	case fields.TypeString:
		return compareStrings(op, a.Str, b.Str)
	case fields.TypeBytes:
		switch op {
		case condition.OpEq, condition.OpIn, condition.OpIntersects:
			return bytes.Equal(a.Bytes, b.Bytes)
		case condition.OpNe:
			return !bytes.Equal(a.Bytes, b.Bytes)
		case condition.OpContains, condition.OpBContains:
			return bytes.Contains(a.Bytes, b.Bytes)
		case condition.OpStartsWith, condition.OpBStartsWith:
			return bytes.HasPrefix(a.Bytes, b.Bytes)
		case condition.OpEndsWith:
			return bytes.HasSuffix(a.Bytes, b.Bytes)
		}
		return false
	case fields.TypeIP, fields.TypeIPNet:
		switch op {
		case condition.OpEq, condition.OpIn, condition.OpIntersects:
			return a.IP.Unmap() == b.IP.Unmap()
		case condition.OpNe:
			return a.IP.Unmap() != b.IP.Unmap()
		}
		return false
	case fields.TypeDouble:
		if op == condition.OpNe {
			return a.Float != b.Float
		}
		if a.Float != a.Float || b.Float != b.Float {
			return false
		}
		return orderHolds(op, cmpFloat(a.Float, b.Float))
	case fields.TypeUint:
		return orderHolds(op, cmpUint(uint64(a.Int), uint64(b.Int)))
	default: // signed and small integer-carried types
		return orderHolds(op, cmpInt(a.Int, b.Int))
	}
}

// orderHolds applies an equality or ordering operator to a comparison
// result; in and intersects on single values mean equality.
func orderHolds(op condition.Op, c int) bool {
	switch op {
	case condition.OpEq, condition.OpIn, condition.OpIntersects:
		return c == 0
	case condition.OpNe:
		return c != 0
	case condition.OpLt:
		return c < 0
	case condition.OpLe:
		return c <= 0
	case condition.OpGt:
		return c > 0
	case condition.OpGe:
		return c >= 0
	}
	return false
}

func compareStrings(op condition.Op, a, b string) bool {
	switch op {
	case condition.OpContains:
		return strings.Contains(a, b)
	case condition.OpIContains:
		return indexFoldBoth(a, b) >= 0
	case condition.OpStartsWith:
		return strings.HasPrefix(a, b)
	case condition.OpEndsWith:
		return strings.HasSuffix(a, b)
	case condition.OpGlob:
		return globMatch(b, a, false)
	case condition.OpIGlob:
		return globMatch(b, a, true)
	}
	return orderHolds(op, strings.Compare(a, b))
}

// indexFoldBoth is indexFold for a needle that is not known to be lower case.
func indexFoldBoth(s, needle string) int {
	n := len(needle)
	if n == 0 {
		return 0
	}
outer:
	for i := 0; i+n <= len(s); i++ {
		for j := 0; j < n; j++ {
			if lowerASCII(s[i+j]) != lowerASCII(needle[j]) {
				continue outer
			}
		}
		return i
	}
	return -1
}

func containsString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
