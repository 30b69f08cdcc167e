package rulefile

import "testing"

func TestMacroDefinitions(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		macros map[string]string
		wants  []want
	}{
		{name: "define", yaml: "- macro: m\n  condition: evt.type = open\n", macros: map[string]string{"m": "evt.type = open"}},
		{name: "folded condition", yaml: "- macro: m\n  condition: >\n    a and\n    b\n", macros: map[string]string{"m": "a and b\n"}},
		{name: "redefine", yaml: "- macro: m\n  condition: a\n- macro: m\n  condition: b\n", macros: map[string]string{"m": "b"}},
		{name: "append flag", yaml: "- macro: m\n  condition: (a)\n- macro: m\n  condition: or b\n  append: yes\n",
			macros: map[string]string{"m": "(a) or b"},
			wants:  []want{{sev: SeverityWarning, code: CodeDeprecatedItem, line: 5, col: 3, kind: KindMacro, name: "m"}}},
		{name: "override append", yaml: "- macro: m\n  condition: (a)\n- macro: m\n  condition: or b\n  override:\n    condition: append\n",
			macros: map[string]string{"m": "(a) or b"}},
		{name: "two appends", yaml: "- macro: m\n  condition: a\n- macro: m\n  condition: or b\n  override: {condition: append}\n- macro: m\n  condition: or c\n  override: {condition: append}\n",
			macros: map[string]string{"m": "a or b or c"}},
		{name: "override replace", yaml: "- macro: m\n  condition: a\n- macro: m\n  condition: b\n  override:\n    condition: replace\n",
			macros: map[string]string{"m": "b"}},
		{name: "override replace defines", yaml: "- macro: m\n  condition: b\n  override: {condition: replace}\n",
			macros: map[string]string{"m": "b"}},
		{name: "append before definition", yaml: "- macro: m\n  condition: or b\n  override: {condition: append}\n- macro: m\n  condition: a\n",
			macros: map[string]string{"m": "a"},
			wants:  []want{{sev: SeverityError, code: CodeValidate, line: 1, col: 3, kind: KindMacro, name: "m", msg: "no macro by that name"}}},
		{name: "append flag before definition", yaml: "- macro: m\n  condition: or b\n  append: true\n",
			macros: map[string]string{},
			wants: []want{warnw(CodeDeprecatedItem, 3, 3, ""),
				{sev: SeverityError, code: CodeValidate, line: 1, col: 3, kind: KindMacro, name: "m", msg: "no macro by that name"}}},
		{name: "append flag with override", yaml: "- macro: m\n  condition: a\n- macro: m\n  condition: or b\n  append: true\n  override: {condition: append}\n",
			macros: map[string]string{"m": "a"},
			wants:  []want{warnw(CodeDeprecatedItem, 5, 3, ""), errw(CodeYAMLValidate, 3, 3, "cannot be used together")}},
		{name: "override items", yaml: "- macro: m\n  condition: a\n  override: {items: append}\n",
			macros: map[string]string{},
			wants:  []want{errw(CodeYAMLValidate, 3, 14, "key 'items' cannot be appended to")}},
		{name: "override bad op", yaml: "- macro: m\n  condition: a\n  override: {condition: prepend}\n",
			macros: map[string]string{},
			wants:  []want{errw(CodeYAMLValidate, 3, 25, "'prepend'; allowed: append, replace")}},
		{name: "missing condition", yaml: "- macro: m\n", macros: map[string]string{},
			wants: []want{{sev: SeverityError, code: CodeYAMLValidate, line: 1, col: 3, kind: KindMacro, name: "m", msg: "Item has no mapping for key 'condition'"}}},
		{name: "empty condition", yaml: "- macro: m\n  condition: \"\"\n", macros: map[string]string{},
			wants: []want{errw(CodeYAMLValidate, 2, 14, "must be non-empty")}},
		{name: "mapping condition", yaml: "- macro: m\n  condition: {a: b}\n", macros: map[string]string{},
			wants: []want{errw(CodeYAMLValidate, 2, 14, "not a scalar value (found a mapping)")}},
		{name: "invalid name", yaml: "- macro: a.b\n  condition: x\n", macros: map[string]string{"a.b": "x"},
			wants: []want{{sev: SeverityWarning, code: CodeInvalidMacroName, line: 1, col: 3, kind: KindMacro, name: "a.b", msg: "not an identifier"}}},
		{name: "invalid name with dash", yaml: "- macro: test-macro\n  condition: x\n", macros: map[string]string{"test-macro": "x"},
			wants: []want{warnw(CodeInvalidMacroName, 1, 3, "")}},
		{name: "name starting with digit", yaml: "- macro: 1m\n  condition: x\n", macros: map[string]string{"1m": "x"},
			wants: []want{warnw(CodeInvalidMacroName, 1, 3, "")}},
		{name: "unknown keys", yaml: "- macro: m\n  condition: x\n  items: [a]\n  output: o\n", macros: map[string]string{"m": "x"},
			wants: []want{warnw(CodeUnknownKey, 3, 3, "'items'"), warnw(CodeUnknownKey, 4, 3, "'output'")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ps := load(t, tt.yaml)
			expectProblems(t, ps, tt.wants...)
			got := map[string]string{}
			for _, m := range c.Macros() {
				got[m.Name] = m.Condition
			}
			if len(got) != len(tt.macros) {
				t.Fatalf("macros %q, want %q", got, tt.macros)
			}
			for k, v := range tt.macros {
				if got[k] != v {
					t.Errorf("macro %s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestMacroIndexAndVisibility(t *testing.T) {
	c, _ := loadOK(t, `
- macro: a
  condition: x
- list: l
  items: [y]
- macro: b
  condition: a
- macro: a
  condition: or z
  override: {condition: append}
- macro: b
  condition: q
`)
	a, b := macroNamed(t, c, "a"), macroNamed(t, c, "b")
	// a=0, l=1, b=2, a appended=3, b redefined=4.
	if a.Index != 0 || a.Visibility != 3 || b.Index != 2 || b.Visibility != 4 {
		t.Fatalf("a=%d/%d b=%d/%d", a.Index, a.Visibility, b.Index, b.Visibility)
	}
	if a.Pos.Line != 2 || a.CondPos != (Position{File: "f1.yaml", Line: 3, Col: 14}) {
		t.Errorf("appended macro keeps its definition positions: %v %v", a.Pos, a.CondPos)
	}
	if b.Pos.Line != 11 || b.CondPos.Line != 12 {
		t.Errorf("redefined macro takes the new positions: %v %v", b.Pos, b.CondPos)
	}
	ms := c.Macros()
	if ms[0].Name != "a" || ms[1].Name != "b" {
		t.Error("macro order")
	}
	ms[0].Used = true
	if !c.Macros()[0].Used {
		t.Error("the view lasts until the next Add")
	}
	c.Add(Source{Name: "f2.yaml"})
	if c.Macros()[0].Used {
		t.Error("Used must not leak into the next view")
	}
}
