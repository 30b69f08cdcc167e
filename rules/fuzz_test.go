package rules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// missingEvent has a type and no field values.
type missingEvent struct{ typ fields.EventType }

func (e missingEvent) Type() fields.EventType                  { return e.typ }
func (e missingEvent) Extract(*fields.Ref, *fields.Value) bool { return false }

// FuzzCompile feeds arbitrary YAML through Load and evaluates whatever
// compiles: nothing may panic, and a ruleset is only returned without
// errors.
func FuzzCompile(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/fuzz-seeds/*.yaml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(rule("r", "evt.type = open and proc.name in (a, b)", "%proc.name %12fd.name")))
	f.Add([]byte("- list: l\n  items: [a, '\"b c\"']\n- macro: m\n  condition: proc.name in (l)\n" +
		rule("r", "evt.type in (execve, execveat) and m and not proc.aname = sshd", "%toupper(proc.name)")))
	reg := fields.NewRegistry()
	types := fields.EventTypes()
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, probs := Load(reg, Options{Matching: MatchAll}, rulefile.Source{Name: "fuzz.yaml", Data: data})
		if rs == nil {
			if !rulefile.HasErrors(probs) {
				t.Fatal("no ruleset and no error")
			}
			return
		}
		if rulefile.HasErrors(probs) {
			t.Fatal("ruleset returned with errors")
		}
		x := rs.NewEvaluator()
		for _, r := range rs.Rules() {
			for _, et := range r.EventTypes.Types() {
				ev := missingEvent{typ: et}
				x.Evaluate(ev, nil)
				_ = x.Detect(r, ev, testTime)
				break
			}
		}
		x.Evaluate(missingEvent{typ: types[len(types)-1]}, nil)
	})
}
