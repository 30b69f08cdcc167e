package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// loadFake reads YAML into a collection and compiles it against the fake
// registry.
func loadFake(t testing.TB, yaml string, opts Options) (*Ruleset, []rulefile.Problem) {
	t.Helper()
	c := rulefile.NewCollection()
	probs := c.Add(rulefile.Source{Name: "test.yaml", Data: []byte(yaml)})
	if rulefile.HasErrors(probs) {
		return nil, probs
	}
	rs, more := compile(c, newFakeRegistry(), opts)
	return rs, append(probs, more...)
}

// posOf returns the 1-based line and column of the n-th (0-based)
// occurrence of sub in text.
func posOf(t testing.TB, text, sub string, n int) (int, int) {
	t.Helper()
	off := -1
	for i := 0; i <= n; i++ {
		j := strings.Index(text[off+1:], sub)
		if j < 0 {
			t.Fatalf("%q not found", sub)
		}
		off += 1 + j
	}
	line := strings.Count(text[:off], "\n") + 1
	col := off - strings.LastIndexByte(text[:off], '\n')
	return line, col
}

func rule(name, cond, output string, extra ...string) string {
	s := fmt.Sprintf("- rule: %s\n  desc: test rule\n  condition: %s\n  output: %s\n  priority: WARNING\n", name, cond, output)
	for _, e := range extra {
		s += "  " + e + "\n"
	}
	return s
}

func TestCompileProblems(t *testing.T) {
	type want struct {
		sev      rulefile.Severity
		code     rulefile.Code
		kind     string
		item     string
		at       string // substring whose position the problem must have
		nth      int
		contains string
	}
	E, W := rulefile.SeverityError, rulefile.SeverityWarning
	tests := []struct {
		name string
		yaml string
		want []want
	}{
		{"unknown field", rule("r1", "evt.type = open and proc.nosuch = x", "o"),
			[]want{{E, rulefile.CodeCompileCondition, "rule", "r1", "proc.nosuch", 0, "proc.nosuch"}}},
		{"bad operator", rule("r1", "evt.type = open and fd.num contains 1", "o"),
			[]want{{E, rulefile.CodeCompileCondition, "rule", "r1", "fd.num", 0, "'contains' is not supported"}}},
		{"bad regex", rule("r1", "evt.type = open and proc.name regex 'a('", "o"),
			[]want{{E, rulefile.CodeCompileCondition, "rule", "r1", "'a('", 0, "invalid regular expression"}}},
		{"unknown event type", rule("r1", "evt.type in (open, nosuchcall)", "o"),
			[]want{{E, rulefile.CodeCompileCondition, "rule", "r1", "nosuchcall", 0, "unknown event type"}}},
		{"undefined macro", rule("r1", "evt.type = open and nosuch_macro", "o"),
			[]want{{E, rulefile.CodeValidate, "rule", "r1", "nosuch_macro", 0, "undefined macro 'nosuch_macro'"}}},
		{"macro uses later macro",
			"- macro: m1\n  condition: m2 and proc.name = x\n- macro: m2\n  condition: fd.num = 1\n" +
				rule("r1", "evt.type = open and m2", "o"),
			[]want{
				{E, rulefile.CodeValidate, "macro", "m1", "m2", 0, "undefined macro 'm2'"},
				{W, rulefile.CodeUnusedMacro, "macro", "m1", "macro: m1", 0, "not referenced"},
			}},
		{"error inside macro", "- macro: m1\n  condition: proc.name = x and fd.bogus = 1\n" + rule("r1", "evt.type = open and m1", "o"),
			[]want{{E, rulefile.CodeCompileCondition, "rule", "r1", "fd.bogus", 0, "in macro 'm1'"}}},
		{"syntax error", rule("r1", "evt.type = open and (proc.name = x", "o"),
			[]want{{E, rulefile.CodeCompileCondition, "rule", "r1", "", 0, ""}}},
		{"bad output token", rule("r1", "evt.type = open", "user=%user.name file=%fd.nosuch"),
			[]want{{E, rulefile.CodeCompileOutput, "rule", "r1", "%fd.nosuch", 0, "invalid formatting token"}}},
		{"trailing percent", rule("r1", "evt.type = open", "'100%'"),
			[]want{{E, rulefile.CodeCompileOutput, "rule", "r1", "", 0, "cannot end with a %"}}},
		{"two broken rules", rule("r1", "evt.type = open and a.b = 1", "o") + rule("r2", "evt.type = open and c.d = 1", "o"),
			[]want{
				{E, rulefile.CodeCompileCondition, "rule", "r1", "a.b", 0, "a.b"},
				{E, rulefile.CodeCompileCondition, "rule", "r2", "c.d", 0, "c.d"},
			}},
		{"skip if unknown filter", rule("r1", "evt.type = open and proc.nosuch = x", `"x %fd.nosuch"`, "skip-if-unknown-filter: true") +
			rule("r2", "evt.type = open", "o"),
			[]want{
				{W, rulefile.CodeUnknownFilter, "rule", "r1", "proc.nosuch", 0, "skipped"},
				{W, rulefile.CodeUnknownFilter, "rule", "r1", "%fd.nosuch", 0, "skipped"},
			}},
		{"skip does not cover type errors", rule("r1", "evt.type = open and fd.num = abc", "o", "skip-if-unknown-filter: true"),
			[]want{{E, rulefile.CodeCompileCondition, "rule", "r1", "abc", 0, "not an integer"}}},
		{"no evttype", rule("r1", "proc.name = bash", "o"),
			[]want{{W, rulefile.CodeNoEvttype, "rule", "r1", "proc.name = bash", 0, "too many evt.type"}}},
		{"no evttype suppressed", rule("r1", "proc.name = bash", "o", "warn_evttypes: false"), nil},
		{"unused", "- list: l1\n  items: [a]\n- list: l2\n  items: [b]\n- macro: m1\n  condition: proc.name in (l1)\n" + rule("r1", "evt.type = open", "o"),
			[]want{
				{W, rulefile.CodeUnusedMacro, "macro", "m1", "macro: m1", 0, ""},
				{W, rulefile.CodeUnusedList, "list", "l2", "list: l2", 0, ""},
			}},
		{"deprecated field", rule("r1", "evt.type = open and evt.dir = <", "o"),
			[]want{{W, rulefile.CodeDeprecatedItem, "rule", "r1", "evt.dir", 0, "deprecated"}}},
		{"lookalike value", rule("r1", "evt.type = open and proc.name = proc.pname", "o"),
			[]want{{W, rulefile.CodeCompileConditionHint, "rule", "r1", "proc.pname", 0, "val(proc.pname)"}}},
		{"list position", "- list: shells\n  items: [bash, zsh]\n" + rule("r1", "evt.type = open and fd.num in (shells)", "o"),
			[]want{{E, rulefile.CodeCompileCondition, "rule", "r1", "shells)", 0, "not an integer"}}},
		{"macro loop through append", "- macro: a\n  condition: proc.name = x\n- macro: b\n  condition: a\n" +
			"- macro: a\n  condition: or b\n  override:\n    condition: append\n" + rule("r1", "evt.type = open and a", "o"),
			[]want{{E, rulefile.CodeValidate, "macro", "a", "", 0, "reference loop"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, probs := loadFake(t, tt.yaml, Options{})
			for _, w := range tt.want {
				found := false
				for _, p := range probs {
					if p.Severity != w.sev || p.Code != w.code || p.ItemKind != w.kind || p.ItemName != w.item ||
						!strings.Contains(p.Message, w.contains) {
						continue
					}
					if p.Pos.File != "test.yaml" {
						continue
					}
					if w.at != "" {
						line, col := posOf(t, tt.yaml, w.at, w.nth)
						if p.Pos.Line != line || p.Pos.Col != col {
							continue
						}
					} else if p.Pos.Line == 0 {
						continue
					}
					found = true
					break
				}
				if !found {
					t.Errorf("missing %s %s %s '%s' containing %q at %q; got:\n%s", w.sev, w.code, w.kind, w.item, w.contains, w.at, problemsText(probs))
				}
			}
			hasErr := false
			for _, w := range tt.want {
				hasErr = hasErr || w.sev == E
			}
			if hasErr != (rs == nil) {
				t.Errorf("ruleset nil = %v, want %v", rs == nil, hasErr)
			}
			if !hasErr {
				for _, p := range probs {
					if p.Severity == E {
						t.Errorf("unexpected %s", p)
					}
				}
			}
			if len(tt.want) == 0 && len(probs) != 0 {
				t.Errorf("unexpected problems:\n%s", problemsText(probs))
			}
		})
	}
}

func problemsText(ps []rulefile.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

// fire evaluates an event with MatchAll and returns the matching rule names.
func fire(rs *Ruleset, ev fields.Event) []string {
	var names []string
	x := rs.NewEvaluator()
	x.Evaluate(ev, func(r *Rule) bool {
		names = append(names, r.Name)
		return true
	})
	return names
}

func mustLoadFake(t testing.TB, yaml string, opts Options) *Ruleset {
	t.Helper()
	rs, probs := loadFake(t, yaml, opts)
	if rs == nil {
		t.Fatalf("load failed:\n%s", problemsText(probs))
	}
	return rs
}

func TestEndToEnd(t *testing.T) {
	reg := newFakeRegistry()
	yaml := `
- list: shells
  items: [bash, zsh, "my shell"]
- macro: spawned
  condition: (evt.type in (execve, execveat))
- macro: shell
  condition: proc.name in (shells)
- rule: shell spawned
  desc: d
  condition: spawned and shell
  output: shell %proc.name by %user.name
  priority: NOTICE
  exceptions:
    - name: trusted
      fields: [proc.pname, user.name]
      comps: [=, in]
      values:
        - [sshd, [root, admin]]
    - name: by_cmdline
      fields: proc.cmdline
      comps: in
      values: ["bash -c true"]
- rule: precedence
  desc: d
  condition: evt.type = openat and proc.name = a or proc.name = b and fd.num = 1
  output: p
  priority: ERROR
- rule: quoting
  desc: d
  condition: evt.type = openat and (proc.name = "my shell" or proc.name = 'it\'s' or fd.name = "/tmp/a b")
  output: q
  priority: ERROR
- rule: disabled
  desc: d
  condition: spawned
  output: x
  priority: ERROR
  enabled: false
- rule: debug only
  desc: d
  condition: spawned
  output: x
  priority: DEBUG
- rule: precedence
  condition: or proc.name = c
  override:
    condition: append
`
	rs := mustLoadFake(t, yaml, Options{MinPriority: rulefile.PriorityInformational, Matching: MatchAll})
	tests := []struct {
		typ  string
		kv   map[string]string
		want string
	}{
		{"execve", map[string]string{"proc.name": "bash", "proc.pname": "init", "user.name": "root"}, "shell spawned"},
		{"execve", map[string]string{"proc.name": "my shell", "user.name": "x"}, "shell spawned"},
		{"execve", map[string]string{"proc.name": "ls"}, ""},
		{"execve", map[string]string{"proc.name": "bash", "proc.pname": "sshd", "user.name": "root"}, ""},  // exception tuple
		{"execve", map[string]string{"proc.name": "bash", "proc.pname": "sshd", "user.name": "admin"}, ""}, // list element in tuple
		{"execve", map[string]string{"proc.name": "bash", "proc.pname": "sshd", "user.name": "bob"}, "shell spawned"},
		{"execve", map[string]string{"proc.name": "bash", "proc.cmdline": "bash -c true"}, ""},
		{"openat", map[string]string{"proc.name": "bash"}, ""},
		// precedence: (type=openat and name=a) or (name=b and num=1) or name=c
		{"openat", map[string]string{"proc.name": "a"}, "precedence"},
		{"openat", map[string]string{"proc.name": "b", "fd.num": "1"}, "precedence"},
		{"connect", map[string]string{"proc.name": "b", "fd.num": "1"}, ""}, // bound to openat only? no: or-branch is neutral
		{"openat", map[string]string{"proc.name": "b", "fd.num": "2"}, ""},
		{"openat", map[string]string{"proc.name": "c"}, "precedence"},
		{"openat", map[string]string{"proc.name": "my shell"}, "quoting"},
		{"openat", map[string]string{"proc.name": "it's"}, "quoting"},
		{"openat", map[string]string{"fd.name": "/tmp/a b"}, "quoting"},
	}
	for _, tt := range tests {
		got := strings.Join(fire(rs, reg.ev(t, tt.typ, tt.kv)), ",")
		want := tt.want
		if tt.typ == "connect" {
			// The appended "or proc.name = c" and the second branch make the
			// precedence rule neutral: it is bound to every event type.
			want = "precedence"
		}
		if got != want {
			t.Errorf("%s %v: fired %q, want %q", tt.typ, tt.kv, got, want)
		}
	}
	if r := rs.Lookup("disabled"); r == nil || r.Active || r.Enabled {
		t.Errorf("disabled rule: %+v", r)
	}
	if r := rs.Lookup("debug only"); r == nil || r.Active || !r.Enabled {
		t.Errorf("debug rule below min priority should be inactive: %+v", r)
	}
	if n := len(rs.Rules()); n != 5 {
		t.Errorf("%d rules, want 5", n)
	}
	if got := rs.Rules()[1].Name; got != "precedence" {
		t.Errorf("override moved the rule: second rule is %q", got)
	}
	et := rs.EventTypes()
	allEv := fields.AllEvents()
	if et.Len() != allEv.Len() {
		t.Errorf("union of event types has %d members, want all (precedence is neutral)", et.Len())
	}
	r := rs.Lookup("shell spawned")
	if names := strings.Join(r.EventTypes.Names(), " "); names != "execve execveat" {
		t.Errorf("shell spawned types: %s", names)
	}
	d := r.Detect(reg.ev(t, "execve", map[string]string{"proc.name": "bash"}), testTime)
	if d.Output != "shell bash by <NA>" {
		t.Errorf("output %q", d.Output)
	}
	if d.OutputFields["user.name"] != nil || d.OutputFields["proc.name"] != "bash" {
		t.Errorf("output fields %v", d.OutputFields)
	}
}

func TestMatchingFirst(t *testing.T) {
	reg := newFakeRegistry()
	yaml := rule("a", "evt.type = openat and proc.name = x", "a") + rule("b", "evt.type = openat", "b") + rule("c", "evt.type = openat", "c")
	first := mustLoadFake(t, yaml, Options{})
	all := mustLoadFake(t, yaml, Options{Matching: MatchAll})
	ev := reg.ev(t, "openat", map[string]string{"proc.name": "x"})
	if got := strings.Join(fire(first, ev), ","); got != "a" {
		t.Errorf("first: %q", got)
	}
	if got := strings.Join(fire(all, ev), ","); got != "a,b,c" {
		t.Errorf("all: %q", got)
	}
	ev2 := reg.ev(t, "openat", map[string]string{"proc.name": "y"})
	if got := strings.Join(fire(first, ev2), ","); got != "b" {
		t.Errorf("first, second event: %q", got)
	}
	// Stats, on a fresh ruleset.
	first = mustLoadFake(t, yaml, Options{})
	x := first.NewEvaluator()
	for range 10 {
		x.Evaluate(ev2, nil)
	}
	x.Flush()
	a, b, c := first.Lookup("a").Stats(), first.Lookup("b").Stats(), first.Lookup("c").Stats()
	if a.Evaluations != 10 || a.Matches != 0 || b.Evaluations != 10 || b.Matches != 10 || c.Evaluations != 0 {
		t.Errorf("stats a=%+v b=%+v c=%+v", a, b, c)
	}
}

func TestTimingSamples(t *testing.T) {
	reg := newFakeRegistry()
	rs := mustLoadFake(t, rule("a", "evt.type = openat and proc.name = x", "a"), Options{TimingSampleEvery: 4})
	x := rs.NewEvaluator()
	ev := reg.ev(t, "openat", map[string]string{"proc.name": "y"})
	for range 16 {
		x.Evaluate(ev, nil)
	}
	if s := rs.Lookup("a").Stats(); s.Samples != 4 {
		t.Errorf("samples = %d, want 4", s.Samples)
	}
}
