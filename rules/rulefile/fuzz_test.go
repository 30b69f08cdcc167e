package rulefile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCollectionAdd feeds arbitrary bytes to Add (twice, so that the second
// pass appends to and redefines what the first collected) and exercises
// every accessor on the result. Seeds: the upstream Falco files, testdata
// and small snippets for each item shape.
func FuzzCollectionAdd(f *testing.F) {
	// The upstream files are added in pieces of a few items: whole 100 KB
	// seeds make every mutation and minimisation slow.
	upstream, _ := filepath.Glob(filepath.Join(upstreamDir, "*.yaml"))
	for _, file := range upstream {
		if data, err := os.ReadFile(file); err == nil {
			for _, chunk := range splitItems(data, 12) {
				f.Add(chunk)
			}
		}
	}
	local, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range local {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		base,
		"- list: a\n  items: [x, a]\n  override: {items: append}\n",
		"- macro: m\n  condition: >\n    a and\n    b\n- macro: m\n  condition: or c\n  append: true\n",
		base + "- rule: r\n  enabled: false\n",
		base + "- rule: r\n  condition: and x\n  priority: debug\n  override: {condition: append, priority: replace}\n",
		base + "  exceptions:\n  - name: e\n    fields: [a.b, c.d]\n    comps: [in, startswith oneof]\n    values: [[[x, y z], /t]]\n",
		"- required_engine_version: 0x20\n- required_plugin_versions: [{name: container, version: 0.4.0}]\n",
		"a: &a [*a]\n---\n- &x {list: l, items: [*x]}\n",
		"- list: \"x y\"\n  items: ['(a', 'b,c']\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewCollection()
		for pass := 0; pass < 2; pass++ {
			for _, p := range c.Add(Source{Name: "fuzz.yaml", Data: data}) {
				if p.Pos.File != "fuzz.yaml" || p.Code == "" || p.Message == "" {
					t.Fatalf("malformed problem %+v", p)
				}
				_ = p.String()
			}
		}
		prev := -1
		for _, r := range c.Rules() {
			if r.Index <= prev || r.Visibility < r.Index {
				t.Fatalf("rule order: %d after %d (visibility %d)", r.Index, prev, r.Visibility)
			}
			prev = r.Index
			_ = c.ExpandLists(r.Condition)
			for _, off := range []int{-1, 0, len(r.Condition) / 2, len(r.Condition) - 1, len(r.Condition) + 1} {
				_ = r.CondPosAt(off)
				_ = r.OutputPosAt(off)
			}
			if e, err := c.Expand(r.Condition); err == nil {
				_ = e.Origin(len(e.Text) / 2)
			}
		}
		for _, m := range c.Macros() {
			_ = c.ExpandLists(m.Condition)
			_ = m.CondPosAt(len(m.Condition) / 2)
		}
		for _, l := range c.Lists() {
			if len(l.Items) < len(l.RawItems) && l.Visibility == l.Index {
				t.Fatalf("list %q lost items", l.Name)
			}
		}
		_ = c.RequiredEngineVersion()
		_ = c.RequiredPlugins()
	})
}

// splitItems cuts a rules file into pieces of n top-level items each (at
// lines starting with "- ").
func splitItems(data []byte, n int) [][]byte {
	var out [][]byte
	start, count := 0, 0
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			break
		}
		next := i + j + 1
		if bytes.HasPrefix(data[next:], []byte("- ")) {
			count++
			if count%n == 0 {
				out = append(out, data[start:next])
				start = next
			}
		}
		i = next
	}
	return append(out, data[start:])
}
