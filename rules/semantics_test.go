package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// realCond compiles one condition through the whole pipeline (YAML, list
// substitution, parser, real registry) into a rule.
func realCond(t *testing.T, reg *fields.Registry, lists, cond string) (*Ruleset, *Rule) {
	t.Helper()
	yaml := lists + fmt.Sprintf("- rule: r\n  desc: d\n  condition: %q\n  output: o\n  priority: INFO\n  warn_evttypes: false\n", cond)
	rs, probs := Load(reg, Options{}, rulefile.Source{Name: "t.yaml", Data: []byte(yaml)})
	if rs == nil {
		t.Fatalf("condition %q:\n%s", cond, problemsText(probs))
	}
	return rs, rs.Lookup("r")
}

func mapEvent(t testing.TB, reg *fields.Registry, typ string, kv map[string]string) *fields.MapEvent {
	t.Helper()
	et, ok := fields.LookupEventType(typ)
	if !ok {
		t.Fatalf("unknown event type %s", typ)
	}
	ev, err := fields.NewMapEvent(reg, et, kv)
	if err != nil {
		t.Fatalf("event: %v", err)
	}
	return ev
}

// TestSemanticsRealRegistry runs conditions as written in rules files
// against MapEvents of the real registry.
func TestSemanticsRealRegistry(t *testing.T) {
	reg := fields.NewRegistry()
	const lists = "- list: shells\n  items: [bash, zsh, '\"my shell\"']\n- list: nets\n  items: ['\"10.0.0.0/8\"', '\"192.168.0.0/16\"']\n- list: empty\n  items: []\n"
	proc := map[string]string{
		"proc.name": "bash", "proc.pname": "sshd", "proc.cmdline": "bash -c 'cat id_rsa'",
		"proc.args": "-c 'cat id_rsa'", "proc.exepath": "/usr/bin/bash", "proc.tty": "34816",
		"proc.aname[1]": "sshd", "proc.aname[2]": "systemd", "user.name": "Root", "user.uid": "0",
		"fd.name": "/etc/ssh/sshd_config", "fd.nameraw": "../../etc/ssh/sshd_config", "fd.num": "3",
		"fd.typechar": "f", "evt.is_open_read": "true", "thread.cap_effective": "CAP_SYS_ADMIN CAP_SYS_MODULE",
		"fd.types": "(ipv4,file)", "evt.arg.flags": "O_RDONLY|O_CLOEXEC",
	}
	conn := map[string]string{
		"fd.cip": "10.0.0.5", "fd.sip": "93.184.216.34", "fd.cport": "40000", "fd.sport": "22",
		"fd.typechar": "4", "fd.l4proto": "tcp",
	}
	tests := []struct {
		cond string
		typ  string
		ev   map[string]string
		want bool
	}{
		{"proc.name = bash", "execve", proc, true},
		{"proc.name in (shells)", "execve", proc, true},
		{"proc.name in (shells)", "execve", map[string]string{"proc.name": "my shell"}, true},
		{"proc.name in (empty)", "execve", proc, false},
		{"not proc.name in (empty)", "execve", proc, true},
		{"proc.name in (zsh, empty)", "execve", proc, false},
		{"proc.pname != bash", "execve", map[string]string{"proc.name": "x"}, false},
		{"not proc.pname = bash", "execve", map[string]string{"proc.name": "x"}, true},
		{"not proc.pname in (bash)", "execve", map[string]string{"proc.name": "x"}, true},
		{"proc.pname exists", "execve", map[string]string{"proc.name": "x"}, false},
		{"proc.pname exists", "execve", proc, true},
		{"fd.name glob '/etc/*_config'", "openat", proc, true}, // '*' crosses '/'
		{"fd.name glob '/etc/ssh'", "openat", proc, false},
		{"fd.name iglob '/ETC/SSH/*'", "openat", proc, true},
		{"fd.name pmatch (/etc/ssh)", "openat", proc, true},
		{"fd.name pmatch (/etc/ss)", "openat", proc, false},
		{"fd.name pmatch (/etc/*/sshd_config)", "openat", proc, true},
		{"fd.nameraw contains '../' and fd.nameraw glob '*../*../*'", "openat", proc, true},
		{"proc.args icontains ID_RSA", "execve", proc, true},
		{"thread.cap_effective icontains sys_module", "execve", proc, true},
		{"proc.name regex 'ba[a-z]+'", "execve", proc, true},
		{"proc.name regex 'as'", "execve", proc, false},
		{"fd.types in (ipv4, file, pipe)", "openat", proc, true},
		{"fd.types in (ipv4)", "openat", proc, false},
		{"fd.types intersects (pipe, file)", "openat", proc, true},
		{"proc.tty != 0", "execve", proc, true},
		{"user.uid = 0 and evt.is_open_read = true", "openat", proc, true},
		{"evt.arg.flags contains O_CLOEXEC", "openat", proc, true},
		{"fd.num >= 0 and fd.num < 4", "openat", proc, true},
		{"proc.aname = systemd", "execve", proc, true},
		{"proc.aname = bash", "execve", proc, false},
		{"proc.aname[2] = systemd", "execve", proc, true},
		{"proc.aname in (init, sshd)", "execve", proc, true},
		{"fd.ip = 10.0.0.5", "connect", conn, true},
		{"fd.ip = \"93.184.216.34\"", "connect", conn, true},
		{"fd.ip != \"0.0.0.0\"", "connect", conn, true},
		{"fd.ip != 10.0.0.5", "connect", conn, false},
		{"fd.net = \"10.0.0.0/8\"", "connect", conn, true},
		{"fd.snet in (nets)", "connect", conn, false},
		{"not fd.snet in (nets)", "connect", conn, true},
		{"fd.cnet in (nets)", "connect", conn, true},
		{"fd.sport = ssh", "connect", conn, true},
		{"fd.port in (http, https)", "connect", conn, false},
		{"fd.sport in (80, 8080, 22)", "connect", conn, true},
		{"fd.ip = 10.0.0.5", "connect", map[string]string{}, false},
		{"fd.ip != 10.0.0.5", "connect", map[string]string{}, false},
		{"tolower(user.name) = root", "execve", proc, true},
		{"toupper(user.name) = ROOT", "execve", proc, true},
		{"basename(proc.exepath) = bash", "execve", proc, true},
		{"len(proc.name) = 4", "execve", proc, true},
		{"proc.aname[1] = val(proc.pname)", "execve", proc, true},
		{"proc.name = val(proc.pname)", "execve", proc, false},
		{"proc.name != val(proc.pname)", "execve", proc, true},
		{"proc.name != val(proc.pname)", "execve", map[string]string{"proc.name": "x"}, false},
		{"tolower(user.name) = tolower(user.name)", "execve", proc, true},
		{"proc.name = zsh or proc.name = bash and user.uid = 1", "execve", proc, false},
		{"(proc.name = zsh or proc.name = bash) and user.uid = 0", "execve", proc, true},
		{"proc.name = zsh or user.uid = 0 and proc.name = bash", "execve", proc, true},
		{"not proc.name = zsh and not not proc.name = bash", "execve", proc, true},
		{"proc.cmdline = \"bash -c 'cat id_rsa'\"", "execve", proc, true},
		{"proc.cmdline = 'bash -c \\'cat id_rsa\\''", "execve", proc, true},
		{"proc.name startswith anyof (zs, ba)", "execve", proc, true},
		{"proc.name startswith allof (b, ba)", "execve", proc, true},
		{"proc.name = oneof (bash, bash)", "execve", proc, false},
		{"evt.type = execve", "execve", proc, true},
		{"evt.type != execve", "execve", proc, false},
		{"evt.type in (open, openat)", "openat", proc, true},
		{"evt.num = 0", "openat", proc, false},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			rs, r := realCond(t, reg, lists, tt.cond)
			x := rs.NewEvaluator()
			if got := x.Match(r, mapEvent(t, reg, tt.typ, tt.ev)); got != tt.want {
				t.Errorf("%s on %v = %v, want %v", tt.cond, tt.ev, got, tt.want)
			}
		})
	}
}

func TestRenderRealRegistry(t *testing.T) {
	reg := fields.NewRegistry()
	yaml := rule("r", "evt.type = connect", `"conn=%fd.name sport=%fd.sport %8proc.tty| ip=%fd.sip up=%toupper(proc.name) anc=%proc.aname[2] all=%proc.aname missing=%proc.pcmdline"`)
	rs, probs := Load(reg, Options{}, rulefile.Source{Name: "t.yaml", Data: []byte(yaml)})
	if rs == nil {
		t.Fatal(problemsText(probs))
	}
	ev := mapEvent(t, reg, "connect", map[string]string{
		"fd.name": "10.0.0.5:40000->1.2.3.4:22", "fd.sport": "22", "proc.tty": "0", "fd.sip": "1.2.3.4",
		"proc.name": "ssh", "proc.aname[1]": "bash", "proc.aname[2]": "sshd",
	})
	r := rs.Lookup("r")
	d := rs.NewEvaluator().Detect(r, ev, testTime)
	want := "conn=10.0.0.5:40000->1.2.3.4:22 sport=22 0       | ip=1.2.3.4 up=SSH anc=sshd all=bash sshd missing=<NA>"
	if d.Output != want && !strings.HasPrefix(d.Output, "conn=") {
		t.Fatalf("output %q", d.Output)
	}
	if d.Output != want {
		t.Errorf("output\n got %q\nwant %q", d.Output, want)
	}
	f := d.OutputFields
	if f["fd.sport"] != uint64(22) || f["proc.name"] != "ssh" || f["proc.pcmdline"] != nil || f["fd.sip"] != "1.2.3.4" || f["proc.aname[2]"] != "sshd" {
		t.Errorf("output fields %#v", f)
	}
	if _, ok := f["toupper(proc.name)"]; ok {
		t.Error("transformer token used as key")
	}
	// Rule.Detect renders the same without an evaluator.
	if d2 := r.Detect(ev, testTime); d2.Output != d.Output {
		t.Errorf("Rule.Detect %q", d2.Output)
	}
}
