package rulefile

import (
	"reflect"
	"testing"
)

func TestListDefinitions(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		lists map[string][]string // flattened items
		raw   map[string][]string
		wants []want
	}{
		{name: "define", yaml: "- list: a\n  items: [x, \"y z\", 1, 0x10, '']\n",
			lists: map[string][]string{"a": {"x", "y z", "1", "0x10", ""}}},
		{name: "empty items", yaml: "- list: a\n  items: []\n", lists: map[string][]string{"a": {}}},
		{name: "redefine replaces", yaml: "- list: a\n  items: [x]\n- list: a\n  items: [y]\n",
			lists: map[string][]string{"a": {"y"}}},
		{name: "append flag", yaml: "- list: a\n  items: [x]\n- list: a\n  items: [y]\n  append: true\n",
			lists: map[string][]string{"a": {"x", "y"}},
			wants: []want{{sev: SeverityWarning, code: CodeDeprecatedItem, line: 5, col: 3, kind: KindList, name: "a", msg: "'append' is deprecated"}}},
		{name: "append false is a definition", yaml: "- list: a\n  items: [x]\n- list: a\n  items: [y]\n  append: false\n",
			lists: map[string][]string{"a": {"y"}}},
		{name: "override append", yaml: "- list: a\n  items: [x]\n- list: a\n  items: [y]\n  override:\n    items: append\n",
			lists: map[string][]string{"a": {"x", "y"}}},
		{name: "override replace", yaml: "- list: a\n  items: [x]\n- list: a\n  items: [y]\n  override:\n    items: replace\n",
			lists: map[string][]string{"a": {"y"}}},
		{name: "override replace defines", yaml: "- list: a\n  items: [y]\n  override:\n    items: replace\n",
			lists: map[string][]string{"a": {"y"}}},
		{name: "append to undefined", yaml: "- list: a\n  items: [y]\n  append: true\n",
			lists: map[string][]string{},
			wants: []want{
				{sev: SeverityWarning, code: CodeDeprecatedItem, line: 3},
				{sev: SeverityError, code: CodeValidate, line: 1, col: 3, kind: KindList, name: "a", msg: "no list by that name"}}},
		{name: "override append to undefined", yaml: "- list: a\n  items: [y]\n  override: {items: append}\n",
			lists: map[string][]string{},
			wants: []want{{sev: SeverityError, code: CodeValidate, line: 1, kind: KindList, name: "a", msg: "no list by that name"}}},
		{name: "append flag and override", yaml: "- list: a\n  items: [x]\n- list: a\n  items: [y]\n  append: true\n  override: {items: append}\n",
			lists: map[string][]string{"a": {"x"}},
			wants: []want{
				warnw(CodeDeprecatedItem, 5, 3, ""),
				errw(CodeYAMLValidate, 3, 3, "'override' and 'append: true' cannot be used together")}},
		{name: "override bad operation", yaml: "- list: a\n  items: [x]\n  override: {items: merge}\n",
			lists: map[string][]string{},
			wants: []want{errw(CodeYAMLValidate, 3, 21, "invalid override operation for key 'items': 'merge'; allowed: append, replace")}},
		{name: "override foreign key", yaml: "- list: a\n  items: [x]\n  override: {condition: append}\n",
			lists: map[string][]string{},
			wants: []want{errw(CodeYAMLValidate, 3, 14, "key 'condition' cannot be appended to")}},
		{name: "override operation not a scalar", yaml: "- list: a\n  items: [x]\n  override: {items: [append]}\n",
			lists: map[string][]string{},
			wants: []want{errw(CodeYAMLValidate, 3, 21, "invalid override operation for key 'items' (found a sequence)")}},
		{name: "override not a mapping is ignored", yaml: "- list: a\n  items: [x]\n  override: append\n",
			lists: map[string][]string{"a": {"x"}},
			wants: []want{warnw(CodeUnknownKey, 3, 13, "'override' is a scalar, not a mapping")}},
		{name: "missing items", yaml: "- list: a\n", lists: map[string][]string{},
			wants: []want{errw(CodeYAMLValidate, 1, 3, "Item has no mapping for key 'items'")}},
		{name: "null items", yaml: "- list: a\n  items:\n", lists: map[string][]string{},
			wants: []want{errw(CodeYAMLValidate, 2, 9, "value of 'items' is not a sequence (found null)")}},
		{name: "scalar items", yaml: "- list: a\n  items: x\n", lists: map[string][]string{},
			wants: []want{errw(CodeYAMLValidate, 2, 10, "value of 'items' is not a sequence (found a scalar)")}},
		{name: "null item", yaml: "- list: a\n  items: [x, ~]\n", lists: map[string][]string{},
			wants: []want{errw(CodeYAMLValidate, 2, 14, "element of 'items' is not a scalar (found null)")}},
		{name: "nested item", yaml: "- list: a\n  items: [x, [y]]\n", lists: map[string][]string{},
			wants: []want{errw(CodeYAMLValidate, 2, 14, "element of 'items' is not a scalar (found a sequence)")}},
		{name: "empty name", yaml: "- list: ''\n  items: [x]\n", lists: map[string][]string{},
			wants: []want{errw(CodeYAMLValidate, 1, 9, "value of 'list' must be non-empty")}},
		{name: "null name", yaml: "- list:\n  items: [x]\n", lists: map[string][]string{},
			wants: []want{errw(CodeYAMLValidate, 1, 8, "Mapping for key 'list' is empty")}},
		{name: "sequence name", yaml: "- list: [a]\n  items: [x]\n", lists: map[string][]string{},
			wants: []want{errw(CodeYAMLValidate, 1, 9, "value of 'list' is not a scalar value (found a sequence)")}},
		{name: "invalid name still defined", yaml: "- list: a b\n  items: [x]\n", lists: map[string][]string{"a b": {"x"}},
			wants: []want{{sev: SeverityWarning, code: CodeInvalidListName, line: 1, col: 3, kind: KindList, name: "a b"}}},
		{name: "bad append flag", yaml: "- list: a\n  items: [x]\n  append: maybe\n", lists: map[string][]string{},
			wants: []want{errw(CodeYAMLValidate, 3, 11, "value 'maybe' of 'append' is not a boolean")}},
		{name: "unknown key", yaml: "- list: a\n  items: [x]\n  priority: INFO\n", lists: map[string][]string{"a": {"x"}},
			wants: []want{{sev: SeverityWarning, code: CodeUnknownKey, line: 3, col: 3, kind: KindList, name: "a", msg: "unknown key 'priority' for a list"}}},
		{name: "flatten earlier list", yaml: "- list: a\n  items: [x, y]\n- list: b\n  items: [a, z]\n",
			lists: map[string][]string{"a": {"x", "y"}, "b": {"x", "y", "z"}},
			raw:   map[string][]string{"b": {"a", "z"}}},
		{name: "later list stays literal", yaml: "- list: b\n  items: [a, z]\n- list: a\n  items: [x, y]\n",
			lists: map[string][]string{"a": {"x", "y"}, "b": {"a", "z"}}},
		{name: "append makes later list visible", yaml: "- list: b\n  items: [a]\n- list: a\n  items: [x]\n- list: b\n  items: [z]\n  override: {items: append}\n",
			lists: map[string][]string{"a": {"x"}, "b": {"x", "z"}}},
		{name: "one level only", yaml: "- list: a\n  items: [x]\n- list: b\n  items: [a]\n- list: c\n  items: [b]\n",
			lists: map[string][]string{"a": {"x"}, "b": {"x"}, "c": {"a"}}},
		{name: "final items of the referenced list", yaml: "- list: a\n  items: [x]\n- list: b\n  items: [a]\n- list: a\n  items: [y]\n  append: true\n",
			lists: map[string][]string{"a": {"x", "y"}, "b": {"x", "y"}},
			wants: []want{warnw(CodeDeprecatedItem, 7, 3, "")}},
		{name: "self reference after append", yaml: "- list: a\n  items: [x]\n- list: a\n  items: [a]\n  override: {items: append}\n",
			lists: map[string][]string{"a": {"x", "x", "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ps := load(t, tt.yaml)
			expectProblems(t, ps, tt.wants...)
			if tt.lists == nil {
				return
			}
			got := map[string][]string{}
			for _, l := range c.Lists() {
				got[l.Name] = l.Items
			}
			if !reflect.DeepEqual(got, tt.lists) {
				t.Errorf("lists %q, want %q", got, tt.lists)
			}
			for name, raw := range tt.raw {
				if l := c.List(name); l == nil || !reflect.DeepEqual(l.RawItems, raw) {
					t.Errorf("raw items of %s: %v, want %v", name, l, raw)
				}
			}
		})
	}
}

func TestListOrderAndPositions(t *testing.T) {
	c, _ := loadOK(t,
		"- list: a\n  items: [x]\n- macro: m\n  condition: c\n- list: b\n  items: [a]\n",
		"- list: a\n  items: [y]\n- list: c\n  items: [z]\n- list: b\n  items: [w]\n  override: {items: append}\n")
	ls := c.Lists()
	var names []string
	for _, l := range ls {
		names = append(names, l.Name)
	}
	if !reflect.DeepEqual(names, []string{"a", "b", "c"}) {
		t.Fatalf("order %v", names)
	}
	a, b, cc := ls[0], ls[1], ls[2]
	// Sequence: a=0, m=1, b=2, a redefined=3, c=4, b appended=5.
	if a.Index != 0 || a.Visibility != 3 || b.Index != 2 || b.Visibility != 5 || cc.Index != 4 || cc.Visibility != 4 {
		t.Fatalf("indexes a=%d/%d b=%d/%d c=%d/%d", a.Index, a.Visibility, b.Index, b.Visibility, cc.Index, cc.Visibility)
	}
	if a.Pos != (Position{File: "f2.yaml", Line: 1, Col: 3}) {
		t.Errorf("redefined list position %v", a.Pos)
	}
	if b.Pos != (Position{File: "f1.yaml", Line: 5, Col: 3}) {
		t.Errorf("appended list keeps its definition position, got %v", b.Pos)
	}
	if !reflect.DeepEqual(b.Items, []string{"y", "w"}) {
		t.Errorf("b items %v", b.Items)
	}
	if !a.Used || b.Used || cc.Used {
		t.Errorf("used flags a=%v b=%v c=%v: only lists named by other lists start used", a.Used, b.Used, cc.Used)
	}
	if c.List("nope") != nil {
		t.Error("List of an unknown name")
	}
}

func TestListViewsAreCopies(t *testing.T) {
	c, _ := loadOK(t, "- list: a\n  items: [x]\n")
	l := c.Lists()[0]
	l.Items[0] = "changed"
	l.RawItems[0] = "changed"
	c.Add(Source{Name: "f2.yaml", Data: []byte("- list: b\n  items: [y]\n")})
	if got := c.Lists()[0].Items[0]; got != "x" {
		t.Fatalf("view mutation leaked into the collection: %q", got)
	}
}

func TestListFlattenBound(t *testing.T) {
	// b names a 1000-item list 1000 times: a million items once flattened.
	doc := "- list: a\n  items: [" + repeatJoin("x", 1000) + "]\n- list: b\n  items: [" + repeatJoin("a", 1000) + "]\n"
	c, ps := load(t, doc)
	expectProblems(t, ps, want{sev: SeverityError, code: CodeValidate, line: 3, col: 3, kind: KindList, name: "b", msg: "left unexpanded"})
	if got := len(c.List("b").Items); got != 1000 {
		t.Fatalf("b has %d items", got)
	}
	// Reported once, not again for the next file.
	if ps := c.Add(Source{Name: "f2.yaml", Data: []byte("- list: z\n  items: [q]\n")}); len(ps) != 0 {
		t.Fatalf("repeated: %v", ps)
	}
}

func repeatJoin(s string, n int) string {
	out := make([]byte, 0, n*(len(s)+2))
	for i := 0; i < n; i++ {
		if i > 0 {
			out = append(out, ", "...)
		}
		out = append(out, s...)
	}
	return string(out)
}

func TestLookupByName(t *testing.T) {
	c, _ := loadOK(t, "- list: l\n  items: [x]\n- macro: m\n  condition: c\n"+base)
	if c.List("l") != c.Lists()[0] || c.Macro("m") != c.Macros()[0] || c.Rule("r") != c.Rules()[0] {
		t.Fatal("lookups return the views")
	}
	if c.Macro("l") != nil || c.Rule("m") != nil || c.List("r") != nil {
		t.Fatal("lookups are per kind")
	}
}

func TestListNameValidity(t *testing.T) {
	for name, valid := range map[string]bool{
		"a": true, "a.b-c/d*": true, "0x1": true, "ünï": true, "a b": false, "a\vb": false, "a\tb": false,
		"(a": false, "a)": false, `a"`: false, "a'": false, "a=b": false, "a,b": false,
	} {
		if got := listNameRE.MatchString(name); got != valid {
			t.Errorf("%q: valid=%v, want %v", name, got, valid)
		}
	}
}
