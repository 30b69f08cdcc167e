package rulefile

import (
	"reflect"
	"strings"
	"testing"
)

func TestRuleDefinitionDefaults(t *testing.T) {
	c, ps := loadOK(t, `
- rule: My Rule
  desc: a description
  condition: evt.type = open
  output: "  file=%fd.name\n"
  priority: notice
`)
	expectProblems(t, ps)
	r := ruleNamed(t, c, "My Rule")
	want := Rule{
		Name: "My Rule", Desc: "a description", Output: "file=%fd.name", Source: "syscall",
		Condition: "evt.type = open", RawCondition: "evt.type = open",
		Priority: PriorityNotice, Enabled: true, WarnEvttypes: true,
		Pos: Position{"f1.yaml", 2, 3}, CondPos: Position{"f1.yaml", 4, 14}, OutputPos: Position{"f1.yaml", 5, 11},
	}
	got := *r
	got.cond, got.output = condText{}, condText{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestRuleDefinitionAllKeys(t *testing.T) {
	c, ps := loadOK(t, `
- rule: r
  desc: d
  condition: ka.verb = get
  output: o
  priority: Critical
  source: k8s_audit
  enabled: no
  warn_evttypes: Off
  skip-if-unknown-filter: Y
  capture: TRUE
  capture_duration: 5000
  tags: [b, a, b, T1059]
`)
	expectProblems(t, ps)
	r := ruleNamed(t, c, "r")
	if r.Source != "k8s_audit" || !r.UnknownSource || r.Enabled || r.WarnEvttypes || !r.SkipIfUnknownFilter ||
		!r.Capture || r.CaptureDuration != 5000 || r.Priority != PriorityCritical {
		t.Fatalf("%+v", r)
	}
	if !reflect.DeepEqual(r.Tags, []string{"T1059", "a", "b"}) {
		t.Fatalf("tags %v", r.Tags)
	}
}

func TestRuleKnownSources(t *testing.T) {
	c, err := NewCollectionWith(Options{Sources: []string{"syscall", "k8s_audit"}})
	if err != nil {
		t.Fatal(err)
	}
	c.Add(Source{Name: "f", Data: []byte(base + "  source: k8s_audit\n")})
	if r := c.Rules()[0]; r.UnknownSource {
		t.Fatal("k8s_audit is known here")
	}
}

func TestBooleanSpellings(t *testing.T) {
	for _, s := range []string{"true", "True", "TRUE", "yes", "Yes", "YES", "y", "Y", "on", "On", "ON", `"yes"`} {
		c, ps := load(t, base+"  enabled: "+s+"\n")
		if HasErrors(ps) || !ruleNamed(t, c, "r").Enabled {
			t.Errorf("%s: %v", s, ps)
		}
	}
	for _, s := range []string{"false", "False", "FALSE", "no", "No", "NO", "n", "N", "off", "Off", "OFF"} {
		c, ps := load(t, base+"  enabled: "+s+"\n")
		if HasErrors(ps) || ruleNamed(t, c, "r").Enabled {
			t.Errorf("%s: %v", s, ps)
		}
	}
	for _, s := range []string{"tRUE", "yEs", "1", "0", "enable", "nope", "[true]", "''"} {
		_, ps := load(t, base+"  enabled: "+s+"\n")
		if !HasErrors(ps) {
			t.Errorf("%s accepted", s)
		}
	}
}

func TestRuleDefinitionErrors(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		wants []want
	}{
		{"missing desc", "- rule: r\n  condition: c\n  output: o\n  priority: info\n",
			[]want{{sev: SeverityError, code: CodeYAMLValidate, line: 1, col: 3, kind: KindRule, name: "r", msg: "Item has no mapping for key 'desc'"}}},
		{"missing output", "- rule: r\n  condition: c\n  desc: d\n  priority: info\n",
			[]want{errw(CodeYAMLValidate, 1, 3, "Item has no mapping for key 'output'")}},
		{"missing condition", "- rule: r\n  output: o\n  desc: d\n  priority: info\n",
			[]want{errw(CodeYAMLValidate, 1, 3, "Item has no mapping for key 'condition'")}},
		{"missing priority", "- rule: r\n  output: o\n  desc: d\n  condition: c\n",
			[]want{errw(CodeYAMLValidate, 1, 3, "Item has no mapping for key 'priority'")}},
		{"empty condition", "- rule: r\n  output: o\n  desc: d\n  condition: ''\n  priority: info\n",
			[]want{errw(CodeYAMLValidate, 4, 14, "value of 'condition' must be non-empty")}},
		{"null output", "- rule: r\n  output:\n  desc: d\n  condition: c\n  priority: info\n",
			[]want{errw(CodeYAMLValidate, 2, 10, "Mapping for key 'output' is empty")}},
		{"sequence desc", "- rule: r\n  output: o\n  desc: [d]\n  condition: c\n  priority: info\n",
			[]want{errw(CodeYAMLValidate, 3, 9, "value of 'desc' is not a scalar value")}},
		{"invalid priority", "- rule: r\n  output: o\n  desc: d\n  condition: c\n  priority: urgent\n",
			[]want{errw(CodeYAMLValidate, 5, 13, `invalid priority "urgent"`)}},
		{"empty name", "- rule: ''\n  output: o\n", []want{errw(CodeYAMLValidate, 1, 9, "value of 'rule' must be non-empty")}},
		{"bad enabled", base + "  enabled: sometimes\n", []want{errw(CodeYAMLValidate, 7, 12, "value 'sometimes' of 'enabled' is not a boolean")}},
		{"bad warn_evttypes", base + "  warn_evttypes: 1\n", []want{errw(CodeYAMLValidate, 7, 18, "of 'warn_evttypes' is not a boolean")}},
		{"bad skip", base + "  skip-if-unknown-filter: maybe\n", []want{errw(CodeYAMLValidate, 7, 27, "of 'skip-if-unknown-filter'")}},
		{"bad capture", base + "  capture: x\n", []want{errw(CodeYAMLValidate, 7, 12, "of 'capture' is not a boolean")}},
		{"bad capture_duration", base + "  capture_duration: 1.5\n", []want{errw(CodeYAMLValidate, 7, 21, "'1.5' of 'capture_duration' is not a non-negative integer")}},
		{"negative capture_duration", base + "  capture_duration: -1\n", []want{errw(CodeYAMLValidate, 7, 21, "not a non-negative integer")}},
		{"tags not a sequence", base + "  tags: a\n", []want{errw(CodeYAMLValidate, 7, 9, "value of 'tags' is not a sequence")}},
		{"null tags", base + "  tags:\n", []want{errw(CodeYAMLValidate, 7, 8, "value of 'tags' is not a sequence (found null)")}},
		{"nested tag", base + "  tags: [a, {b: c}]\n", []want{errw(CodeYAMLValidate, 7, 13, "element of 'tags' is not a scalar (found a mapping)")}},
		{"unknown key", base + "  prority: INFO\n", []want{warnw(CodeUnknownKey, 7, 3, "unknown key 'prority' for a rule")}},
		{"several errors at once", "- rule: r\n  condition: c\n  priority: bad\n  enabled: bad\n",
			[]want{
				errw(CodeYAMLValidate, 1, 3, "'output'"),
				errw(CodeYAMLValidate, 1, 3, "'desc'"),
				errw(CodeYAMLValidate, 3, 13, "invalid priority"),
				errw(CodeYAMLValidate, 4, 12, "of 'enabled'"),
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ps := load(t, tt.yaml)
			expectProblems(t, ps, tt.wants...)
			if HasErrors(ps) && len(c.Rules()) != 0 {
				t.Error("a rule with errors must not be collected")
			}
		})
	}
}

func TestRuleSourceValues(t *testing.T) {
	for _, s := range []string{"", "  source:\n", "  source: ''\n", "  source: syscall\n"} {
		c, ps := loadOK(t, base+s)
		expectProblems(t, ps)
		if r := ruleNamed(t, c, "r"); r.Source != "syscall" || r.UnknownSource {
			t.Errorf("%q: source %q", s, r.Source)
		}
	}
}

func TestRuleRedefinition(t *testing.T) {
	c, ps := loadOK(t, `
- rule: first
  desc: d
  condition: a
  output: o
  priority: info
  tags: [x]
  enabled: false
- rule: second
  desc: d
  condition: b
  output: o
  priority: info
`, `
- rule: first
  desc: new
  condition: c
  output: o2
  priority: error
`)
	expectProblems(t, ps)
	rs := c.Rules()
	if rs[0].Name != "first" || rs[1].Name != "second" {
		t.Fatalf("order %s, %s: a redefined rule keeps its position", rs[0].Name, rs[1].Name)
	}
	f := rs[0]
	if f.Desc != "new" || f.Condition != "c" || f.Output != "o2" || f.Priority != PriorityError || !f.Enabled || len(f.Tags) != 0 {
		t.Fatalf("full redefinition replaces everything: %+v", f)
	}
	if f.Index != 0 || f.Visibility != 2 || rs[1].Index != 1 {
		t.Fatalf("index %d vis %d", f.Index, f.Visibility)
	}
	if f.Pos != (Position{File: "f2.yaml", Line: 2, Col: 3}) {
		t.Fatalf("pos %v", f.Pos)
	}
}

func TestRuleRedefinitionDifferentSource(t *testing.T) {
	k8s := "- rule: r\n  desc: d\n  condition: ka.verb = get\n  output: o\n  priority: info\n  source: k8s_audit\n"
	tests := []struct {
		name  string
		yaml  string
		wants []want
	}{
		{"explicit", k8s + "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: info\n  source: syscall\n",
			[]want{{sev: SeverityError, code: CodeValidate, line: 12, col: 11, kind: KindRule, name: "r", msg: "different source"}}},
		{"default source", k8s + "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: info\n",
			[]want{errw(CodeValidate, 7, 3, "different source ('syscall', previously 'k8s_audit')")}},
		{"legacy append", k8s + "- rule: r\n  condition: and x\n  source: syscall\n  append: true\n",
			[]want{warnw(CodeDeprecatedItem, 10, 3, ""), errw(CodeValidate, 9, 11, "different source")}},
		{"override", k8s + "- rule: r\n  condition: x\n  source: syscall\n  override: {condition: replace}\n",
			[]want{errw(CodeValidate, 9, 11, "different source")}},
		{"override same source", k8s + "- rule: r\n  condition: x\n  source: k8s_audit\n  override: {condition: replace}\n", nil},
		{"append empty source", k8s + "- rule: r\n  condition: and x\n  source:\n  append: true\n",
			[]want{warnw(CodeDeprecatedItem, 10, 3, "")}},
		{"append empty string source", k8s + "- rule: r\n  condition: and x\n  source: ''\n  append: true\n",
			[]want{warnw(CodeDeprecatedItem, 10, 3, "")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ps := load(t, tt.yaml)
			expectProblems(t, ps, tt.wants...)
		})
	}
}

func TestRuleEnabledShorthand(t *testing.T) {
	c, ps := load(t, base+"- rule: r\n  enabled: false\n  tags: [ignored]\n")
	expectProblems(t, ps, want{sev: SeverityWarning, code: CodeDeprecatedItem, line: 8, col: 3, kind: KindRule, name: "r", msg: "only 'enabled' is deprecated"})
	r := ruleNamed(t, c, "r")
	if r.Enabled || len(r.Tags) != 0 || r.Visibility != 0 {
		t.Fatalf("enabled=%v tags=%v vis=%d", r.Enabled, r.Tags, r.Visibility)
	}
	c.Add(Source{Name: "f2.yaml", Data: []byte("- rule: r\n  enabled: true\n")})
	if !ruleNamed(t, c, "r").Enabled {
		t.Fatal("re-enabled from a later file")
	}

	_, ps = load(t, "- rule: nope\n  enabled: false\n")
	expectProblems(t, ps, warnw(CodeDeprecatedItem, 2, 3, ""),
		want{sev: SeverityError, code: CodeValidate, line: 1, col: 3, kind: KindRule, name: "nope", msg: "no rule by that name"})

	_, ps = load(t, base+"- rule: r\n  tags: [a]\n")
	expectProblems(t, ps, errw(CodeYAMLValidate, 7, 3, "Item has no mapping for key 'enabled'"))

	_, ps = load(t, base+"- rule: r\n  enabled: perhaps\n")
	expectProblems(t, ps, errw(CodeYAMLValidate, 8, 12, "not a boolean"))
}

func TestRuleLegacyAppend(t *testing.T) {
	c, ps := load(t, `
- rule: legit_rule
  desc: legit rule description
  condition: evt.type=open
  output: user=%user.name
  priority: INFO
- rule: legit_rule
  condition: and proc.name = cat
  output: ignored
  desc: ignored
  priority: ERROR
  append: true
`)
	expectProblems(t, ps, warnw(CodeDeprecatedItem, 12, 3, "'append' is deprecated"))
	r := ruleNamed(t, c, "legit_rule")
	if r.Condition != "evt.type=open and proc.name = cat" || r.Output != "user=%user.name" || r.Desc != "legit rule description" || r.Priority != PriorityInformational {
		t.Fatalf("%+v", r)
	}
	if r.Visibility != 1 || r.Index != 0 {
		t.Fatalf("index %d vis %d", r.Index, r.Visibility)
	}

	_, ps = load(t, "- rule: r\n  condition: and x\n  append: true\n")
	expectProblems(t, ps, warnw(CodeDeprecatedItem, 3, 3, ""),
		want{sev: SeverityError, code: CodeValidate, line: 1, col: 3, kind: KindRule, name: "r", msg: "no rule by that name"})

	_, ps = load(t, base+"- rule: r\n  output: x\n  append: true\n")
	expectProblems(t, ps, warnw(CodeDeprecatedItem, 9, 3, ""),
		errw(CodeValidate, 7, 3, "appended rule must have exceptions or condition property"))

	_, ps = load(t, base+"- rule: r\n  condition: ''\n  append: true\n")
	expectProblems(t, ps, warnw(CodeDeprecatedItem, 9, 3, ""), errw(CodeYAMLValidate, 8, 14, "must be non-empty"))
}

func TestRuleOverride(t *testing.T) {
	const def = `
- rule: legit_rule
  desc: legit rule description
  condition: evt.type=open
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  tags: [b]
`
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, r *Rule)
		wants []want
	}{
		{name: "append condition output desc", yaml: `
- rule: legit_rule
  desc: with append
  condition: and proc.name = cat
  output: proc=%proc.name
  override:
    desc: append
    condition: append
    output: append
`, check: func(t *testing.T, r *Rule) {
			if r.Condition != "evt.type=open and proc.name = cat" ||
				r.Output != "user=%user.name command=%proc.cmdline file=%fd.name proc=%proc.name" ||
				r.Desc != "legit rule description with append" {
				t.Fatalf("%q %q %q", r.Condition, r.Output, r.Desc)
			}
			if r.CondPos.Line != 4 || r.Visibility != 1 {
				t.Fatalf("append keeps the condition position: %v vis %d", r.CondPos, r.Visibility)
			}
		}},
		{name: "replace condition and desc", yaml: `
- rule: legit_rule
  desc: a replaced legit description
  condition: evt.type = close
  override:
    desc: replace
    condition: replace
`, check: func(t *testing.T, r *Rule) {
			if r.Condition != "evt.type = close" || r.Desc != "a replaced legit description" ||
				r.Output != "user=%user.name command=%proc.cmdline file=%fd.name" {
				t.Fatalf("%+v", r)
			}
			if r.CondPos != (Position{File: "f1.yaml", Line: 11, Col: 14}) {
				t.Fatalf("replace moves the condition position: %v", r.CondPos)
			}
		}},
		{name: "mixed append and replace", yaml: `
- rule: legit_rule
  desc: a replaced legit description
  condition: and proc.name = cat
  priority: WARNING
  override:
    desc: replace
    condition: append
    priority: replace
`, check: func(t *testing.T, r *Rule) {
			if r.Condition != "evt.type=open and proc.name = cat" || r.Desc != "a replaced legit description" || r.Priority != PriorityWarning {
				t.Fatalf("%+v", r)
			}
			if r.Visibility != 2 {
				t.Fatalf("append and replace are two changes: vis %d", r.Visibility)
			}
		}},
		{name: "replace every replaceable key", yaml: `
- rule: legit_rule
  output: new output
  priority: debug
  tags: [z]
  enabled: false
  warn_evttypes: false
  skip-if-unknown-filter: true
  capture: true
  capture_duration: 10
  override:
    output: replace
    priority: replace
    tags: replace
    enabled: replace
    warn_evttypes: replace
    skip-if-unknown-filter: replace
    capture: replace
    capture_duration: replace
`, check: func(t *testing.T, r *Rule) {
			if r.Output != "new output" || r.Priority != PriorityDebug || !reflect.DeepEqual(r.Tags, []string{"z"}) ||
				r.Enabled || r.WarnEvttypes || !r.SkipIfUnknownFilter || !r.Capture || r.CaptureDuration != 10 {
				t.Fatalf("%+v", r)
			}
			if r.OutputPos.Line != 10 {
				t.Fatalf("output position %v", r.OutputPos)
			}
		}},
		{name: "append tags", yaml: "- rule: legit_rule\n  tags: [c, a, b]\n  override: {tags: append}\n",
			check: func(t *testing.T, r *Rule) {
				if !reflect.DeepEqual(r.Tags, []string{"a", "b", "c"}) {
					t.Fatalf("%v", r.Tags)
				}
			}},
		{name: "source may accompany", yaml: "- rule: legit_rule\n  condition: and x\n  source: syscall\n  override: {condition: append}\n",
			check: func(t *testing.T, r *Rule) {
				if r.Condition != "evt.type=open and x" {
					t.Fatal(r.Condition)
				}
			}},
		{name: "priority cannot be appended", yaml: `
- rule: legit_rule
  condition: and proc.name = cat
  priority: WARNING
  override:
    condition: append
    priority: append
`, wants: []want{{sev: SeverityError, code: CodeYAMLValidate, line: 14, col: 5, kind: KindRule, name: "legit_rule", msg: "key 'priority' cannot be appended to, use 'replace' instead"}}},
		{name: "enabled cannot be appended", yaml: "- rule: legit_rule\n  enabled: true\n  override: {enabled: append}\n",
			wants: []want{errw(CodeYAMLValidate, 10, 14, "key 'enabled' cannot be appended to, use 'replace'")}},
		{name: "source cannot be replaced", yaml: "- rule: legit_rule\n  source: x\n  override: {source: replace}\n",
			wants: []want{errw(CodeYAMLValidate, 10, 14, "key 'source' cannot be replaced")}},
		{name: "unknown key cannot be appended", yaml: "- rule: legit_rule\n  override: {foo: append}\n",
			wants: []want{errw(CodeYAMLValidate, 9, 14, "key 'foo' cannot be appended to")}},
		{name: "bad operation", yaml: "- rule: legit_rule\n  priority: info\n  override: {priority: set}\n",
			wants: []want{errw(CodeYAMLValidate, 10, 24, "invalid override operation for key 'priority': 'set'; allowed: replace")}},
		{name: "override key not defined", yaml: "- rule: legit_rule\n  condition: and x\n  override: {condition: append, output: append}\n",
			wants: []want{errw(CodeYAMLValidate, 10, 33, "an append override for 'output' was specified but 'output' is not defined")}},
		{name: "defined key not overridden", yaml: "- rule: legit_rule\n  condition: and x\n  priority: ERROR\n  override: {condition: append}\n",
			wants: []want{errw(CodeYAMLValidate, 10, 3, "unexpected key 'priority': no corresponding entry under 'override'")}},
		{name: "override and append flag", yaml: "- rule: legit_rule\n  condition: and x\n  append: true\n  override: {condition: append}\n",
			wants: []want{warnw(CodeDeprecatedItem, 10, 3, ""), errw(CodeYAMLValidate, 8, 3, "'override' and 'append: true' cannot be used together")}},
		{name: "append to undefined", yaml: "- rule: other\n  condition: and x\n  override: {condition: append}\n",
			wants: []want{{sev: SeverityError, code: CodeValidate, line: 8, col: 3, kind: KindRule, name: "other", msg: "rule uses 'append' or 'override.<key>: append' but no rule"}}},
		{name: "replace undefined", yaml: "- rule: other\n  condition: x\n  override: {condition: replace}\n",
			wants: []want{errw(CodeValidate, 8, 3, "an 'override.<key>: replace' was requested but no rule by that name")}},
		{name: "bad replaced priority", yaml: "- rule: legit_rule\n  priority: loud\n  override: {priority: replace}\n",
			wants: []want{errw(CodeYAMLValidate, 9, 13, "invalid priority")}},
		{name: "bad replaced enabled", yaml: "- rule: legit_rule\n  enabled: 2\n  override: {enabled: replace}\n",
			wants: []want{errw(CodeYAMLValidate, 9, 12, "not a boolean")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ps := load(t, def+tt.yaml)
			expectProblems(t, ps, tt.wants...)
			r := ruleNamed(t, c, "legit_rule")
			if tt.check != nil {
				tt.check(t, r)
			} else if HasErrors(ps) && (r.Condition != "evt.type=open" || r.Visibility != 0) {
				t.Fatalf("a failed override changed the rule: %+v", r)
			}
		})
	}
}

func TestRuleOverrideAcrossFiles(t *testing.T) {
	c, _ := loadOK(t, base, "- rule: r\n  condition: and proc.name = x\n  override:\n    condition: append\n")
	r := ruleNamed(t, c, "r")
	if r.Condition != "evt.type = open and proc.name = x" {
		t.Fatal(r.Condition)
	}
	if !strings.HasPrefix(r.CondPosAt(len("evt.type = open and ")).File, "f2") {
		t.Fatalf("appended text maps to the second file: %v", r.CondPosAt(len("evt.type = open and ")))
	}
}
