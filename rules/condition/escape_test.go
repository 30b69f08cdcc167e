package condition

import (
	"errors"
	"strings"
	"testing"
)

// rhsValue parses "a.b = <quoted>" and returns the decoded value.
func rhsValue(t *testing.T, text string) (Value, error) {
	t.Helper()
	e, err := Parse(text, Options{})
	if err != nil {
		return Value{}, err
	}
	c, ok := e.(*Compare)
	if !ok || c.RHS.Kind != RHSValue || len(c.RHS.Values) != 1 {
		t.Fatalf("Parse(%q) = %s, want one comparison with a value", text, e)
	}
	return c.RHS.Values[0], nil
}

func TestQuotedEscapes(t *testing.T) {
	tests := []struct {
		in   string // the quoted value as written after "a.b = "
		want string
	}{
		{`"plain"`, "plain"},
		{`'plain'`, "plain"},
		{`""`, ""},
		{`"a\bb"`, "a\bb"},
		{`"a\fb"`, "a\fb"},
		{`"a\nb"`, "a\nb"},
		{`"a\rb"`, "a\rb"},
		{`"a\tb"`, "a\tb"},
		{`"a\\b"`, `a\b`},
		{`"a\/b"`, "a/b"},
		{`"a\"b"`, `a"b`},
		{`'a\'b'`, `a'b`},
		{`'a"b'`, `a"b`},
		{`"a'b"`, `a'b`},
		{`"\x41\x62c"`, "Abc"},
		{`"\x00"`, "\x00"},
		{`"\xfF"`, "\xff"},
		{`"\x411"`, "A1"},
		// Legacy: backslash-space is one backslash.
		{`"a\ b"`, `a\b`},
		// Raw control characters and newlines are kept.
		{"\"a\nb\tc\"", "a\nb\tc"},
		{"\"\xff\xfe\"", "\xff\xfe"},
		// A quote right after an escaped backslash does not close the
		// string: it ends at the next quote instead.
		{`"x\\" y"`, `x\" y`},
		{`"(systemd)"`, "(systemd)"},
		{`"a=b, c"`, "a=b, c"},
	}
	for _, tt := range tests {
		v, err := rhsValue(t, "a.b = "+tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if v.Text != tt.want || !v.Quoted {
			t.Errorf("%s: Text %q Quoted %v, want %q quoted", tt.in, v.Text, v.Quoted, tt.want)
		}
	}
}

func TestQuotedEscapeErrors(t *testing.T) {
	tests := []struct {
		in  string
		msg string
		col int
	}{
		{`a.b = "a\q"`, `unsupported escape sequence \q`, 9},
		{`a.b = "\a"`, `unsupported escape sequence \a`, 8},
		{`a.b = "\0"`, `unsupported escape sequence \0`, 8},
		{`a.b = "a\'b"`, `escape \' is only valid inside '-quoted strings`, 9},
		{`a.b = 'a\"b'`, `escape \" is only valid inside "-quoted strings`, 9},
		{`a.b = "\x4"`, `escape \x needs exactly two hexadecimal digits`, 8},
		{`a.b = "\x"`, `escape \x needs exactly two hexadecimal digits`, 8},
		{`a.b = "\xg1"`, `escape \x needs exactly two hexadecimal digits`, 8},
		{`a.b = "\X41"`, `unsupported escape sequence \X`, 8},
		{"a.b = \"\\\x01\"", `unsupported escape sequence \x01`, 8},
		{`a.b = "abc`, "unterminated quoted string", 7},
		{`a.b = "abc\\"`, `unterminated quoted string (a " right after a backslash does not close it)`, 7},
		{`a.b = 'abc\\'`, `unterminated quoted string (a ' right after a backslash does not close it)`, 7},
		// Falco silently reads this list as empty; we reject the bad escape.
		{`a.b in ("\q")`, `unsupported escape sequence \q`, 10},
		{`a.b in (x, "\q")`, `unsupported escape sequence \q`, 13},
		{`evt.arg["\q"] = x`, `unsupported escape sequence \q`, 10},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in, Options{})
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a syntax error", tt.in, err)
			continue
		}
		if !strings.Contains(se.Msg, tt.msg) || se.Pos.Line != 1 || se.Pos.Col != tt.col {
			t.Errorf("Parse(%q) error %v, want 1:%d: ...%s...", tt.in, err, tt.col, tt.msg)
		}
	}
}

func TestBareValuesAreRaw(t *testing.T) {
	for _, in := range []string{`abc\def`, `\n`, "<NA>", "N/A", "1", "0x10", "-1.5"} {
		text := "a.b = " + in
		v, err := rhsValue(t, text)
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if v.Text != in || v.Quoted {
			t.Errorf("%s: Text %q Quoted %v, want raw %q", text, v.Text, v.Quoted, in)
		}
	}
}

// TestFormatQuoting checks that formatting quotes exactly what needs it and
// that the quoted form reads back to the same text.
func TestFormatQuoting(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Value{Text: "abc"}, "abc"},
		{Value{Text: "abc", Quoted: true}, `"abc"`},
		{Value{Text: ""}, `""`},
		{Value{Text: "a b"}, `"a b"`},
		{Value{Text: "a=b"}, `"a=b"`},
		{Value{Text: "a,b"}, `"a,b"`},
		{Value{Text: "(x)"}, `"(x)"`},
		{Value{Text: "\bx"}, `"\bx"`},
		{Value{Text: `a"b'c`}, `"a\"b'c"`},
		{Value{Text: "\b\f\n\r\t\x00"}, `"\b\f\n\r\t\x00"`},
		{Value{Text: `a\b`, Quoted: true}, `"a\\b"`},
		{Value{Text: `ab\`, Quoted: true}, `"ab\x5c"`},
		{Value{Text: `\"`, Quoted: true}, `"\\\""`},
		{Value{Text: "x\vy"}, "\"x\vy\""},
	}
	for _, tt := range tests {
		got := tt.v.String()
		if got != tt.want {
			t.Errorf("%#v.String() = %s, want %s", tt.v, got, tt.want)
			continue
		}
		back, err := rhsValue(t, "a.b = "+got)
		if err != nil {
			t.Errorf("re-parse %s: %v", got, err)
			continue
		}
		if back.Text != tt.v.Text {
			t.Errorf("re-parse %s: Text %q, want %q", got, back.Text, tt.v.Text)
		}
	}
}
