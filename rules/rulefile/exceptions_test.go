package rulefile

import (
	"reflect"
	"testing"
)

func TestExceptionExpansion(t *testing.T) {
	const head = "- rule: r\n  desc: d\n  output: o\n  priority: info\n"
	tests := []struct {
		name string
		yaml string
		cond string
	}{
		{"falco unit test example", head + `  condition: proc.cmdline contains curl or proc.cmdline contains wget
  exceptions:
  - name: test_exception
    fields: [proc.cmdline]
    comps: [contains]
    values:
      - [curl 127.0.0.1]
`, `(proc.cmdline contains curl or proc.cmdline contains wget) and not (( proc.cmdline contains "curl 127.0.0.1"))`},
		{"two fields, default comps, list element", head + `  condition: evt.type = open
  exceptions:
  - name: proc_writer
    fields: [proc.name, fd.directory]
    values:
      - [my-yum, /usr/bin]
      - [[apt, dpkg], /usr/lib]
`, `(evt.type = open) and not (( proc.name = my-yum and  fd.directory = /usr/bin) or ( proc.name = (apt, dpkg) and  fd.directory = /usr/lib))`},
		{"single field form", head + `  condition: c
  exceptions:
  - name: files
    fields: fd.filename
    values: [python, go lang, '"quoted already"', "'single quoted'", tab	only]
`, `(c) and not (fd.filename in (python, "go lang", "quoted already", 'single quoted', tab	only))`},
		{"single field pmatch", head + `  condition: c
  exceptions:
  - name: dirs
    fields: fd.name
    comps: pmatch
    values: [/tmp, /var/tmp]
`, `(c) and not (fd.name pmatch (/tmp, /var/tmp))`},
		{"scalar with a list operator is parenthesised", head + `  condition: c
  exceptions:
  - name: e
    fields: [proc.name, proc.pname, fd.name]
    comps: [in, intersects, pmatch]
    values:
      - [shell_binaries, "(a, b)", a b]
`, `(c) and not (( proc.name in (shell_binaries) and  proc.pname intersects (a, b) and  fd.name pmatch (a b)))`},
		{"modifiers take lists", head + `  condition: c
  exceptions:
  - name: e
    fields: [fd.name, proc.name]
    comps: [startswith oneof, " = "]
    values:
      - [/tmp, sh]
`, `(c) and not (( fd.name startswith oneof (/tmp) and  proc.name = sh))`},
		{"no values contributes nothing", head + `  condition: c
  exceptions:
  - name: e
    fields: [proc.name]
`, `(c)`},
		{"several exceptions", head + `  condition: a or b
  exceptions:
  - name: e1
    fields: [proc.name]
    values: [[x]]
  - name: e2
    fields: [proc.name]
  - name: e3
    fields: fd.name
    values: [y]
`, `(a or b) and not (( proc.name = x)) and not (fd.name in (y))`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ps := loadOK(t, tt.yaml)
			expectProblems(t, ps)
			r := ruleNamed(t, c, "r")
			if r.Condition != tt.cond {
				t.Fatalf("condition\n got %s\nwant %s", r.Condition, tt.cond)
			}
			if r.RawCondition == r.Condition {
				t.Fatal("raw condition must be without exceptions")
			}
		})
	}
}

func TestExceptionStructure(t *testing.T) {
	c, _ := loadOK(t, `
- rule: r
  desc: d
  output: o
  priority: info
  condition: c
  exceptions:
  - name: pw
    fields: [proc.name, fd.directory]
    comps: [in, "="]
    values:
      - [[apt, dpkg, a b], /usr/lib]
      - [yum, /usr/bin]
  - name: single
    fields: fd.name
    values: [x, y]
`)
	r := ruleNamed(t, c, "r")
	want := []Exception{
		{Name: "pw", Fields: []string{"proc.name", "fd.directory"}, Comps: []string{"in", "="},
			Values: [][]string{{`(apt, dpkg, "a b")`, "/usr/lib"}, {"yum", "/usr/bin"}},
			Pos:    Position{"f1.yaml", 8, 5}, ValuePos: []Position{{"f1.yaml", 12, 9}, {"f1.yaml", 13, 9}}},
		{Name: "single", Fields: []string{"fd.name"}, Comps: []string{"in"}, Single: true,
			Values: [][]string{{"x"}, {"y"}},
			Pos:    Position{"f1.yaml", 14, 5}, ValuePos: []Position{{"f1.yaml", 16, 14}, {"f1.yaml", 16, 17}}},
	}
	got := append([]Exception(nil), r.Exceptions...)
	for i := range got {
		got[i].tuples = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestExceptionErrors(t *testing.T) {
	const head = "- rule: r\n  desc: d\n  output: o\n  priority: info\n  condition: c\n  exceptions:\n"
	tests := []struct {
		name  string
		yaml  string
		wants []want
	}{
		{"exceptions not a sequence", "- rule: r\n  desc: d\n  output: o\n  priority: info\n  condition: c\n  exceptions: {a: b}\n",
			[]want{errw(CodeYAMLValidate, 6, 15, "rule exceptions must be a sequence")}},
		{"exception not a mapping", head + "  - just a name\n",
			[]want{errw(CodeYAMLValidate, 7, 5, "rule exception must be a mapping")}},
		{"missing name", head + "  - fields: [a.b]\n",
			[]want{errw(CodeYAMLValidate, 7, 5, "Item has no mapping for key 'name'")}},
		{"missing fields", head + "  - name: e\n    values: [[x]]\n",
			[]want{{sev: SeverityError, code: CodeYAMLValidate, line: 7, col: 5, kind: KindRule, name: "r", msg: "exception 'e' has no mapping for key 'fields'"}}},
		{"empty field", head + "  - name: e\n    fields: [a.b, '']\n",
			[]want{errw(CodeYAMLValidate, 8, 19, "elements of 'fields' must be non-empty strings (found an empty string)")}},
		{"fields mapping", head + "  - name: e\n    fields: {a: b}\n",
			[]want{errw(CodeYAMLValidate, 8, 13, "value of 'fields' must be a string or a list of strings")}},
		{"comps length", head + "  - name: e\n    fields: [a.b, c.d]\n    comps: [=]\n",
			[]want{errw(CodeValidate, 9, 12, "exception 'e': fields and comps lists must have equal length")}},
		{"scalar comps with list fields", head + "  - name: e\n    fields: [a.b]\n    comps: in\n",
			[]want{errw(CodeValidate, 9, 12, "fields and comps lists must have equal length")}},
		{"unsupported operator", head + "  - name: e\n    fields: [a.b]\n    comps: [like]\n",
			[]want{errw(CodeValidate, 9, 12, "'like' is not a supported comparison operator")}},
		{"bad modifier", head + "  - name: e\n    fields: [a.b]\n    comps: [in oneof]\n",
			[]want{errw(CodeValidate, 9, 12, "'in oneof' is not a supported")}},
		{"bare modifier", head + "  - name: e\n    fields: [a.b]\n    comps: [oneof]\n",
			[]want{errw(CodeValidate, 9, 12, "'oneof' is not a supported")}},
		{"single field with list comps", head + "  - name: e\n    fields: a.b\n    comps: [in]\n",
			[]want{errw(CodeValidate, 9, 12, "fields and comps must both be strings")}},
		{"single field with =", head + "  - name: e\n    fields: a.b\n    comps: =\n",
			[]want{errw(CodeValidate, 9, 12, "comps must be one of in, pmatch, intersects")}},
		{"values not a sequence", head + "  - name: e\n    fields: [a.b]\n    values: x\n",
			[]want{errw(CodeYAMLValidate, 9, 13, "rule exception values must be a sequence")}},
		{"values null", head + "  - name: e\n    fields: [a.b]\n    values:\n",
			[]want{errw(CodeYAMLValidate, 9, 12, "rule exception values must be a sequence (found null)")}},
		{"tuple length", head + "  - name: e\n    fields: [a.b, c.d]\n    values: [[x]]\n",
			[]want{errw(CodeValidate, 9, 14, "exception 'e': fields and values lists must have equal length")}},
		{"scalar tuple", head + "  - name: e\n    fields: [a.b]\n    values: [x]\n",
			[]want{errw(CodeValidate, 9, 14, "fields and values lists must have equal length")}},
		{"list value in single form", head + "  - name: e\n    fields: a.b\n    values: [[x]]\n",
			[]want{errw(CodeValidate, 9, 14, "expected values array to contain a list of strings")}},
		{"empty value", head + "  - name: e\n    fields: [a.b]\n    values: [['']]\n",
			[]want{errw(CodeYAMLValidate, 9, 15, "found an empty string")}},
		{"too deep", head + "  - name: e\n    fields: [a.b]\n    values: [[[[x]]]]\n",
			[]want{errw(CodeYAMLValidate, 9, 16, "exception value list elements must be non-empty strings (found a sequence)")}},
		{"null value", head + "  - name: e\n    fields: [a.b]\n    values: [~]\n",
			[]want{errw(CodeYAMLValidate, 9, 14, "exception values must be non-empty strings or lists (found null)")}},
		{"duplicate name", head + "  - name: e\n    fields: [a.b]\n  - name: e\n    fields: [c.d]\n",
			[]want{{sev: SeverityWarning, code: CodeExceptionNameNotUnique, line: 9, col: 5, kind: KindRule, name: "r", msg: "multiple definitions of exception 'e'"}}},
		{"unknown key", head + "  - name: e\n    fields: [a.b]\n    value: [[x]]\n",
			[]want{warnw(CodeUnknownKey, 9, 5, "unknown key 'value' for an exception")}},
		{"null exceptions", "- rule: r\n  desc: d\n  output: o\n  priority: info\n  condition: c\n  exceptions:\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ps := load(t, tt.yaml)
			expectProblems(t, ps, tt.wants...)
			if HasErrors(ps) != (len(c.Rules()) == 0) {
				t.Fatal("a rule is collected exactly when it has no errors")
			}
		})
	}
}

func TestExceptionAppend(t *testing.T) {
	const def = `
- rule: r
  desc: d
  output: o
  priority: info
  condition: c
  exceptions:
  - name: e
    fields: [proc.name, fd.name]
    comps: [in, startswith]
    values:
      - [[a], /x]
`
	tests := []struct {
		name  string
		yaml  string
		cond  string
		wants []want
	}{
		{"append values", "- rule: r\n  exceptions:\n  - name: e\n    values:\n      - [[b, c], /y]\n  override: {exceptions: append}\n",
			"(c) and not (( proc.name in (a) and  fd.name startswith /x) or ( proc.name in (b, c) and  fd.name startswith /y))", nil},
		{"append new exception", "- rule: r\n  exceptions:\n  - name: f\n    fields: fd.name\n    values: [/z]\n  override: {exceptions: append}\n",
			"(c) and not (( proc.name in (a) and  fd.name startswith /x)) and not (fd.name in (/z))", nil},
		{"legacy append values", "- rule: r\n  exceptions:\n  - name: e\n    values:\n      - [[b], /y]\n  append: true\n",
			"(c) and not (( proc.name in (a) and  fd.name startswith /x) or ( proc.name in (b) and  fd.name startswith /y))",
			[]want{warnw(CodeDeprecatedItem, 18, 3, "")}},
		{"append condition and exceptions", "- rule: r\n  condition: and d\n  exceptions:\n  - name: e\n    values:\n      - [[b], /y]\n  override: {condition: append, exceptions: append}\n",
			"(c and d) and not (( proc.name in (a) and  fd.name startswith /x) or ( proc.name in (b) and  fd.name startswith /y))", nil},
		{"append no values", "- rule: r\n  exceptions:\n  - name: e\n  override: {exceptions: append}\n",
			"(c) and not (( proc.name in (a) and  fd.name startswith /x))",
			[]want{{sev: SeverityWarning, code: CodeAppendNoValues, line: 15, col: 5, kind: KindRule, name: "r", msg: "exception 'e' is appended or overridden with no values"}}},
		{"append fields to existing", "- rule: r\n  exceptions:\n  - name: e\n    fields: [proc.name]\n    values: [[x]]\n  override: {exceptions: append}\n",
			"(c) and not (( proc.name in (a) and  fd.name startswith /x))",
			[]want{errw(CodeValidate, 16, 13, "cannot append fields to existing exception 'e', only values")}},
		{"append comps to existing", "- rule: r\n  exceptions:\n  - name: e\n    comps: [=, =]\n    values: [[x, y]]\n  override: {exceptions: append}\n",
			"(c) and not (( proc.name in (a) and  fd.name startswith /x))",
			[]want{errw(CodeValidate, 16, 12, "cannot append comps to existing exception 'e'")}},
		{"append wrong tuple length", "- rule: r\n  exceptions:\n  - name: e\n    values: [[x]]\n  override: {exceptions: append}\n",
			"(c) and not (( proc.name in (a) and  fd.name startswith /x))",
			[]want{errw(CodeValidate, 16, 14, "fields and values lists must have equal length")}},
		{"append new without fields", "- rule: r\n  exceptions:\n  - name: f\n    values: [[x]]\n  override: {exceptions: append}\n",
			"(c) and not (( proc.name in (a) and  fd.name startswith /x))",
			[]want{errw(CodeValidate, 15, 5, "exception 'f' must have a 'fields' property")}},
		{"append new without values", "- rule: r\n  exceptions:\n  - name: f\n    fields: [x.y]\n  override: {exceptions: append}\n",
			"(c) and not (( proc.name in (a) and  fd.name startswith /x))",
			[]want{warnw(CodeAppendNoValues, 15, 5, ""), errw(CodeValidate, 15, 5, "exception 'f' must have a 'values' property")}},
		{"replace exceptions", "- rule: r\n  exceptions:\n  - name: g\n    fields: [a.b]\n    values: [[z]]\n  override: {exceptions: replace}\n",
			"(c) and not (( a.b = z))", nil},
		{"replace with no exceptions", "- rule: r\n  exceptions: []\n  override: {exceptions: replace}\n",
			"c", nil},
		{"replace requires fields", "- rule: r\n  exceptions:\n  - name: e\n    values: [[z, y]]\n  override: {exceptions: replace}\n",
			"(c) and not (( proc.name in (a) and  fd.name startswith /x))",
			[]want{errw(CodeYAMLValidate, 15, 5, "exception 'e' has no mapping for key 'fields'")}},
		{"replace validates comps", "- rule: r\n  exceptions:\n  - name: e\n    fields: [a.b]\n    comps: [nope]\n  override: {exceptions: replace}\n",
			"(c) and not (( proc.name in (a) and  fd.name startswith /x))",
			[]want{errw(CodeValidate, 17, 12, "'nope' is not a supported comparison operator")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ps := load(t, def+tt.yaml)
			expectProblems(t, ps, tt.wants...)
			if r := ruleNamed(t, c, "r"); r.Condition != tt.cond {
				t.Fatalf("condition\n got %s\nwant %s", r.Condition, tt.cond)
			}
		})
	}
}

func TestExceptionAppendDoesNotAlterEarlierViews(t *testing.T) {
	c, _ := loadOK(t, "- rule: r\n  desc: d\n  output: o\n  priority: info\n  condition: c\n  exceptions:\n  - name: e\n    fields: [a.b]\n    values: [[x]]\n")
	before := ruleNamed(t, c, "r")
	c.Add(Source{Name: "f2.yaml", Data: []byte("- rule: r\n  exceptions:\n  - name: e\n    values: [[y]]\n  override: {exceptions: append}\n")})
	if len(before.Exceptions[0].Values) != 1 {
		t.Fatal("an earlier view changed")
	}
	if after := ruleNamed(t, c, "r"); len(after.Exceptions[0].Values) != 2 {
		t.Fatal("append lost")
	}
}
