package rules

import (
	"reflect"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

func renderFake(t *testing.T, reg resolver, format string, ev fields.Event) (string, map[string]any) {
	t.Helper()
	o, errs := compileOutput(reg, &condSource{kind: "rule", name: "t", text: format})
	for _, e := range errs {
		if !e.warn {
			t.Fatalf("compile %q: %s", format, e.msg)
		}
	}
	var v, tv fields.Value
	var arena []byte
	return string(o.render(ev, nil, &v, &tv, &arena)), o.fieldValues(ev)
}

func TestOutputRender(t *testing.T) {
	reg := newFakeRegistry()
	ev := reg.ev(t, "execve", map[string]string{
		"proc.name": "init", "fd.name": "/etc/shadow", "user.name": "root",
		"proc.aname[4]": "containerd", "proc.exepath": "/usr/bin/bash",
	})
	tests := []struct {
		format, want string
	}{
		{"start%proc.nameand%fd.nameend", "startinitand/etc/shadowend"},
		{"file=%fd.name)", "file=/etc/shadow)"},
		{"aname[4]=%proc.aname[4]", "aname[4]=containerd"},
		{"[%12proc.name]", "[init        ]"},
		{"[%2proc.name]", "[in]"},
		{"[%4proc.name]", "[init]"},
		{"user=%user.name.", "user=root."},
		{"missing=%proc.cmdline!", "missing=<NA>!"},
		{"w=%6proc.cmdline|", "w=<NA>  |"},
		{"%toupper(user.name)", "ROOT"},
		{"%toupper( user.name )x", "ROOTx"},
		{"%basename(proc.exepath)", "bash"},
		{"%toupper(basename(proc.exepath))", "BASH"},
		{"%len(proc.name)", "4"},
		{"%tolower(proc.cmdline)", "<NA>"},
		{"flags=%evt.arg.flags", "flags=<NA>"},
		{"no tokens at all", "no tokens at all"},
		{"a %container.info b", "a  b"},
	}
	for _, tt := range tests {
		got, _ := renderFake(t, reg, tt.format, ev)
		if got != tt.want {
			t.Errorf("render %q = %q, want %q", tt.format, got, tt.want)
		}
	}
}

func TestOutputFields(t *testing.T) {
	reg := newFakeRegistry()
	ev := reg.ev(t, "execve", map[string]string{"proc.name": "init", "user.name": "root", "proc.aname[2]": "sshd"})
	_, got := renderFake(t, reg, "%proc.name %toupper(user.name) %proc.aname[2] %fd.name %proc.name", ev)
	want := map[string]any{"proc.name": "init", "user.name": "root", "proc.aname[2]": "sshd", "fd.name": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("output fields = %v, want %v", got, want)
	}
}

func TestOutputErrors(t *testing.T) {
	reg := newFakeRegistry()
	tests := []struct {
		format, msg string
		unknown     bool
		warn        bool
	}{
		{"ends with %", "cannot end with a %", false, false},
		{"50% done", "invalid formatting token", true, false},
		{"%nosuch.field", "invalid formatting token %nosuch.field", true, false},
		{"ip=%fd.ip", "only be used in conditions", false, false},
		{"%val(proc.name)", "val() cannot be used", false, false},
		{"%rot13(proc.name)", "unknown transformer", true, false},
		{"%toupper(fd.num)", "does not accept", false, false},
		{"%toupper(proc.name", "unterminated", false, false},
		{"%toupper(nosuch.f)", "unknown field", true, false},
		{"   ", "output is empty", false, false},
		{"dir=%evt.dir", "deprecated", false, true},
		{"%container.info", "deprecated", false, true},
	}
	for _, tt := range tests {
		_, errs := compileOutput(reg, &condSource{kind: "rule", name: "t", text: tt.format})
		if len(errs) == 0 {
			t.Errorf("%q: no problem", tt.format)
			continue
		}
		e := errs[0]
		if !strings.Contains(e.msg, tt.msg) || e.unknown != tt.unknown || e.warn != tt.warn {
			t.Errorf("%q: got %q unknown=%v warn=%v; want %q unknown=%v warn=%v", tt.format, e.msg, e.unknown, e.warn, tt.msg, tt.unknown, tt.warn)
		}
		wantCode := rulefile.CodeCompileOutput
		if tt.warn {
			wantCode = rulefile.CodeDeprecatedItem
		}
		if e.code != wantCode {
			t.Errorf("%q: code %s, want %s", tt.format, e.code, wantCode)
		}
	}
	// Every bad token is reported, not only the first.
	_, errs := compileOutput(reg, &condSource{text: "%a.b %c.d %proc.name %e.f"})
	if len(errs) != 3 {
		t.Errorf("got %d errors, want 3", len(errs))
	}
}
