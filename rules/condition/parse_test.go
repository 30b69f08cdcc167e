package condition

import (
	"errors"
	"strings"
	"testing"
)

func mustParse(t *testing.T, text string) Expr {
	t.Helper()
	e, err := Parse(text, Options{})
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	return e
}

// TestParseCanonical checks accepted inputs through their canonical form,
// which shows the tree shape (grouping, folding, operator normalisation).
func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		// Boolean structure and precedence.
		{"a", "a"},
		{"a and b", "a and b"},
		{"a or b", "a or b"},
		{"a and b and c", "a and b and c"},
		{"a or b or c", "a or b or c"},
		{"a or b and c", "a or b and c"},
		{"a and b or c", "a and b or c"},
		{"(a or b) and c", "(a or b) and c"},
		{"a and (b or c)", "a and (b or c)"},
		{"(a and b) and c", "(a and b) and c"},
		{"a and (b and c)", "a and (b and c)"},
		{"(a or b) or c", "(a or b) or c"},
		{"a or (b and c)", "a or b and c"},
		{"((a))", "a"},
		{"not a", "not a"},
		{"not not a", "a"},
		{"not not not a", "not a"},
		{"not a and b", "not a and b"},
		{"not (a and b)", "not (a and b)"},
		{"not(a and b)", "not (a and b)"},
		{"not not(a)", "a"},
		{"not (not a)", "not (not a)"},
		{"not(not(a))", "not (not a)"},
		{"not\ta", "not a"},
		{"not\va", "not a"},
		{"not\n\na", "not a"},
		{"a and(b)", "a and b"},
		{"(a)and(b)", "a and b"},
		{"a or(b)", "a or b"},
		{"a and(b or c)", "a and (b or c)"},
		{"a and not b or not c", "a and not b or not c"},
		{"  a\n\tand\r\nb\b ", "a and b"},
		{"notb", "notb"},
		{"nota and b", "nota and b"},
		{"true", "true"},
		{"AND", "AND"},
		// Keywords alone are identifiers.
		{"and", "and"},
		{"or", "or"},
		{"not", "(not)"},
		{"not not", "not (not)"},
		{"a and not", "a and (not)"},
		{"(not) and b", "(not) and b"},
		{"a and or", "a and or"},
		{"or or b", "or or b"},
		// Comparison operators; symbolic ones need no space.
		{"a.b=1", "a.b = 1"},
		{"a.b==1", "a.b = 1"},
		{"a.b!=x", "a.b != x"},
		{"a.b<1", "a.b < 1"},
		{"a.b<=1", "a.b <= 1"},
		{"a.b>1", "a.b > 1"},
		{"a.b>=0", "a.b >= 0"},
		{"a.b < -1", "a.b < -1"},
		{"a.b > +1.5", "a.b > +1.5"},
		{"a.b > 1.", "a.b > 1."},
		{"a.b > 1.5e+5", "a.b > 1.5e+5"},
		{"a.b > 2E-3", "a.b > 2E-3"},
		{"a.b > 0x1F", "a.b > 0x1F"},
		{"a.b > 0Xff", "a.b > 0Xff"},
		{"a.b contains x", "a.b contains x"},
		{"a.b icontains x", "a.b icontains x"},
		{"a.b bcontains CAFEBABE", "a.b bcontains CAFEBABE"},
		{"a.b startswith /tmp", "a.b startswith /tmp"},
		{"a.b bstartswith 7f45", "a.b bstartswith 7f45"},
		{"a.b endswith .log", "a.b endswith .log"},
		{"a.b glob /var/*", "a.b glob /var/*"},
		{"a.b iglob *.LOG", "a.b iglob *.LOG"},
		{"a.b regex '^[a-z]+$'", `a.b regex "^[a-z]+$"`},
		{"a.b contains\tx", "a.b contains x"},
		{"a.b contains\nx", "a.b contains x"},
		{"a.b contains\bx", "a.b contains x"},
		{"a.b in (x, y)", "a.b in (x, y)"},
		{"a.b in(x,y)", "a.b in (x, y)"},
		{"a.b intersects (x)", "a.b intersects (x)"},
		{"a.b intersects(x)", "a.b intersects (x)"},
		{"a.b pmatch (/tmp, /var)", "a.b pmatch (/tmp, /var)"},
		{"a.b pmatch(/tmp)", "a.b pmatch (/tmp)"},
		{"a.b exists", "a.b exists"},
		{"a.b  exists and c", "a.b exists and c"},
		{"a.b exists and(c)", "a.b exists and c"},
		// A bare identifier after a list operator is a list name.
		{"a.b in my_list", "a.b in my_list"},
		{"a.b inmy_list", "a.b in my_list"},
		{"a.b pmatch x", "a.b pmatch x"},
		// Tokens end where the next one cannot continue them.
		{"a.b<1and c", "a.b < 1 and c"},
		{`a.b="x"and c`, `a.b = "x" and c`},
		{"a.b in (x)or c", "a.b in (x) or c"},
		{"a.b existsand c", "a.b exists and c"},
		// No space: the "<" becomes part of the value.
		{"a.b=<1", "a.b = <1"},
		{"a.b=>1", "a.b = >1"},
		// Modifiers.
		{"a.b startswith anyof (x, y)", "a.b startswith anyof (x, y)"},
		{"a.b = oneof (x)", "a.b = oneof (x)"},
		{"a.b=allof\n(x)", "a.b = allof (x)"},
		{"a.b != anyof ()", "a.b != anyof ()"},
		{"a.b contains anyof my_list", "a.b contains anyof my_list"},
		{"a.b = oneof", `a.b = "oneof"`},
		{"(a.b = anyof)", `a.b = "anyof"`},
		{"a.b = oneofx", "a.b = oneofx"},
		// Values.
		{"a.b = <NA>", "a.b = <NA>"},
		{`a.b = "<NA>"`, `a.b = "<NA>"`},
		{`a.b = 0a!@#456:/\.;!$%^&*[]{}|`, `a.b = 0a!@#456:/\.;!$%^&*[]{}|`},
		{`a.b = abc\def`, `a.b = abc\def`},
		{"a.b = -c", "a.b = -c"},
		{"a.b = 10.0.0.0/8", "a.b = 10.0.0.0/8"},
		{"a.b = proc.pname", "a.b = proc.pname"},
		{"a.b = val", "a.b = val"},
		{`a.b = ""`, `a.b = ""`},
		{`a.b = ''`, `a.b = ""`},
		{`a.b = "a b"`, `a.b = "a b"`},
		{`a.b = 'mixed "'`, `a.b = "mixed \""`},
		{`a.b = "mixed '"`, `a.b = "mixed '"`},
		{`a.b = "(systemd)"`, `a.b = "(systemd)"`},
		{"a.b = x\by", "a.b = x\by"},
		// Lists.
		{"a.b in ()", "a.b in ()"},
		{"a.b in ( )", "a.b in ()"},
		{"a.b in (\n  x,\n  y\n)", "a.b in (x, y)"},
		{`a.b in ("a b", 'c', d)`, `a.b in ("a b", "c", d)`},
		{`a.b in ("")`, `a.b in ("")`},
		{"a.b in (oneof)", "a.b in (oneof)"},
		// Field arguments.
		{"proc.aname[2] = x", "proc.aname[2] = x"},
		{"evt.arg[0] = x", "evt.arg[0] = x"},
		{"proc.env[HOME] exists", "proc.env[HOME] exists"},
		{"container.mount.dest[/var/run/docker.sock] = x", "container.mount.dest[/var/run/docker.sock] = x"},
		{`proc.aname["2"] = x`, "proc.aname[2] = x"},
		{`evt.arg["key with space"] = x`, `evt.arg["key with space"] = x`},
		{`evt.arg[""] = x`, `evt.arg[""] = x`},
		{"evt.arg[a=b,c(d)] = x", "evt.arg[a=b,c(d)] = x"},
		{"proc.aname[2]=x", "proc.aname[2] = x"},
		{"proc.exe_ino.ctime_duration_proc_start > 0", "proc.exe_ino.ctime_duration_proc_start > 0"},
		{"evt.arg.flags contains O_TRUNC", "evt.arg.flags contains O_TRUNC"},
		{"a.b.c.d = 1", "a.b.c.d = 1"},
		{"not.x = 1", "not.x = 1"},
		{"A_1.B_2 = 1", "A_1.B_2 = 1"},
		// Transformers and field-to-field comparison.
		{"tolower(proc.name) = bash", "tolower(proc.name) = bash"},
		{"toupper(proc.name)=BASH", "toupper(proc.name) = BASH"},
		{"b64( proc.name ) = x", "b64(proc.name) = x"},
		{"basename(proc.exepath) = bash", "basename(proc.exepath) = bash"},
		{"len(proc.name) > 5", "len(proc.name) > 5"},
		{"len(proc.name)>5", "len(proc.name) > 5"},
		{"tolower(basename(proc.exepath)) = bash", "tolower(basename(proc.exepath)) = bash"},
		{"toupper(b64(x.y)) exists", "toupper(b64(x.y)) exists"},
		{"tolower(proc.aname[1]) = x", "tolower(proc.aname[1]) = x"},
		{"tolower(\n proc.name\n) = x", "tolower(proc.name) = x"},
		{"proc.name = val(proc.pname)", "proc.name = val(proc.pname)"},
		{"proc.name=val( proc.pname )", "proc.name = val(proc.pname)"},
		{"proc.name = val(proc.aname[2])", "proc.name = val(proc.aname[2])"},
		{"tolower(proc.name) = tolower(proc.pname)", "tolower(proc.name) = tolower(proc.pname)"},
		{"len(proc.name) > len(proc.pname)", "len(proc.name) > len(proc.pname)"},
		{"proc.pid < val(proc.ppid)", "proc.pid < val(proc.ppid)"},
		{"a.b in val(c.d)", "a.b in val(c.d)"},
		{"a.b intersects tolower(c.d)", "a.b intersects tolower(c.d)"},
		{"a.b regex val(c.d)", "a.b regex val(c.d)"},
		{"tolower(a.b) contains tolower(c.d)", "tolower(a.b) contains tolower(c.d)"},
		{"a.b = tolower", "a.b = tolower"},
		{"a.b in (tolower)", "a.b in (tolower)"},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in, Options{})
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := e.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestParseRejects checks inputs Falco rejects, and that the message says
// what was found or expected.
func TestParseRejects(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "empty condition"},
		{"  \n\t", "empty condition"},
		// Boolean structure.
		{"a andb", "expected whitespace or '(' after 'and', found \"b\""},
		{"a orb", "expected whitespace or '(' after 'or'"},
		{"a andnot b", "after 'and'"},
		{"a order", "after 'or'"},
		{"a or", "after 'or', found end of condition"},
		{"a and ", "expected '(', a field check or a macro name, found end of condition"},
		{"a AND b", `unexpected "AND" after "a", expecting 'or', 'and'`},
		{"a Or b", `unexpected "Or"`},
		{"a b", `unexpected "b" after "a", expecting 'or', 'and'`},
		{"a.b = 1 # comment", `unexpected "#" after "1"`},
		{"# comment", `expected '(', a field check or a macro name, found "#"`},
		{"(a", "expecting 'or', 'and' or ')' closing the '(' at 1:1"},
		{"(a b)", `unexpected "b)" after "a"`},
		{"a)", `unexpected ")" after "a"`},
		{"()", `expected '(', a field check or a macro name, found ")"`},
		{"not ", "found end of condition"},
		{"not(a", "closing the '(' at 1:4"},
		{"_a", "expected '(', a field check or a macro name"},
		{"a.", `unexpected "." after "a"`},
		{"a.1b = 1", `unexpected ".1b"`},
		{"mymacro (x)", `unexpected "(x)" after "mymacro"`},
		// A field needs an operator.
		{"proc.name", "expected an operator after 'proc.name'"},
		{"proc.name and a", `expected an operator after 'proc.name' (one of '=',`},
		{"proc.name ~ x", `found "~"`},
		{"proc.aname [2] = x", `expected an operator after 'proc.aname'`},
		// Operators.
		{"a.b === x", `expected a string value or a field transformer after '==', found "="`},
		{"a.b !== x", `after '!=', found "="`},
		{"a.b =< 1", `unexpected "1" after "<"`},
		{"a.b => 1", `unexpected "1" after ">"`},
		{"a.b <> 1", "expected a number or a field transformer after '<'"},
		{"a.b ! = x", "expected an operator"},
		{`a.b contains"x"`, `operator 'contains' must be followed by whitespace, found "\"x\""`},
		{"a.b startswith/tmp", "operator 'startswith' must be followed by whitespace"},
		{"a.b glob(x)", "operator 'glob' must be followed by whitespace"},
		{"a.b regex", "operator 'regex' must be followed by whitespace, found end of condition"},
		{"a.b containsx", "expected an operator"},
		{"a.b containsin (x)", "expected an operator"},
		{"a.b CONTAINS x", "expected an operator"},
		{"a.b existsx", `unexpected "x" after "exists"`},
		{"a.b = ", "after '=', found end of condition"},
		{"a.b contains ", "after 'contains', found end of condition"},
		{"a.b = a=b", `unexpected "=b" after "a"`},
		{"a.b = a,b", `unexpected ",b" after "a"`},
		{"a.b = (systemd)", `expected a string value or a field transformer after '=', found "(systemd)"`},
		{"a.b = a b", `unexpected "b" after "a"`},
		// Numbers.
		{"a.b < abc", `expected a number or a field transformer after '<', found "abc"`},
		{"a.b < 1e5", `unexpected "e5" after "1"`},
		{"a.b < 1.2.3", `unexpected ".3" after "1.2"`},
		{"a.b < 0x", `unexpected "x" after "0"`},
		{"a.b < 0x1g", `unexpected "g" after "0x1"`},
		{`a.b < "1"`, "expected a number"},
		{"a.b < .5", "expected a number"},
		// Modifiers.
		{"a.b = anyof x y", `unexpected "y" after "x"`},
		{"a.b = anyof \"x\"", "expected a list or a list name after '= anyof'"},
		{"a.b = oneof(x)", `unexpected "(x)" after "oneof"`},
		{"a.b in anyof (x)", `unexpected "(x)" after "anyof"`},
		{"a.b < anyof (1)", "expected a number"},
		{"a.b = anyof val(c.d)", "expected a list or a list name"},
		// Lists.
		{"a.b in (a,)", "expected a list item after ',', found \")\""},
		{"a.b in (a,,b)", "expected a list item after ','"},
		{"a.b in (,)", "expected a list item or ')', found \",)\""},
		{"a.b in (,a)", "expected a list item or ')'"},
		{"a.b in ((a))", "nested lists are not allowed"},
		{"a.b in (a, (b))", "nested lists are not allowed"},
		{"a.b in (a b)", `expected ',' or ')' in the list opened at 1:8, found "b)"`},
		{"a.b in (a", "expected ',' or ')' in the list opened at 1:8, found end of condition"},
		{"a.b in (", "expected a list item or ')', found end of condition"},
		{"a.b in (b64(x.y))", "transformers are not allowed inside a literal list, found 'b64('"},
		{"a.b in (a, val(x.y))", "transformers are not allowed inside a literal list"},
		{"a.b in", "expected a list, a list name or a field transformer after 'in', found end of condition"},
		{"a.b in \"x\"", "expected a list, a list name or a field transformer"},
		{"a.b in x.y", `unexpected ".y" after "x"`},
		{"a.b in _x", "expected a list, a list name"},
		// Field arguments.
		{"proc.aname[] = x", "expected an argument of proc.aname (a quoted string or a bare string without spaces) after '[', found \"]\""},
		{"proc.aname[ 2] = x", "expected an argument of proc.aname"},
		{"proc.aname[2 ] = x", `expected ']' after the argument of proc.aname, found " ]"`},
		{"proc.aname[2", "expected ']' after the argument of proc.aname, found end of condition"},
		{"proc.aname[a[b]] = x", `expected ']' after the argument of proc.aname, found "[b]]"`},
		{`proc.aname["2] = x`, "unterminated quoted string"},
		{`proc.aname["\q"] = x`, `unsupported escape sequence \q`},
		{"proc.aname[2][3] = x", `expected an operator after 'proc.aname[2]'`},
		// Transformers.
		{"tolower (proc.name) = x", "no whitespace allowed between transformer 'tolower' and '('"},
		{"tolower(proc.name", "expected ')' closing transformer 'tolower', found end of condition"},
		{"tolower() = x", "expected a field or a transformer inside 'tolower(', found \")\""},
		{"tolower(x) = x", `expected a field or a transformer inside 'tolower(', found "x)"`},
		{"tolower(proc.name, proc.pname) = x", "transformer 'tolower' takes exactly one argument"},
		{`tolower("x") = x`, "transformer 'tolower' takes a field or a transformer, found a quoted string"},
		{"tolower(1) = x", "found the number"},
		{"tolower((a.b)) = x", "found a list"},
		{"toupper(fd.name)[x] = y", "transformer 'toupper' does not support field arguments"},
		{"TOLOWER(proc.name) = x", `unexpected "(proc.name)" after "TOLOWER"`},
		{"tolower(proc.name)", "expected an operator after 'tolower(proc.name)'"},
		{"join(\",\", (a.b)) = x", "transformer 'join' is not supported"},
		{"concat(a.b, c.d) = x", "transformer 'concat' is not supported"},
		{"a.b = getopt(c.d, \"x\")", "transformer 'getopt' is not supported"},
		{"tolower(join(a.b)) = x", "transformer 'join' is not supported"},
		// val().
		{"val(proc.name) = x", "val() is only allowed on the right-hand side of a comparison"},
		{"a.b = val(val(c.d))", "val() takes a plain field, not a transformer"},
		{"a.b = val(toupper(c.d))", "val() takes a plain field, not a transformer"},
		{"a.b = b64(val(c.d))", "val() cannot be used inside transformer 'b64'"},
		{"a.b = val(c.d)[1]", "val() does not support field arguments"},
		{"a.b = val(c)", `expected a field inside 'val(', found "c)"`},
		{"a.b = val(c.d", "expected ')' closing 'val(', found end of condition"},
		{"a.b = val (c.d)", `unexpected "(c.d)" after "val"`},
		{"a.b = tolower(c.d", "expected ')' closing transformer 'tolower'"},
		// Quoting.
		{`a.b = "abc`, "unterminated quoted string"},
		{`a.b = 'abc`, "unterminated quoted string"},
		{`a.b = "abc\\"`, `unterminated quoted string (a " right after a backslash does not close it)`},
		{`a.b = "abc'`, "unterminated quoted string"},
		{"a.b = \"ab\x00c\"", "unterminated quoted string"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in, Options{})
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want error containing %q", tt.in, tt.msg)
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error %T, want *SyntaxError", tt.in, err)
			continue
		}
		if !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%q) error %q, want it to contain %q", tt.in, se.Msg, tt.msg)
		}
	}
}
