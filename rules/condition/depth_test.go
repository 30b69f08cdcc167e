package condition

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDepthLimit(t *testing.T) {
	const huge = 100000
	tests := []struct {
		name string
		in   string
	}{
		{"parentheses", strings.Repeat("(", huge) + "a" + strings.Repeat(")", huge)},
		{"unclosed parentheses", strings.Repeat("(", huge)},
		{"not(", strings.Repeat("not(", huge) + "a" + strings.Repeat(")", huge)},
		{"not (", strings.Repeat("not (", huge) + "a" + strings.Repeat(")", huge)},
		{"and(", "a" + strings.Repeat(" and(a", huge) + strings.Repeat(")", huge)},
		{"transformers", strings.Repeat("tolower(", huge) + "a.b" + strings.Repeat(")", huge) + " = x"},
		{"rhs transformers", "a.b = " + strings.Repeat("tolower(", huge) + "a.b" + strings.Repeat(")", huge)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse(tt.in, Options{})
			var se *SyntaxError
			if !errors.As(err, &se) || se.Msg != "exceeded max depth limit of 1000" {
				t.Fatalf("error %v, want the depth limit", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// A run of nots is folded in a loop, as in Falco: any number is accepted.
func TestLongNotRun(t *testing.T) {
	for _, n := range []int{100000, 100001} {
		e, err := Parse(strings.Repeat("not ", n)+"a", Options{})
		if err != nil {
			t.Fatalf("%d nots: %v", n, err)
		}
		want := "a"
		if n%2 == 1 {
			want = "not a"
		}
		if got := e.String(); got != want {
			t.Errorf("%d nots = %q, want %q", n, got, want)
		}
	}
}

// The depth is counted per grammar level, as Falco counts it: with the
// default limit a little under 200 nested groups are accepted.
func TestDepthBudget(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("(", n) + "a.b = 1" + strings.Repeat(")", n) }
	if _, err := Parse(nest(190), Options{}); err != nil {
		t.Errorf("190 groups: %v", err)
	}
	if _, err := Parse(nest(200), Options{}); err == nil {
		t.Errorf("200 groups accepted, want the depth limit")
	}
	// or, and, not, check = 4 levels for "a"; each group adds 5.
	if _, err := Parse("(a)", Options{MaxDepth: 10}); err != nil {
		t.Errorf("(a) with MaxDepth 10: %v", err)
	}
	_, err := Parse("((a))", Options{MaxDepth: 10})
	if err == nil || !strings.Contains(err.Error(), "exceeded max depth limit of 10") {
		t.Errorf("((a)) with MaxDepth 10: %v, want the depth limit", err)
	}
	if _, err := Parse(nest(300), Options{MaxDepth: 5000}); err != nil {
		t.Errorf("300 groups with MaxDepth 5000: %v", err)
	}
}

// Long flat inputs parse in linear time.
func TestLongFlatInput(t *testing.T) {
	var b strings.Builder
	b.WriteString("a.b in (")
	for i := 0; i < 200000; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("item")
	}
	b.WriteString(")")
	for i := 0; i < 50000; i++ {
		b.WriteString(" or\nc.d = x and not e")
	}
	start := time.Now()
	e, err := Parse(b.String(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.(*Or).Terms); n != 50001 {
		t.Errorf("%d or-terms, want 50001", n)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}
