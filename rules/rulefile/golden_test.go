package rulefile

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden loads each testdata/*.yaml on its own and compares the problems
// and the collected items with testdata/*.golden.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c := NewCollection()
			ps := c.Add(Source{Name: filepath.Base(f), Data: data})
			got := dump(c, ps)
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", f, got)
			}
		})
	}
}

func dump(c *Collection, ps []Problem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "problems:\n")
	for _, p := range ps {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	fmt.Fprintf(&b, "required engine version: %q\n", c.RequiredEngineVersion())
	for _, r := range c.RequiredPlugins() {
		fmt.Fprintf(&b, "required plugins: %v at %s\n", r.Alternatives, r.Pos)
	}
	fmt.Fprintf(&b, "lists:\n")
	for _, l := range c.Lists() {
		fmt.Fprintf(&b, "  %s [%d/%d] %s used=%v\n    raw   %q\n    items %q\n", l.Name, l.Index, l.Visibility, l.Pos, l.Used, l.RawItems, l.Items)
	}
	fmt.Fprintf(&b, "macros:\n")
	for _, m := range c.Macros() {
		fmt.Fprintf(&b, "  %s [%d/%d] %s cond at %s\n    %q\n", m.Name, m.Index, m.Visibility, m.Pos, m.CondPos, m.Condition)
	}
	fmt.Fprintf(&b, "rules:\n")
	for _, r := range c.Rules() {
		fmt.Fprintf(&b, "  %s [%d/%d] %s priority=%s source=%s unknown_source=%v enabled=%v warn_evttypes=%v skip_unknown=%v capture=%v/%d tags=%q\n",
			r.Name, r.Index, r.Visibility, r.Pos, r.Priority, r.Source, r.UnknownSource, r.Enabled, r.WarnEvttypes, r.SkipIfUnknownFilter, r.Capture, r.CaptureDuration, r.Tags)
		fmt.Fprintf(&b, "    desc      %q\n    output    %q (at %s)\n    raw cond  %q (at %s)\n    condition %q\n    expanded  %q\n",
			r.Desc, r.Output, r.OutputPos, r.RawCondition, r.CondPos, r.Condition, c.ExpandLists(r.Condition))
		for _, e := range r.Exceptions {
			fmt.Fprintf(&b, "    exception %s single=%v fields=%q comps=%q values=%q at %s\n", e.Name, e.Single, e.Fields, e.Comps, e.Values, e.Pos)
		}
	}
	return b.String()
}
