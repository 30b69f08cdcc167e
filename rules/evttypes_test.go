package rules

import (
	"strings"
	"testing"

	"github.com/vigilsec/vigil/rules/condition"
	"github.com/vigilsec/vigil/rules/fields"
)

func TestEventTypesDerivation(t *testing.T) {
	const (
		eq, ne, in, lt, ge = condition.OpEq, condition.OpNe, condition.OpIn, condition.OpLt, condition.OpGe
	)
	all := fields.AllEvents()
	b := newBuilder(newFakeRegistry())
	b.macros["spawned"] = &macroDef{name: "spawned", ast: cmpE(fld("evt.type"), in, "execve", "execveat")}
	b.macros["never_true"] = &macroDef{name: "never_true", ast: cmpE(fld("evt.num"), eq, "0")}
	open := cmpE(fld("evt.type"), in, "open", "openat", "openat2")
	neutral := cmpE(fld("proc.name"), eq, "bash")
	tests := []struct {
		name string
		e    condition.Expr
		want string // space-separated names; "ALL" or "ALL-x y" for complements
	}{
		{"eq", cmpE(fld("evt.type"), eq, "connect"), "connect"},
		{"in", open, "open openat openat2"},
		{"syscall.type", cmpE(fld("syscall.type"), eq, "ptrace"), "ptrace"},
		{"neutral", neutral, "ALL"},
		{"and neutral", andE(open, neutral), "open openat openat2"},
		{"or neutral", orE(open, neutral), "ALL"},
		{"and types", andE(open, cmpE(fld("evt.type"), eq, "openat")), "openat"},
		{"or types", orE(open, macroE("spawned")), "execve execveat open openat openat2"},
		{"ne", cmpE(fld("evt.type"), ne, "open"), "ALL-open"},
		{"not in", notE(open), "ALL-open openat openat2"},
		{"not ne", notE(cmpE(fld("evt.type"), ne, "open")), "open"},
		{"not neutral stays all", andE(open, notE(neutral)), "open openat openat2"},
		{"de morgan and", notE(andE(notE(open), neutral)), "ALL"},
		{"de morgan or", notE(orE(notE(open), neutral)), "open openat openat2"},
		{"evt.num = 0", cmpE(fld("evt.num"), eq, "0"), ""},
		{"evt.num < 1", cmpE(fld("evt.num"), lt, "1"), ""},
		{"evt.num in (0)", cmpE(fld("evt.num"), in, "0"), ""},
		{"evt.num >= 1", cmpE(fld("evt.num"), ge, "1"), "ALL"},
		{"never_true macro", andE(open, macroE("never_true")), ""},
		{"or never_true", orE(open, macroE("never_true")), "open openat openat2"},
		{"not never_true", andE(open, notE(macroE("never_true"))), "open openat openat2"},
		{"exists", cmpE(fld("evt.type"), condition.OpExists), "ALL"},
		{"startswith is neutral", cmpE(fld("evt.type"), condition.OpStartsWith, "open"), "ALL"},
		{"empty list", cmpE(fld("evt.type"), in), ""},
	}
	for _, tt := range tests {
		got := b.eventTypes(tt.e)
		var want fields.EventSet
		spec := tt.want
		if rest, ok := strings.CutPrefix(spec, "ALL"); ok {
			want = all
			for _, n := range strings.Fields(strings.TrimPrefix(rest, "-")) {
				et, _ := fields.LookupEventType(n)
				x := fields.EventSet{}
				x.Add(et)
				x.Complement()
				want.Intersect(&x)
			}
		} else {
			for _, n := range strings.Fields(spec) {
				et, ok := fields.LookupEventType(n)
				if !ok {
					t.Fatalf("%s: unknown type %s", tt.name, n)
				}
				want.Add(et)
			}
		}
		if got != want {
			g := got.Names()
			if len(g) > 10 {
				g = append(g[:10:10], "...")
			}
			t.Errorf("%s: got %d types %v, want %q", tt.name, got.Len(), g, tt.want)
		}
	}
}
