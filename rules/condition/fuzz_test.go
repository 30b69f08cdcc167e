package condition

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
)

// loadSeeds reads testdata/conditions.txt.
func loadSeeds(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open("testdata/conditions.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var seeds []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		seeds = append(seeds, line)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return seeds
}

// FuzzParse checks that Parse never panics or hangs, that its errors are
// well-formed, and that the canonical form of an accepted condition parses
// back to the same canonical form.
func FuzzParse(f *testing.F) {
	for _, s := range loadSeeds(f) {
		f.Add(s)
	}
	f.Add("a.b = 1 and\n  c.d in (x,\n y)\r\n or not e")
	f.Add("a.b = \"\x00\"")
	f.Add("a.b = x\by and not\va")
	f.Add("evt.arg[\"\\x00\"] = \"\\xff\"")
	f.Fuzz(func(t *testing.T, text string) {
		e, err := Parse(text, Options{MaxDepth: 200})
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T, want *SyntaxError", err)
			}
			if se.Pos.Offset < 0 || se.Pos.Offset > len(text) || se.Pos.Line < 1 || se.Pos.Col < 1 {
				t.Fatalf("bad error position %+v for %d bytes", se.Pos, len(text))
			}
			lineStart := strings.LastIndexByte(text[:se.Pos.Offset], '\n') + 1
			if se.Pos.Col != se.Pos.Offset-lineStart+1 || se.Pos.Line != strings.Count(text[:se.Pos.Offset], "\n")+1 {
				t.Fatalf("error position %+v inconsistent with its offset", se.Pos)
			}
			return
		}
		canon := e.String()
		again, err := Parse(canon, Options{MaxDepth: 100000})
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, text, err)
		}
		if got := again.String(); got != canon {
			t.Fatalf("canonical form not stable for %q:\n%q\n%q", text, canon, got)
		}
	})
}

func TestSeedsLoad(t *testing.T) {
	seeds := loadSeeds(t)
	if len(seeds) < 50 {
		t.Fatalf("%d seeds, want the corpus file", len(seeds))
	}
	// The corpus has both kinds of input.
	ok, bad := 0, 0
	for _, s := range seeds {
		if _, err := Parse(s, Options{}); err != nil {
			bad++
		} else {
			ok++
		}
	}
	if ok == 0 || bad == 0 {
		t.Errorf("%d valid and %d invalid seeds, want both", ok, bad)
	}
}
