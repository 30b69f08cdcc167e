package rules

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unsafe"

	"github.com/vigilsec/vigil/rules/fields"
)

// xform is a transformer applied to a field value.
type xform uint8

const (
	xfLower xform = iota + 1
	xfUpper
	xfB64
	xfBasename
	xfLen
)

var xformNames = map[string]xform{
	"tolower": xfLower, "toupper": xfUpper, "b64": xfB64, "basename": xfBasename, "len": xfLen,
}

func (t xform) String() string {
	for name, x := range xformNames {
		if x == t {
			return name
		}
	}
	return "?"
}

// xtype is the shape of a value flowing through a transformer chain.
type xtype struct {
	typ  fields.Type
	list bool
}

// result returns the shape a transformer produces from in, or an error when
// the transformer does not accept it.
func (t xform) result(in xtype) (xtype, error) {
	switch t {
	case xfLen:
		if in.list || in.typ == fields.TypeString || in.typ == fields.TypeBytes {
			return xtype{typ: fields.TypeUint}, nil
		}
	case xfB64:
		if !in.list && (in.typ == fields.TypeString || in.typ == fields.TypeBytes) {
			return xtype{typ: fields.TypeString}, nil
		}
	default:
		if !in.list && in.typ == fields.TypeString {
			return xtype{typ: fields.TypeString}, nil
		}
	}
	what := in.typ.String()
	if in.list {
		what = "list of " + what
	}
	return xtype{}, fmt.Errorf("transformer '%s' does not accept a %s value", t, what)
}

// xformOperand is a field read through a chain of transformers.
type xformOperand struct {
	f     valRef
	in    xtype
	chain []xform // innermost first
}

// load evaluates the operand into out, using the evaluator's arena for new
// strings. It reports false when the field is missing or a transformer
// cannot produce a value (invalid base64).
func (x *Evaluator) load(o *xformOperand, out *fields.Value) bool {
	v, ok := x.value(&o.f)
	if !ok {
		return false
	}
	return runChain(&x.arena, o.chain, o.in, v, out)
}

// runChain applies chain (innermost first) to v, whose shape is in, and
// stores the result in out: Str for strings, Int for len. New strings are
// appended to *arena and alias it; they stay valid until the arena is
// truncated. It reports false when a transformer yields no value.
func runChain(arena *[]byte, chain []xform, in xtype, v, out *fields.Value) bool {
	s, b, l := v.Str, v.Bytes, v.List
	cur := in
	var n int64
	for _, t := range chain {
		switch t {
		case xfLower:
			s = mapCase(arena, s, false)
		case xfUpper:
			s = mapCase(arena, s, true)
		case xfBasename:
			s = s[strings.LastIndexByte(s, '/')+1:]
		case xfB64:
			src := b
			if cur.typ == fields.TypeString {
				src = unsafe.Slice(unsafe.StringData(s), len(s))
			}
			var good bool
			if s, good = b64Decode(arena, src); !good {
				return false
			}
		case xfLen:
			switch {
			case cur.list:
				n = int64(len(l))
			case cur.typ == fields.TypeBytes:
				n = int64(len(b))
			default:
				n = int64(len(s))
			}
		}
		cur, _ = t.result(cur)
	}
	out.Reset()
	if cur.typ == fields.TypeUint {
		out.Int = n
	} else {
		out.Str = s
	}
	return true
}

// mapCase returns s in lower (upper false) or upper case, copying into the
// arena only when a byte changes.
func mapCase(arena *[]byte, s string, upper bool) string {
	lo, hi := byte('A'), byte('Z')
	if upper {
		lo, hi = 'a', 'z'
	}
	i := 0
	for i < len(s) && (s[i] < lo || s[i] > hi) {
		i++
	}
	if i == len(s) {
		return s
	}
	start := len(*arena)
	*arena = append(*arena, s...)
	buf := (*arena)[start:]
	for ; i < len(buf); i++ {
		if c := buf[i]; c >= lo && c <= hi {
			buf[i] = c ^ 0x20
		}
	}
	return unsafe.String(unsafe.SliceData(buf), len(buf))
}

// b64Decode decodes standard base64 (padded or not) into the arena.
func b64Decode(arena *[]byte, src []byte) (string, bool) {
	start := len(*arena)
	out, err := base64.StdEncoding.AppendDecode(*arena, src)
	if err != nil {
		out, err = base64.RawStdEncoding.AppendDecode((*arena)[:start], src)
		if err != nil {
			*arena = (*arena)[:start]
			return "", false
		}
	}
	*arena = out
	buf := out[start:]
	if len(buf) == 0 {
		return "", true
	}
	return unsafe.String(unsafe.SliceData(buf), len(buf)), true
}
