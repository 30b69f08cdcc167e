package rulefile

import (
	"os"
	"path/filepath"
	"testing"
)

const upstreamDir = "../../../shared/falco-rules/"

func readUpstream(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(upstreamDir, name))
	if err != nil {
		t.Skipf("upstream Falco rules not available (%v)", err)
	}
	return data
}

// TestUpstreamFiles loads each upstream Falco rules file on its own. The
// expected counts were checked against `grep -c '^- rule:'` (and macro,
// list); the sandbox file has one macro whose `macro:` key is not the first
// key of its entry, so grep finds 182 of its 183 macros.
func TestUpstreamFiles(t *testing.T) {
	tests := []struct {
		file                         string
		lists, macros, rules, enable int
	}{
		{"falco_rules.yaml", 49, 87, 25, 25},
		{"falco-incubating_rules.yaml", 54, 82, 31, 31},
		{"falco-sandbox_rules.yaml", 60, 183, 37, 25},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readUpstream(t, tt.file)
			c := NewCollection()
			ps := c.Add(Source{Name: tt.file, Data: data})
			for _, p := range ps {
				t.Errorf("unexpected problem: %s", p)
			}
			enabled := 0
			for _, r := range c.Rules() {
				if r.Enabled {
					enabled++
				}
				if r.Source != "syscall" || r.UnknownSource || !r.Priority.Valid() || r.Output == "" || r.Desc == "" {
					t.Errorf("rule %q: %+v", r.Name, r)
				}
				if e, err := c.Expand(r.Condition); err != nil || e.Text == "" {
					t.Errorf("rule %q: expand: %v", r.Name, err)
				}
			}
			for _, m := range c.Macros() {
				if _, err := c.Expand(m.Condition); err != nil {
					t.Errorf("macro %q: expand: %v", m.Name, err)
				}
			}
			got := [4]int{len(c.Lists()), len(c.Macros()), len(c.Rules()), enabled}
			want := [4]int{tt.lists, tt.macros, tt.rules, tt.enable}
			if got != want {
				t.Errorf("lists, macros, rules, enabled = %v, want %v", got, want)
			}
			t.Logf("%s: %d lists, %d macros, %d rules (%d enabled)", tt.file, got[0], got[1], got[2], got[3])
			if c.RequiredEngineVersion() != "0.57.0" {
				t.Errorf("required engine version %q", c.RequiredEngineVersion())
			}
			reqs := c.RequiredPlugins()
			if len(reqs) != 1 || reqs[0].Alternatives[0] != (PluginVersion{"container", "0.4.0"}) {
				t.Errorf("required plugins %+v", reqs)
			}
		})
	}
}

// TestUpstreamFilesTogether loads the three files in order into one
// collection: later files redefine the names they share with earlier ones,
// so the collection holds the union of the names.
func TestUpstreamFilesTogether(t *testing.T) {
	files := []string{"falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"}
	all := NewCollection()
	lists, macros, rules := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, f := range files {
		data := readUpstream(t, f)
		for _, p := range all.Add(Source{Name: f, Data: data}) {
			t.Errorf("unexpected problem: %s", p)
		}
		one := NewCollection()
		one.Add(Source{Name: f, Data: data})
		for _, l := range one.Lists() {
			lists[l.Name] = true
		}
		for _, m := range one.Macros() {
			macros[m.Name] = true
		}
		for _, r := range one.Rules() {
			rules[r.Name] = true
		}
	}
	if len(all.Lists()) != len(lists) || len(all.Macros()) != len(macros) || len(all.Rules()) != len(rules) {
		t.Fatalf("together: %d lists, %d macros, %d rules; union of names: %d, %d, %d",
			len(all.Lists()), len(all.Macros()), len(all.Rules()), len(lists), len(macros), len(rules))
	}
	t.Logf("together: %d lists, %d macros, %d rules", len(lists), len(macros), len(rules))
	// Rules keep the order of their first definition.
	rs := all.Rules()
	for i := 1; i < len(rs); i++ {
		if rs[i-1].Index >= rs[i].Index {
			t.Fatalf("rules out of order at %d", i)
		}
	}
	// falco_containers is redefined by the later files: it keeps its place
	// from the stable file and takes the last definition.
	l := all.List("falco_containers")
	stable := NewCollection()
	stable.Add(Source{Name: files[0], Data: readUpstream(t, files[0])})
	if l == nil || l.Pos.File != files[2] || l.Index != stable.List("falco_containers").Index || l.Index >= l.Visibility {
		t.Errorf("falco_containers: %+v", l)
	}
}

func BenchmarkAddUpstream(b *testing.B) {
	data := readUpstream(b, "falco_rules.yaml")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		c := NewCollection()
		if ps := c.Add(Source{Name: "f", Data: data}); len(ps) != 0 {
			b.Fatal(ps)
		}
	}
}

func BenchmarkExpandListsUpstream(b *testing.B) {
	data := readUpstream(b, "falco_rules.yaml")
	c := NewCollection()
	c.Add(Source{Name: "f", Data: data})
	var conds []string
	for _, m := range c.Macros() {
		conds = append(conds, m.Condition)
	}
	for _, r := range c.Rules() {
		conds = append(conds, r.Condition)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, cond := range conds {
			if _, err := c.Expand(cond); err != nil {
				b.Fatal(err)
			}
		}
	}
}
