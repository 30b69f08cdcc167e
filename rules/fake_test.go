package rules

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/rules/condition"
	"github.com/vigilsec/vigil/rules/fields"
)

// fakeRegistry is a small field registry for engine tests that must not
// depend on the contents of the real one.
type fakeRegistry struct {
	byName map[string]*fields.Field
}

func newFakeRegistry() *fakeRegistry {
	r := &fakeRegistry{byName: map[string]*fields.Field{}}
	add := func(f fields.Field) *fields.Field {
		f.ID = fields.ID(len(r.byName) + 1)
		p := &f
		r.byName[f.Name] = p
		return p
	}
	add(fields.Field{Name: "evt.type", Type: fields.TypeString})
	add(fields.Field{Name: "evt.num", Type: fields.TypeUint})
	add(fields.Field{Name: "evt.rawres", Type: fields.TypeInt})
	add(fields.Field{Name: "evt.res", Type: fields.TypeString})
	add(fields.Field{Name: "evt.dir", Type: fields.TypeString, Flags: fields.Deprecated})
	add(fields.Field{Name: "evt.buffer", Type: fields.TypeBytes})
	add(fields.Field{Name: "evt.is_open_read", Type: fields.TypeBool})
	add(fields.Field{Name: "evt.arg", Type: fields.TypeString, Arg: fields.ArgIndexOrKey, Flags: fields.DottedArg | fields.NoRHS})
	add(fields.Field{Name: "proc.name", Type: fields.TypeString})
	add(fields.Field{Name: "proc.pname", Type: fields.TypeString})
	add(fields.Field{Name: "proc.exepath", Type: fields.TypeString})
	add(fields.Field{Name: "proc.cmdline", Type: fields.TypeString})
	add(fields.Field{Name: "proc.args", Type: fields.TypeString})
	add(fields.Field{Name: "proc.tty", Type: fields.TypeUint})
	add(fields.Field{Name: "proc.pid", Type: fields.TypeInt})
	add(fields.Field{Name: "proc.aname", Type: fields.TypeString, Arg: fields.ArgIndexOptional, Flags: fields.AnyAncestor | fields.NoRHS})
	add(fields.Field{Name: "proc.env", Type: fields.TypeString, Arg: fields.ArgKeyOptional})
	add(fields.Field{Name: "thread.cpu_usage", Type: fields.TypeDouble})
	add(fields.Field{Name: "user.name", Type: fields.TypeString})
	add(fields.Field{Name: "user.uid", Type: fields.TypeUint})
	add(fields.Field{Name: "fd.name", Type: fields.TypeString})
	add(fields.Field{Name: "fd.directory", Type: fields.TypeString})
	add(fields.Field{Name: "fd.num", Type: fields.TypeInt})
	add(fields.Field{Name: "fd.types", Type: fields.TypeString, List: true, Arg: fields.ArgIndexOptional})
	cip := add(fields.Field{Name: "fd.cip", Type: fields.TypeIP})
	sip := add(fields.Field{Name: "fd.sip", Type: fields.TypeIP})
	cport := add(fields.Field{Name: "fd.cport", Type: fields.TypePort})
	sport := add(fields.Field{Name: "fd.sport", Type: fields.TypePort})
	add(fields.Field{Name: "fd.ip", Type: fields.TypeIP, Flags: fields.FilterOnly | fields.NoRHS, Either: [2]fields.ID{cip.ID, sip.ID}})
	add(fields.Field{Name: "fd.net", Type: fields.TypeIPNet, Flags: fields.FilterOnly | fields.NoRHS, Either: [2]fields.ID{cip.ID, sip.ID}})
	add(fields.Field{Name: "fd.port", Type: fields.TypePort, Flags: fields.FilterOnly | fields.NoRHS, Either: [2]fields.ID{cport.ID, sport.ID}})
	add(fields.Field{Name: "fd.snet", Type: fields.TypeIPNet, Flags: fields.FilterOnly})
	return r
}

func (r *fakeRegistry) field(name string) *fields.Field { return r.byName[name] }

func (r *fakeRegistry) Resolve(name, arg string, hasArg bool) (fields.Ref, *fields.Field, error) {
	f := r.byName[name]
	if f == nil {
		if i := strings.LastIndexByte(name, '.'); i > 0 && !hasArg {
			if p := r.byName[name[:i]]; p != nil && p.Flags.Has(fields.DottedArg) {
				return fields.Ref{ID: p.ID, Arg: fields.Arg{Kind: fields.ArgKey, Key: name[i+1:]}}, p, nil
			}
		}
		return fields.Ref{}, nil, &fields.UnknownFieldError{Name: name}
	}
	ref := fields.Ref{ID: f.ID}
	if hasArg {
		if f.Arg == fields.ArgNotAllowed {
			return fields.Ref{}, nil, fmt.Errorf("field %s takes no argument", name)
		}
		var n int
		if _, err := fmt.Sscanf(arg, "%d", &n); err == nil && fmt.Sprint(n) == arg &&
			(f.Arg == fields.ArgIndexOptional || f.Arg == fields.ArgIndexRequired || f.Arg == fields.ArgIndexOrKey) {
			ref.Arg = fields.Arg{Kind: fields.ArgIndex, Index: n}
		} else {
			ref.Arg = fields.Arg{Kind: fields.ArgKey, Key: arg}
		}
	}
	return ref, f, nil
}

// fakeEvent holds values by field reference.
type fakeEvent struct {
	typ  fields.EventType
	vals map[fields.Ref]fields.Value
	// extracts counts Extract calls, to check the per-event cache.
	extracts int
}

func (e *fakeEvent) Type() fields.EventType { return e.typ }

func (e *fakeEvent) Extract(ref *fields.Ref, v *fields.Value) bool {
	e.extracts++
	x, ok := e.vals[*ref]
	if !ok {
		return false
	}
	*v = x
	return true
}

// ev builds a fake event of the named type from "field" or "field[arg]" →
// value, parsing each value for the field's type. Lists are written
// "a|b|c".
func (r *fakeRegistry) ev(t testing.TB, typ string, kv map[string]string) *fakeEvent {
	t.Helper()
	et, ok := fields.LookupEventType(typ)
	if !ok {
		t.Fatalf("unknown event type %s", typ)
	}
	e := &fakeEvent{typ: et, vals: map[fields.Ref]fields.Value{}}
	for k, s := range kv {
		name, arg, hasArg := k, "", false
		if i := strings.IndexByte(k, '['); i > 0 {
			name, arg, hasArg = k[:i], k[i+1:len(k)-1], true
		}
		ref, f, err := r.Resolve(name, arg, hasArg)
		if err != nil {
			t.Fatalf("field %s: %v", k, err)
		}
		var v fields.Value
		switch {
		case f.List:
			v.List = strings.Split(s, "|")
		case f.Type == fields.TypeString:
			v.Str = s
		case f.Type == fields.TypeBytes:
			v.Bytes = []byte(s)
		case f.Type == fields.TypeIP:
			v.IP = netip.MustParseAddr(s)
		case f.Type == fields.TypeBool:
			v.Int, _ = parseBool(s)
		case f.Type == fields.TypeDouble:
			fmt.Sscanf(s, "%g", &v.Float)
		default:
			v.Int, err = parseInt(s)
			if err != nil {
				t.Fatalf("field %s: %v", k, err)
			}
		}
		e.vals[ref] = v
	}
	return e
}

// AST constructors for tests that do not go through the parser.

func fld(name string, transformers ...string) condition.Operand {
	o := condition.Operand{Field: name, Transformers: transformers}
	if i := strings.IndexByte(name, '['); i > 0 {
		o.Field, o.Arg, o.HasArg = name[:i], name[i+1:len(name)-1], true
	}
	return o
}

func vals(vs ...string) []condition.Value {
	out := make([]condition.Value, len(vs))
	for i, v := range vs {
		out[i] = condition.Value{Text: v}
	}
	return out
}

// cmpE compares an operand with literal values: one value for scalar
// operators, a list for list operators.
func cmpE(lhs condition.Operand, op condition.Op, vs ...string) *condition.Compare {
	c := &condition.Compare{LHS: lhs, Op: op}
	switch {
	case op == condition.OpExists:
	case op.IsList():
		c.RHS = condition.RHS{Kind: condition.RHSList, Values: vals(vs...)}
	default:
		c.RHS = condition.RHS{Kind: condition.RHSValue, Values: vals(vs...)}
	}
	return c
}

func cmpMod(lhs condition.Operand, op condition.Op, mod condition.Modifier, vs ...string) *condition.Compare {
	return &condition.Compare{LHS: lhs, Op: op, Modifier: mod, RHS: condition.RHS{Kind: condition.RHSList, Values: vals(vs...)}}
}

func cmpVal(lhs condition.Operand, op condition.Op, rhs condition.Operand) *condition.Compare {
	return &condition.Compare{LHS: lhs, Op: op, RHS: condition.RHS{Kind: condition.RHSField, Field: rhs}}
}

func andE(xs ...condition.Expr) condition.Expr { return &condition.And{Terms: xs} }
func orE(xs ...condition.Expr) condition.Expr  { return &condition.Or{Terms: xs} }
func notE(x condition.Expr) condition.Expr     { return &condition.Not{X: x} }
func macroE(name string) condition.Expr        { return &condition.Ident{Name: name} }

// buildFake compiles an AST against the fake registry.
func buildFake(t testing.TB, b *builder, e condition.Expr) (node, []*compileError) {
	t.Helper()
	c := &buildCtx{b: b, src: &condSource{kind: "rule", name: "test"}}
	n := c.expr(e)
	if n == nil && len(c.errs) == 0 {
		t.Fatal("nil node without error")
	}
	return n, c.errs
}

// evalOn evaluates a compiled node on one event with a fresh evaluator.
func evalOn(b *builder, n node, ev fields.Event) bool {
	rs := &Ruleset{nslots: len(b.slots), nmemo: int(b.nmemo)}
	x := rs.NewEvaluator()
	return x.Match(&Rule{cond: n}, ev)
}

var testTime = time.Unix(1700000000, 0)
