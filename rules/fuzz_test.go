package rules

import (
	"fmt"
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
	if data, err := os.ReadFile(filepath.Join(upstreamDir, "falco_rules.yaml")); err == nil {
		f.Add(data)
	}
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

// FuzzConditionOutput compiles an arbitrary condition and output through
// the real registry and evaluates and renders them on a populated event.
func FuzzConditionOutput(f *testing.F) {
	f.Add("evt.type in (execve, execveat) and proc.name in (bash, sh) and not proc.aname = sshd", "%proc.name %12proc.cmdline %toupper(user.name)")
	f.Add("fd.ip != 10.0.0.1 and fd.snet in (\"10.0.0.0/8\") and fd.sport = ssh", "%fd.name %fd.sip")
	f.Add("proc.name glob 'b*' or proc.exepath pmatch (/usr/bin, /opt/*/bin) or proc.args regex 'a|b'", "x%proc.nameand%fd.num")
	f.Add("tolower(proc.name) = val(proc.pname) and len(proc.args) > 3 and proc.name startswith anyof (a, b)", "%len(proc.args)")
	reg := fields.NewRegistry()
	ev, err := fields.NewMapEvent(reg, 1, benchMix()[11].kv)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, cond, output string) {
		c := rulefile.NewCollection()
		yaml := fmt.Sprintf("- rule: r\n  desc: d\n  condition: %q\n  output: %q\n  priority: INFO\n", cond, output)
		if probs := c.Add(rulefile.Source{Name: "f.yaml", Data: []byte(yaml)}); rulefile.HasErrors(probs) {
			return
		}
		rs, probs := Compile(c, reg, Options{})
		if rs == nil {
			if !rulefile.HasErrors(probs) {
				t.Fatal("no ruleset and no error")
			}
			return
		}
		r := rs.Lookup("r")
		x := rs.NewEvaluator()
		x.Match(r, ev)
		_ = x.Detect(r, ev, testTime)
	})
}
