package rulefile

import (
	"strings"
	"testing"
)

func TestCondPosAt(t *testing.T) {
	doc := `- macro: plain
  condition: evt.type = open and proc.name = x
- macro: folded
  condition: >
    (evt.type = open and
      proc.name = x) or
    fd.name = y
- macro: literal
  condition: |
    evt.type = open
    and  proc.name = x
- macro: multiline_plain
  condition: evt.type = open
    and proc.name = x
- macro: quoted
  condition: "evt.type = open and proc.name = x"
- macro: escaped
  condition: "evt.type = \"a\" and proc.name = x"
- macro: plain
  condition: or fd.name = z
  override:
    condition: append
- macro: unicode
  condition: "é = 1 and proc.name = x"
`
	c, _ := loadOK(t, doc)
	tests := []struct {
		macro, probe string
		line, col    int
	}{
		{"plain", "evt.type", 2, 14},
		{"plain", "proc.name", 2, 34},
		{"plain", "fd.name", 20, 17}, // appended fragment
		{"folded", "(evt", 5, 5},
		{"folded", "proc.name", 6, 7},
		{"folded", "fd.name", 7, 5},
		{"folded", "or", 6, 22},
		{"literal", "and", 11, 5},
		{"literal", "proc.name", 11, 10},
		{"multiline_plain", "proc.name", 14, 9},
		{"quoted", "proc.name", 16, 35},
		{"escaped", "evt.type", 18, 15},
		{"escaped", "proc.name", 18, 14}, // after the escape: the value's start
		{"unicode", "proc.name", 24, 25},
	}
	for _, tt := range tests {
		m := macroNamed(t, c, tt.macro)
		off := strings.LastIndex(m.Condition, tt.probe)
		if tt.probe == "evt.type" || tt.probe == "(evt" {
			off = strings.Index(m.Condition, tt.probe)
		}
		got := m.CondPosAt(off)
		if got.Line != tt.line || got.Col != tt.col || got.File != "f1.yaml" {
			t.Errorf("%s: %q at %d:%d, want %d:%d", tt.macro, tt.probe, got.Line, got.Col, tt.line, tt.col)
		}
	}
}

func TestRuleCondAndOutputPosAt(t *testing.T) {
	c, _ := loadOK(t, `- rule: r
  desc: d
  condition: >
    evt.type = open
    and proc.name = x
  output: "  file=%fd.name proc=%proc.name"
  priority: info
  exceptions:
    - name: e
      fields: [proc.name]
      values:
        - [sh]
        - [bash]
- rule: r
  output: extra=%evt.type
  override: {output: append}
`)
	r := ruleNamed(t, c, "r")
	at := func(text, probe string) int { return strings.Index(text, probe) }
	checks := []struct {
		got       Position
		line, col int
	}{
		{r.CondPosAt(0), 3, 14},                               // the "(" added for exceptions
		{r.CondPosAt(at(r.Condition, "proc.name = x")), 5, 9}, // inside the folded condition
		{r.CondPosAt(at(r.Condition, "and not")), 9, 7},       // generated: the exception
		{r.CondPosAt(at(r.Condition, "bash")), 13, 11},        // generated: the tuple
		{r.OutputPosAt(0), 6, 14},                             // output without its blanks
		{r.OutputPosAt(at(r.Output, "proc=")), 6, 28},
		{r.OutputPosAt(at(r.Output, "extra")), 15, 11},
		{r.CondPosAt(len(r.Condition) + 5), 9, 7}, // past the end: the last part
	}
	for i, ck := range checks {
		if ck.got.Line != ck.line || ck.got.Col != ck.col {
			t.Errorf("check %d: %d:%d, want %d:%d", i, ck.got.Line, ck.got.Col, ck.line, ck.col)
		}
	}
	var empty Rule
	if empty.CondPosAt(3) != (Position{}) {
		t.Error("zero rule")
	}
}
