package rulefile

import (
	"strings"
	"testing"
)

func TestFileStructure(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		wants []want
		rules int
	}{
		{name: "empty file", yaml: ""},
		{name: "only comments", yaml: "# nothing\n"},
		{name: "empty documents", yaml: "---\n---\n# c\n---\n"},
		{name: "null entries skipped", yaml: "- ~\n-\n" + base + "- null\n", rules: 1},
		{name: "several documents", yaml: base + "---\n- rule: r2\n  desc: d\n  condition: c\n  output: o\n  priority: info\n", rules: 2},
		{name: "mapping document", yaml: "rule: x\n", wants: []want{
			errw(CodeYAMLValidate, 1, 1, "not a YAML sequence of items (found a mapping)")}},
		{name: "scalar document", yaml: "hello\n", wants: []want{
			errw(CodeYAMLValidate, 1, 1, "not a YAML sequence of items (found a scalar)")}},
		{name: "bad document does not stop the next", yaml: "rule: x\n---\n" + base, rules: 1, wants: []want{
			errw(CodeYAMLValidate, 1, 1, "found a mapping")}},
		{name: "scalar entry", yaml: "- hello\n" + base, rules: 1, wants: []want{
			errw(CodeYAMLValidate, 1, 3, "unexpected scalar: each item must be a YAML mapping")}},
		{name: "sequence entry", yaml: "- [a, b]\n", wants: []want{
			errw(CodeYAMLValidate, 1, 3, "unexpected sequence")}},
		{name: "unknown item", yaml: "- foo: bar\n  baz: 1\n" + base, rules: 1, wants: []want{
			{sev: SeverityWarning, code: CodeUnknownItem, line: 1, col: 3, kind: KindItem, msg: "unknown top-level item"}}},
		{name: "kind order: list before rule", yaml: "- rule: x\n  list: l\n  items: [a]\n", wants: []want{
			{sev: SeverityWarning, code: CodeUnknownKey, line: 1, col: 3, kind: KindList, name: "l", msg: "unknown key 'rule' for a list"}}},
		{name: "kind order: engine version first", yaml: "- list: l\n  required_engine_version: 1\n", wants: []want{
			{sev: SeverityWarning, code: CodeUnknownKey, line: 1, col: 3, kind: KindRequiredEngineVersion, msg: "unknown key 'list'"}}},
		{name: "yaml syntax error", yaml: "- rule: x\n  desc: [a\n", wants: []want{
			{sev: SeverityError, code: CodeYAMLParse, line: 2, msg: "did not find expected ',' or ']'"}}},
		{name: "yaml scanner error", yaml: "- a: b\n\n\n- c: @x\n", wants: []want{
			{sev: SeverityError, code: CodeYAMLParse, line: 4, msg: "cannot start any token"}}},
		{name: "yaml parser error on line 1", yaml: "- a: [\n", wants: []want{
			{sev: SeverityError, code: CodeYAMLParse, line: 2, msg: "did not find expected node content"}}},
		{name: "yaml indentation error", yaml: "- a: b\n\n\n- c: x\n  d: e\n   f: g\n", wants: []want{
			{sev: SeverityError, code: CodeYAMLParse, line: 6, msg: "mapping values are not allowed"}}},
		{name: "syntax error stops the whole file", yaml: base + "---\n- a: b\n - c\n", wants: []want{
			{sev: SeverityError, code: CodeYAMLParse}}},
		{name: "duplicate key", yaml: "- list: l\n  items: [a]\n  items: [b]\n", wants: []want{
			{sev: SeverityWarning, code: CodeDuplicateKey, line: 3, col: 3, kind: KindList, name: "l", msg: "key 'items' appears more than once"}}},
		{name: "non-string key", yaml: "- list: l\n  items: [a]\n  ? [k]\n  : v\n", wants: []want{
			{sev: SeverityWarning, code: CodeUnknownKey, line: 3, col: 5, msg: "is not a string"}}},
		{name: "all errors of a file are reported", yaml: `
- list: a
- macro: m
- rule: r1
  desc: d
- rule: r2
  desc: d
  condition: c
  output: o
  priority: loud
` + base, rules: 1, wants: []want{
			{sev: SeverityError, code: CodeYAMLValidate, line: 2, kind: KindList, name: "a", msg: "Item has no mapping for key 'items'"},
			{sev: SeverityError, code: CodeYAMLValidate, line: 3, kind: KindMacro, name: "m", msg: "Item has no mapping for key 'condition'"},
			{sev: SeverityError, code: CodeYAMLValidate, line: 4, kind: KindRule, name: "r1", msg: "Item has no mapping for key 'condition'"},
			{sev: SeverityError, code: CodeYAMLValidate, line: 4, kind: KindRule, name: "r1", msg: "Item has no mapping for key 'output'"},
			{sev: SeverityError, code: CodeYAMLValidate, line: 4, kind: KindRule, name: "r1", msg: "Item has no mapping for key 'priority'"},
			{sev: SeverityError, code: CodeYAMLValidate, line: 10, col: 13, kind: KindRule, name: "r2", msg: "invalid priority"},
		}},
		{name: "aliases are followed", yaml: "- list: a\n  items: &i [x, y]\n- list: b\n  items: *i\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ps := load(t, tt.yaml)
			expectProblems(t, ps, tt.wants...)
			for _, p := range ps {
				if p.Pos.File != "f1.yaml" {
					t.Errorf("problem without file: %s", p)
				}
			}
			if got := len(c.Rules()); got != tt.rules {
				t.Errorf("%d rules, want %d", got, tt.rules)
			}
		})
	}
}

func TestYAMLParseErrorNothingCollected(t *testing.T) {
	c, ps := load(t, base+"- list: l\n  items: [a\n")
	if len(ps) != 1 || ps[0].Code != CodeYAMLParse || ps[0].Pos.Line == 0 {
		t.Fatalf("got %v", ps)
	}
	if len(c.Rules()) != 0 || len(c.Lists()) != 0 {
		t.Fatal("nothing of a file with a syntax error may be collected")
	}
}

func TestAliasBomb(t *testing.T) {
	seq := func(n int, elem string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(elem+", ", n), ", ") + "]"
	}
	tests := map[string]string{
		// values: 1000 tuples x 1000 elements x 1000 items = 10^9 strings
		// from ~20 KB of YAML.
		"exception values": "- anchors:\n" +
			"    names: &names " + seq(1000, "proc.name") + "\n" +
			"    leaf: &leaf " + seq(1000, "x") + "\n" +
			"    tuple: &tuple " + seq(1000, "*leaf") + "\n" +
			base + "  exceptions:\n    - name: e\n      fields: *names\n      values: " + seq(1000, "*tuple") + "\n",
		// 3000 lists sharing one 10000-item anchor.
		"list items": "- list: big\n  items: &big " + seq(10000, "x") + "\n" +
			strings.Repeat("- list: l\n  items: *big\n", 3000),
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			_, ps := load(t, doc)
			found := false
			for _, p := range ps {
				if p.Code == CodeYAMLValidate && strings.Contains(p.Message, "aliases expand beyond") {
					found = true
				}
			}
			if !found {
				t.Fatalf("alias bomb not reported; %d problems", len(ps))
			}
		})
	}
}

func TestDeepNesting(t *testing.T) {
	for _, doc := range []string{
		"- list: l\n  items: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n",
		"- list: l\n  items: " + strings.Repeat("{a: ", 20000) + strings.Repeat("}", 20000) + "\n",
		strings.Repeat("- ", 50000) + "x\n",
	} {
		_, ps := load(t, doc)
		if !HasErrors(ps) {
			t.Fatalf("deeply nested YAML accepted: %v", ps)
		}
	}
}

func TestProblemCap(t *testing.T) {
	var b strings.Builder
	for i := 0; i < maxProblemsPerFile+50; i++ {
		b.WriteString("- list: l" + itoa(i) + "\n")
	}
	_, ps := load(t, b.String())
	if len(ps) != maxProblemsPerFile+1 {
		t.Fatalf("%d problems", len(ps))
	}
	last := ps[len(ps)-1]
	if last.Severity != SeverityError || last.Code != CodeTooManyProblems || !strings.Contains(last.Message, "50 more problems") {
		t.Fatalf("summary: %s", last)
	}
	_, ps = load(t, strings.Repeat("- unknown: item\n", maxProblemsPerFile+3))
	if last := ps[len(ps)-1]; len(ps) != maxProblemsPerFile+1 || last.Severity != SeverityWarning || !strings.Contains(last.Message, "3 more problems") {
		t.Fatalf("warnings only: %d problems, last %s", len(ps), last)
	}
}

func itoa(i int) string {
	return strings.TrimSpace(strings.Repeat(" ", 0) + func() string {
		const digits = "0123456789"
		if i == 0 {
			return "0"
		}
		var s []byte
		for ; i > 0; i /= 10 {
			s = append([]byte{digits[i%10]}, s...)
		}
		return string(s)
	}())
}
