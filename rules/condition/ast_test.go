package condition

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestTreeShape(t *testing.T) {
	e := mustParse(t, "a or b and c and not d or (e or f)")
	or, ok := e.(*Or)
	if !ok || len(or.Terms) != 3 {
		t.Fatalf("top = %T %s, want an Or of 3 terms", e, e)
	}
	and, ok := or.Terms[1].(*And)
	if !ok || len(and.Terms) != 3 {
		t.Fatalf("second term = %s, want an And of 3 terms", or.Terms[1])
	}
	if n, ok := and.Terms[2].(*Not); !ok || n.X.(*Ident).Name != "d" {
		t.Fatalf("third and-term = %s, want not d", and.Terms[2])
	}
	if inner, ok := or.Terms[2].(*Or); !ok || len(inner.Terms) != 2 {
		t.Fatalf("parenthesised group = %s, want a separate Or", or.Terms[2])
	}
}

func TestCompareFields(t *testing.T) {
	tests := []struct {
		in   string
		want Compare
	}{
		{"proc.name = bash", Compare{
			LHS: Operand{Field: "proc.name"}, Op: OpEq,
			RHS: RHS{Kind: RHSValue, Values: []Value{{Text: "bash"}}},
		}},
		{`proc.aname["a b"] != "x y"`, Compare{
			LHS: Operand{Field: "proc.aname", Arg: "a b", HasArg: true}, Op: OpNe,
			RHS: RHS{Kind: RHSValue, Values: []Value{{Text: "x y", Quoted: true}}},
		}},
		{`evt.arg[""] exists`, Compare{
			LHS: Operand{Field: "evt.arg", Arg: "", HasArg: true}, Op: OpExists,
		}},
		{"fd.num >= 0x10", Compare{
			LHS: Operand{Field: "fd.num"}, Op: OpGe,
			RHS: RHS{Kind: RHSValue, Values: []Value{{Text: "0x10"}}},
		}},
		{"tolower(basename(proc.aname[1])) in (a, 'b')", Compare{
			LHS: Operand{Field: "proc.aname", Arg: "1", HasArg: true, Transformers: []string{"tolower", "basename"}},
			Op:  OpIn,
			RHS: RHS{Kind: RHSList, Values: []Value{{Text: "a"}, {Text: "b", Quoted: true}}},
		}},
		{"a.b in ()", Compare{
			LHS: Operand{Field: "a.b"}, Op: OpIn, RHS: RHS{Kind: RHSList},
		}},
		{"a.b pmatch my_paths", Compare{
			LHS: Operand{Field: "a.b"}, Op: OpPMatch,
			RHS: RHS{Kind: RHSIdent, Values: []Value{{Text: "my_paths"}}},
		}},
		{"a.b = val(c.d[x])", Compare{
			LHS: Operand{Field: "a.b"}, Op: OpEq,
			RHS: RHS{Kind: RHSField, Field: Operand{Field: "c.d", Arg: "x", HasArg: true}},
		}},
		{"len(a.b) < len(c.d)", Compare{
			LHS: Operand{Field: "a.b", Transformers: []string{"len"}}, Op: OpLt,
			RHS: RHS{Kind: RHSField, Field: Operand{Field: "c.d", Transformers: []string{"len"}}},
		}},
		{"a.b endswith allof (x)", Compare{
			LHS: Operand{Field: "a.b"}, Op: OpEndsWith, Modifier: ModAllOf,
			RHS: RHS{Kind: RHSList, Values: []Value{{Text: "x"}}},
		}},
		{"a.b icontains oneof l", Compare{
			LHS: Operand{Field: "a.b"}, Op: OpIContains, Modifier: ModOneOf,
			RHS: RHS{Kind: RHSIdent, Values: []Value{{Text: "l"}}},
		}},
	}
	for _, tt := range tests {
		e := mustParse(t, tt.in)
		c, ok := e.(*Compare)
		if !ok {
			t.Errorf("Parse(%q) = %T, want *Compare", tt.in, e)
			continue
		}
		got := stripPos(*c)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q):\n got %#v\nwant %#v", tt.in, got, tt.want)
		}
	}
}

// stripPos zeroes the positions so that trees compare by content.
func stripPos(c Compare) Compare {
	c.Pos = Pos{}
	c.LHS.Pos = Pos{}
	c.RHS.Field.Pos = Pos{}
	if c.RHS.Values != nil {
		vs := make([]Value, len(c.RHS.Values))
		for i, v := range c.RHS.Values {
			v.Pos = Pos{}
			vs[i] = v
		}
		c.RHS.Values = vs
	}
	return c
}

func TestNodePositions(t *testing.T) {
	text := "not a.b = 1 and\n" +
		"  (c or\n" +
		"\ttolower(d.e) in (x,\n" +
		"     'y'))"
	e := mustParse(t, text)
	and := e.(*And)
	not := and.Terms[0].(*Not)
	or := and.Terms[1].(*Or)
	c := or.Terms[1].(*Compare)
	tests := []struct {
		what string
		got  Pos
		want Pos
	}{
		{"and", and.Pos, Pos{0, 1, 1}},
		{"not", not.Pos, Pos{0, 1, 1}},
		{"a.b = 1", not.X.Start(), Pos{4, 1, 5}},
		{"a.b value", not.X.(*Compare).RHS.Values[0].Pos, Pos{10, 1, 11}},
		{"or", or.Pos, Pos{19, 2, 4}},
		{"c", or.Terms[0].Start(), Pos{19, 2, 4}},
		{"compare", c.Pos, Pos{25, 3, 2}},
		{"lhs", c.LHS.Pos, Pos{25, 3, 2}},
		{"x", c.RHS.Values[0].Pos, Pos{42, 3, 19}},
		{"'y'", c.RHS.Values[1].Pos, Pos{50, 4, 6}},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s at %+v, want %+v", tt.what, tt.got, tt.want)
		}
	}
	rhs := mustParse(t, "a.b = val(c.d)").(*Compare).RHS.Field.Pos
	if rhs != (Pos{6, 1, 7}) {
		t.Errorf("val() at %+v, want 6 1:7", rhs)
	}
}

func TestErrorPositions(t *testing.T) {
	tests := []struct {
		in        string
		line, col int
		msgPrefix string
	}{
		{"a.b = 1 and\n  c.d = 2 and\n  e.f ~ 3", 3, 7, "expected an operator after 'e.f'"},
		{"a and\n\n   (b or c", 3, 11, "unexpected end of condition"},
		{"a.b in (x,\n  y,\n  )", 3, 3, "expected a list item after ','"},
		{"a.b = 'ok' and\nc.d = \"bad\\q\"", 2, 11, `unsupported escape sequence \q`},
		{"a.b = 1\nand c.d", 2, 8, "expected an operator"},
		{"x\n y", 2, 2, `unexpected "y" after "x"`},
		{"a.b = \"\nx", 1, 7, "unterminated quoted string"},
		{"a andb", 1, 6, "expected whitespace or '(' after 'and'"},
		{"proc.name contains\"x\"", 1, 19, "operator 'contains' must be followed by whitespace"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in, Options{})
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a syntax error", tt.in, err)
			continue
		}
		if se.Pos.Line != tt.line || se.Pos.Col != tt.col || !strings.HasPrefix(se.Msg, tt.msgPrefix) {
			t.Errorf("Parse(%q) error %v, want %d:%d: %s...", tt.in, err, tt.line, tt.col, tt.msgPrefix)
		}
		if lineStart := strings.LastIndexByte(tt.in[:se.Pos.Offset], '\n') + 1; se.Pos.Offset-lineStart+1 != se.Pos.Col {
			t.Errorf("Parse(%q) error offset %d does not match column %d", tt.in, se.Pos.Offset, se.Pos.Col)
		}
	}
	// Error() prefixes line and column.
	_, err := Parse("a b", Options{})
	if got := err.Error(); !strings.HasPrefix(got, "1:3: unexpected") {
		t.Errorf("Error() = %q", got)
	}
}
