package rulefile

import (
	"fmt"
	"strings"
	"testing"
)

// load adds each text as a file named f1.yaml, f2.yaml, ... and returns the
// collection and all problems.
func load(t *testing.T, files ...string) (*Collection, []Problem) {
	t.Helper()
	c := NewCollection()
	var all []Problem
	for i, f := range files {
		all = append(all, c.Add(Source{Name: fmt.Sprintf("f%d.yaml", i+1), Data: []byte(f)})...)
	}
	return c, all
}

// loadOK loads and fails the test on any error.
func loadOK(t *testing.T, files ...string) (*Collection, []Problem) {
	t.Helper()
	c, ps := load(t, files...)
	for _, p := range ps {
		if p.Severity == SeverityError {
			t.Fatalf("unexpected error: %s", p)
		}
	}
	return c, ps
}

func errorsIn(ps []Problem) []Problem {
	var out []Problem
	for _, p := range ps {
		if p.Severity == SeverityError {
			out = append(out, p)
		}
	}
	return out
}

func warningsIn(ps []Problem) []Problem {
	var out []Problem
	for _, p := range ps {
		if p.Severity == SeverityWarning {
			out = append(out, p)
		}
	}
	return out
}

// want describes one expected problem; empty fields are not checked.
type want struct {
	sev       Severity
	code      Code
	line, col int
	kind      string
	name      string
	msg       string // substring of the message
}

func (w want) match(p Problem) bool {
	return p.Severity == w.sev && p.Code == w.code &&
		(w.line == 0 || p.Pos.Line == w.line) && (w.col == 0 || p.Pos.Col == w.col) &&
		(w.kind == "" || p.ItemKind == w.kind) && (w.name == "" || p.ItemName == w.name) &&
		strings.Contains(p.Message, w.msg)
}

func (w want) String() string {
	return fmt.Sprintf("%s %s at %d:%d %s %q msg~%q", w.sev, w.code, w.line, w.col, w.kind, w.name, w.msg)
}

// expectProblems checks that the problems are exactly the wanted ones, in
// order.
func expectProblems(t *testing.T, got []Problem, wants ...want) {
	t.Helper()
	ok := len(got) == len(wants)
	for i := 0; ok && i < len(wants); i++ {
		ok = wants[i].match(got[i])
	}
	if ok {
		return
	}
	var b strings.Builder
	b.WriteString("problems differ\ngot:\n")
	for _, p := range got {
		b.WriteString("  " + p.String() + "\n")
	}
	b.WriteString("want:\n")
	for _, w := range wants {
		b.WriteString("  " + w.String() + "\n")
	}
	t.Fatal(b.String())
}

func errw(code Code, line, col int, msg string) want {
	return want{sev: SeverityError, code: code, line: line, col: col, msg: msg}
}

func warnw(code Code, line, col int, msg string) want {
	return want{sev: SeverityWarning, code: code, line: line, col: col, msg: msg}
}

func ruleNamed(t *testing.T, c *Collection, name string) *Rule {
	t.Helper()
	for _, r := range c.Rules() {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no rule %q", name)
	return nil
}

func macroNamed(t *testing.T, c *Collection, name string) *Macro {
	t.Helper()
	for _, m := range c.Macros() {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no macro %q", name)
	return nil
}

// base is a minimal valid rule, reused by many tests.
const base = `
- rule: r
  desc: d
  condition: evt.type = open
  output: out
  priority: WARNING
`
