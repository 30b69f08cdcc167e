package rulefile

import (
	"errors"
	"math/rand"
	"strings"
	"testing"
)

func TestExpandLists(t *testing.T) {
	const lists = `
- list: shell_binaries
  items: [ash, bash]
- list: foo
  items: [x]
- list: empty_list
  items: []
- list: spaced
  items: [a b, '"c d"', "'e f'", g]
- list: m
  items: [shadow]
- macro: m
  condition: evt.type = open
- list: later_names_earlier
  items: [ab]
- list: ab
  items: [q]
- list: quoted_name_item
  items: [foo bar]
`
	tests := []struct {
		in, want string
	}{
		{"proc.name in (shell_binaries)", "proc.name in ( ash, bash )"},
		{"proc.name in (shell_binaries, zsh)", "proc.name in ( ash, bash , zsh)"},
		{"proc.name in (zsh,shell_binaries)", "proc.name in (zsh, ash, bash )"},
		{"foo", "x "},
		{"  foo and y", "x and y"},
		{"foo foo", "x foo"},
		{"(foo foo)", "( x x )"},
		{"a and foo", "a and x "},
		{"proc.name=foo", "proc.name= x "},
		{"proc.name in foo", "proc.name in x "},
		{"proc.name in shell_binaries", "proc.name in ash, bash "},
		{"foobar or xfoo or foo.bar or foo_x or foo-y", "foobar or xfoo or foo.bar or foo_x or foo-y"},
		{`fd.name = "foo"`, `fd.name = "foo"`},
		{`fd.name contains "a foo b"`, `fd.name contains "a x b"`},
		{"fd.name contains 'foo'", "fd.name contains 'foo'"},
		{"(a, empty_list)", "(a  )"},
		{"(a,empty_list)", "(a  )"},
		{"(empty_list)", "(  )"},
		{"(empty_list, b)", "(   b)"},
		{"(empty_list,b)", "(  b)"},
		{"empty_list, b", "  b"},
		{"(spaced)", `( "a b", "c d", 'e f', g )`},
		{"m and foo", "shadow and x "},
		{"(later_names_earlier)", "( q )"},
		{"(quoted_name_item)", `( "foo bar" )`},
		{"proc.name in (shell_binaries)\n  and\tfoo\n", "proc.name in ( ash, bash )\n  and x "},
		{"", ""},
		{"nothing to do", "nothing to do"},
	}
	c, _ := loadOK(t, lists)
	for _, tt := range tests {
		if got := c.ExpandLists(tt.in); got != tt.want {
			t.Errorf("ExpandLists(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if got := referenceExpand(c, tt.in); got != tt.want {
			t.Errorf("reference(%q) = %q, want %q (test data wrong?)", tt.in, got, tt.want)
		}
	}
}

func TestExpandMarksUsed(t *testing.T) {
	c, _ := loadOK(t, "- list: a\n  items: [x]\n- list: b\n  items: [y]\n- list: c\n  items: [z]\n")
	e, err := c.Expand("p in (a) or q in (c)")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Lists) != 2 || e.Lists[0].Name != "a" || e.Lists[1].Name != "c" {
		t.Fatalf("lists %v", e.Lists)
	}
	ls := c.Lists()
	if !ls[0].Used || ls[1].Used || !ls[2].Used {
		t.Fatalf("used %v %v %v", ls[0].Used, ls[1].Used, ls[2].Used)
	}
}

func TestExpandOrigin(t *testing.T) {
	c, _ := loadOK(t, "- list: sh\n  items: [ash, bash]\n- list: e\n  items: []\n- list: n\n  items: [sh]\n")
	in := "proc.name in (sh) and fd.name in (e, x) and p in (n) and q = 1"
	e, err := c.Expand(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, probe := range []string{"and fd.name", "x)", "and p", "q = 1", "proc"} {
		out := strings.Index(e.Text, probe)
		if got, want := e.Origin(out), strings.Index(in, probe); got != want {
			t.Errorf("%q: origin %d, want %d (text %q)", probe, got, want, e.Text)
		}
	}
	// Inside substituted items: the list name.
	if got, want := e.Origin(strings.Index(e.Text, "bash")), strings.Index(in, "sh)"); got != want {
		t.Errorf("origin of an item: %d, want %d", got, want)
	}
	if e.Origin(-5) != 0 || e.Origin(len(e.Text)+10) != len(in) {
		t.Error("origin is clamped")
	}
}

func TestExpandTooLarge(t *testing.T) {
	doc := "- list: big\n  items: [" + repeatJoin("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 100000) + "]\n"
	c, _ := loadOK(t, doc)
	cond := strings.Repeat("big or ", 10) + "big"
	if _, err := c.Expand(cond); !errors.Is(err, ErrExpansionTooLarge) {
		t.Fatalf("err %v", err)
	}
	if got := c.ExpandLists(cond); got != cond {
		t.Fatal("ExpandLists returns its input when the expansion is too large")
	}
}

// referenceExpand is a direct model of Falco's list substitution: for each
// list, rebuild the whole string around every match, resuming the search one
// character after the recorded position.
func referenceExpand(c *Collection, cnd string) string {
	for _, l := range c.Lists() {
		cnd = referenceSubstitute(cnd, l.Name, l.Items)
	}
	return cnd
}

func referenceSubstitute(cnd, name string, items []string) string {
	const blanks = " \t\n\r"
	const delims = blanks + "(),="
	var quoted []string
	for _, it := range items {
		if strings.Contains(it, " ") && !strings.HasPrefix(it, `"`) && !strings.HasPrefix(it, "'") {
			it = `"` + it + `"`
		}
		quoted = append(quoted, it)
	}
	sub := strings.Join(quoted, ", ")
	start := strings.Index(cnd, name)
	for start >= 0 {
		end := start + len(name)
		if (start == 0 || strings.IndexByte(delims, cnd[start-1]) >= 0) &&
			(end >= len(cnd) || strings.IndexByte(delims, cnd[end]) >= 0) {
			for start > 0 && strings.IndexByte(blanks, cnd[start-1]) >= 0 {
				start--
			}
			for end < len(cnd) && strings.IndexByte(blanks, cnd[end]) >= 0 {
				end++
			}
			if sub == "" {
				if start > 0 && cnd[start-1] == ',' {
					start--
				} else if end < len(cnd) && cnd[end] == ',' {
					end++
				}
			}
			n := ""
			if start > 0 {
				n = cnd[:start] + " "
			}
			cnd = n + sub + " " + cnd[end:]
			start += len(sub) + 1
		}
		if start+1 > len(cnd) {
			break
		}
		i := strings.Index(cnd[start+1:], name)
		if i < 0 {
			break
		}
		start += 1 + i
	}
	return cnd
}

// TestExpandMatchesReference compares the one-sweep substitution with the
// model on random conditions and lists.
func TestExpandMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 3000; i++ {
		doc, cond := randomCase(rng)
		c, ps := load(t, doc)
		if HasErrors(ps) {
			t.Fatalf("generated rules invalid: %v\n%s", ps, doc)
		}
		got, want := c.ExpandLists(cond), referenceExpand(c, cond)
		if got != want {
			t.Fatalf("case %d\nlists:\n%s\ncond %q\n got %q\nwant %q", i, doc, cond, got, want)
		}
	}
}

var (
	randNames  = []string{"a", "ab", "b", "ba", "e", "x y", "a,b", "(a"}
	randPieces = []string{"a", "ab", "b", "ba", "e", "x", "y", " ", "  ", "\t", "\n", "(", ")", ",", "=", `"`, "'", "in", "x y", "a,b", "(a", "."}
)

func randomCase(rng *rand.Rand) (string, string) {
	var doc strings.Builder
	perm := rng.Perm(len(randNames))
	for _, k := range perm[:1+rng.Intn(len(randNames))] {
		doc.WriteString("- list: '" + randNames[k] + "'\n  items: [")
		n := rng.Intn(4)
		for j := 0; j < n; j++ {
			if j > 0 {
				doc.WriteString(", ")
			}
			item := randNames[rng.Intn(len(randNames))]
			if rng.Intn(3) == 0 {
				item = "i j"
			}
			doc.WriteString("'" + item + "'")
		}
		doc.WriteString("]\n")
	}
	var cond strings.Builder
	for n := rng.Intn(12); n >= 0; n-- {
		cond.WriteString(randPieces[rng.Intn(len(randPieces))])
	}
	return doc.String(), cond.String()
}

func FuzzExpandLists(f *testing.F) {
	f.Add("- list: a\n  items: [x, 'y z']\n- list: e\n  items: []\n", "(a, e) or a a or 'a'")
	f.Add("- list: a\n  items: [b]\n- list: b\n  items: [a]\n", "a b (a) (b)")
	f.Fuzz(func(t *testing.T, doc, cond string) {
		c := NewCollection()
		c.Add(Source{Name: "f", Data: []byte(doc)})
		e, err := c.Expand(cond)
		if err != nil {
			return
		}
		if want := referenceExpand(c, cond); e.Text != want {
			t.Fatalf("cond %q\n got %q\nwant %q", cond, e.Text, want)
		}
		for off := 0; off <= len(e.Text); off++ {
			if o := e.Origin(off); o < 0 || o > len(cond) {
				t.Fatalf("origin %d of %d out of range", o, off)
			}
		}
	})
}

func TestExpandWorkBound(t *testing.T) {
	var doc, cond strings.Builder
	for i := 0; i < 3000; i++ {
		doc.WriteString("- list: l" + itoa(i) + "\n  items: [x]\n")
		cond.WriteString(" l" + itoa(i))
	}
	c, _ := loadOK(t, doc.String())
	if _, err := c.Expand(cond.String()); !errors.Is(err, ErrExpansionTooLarge) {
		t.Fatalf("3000 passes over the condition: err %v", err)
	}
	// A realistic condition naming a few dozen lists is fine.
	short := strings.Join(strings.Fields(cond.String())[:50], " or ")
	if _, err := c.Expand(short); err != nil {
		t.Fatal(err)
	}
}
