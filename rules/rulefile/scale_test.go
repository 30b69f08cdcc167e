package rulefile

import (
	"strings"
	"testing"
	"time"
)

// manyAppends builds a file that appends n times to one list, one macro and
// one rule (condition, output, desc, tags and exception values).
func manyAppends(n int) string {
	var b strings.Builder
	b.WriteString("- list: l\n  items: [x]\n- macro: m\n  condition: a\n" + base +
		"  exceptions:\n  - name: e\n    fields: [proc.name]\n    values: [[x]]\n")
	for i := 0; i < n; i++ {
		b.WriteString("- list: l\n  items: [y]\n  override: {items: append}\n")
		b.WriteString("- macro: m\n  condition: or b\n  override: {condition: append}\n")
		b.WriteString("- rule: r\n  condition: and c\n  output: o\n  desc: d\n  tags: [t" + itoa(i%100) + "]\n" +
			"  exceptions:\n  - name: e\n    values: [[z]]\n" +
			"  override: {condition: append, output: append, desc: append, tags: append, exceptions: append}\n")
	}
	return b.String()
}

// TestManyAppendsLinear checks that appending stays linear: four times the
// appends must not take sixteen times as long.
func TestManyAppendsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	run := func(n int) time.Duration {
		doc := manyAppends(n)
		start := time.Now()
		c, ps := load(t, doc)
		d := time.Since(start)
		if HasErrors(ps) {
			t.Fatal(ps[0])
		}
		if got := len(c.List("l").Items); got != n+1 {
			t.Fatalf("list has %d items", got)
		}
		r := c.Rule("r")
		if len(r.Exceptions[0].Values) != n+1 || len(r.Tags) != min(n, 100) || strings.Count(r.RawCondition, " and c") != n {
			t.Fatalf("rule: %d values, %d tags", len(r.Exceptions[0].Values), len(r.Tags))
		}
		if strings.Count(c.Macro("m").Condition, "or b") != n {
			t.Fatal("macro appends lost")
		}
		return d
	}
	run(500) // warm up
	small, large := run(2000), run(8000)
	t.Logf("2000 appends: %v, 8000 appends: %v", small, large)
	if large > 10*small+200*time.Millisecond {
		t.Fatalf("appends look quadratic: %v for 2000, %v for 8000", small, large)
	}
}
