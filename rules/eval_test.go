package rules

import (
	"strings"
	"testing"

	"github.com/vigilsec/vigil/rules/condition"
)

// TestEvalSemantics checks operator and missing-value semantics on
// hand-built ASTs against the fake registry.
func TestEvalSemantics(t *testing.T) {
	reg := newFakeRegistry()
	const (
		eq, ne, lt, le, gt, ge = condition.OpEq, condition.OpNe, condition.OpLt, condition.OpLe, condition.OpGt, condition.OpGe
		contains, icontains    = condition.OpContains, condition.OpIContains
		bcontains, bstarts     = condition.OpBContains, condition.OpBStartsWith
		starts, ends           = condition.OpStartsWith, condition.OpEndsWith
		glob, iglob, regex     = condition.OpGlob, condition.OpIGlob, condition.OpRegex
		in, intersects, pmatch = condition.OpIn, condition.OpIntersects, condition.OpPMatch
		exists                 = condition.OpExists
	)
	proc := map[string]string{
		"proc.name": "bash", "proc.pname": "sshd", "proc.cmdline": "bash -c ls",
		"proc.args": "-c 'BEGIN RSA PRIVATE KEY'", "proc.tty": "34816", "proc.pid": "-5",
		"proc.aname[1]": "sshd", "proc.aname[2]": "systemd", "proc.aname[0]": "bash",
		"user.name": "Root", "user.uid": "0", "fd.name": "/etc/shadow", "fd.directory": "/etc",
		"fd.num": "-1", "evt.is_open_read": "true", "evt.buffer": "\xca\xfe\xba\xbehello",
		"fd.types": "ipv4|file", "thread.cpu_usage": "2", "proc.env": "HOME=/root",
		"proc.exepath": "/usr/bin/bash", "evt.arg.flags": "O_RDONLY|O_CLOEXEC",
	}
	net := map[string]string{"fd.cip": "10.0.0.5", "fd.sip": "192.168.1.1", "fd.cport": "40000", "fd.sport": "22"}
	onlyServer := map[string]string{"fd.sip": "192.168.1.1", "fd.sport": "22"}
	none := map[string]string{}

	tests := []struct {
		name string
		e    condition.Expr
		ev   map[string]string
		want bool
	}{
		{"eq", cmpE(fld("proc.name"), eq, "bash"), proc, true},
		{"eq case", cmpE(fld("proc.name"), eq, "Bash"), proc, false},
		{"ne", cmpE(fld("proc.name"), ne, "zsh"), proc, true},
		{"ne same", cmpE(fld("proc.name"), ne, "bash"), proc, false},
		{"missing eq", cmpE(fld("proc.name"), eq, "bash"), none, false},
		{"missing ne is false", cmpE(fld("proc.name"), ne, "bash"), none, false},
		{"not missing eq is true", notE(cmpE(fld("proc.name"), eq, "bash")), none, true},
		{"missing in is false", cmpE(fld("proc.name"), in, "a", "b"), none, false},
		{"not missing in is true", notE(cmpE(fld("proc.name"), in, "a")), none, true},
		{"missing startswith", cmpE(fld("proc.name"), starts, ""), none, false},
		{"exists", cmpE(fld("proc.name"), exists), proc, true},
		{"not exists", cmpE(fld("proc.name"), exists), none, false},
		{"lt string", cmpE(fld("proc.name"), lt, "c"), proc, true},
		{"ge string", cmpE(fld("proc.name"), ge, "bash"), proc, true},
		{"contains", cmpE(fld("proc.cmdline"), contains, "-c l"), proc, true},
		{"contains case", cmpE(fld("proc.cmdline"), contains, "-C"), proc, false},
		{"icontains", cmpE(fld("proc.args"), icontains, "begin rsa private"), proc, true},
		{"icontains upper needle", cmpE(fld("proc.args"), icontains, "BEGIN rsa PRIVATE KEY'"), proc, true},
		{"icontains miss", cmpE(fld("proc.args"), icontains, "dsa"), proc, false},
		{"startswith", cmpE(fld("fd.name"), starts, "/etc/"), proc, true},
		{"endswith", cmpE(fld("fd.name"), ends, "shadow"), proc, true},
		{"glob crosses slash", cmpE(fld("fd.name"), glob, "/*w"), proc, true},
		{"glob whole value", cmpE(fld("fd.name"), glob, "/etc"), proc, false},
		{"iglob", cmpE(fld("fd.name"), iglob, "/ETC/SHA*"), proc, true},
		{"regex full match", cmpE(fld("proc.name"), regex, "ba.h"), proc, true},
		{"regex anchored", cmpE(fld("proc.name"), regex, "as"), proc, false},
		{"in", cmpE(fld("proc.name"), in, "sh", "bash", "zsh"), proc, true},
		{"in miss", cmpE(fld("proc.name"), in, "sh", "zsh"), proc, false},
		{"in empty", cmpE(fld("proc.name"), in), proc, false},
		{"not in empty", notE(cmpE(fld("proc.name"), in)), proc, true},
		{"in large", cmpE(fld("proc.name"), in, strings.Fields("a b c d e f g h i j k l bash")...), proc, true},
		{"intersects single", cmpE(fld("proc.name"), intersects, "bash"), proc, true},
		{"pmatch", cmpE(fld("fd.name"), pmatch, "/usr", "/etc"), proc, true},
		{"pmatch component", cmpE(fld("fd.name"), pmatch, "/etc/sha"), proc, false},
		{"list in all", cmpE(fld("fd.types"), in, "ipv4", "file", "pipe"), proc, true},
		{"list in not all", cmpE(fld("fd.types"), in, "ipv4"), proc, false},
		{"list intersects", cmpE(fld("fd.types"), intersects, "file"), proc, true},
		{"list intersects miss", cmpE(fld("fd.types"), intersects, "pipe"), proc, false},
		{"uint eq", cmpE(fld("user.uid"), eq, "0"), proc, true},
		{"uint ne", cmpE(fld("proc.tty"), ne, "0"), proc, true},
		{"uint hex", cmpE(fld("proc.tty"), eq, "0x8800"), proc, true},
		{"int negative", cmpE(fld("fd.num"), eq, "-1"), proc, true},
		{"int lt", cmpE(fld("fd.num"), lt, "0"), proc, true},
		{"int ge", cmpE(fld("fd.num"), ge, "0"), proc, false},
		{"int in", cmpE(fld("proc.pid"), in, "1", "-5"), proc, true},
		{"uint gt is unsigned", cmpE(fld("proc.tty"), gt, "-1"), proc, false},
		{"double ge", cmpE(fld("thread.cpu_usage"), ge, "2"), proc, true},
		{"double lt", cmpE(fld("thread.cpu_usage"), lt, "2"), proc, false},
		{"bool", cmpE(fld("evt.is_open_read"), eq, "true"), proc, true},
		{"bool ne", cmpE(fld("evt.is_open_read"), ne, "false"), proc, true},
		{"bytes bcontains", cmpE(fld("evt.buffer"), bcontains, "BABE68"), proc, true},
		{"bytes bstartswith", cmpE(fld("evt.buffer"), bstarts, "cafe"), proc, true},
		{"bytes bstartswith miss", cmpE(fld("evt.buffer"), bstarts, "babe"), proc, false},
		{"bytes contains text", cmpE(fld("evt.buffer"), contains, "hell"), proc, true},
		{"dotted arg", cmpE(fld("evt.arg.flags"), contains, "O_CLOEXEC"), proc, true},
		{"keyed arg", cmpE(fld("proc.env[HOME]"), eq, "x"), proc, false},
		{"plain env", cmpE(fld("proc.env"), starts, "HOME="), proc, true},

		{"ancestor any", cmpE(fld("proc.aname"), eq, "systemd"), proc, true},
		{"ancestor excludes self", cmpE(fld("proc.aname"), eq, "bash"), proc, false},
		{"ancestor ne any differs", cmpE(fld("proc.aname"), ne, "sshd"), proc, true},
		{"ancestor indexed", cmpE(fld("proc.aname[2]"), eq, "systemd"), proc, true},
		{"ancestor indexed self", cmpE(fld("proc.aname[0]"), eq, "bash"), proc, true},
		{"ancestor missing", cmpE(fld("proc.aname"), eq, "x"), none, false},
		{"ancestor ne missing", cmpE(fld("proc.aname"), ne, "x"), none, false},
		{"ancestor exists", cmpE(fld("proc.aname"), exists), proc, true},
		{"ancestor in", cmpE(fld("proc.aname"), in, "init", "systemd"), proc, true},

		{"either eq client", cmpE(fld("fd.ip"), eq, "10.0.0.5"), net, true},
		{"either eq server", cmpE(fld("fd.ip"), eq, "192.168.1.1"), net, true},
		{"either eq none", cmpE(fld("fd.ip"), eq, "1.1.1.1"), net, false},
		{"either ne none equal", cmpE(fld("fd.ip"), ne, "1.1.1.1"), net, true},
		{"either ne one equal", cmpE(fld("fd.ip"), ne, "10.0.0.5"), net, false},
		{"either ne one side", cmpE(fld("fd.ip"), ne, "1.1.1.1"), onlyServer, true},
		{"either ne missing", cmpE(fld("fd.ip"), ne, "1.1.1.1"), none, false},
		{"either net", cmpE(fld("fd.net"), eq, "10.0.0.0/8"), net, true},
		{"either net ne", cmpE(fld("fd.net"), ne, "127.0.0.0/8"), net, true},
		{"either net in", cmpE(fld("fd.net"), in, "172.16.0.0/12", "192.168.0.0/16"), net, true},
		{"either port service", cmpE(fld("fd.port"), eq, "ssh"), net, true},
		{"port service", cmpE(fld("fd.sport"), in, "http", "ssh"), net, true},
		{"port ne", cmpE(fld("fd.sport"), ne, "22"), net, false},
		{"ip eq", cmpE(fld("fd.sip"), eq, "192.168.1.1"), net, true},
		{"ip mapped", cmpE(fld("fd.sip"), eq, "::ffff:192.168.1.1"), net, true},
		{"either exists", cmpE(fld("fd.ip"), exists), onlyServer, true},

		{"tolower", cmpE(fld("user.name", "tolower"), eq, "root"), proc, true},
		{"toupper", cmpE(fld("user.name", "toupper"), eq, "ROOT"), proc, true},
		{"basename", cmpE(fld("proc.exepath", "basename"), eq, "bash"), proc, true},
		{"len", cmpE(fld("proc.name", "len"), eq, "4"), proc, true},
		{"len gt", cmpE(fld("proc.name", "len"), gt, "4"), proc, false},
		{"len list", cmpE(fld("fd.types", "len"), eq, "2"), proc, true},
		{"nested", cmpE(fld("proc.exepath", "toupper", "basename"), eq, "BASH"), proc, true},
		{"transform missing", cmpE(fld("proc.name", "tolower"), ne, "x"), none, false},
		{"b64", cmpE(fld("proc.env[B]", "b64"), eq, "hello"), map[string]string{"proc.env[B]": "aGVsbG8="}, true},
		{"b64 unpadded", cmpE(fld("proc.env[B]", "b64"), eq, "hello"), map[string]string{"proc.env[B]": "aGVsbG8"}, true},
		{"b64 invalid is missing", cmpE(fld("proc.env[B]", "b64"), ne, "x"), map[string]string{"proc.env[B]": "!!"}, false},

		{"val eq", cmpVal(fld("proc.aname[1]"), eq, fld("proc.pname")), proc, true},
		{"val ne", cmpVal(fld("proc.name"), ne, fld("proc.pname")), proc, true},
		{"val missing rhs", cmpVal(fld("proc.name"), ne, fld("user.name")), map[string]string{"proc.name": "x"}, false},
		{"val transformer rhs", cmpVal(fld("user.name", "tolower"), eq, fld("user.name", "tolower")), proc, true},
		{"val contains", cmpVal(fld("proc.cmdline"), contains, fld("proc.name")), proc, true},
		{"val int", cmpVal(fld("fd.num"), lt, fld("proc.pid")), proc, false},

		{"anyof", cmpMod(fld("fd.name"), starts, condition.ModAnyOf, "/usr", "/etc"), proc, true},
		{"allof", cmpMod(fld("fd.name"), starts, condition.ModAllOf, "/", "/etc"), proc, true},
		{"allof miss", cmpMod(fld("fd.name"), starts, condition.ModAllOf, "/usr", "/etc"), proc, false},
		{"oneof", cmpMod(fld("fd.name"), starts, condition.ModOneOf, "/usr", "/etc"), proc, true},
		{"oneof two", cmpMod(fld("fd.name"), starts, condition.ModOneOf, "/", "/etc"), proc, false},
		{"oneof dup", cmpMod(fld("proc.name"), eq, condition.ModOneOf, "bash", "bash"), proc, false},
		{"anyof empty", cmpMod(fld("proc.name"), eq, condition.ModAnyOf), proc, false},
		{"ne anyof", cmpMod(fld("proc.name"), ne, condition.ModAnyOf, "bash", "zsh"), proc, true},
		{"ne allof", cmpMod(fld("proc.name"), ne, condition.ModAllOf, "bash", "zsh"), proc, false},
		{"anyof missing", cmpMod(fld("proc.name"), ne, condition.ModAnyOf, "x"), none, false},

		{"and", andE(cmpE(fld("proc.name"), eq, "bash"), cmpE(fld("user.uid"), eq, "0")), proc, true},
		{"and short", andE(cmpE(fld("proc.name"), eq, "zsh"), cmpE(fld("user.uid"), eq, "0")), proc, false},
		{"or", orE(cmpE(fld("proc.name"), eq, "zsh"), cmpE(fld("user.uid"), eq, "0")), proc, true},
		{"not not", notE(notE(cmpE(fld("proc.name"), eq, "bash"))), proc, true},
		{"or of and", orE(cmpE(fld("proc.name"), eq, "zsh"), andE(cmpE(fld("user.uid"), eq, "0"), cmpE(fld("fd.num"), eq, "-1"))), proc, true},

		{"evt.type", cmpE(fld("evt.type"), eq, "openat"), proc, true},
		{"evt.type ne", cmpE(fld("evt.type"), ne, "openat"), proc, false},
		{"evt.type in", cmpE(fld("evt.type"), in, "open", "openat"), proc, true},
		{"evt.type not in", notE(cmpE(fld("evt.type"), in, "execve")), proc, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder(reg)
			n, errs := buildFake(t, b, tt.e)
			if len(errs) > 0 {
				t.Fatalf("compile: %v", errs[0].msg)
			}
			ev := reg.ev(t, "openat", tt.ev)
			if got := evalOn(b, n, ev); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCompileErrors checks that type errors are found and flagged.
func TestCompileErrors(t *testing.T) {
	reg := newFakeRegistry()
	tests := []struct {
		name    string
		e       condition.Expr
		msg     string
		unknown bool
	}{
		{"unknown field", cmpE(fld("proc.nosuch"), condition.OpEq, "x"), "unknown field", true},
		{"unknown event type", cmpE(fld("evt.type"), condition.OpIn, "open", "nosuchcall"), "unknown event type nosuchcall", true},
		{"bcontains on string", cmpE(fld("proc.name"), condition.OpBContains, "00"), "not supported for string", false},
		{"contains on int", cmpE(fld("fd.num"), condition.OpContains, "1"), "not supported for int64", false},
		{"glob on bool", cmpE(fld("evt.is_open_read"), condition.OpGlob, "t*"), "not supported for bool", false},
		{"lt on ip", cmpE(fld("fd.sip"), condition.OpLt, "1.2.3.4"), "not supported for ipaddr", false},
		{"eq on list", cmpE(fld("fd.types"), condition.OpEq, "file"), "not supported for list", false},
		{"bad int", cmpE(fld("fd.num"), condition.OpEq, "1.0"), "not an integer", false},
		{"exponent", cmpE(fld("fd.num"), condition.OpEq, "1e5"), "not an integer", false},
		{"bad bool", cmpE(fld("evt.is_open_read"), condition.OpEq, "yes"), "not a boolean", false},
		{"bad port", cmpE(fld("fd.sport"), condition.OpEq, "nosuchsvc"), "service", false},
		{"bad ip", cmpE(fld("fd.sip"), condition.OpEq, "10.0.0.0/8"), "not an IP address", false},
		{"bad net", cmpE(fld("fd.net"), condition.OpEq, "10.0.0.0/40"), "not an IP network", false},
		{"bad regex", cmpE(fld("proc.name"), condition.OpRegex, "a("), "invalid regular expression", false},
		{"bad hex", cmpE(fld("evt.buffer"), condition.OpBContains, "abc"), "hexadecimal", false},
		{"transformer on ancestor", cmpE(fld("proc.aname", "tolower"), condition.OpEq, "x"), "does not support transformers", false},
		{"transformer type", cmpE(fld("fd.num", "toupper"), condition.OpEq, "x"), "does not accept", false},
		{"unknown transformer", cmpE(fld("proc.name", "rot13"), condition.OpEq, "x"), "unknown transformer", false},
		{"val type mismatch", cmpVal(fld("proc.name"), condition.OpEq, fld("fd.num")), "types differ", false},
		{"val norhs", cmpVal(fld("proc.name"), condition.OpEq, fld("proc.aname")), "right-hand side", false},
		{"val regex", cmpVal(fld("proc.name"), condition.OpRegex, fld("proc.pname")), "cannot compare with a field", false},
		{"val net", cmpVal(fld("fd.net"), condition.OpEq, fld("fd.sip")), "cannot be compared", false},
		{"val unknown", cmpVal(fld("proc.name"), condition.OpEq, fld("proc.nosuch")), "unknown field", true},
		{"evt.type val", cmpVal(fld("evt.type"), condition.OpEq, fld("proc.name")), "cannot be compared", false},
		{"modifier ip lt", cmpMod(fld("fd.sip"), condition.OpLt, condition.ModAnyOf, "1.1.1.1"), "not supported", false},
		{"undefined macro", macroE("nosuch"), "undefined macro 'nosuch'", false},
		{"nul", cmpE(fld("proc.name"), condition.OpEq, "a\x00b"), "NUL", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder(reg)
			_, errs := buildFake(t, b, tt.e)
			if len(errs) == 0 {
				t.Fatal("compiled without error")
			}
			if !strings.Contains(errs[0].msg, tt.msg) {
				t.Errorf("error %q does not contain %q", errs[0].msg, tt.msg)
			}
			if errs[0].unknown != tt.unknown {
				t.Errorf("unknown = %v, want %v", errs[0].unknown, tt.unknown)
			}
		})
	}
}

func TestEvalCachesExtraction(t *testing.T) {
	reg := newFakeRegistry()
	b := newBuilder(reg)
	e := andE(cmpE(fld("proc.name"), condition.OpNe, "a"), cmpE(fld("proc.name"), condition.OpNe, "b"),
		cmpE(fld("proc.name"), condition.OpStartsWith, "b"))
	n, errs := buildFake(t, b, e)
	if len(errs) > 0 {
		t.Fatal(errs[0].msg)
	}
	ev := reg.ev(t, "execve", map[string]string{"proc.name": "bash"})
	rs := &Ruleset{nslots: len(b.slots)}
	x := rs.NewEvaluator()
	r := &Rule{cond: n}
	if !x.Match(r, ev) {
		t.Fatal("no match")
	}
	if ev.extracts != 1 {
		t.Errorf("proc.name extracted %d times in one event, want 1", ev.extracts)
	}
	// A new event is extracted afresh.
	ev2 := reg.ev(t, "execve", map[string]string{"proc.name": "a"})
	if x.Match(r, ev2) {
		t.Error("stale cache: matched second event")
	}
}

func TestMacroMemo(t *testing.T) {
	reg := newFakeRegistry()
	b := newBuilder(reg)
	b.macros["m"] = &macroDef{name: "m", src: &condSource{kind: "macro", name: "m"},
		ast: orE(cmpE(fld("proc.aname"), condition.OpEq, "x"), cmpE(fld("proc.name"), condition.OpEq, "bash"))}
	e := andE(macroE("m"), macroE("m"))
	n, errs := buildFake(t, b, e)
	if len(errs) > 0 {
		t.Fatal(errs[0].msg)
	}
	if b.nmemo != 1 {
		t.Fatalf("nmemo = %d, want 1", b.nmemo)
	}
	ev := reg.ev(t, "execve", map[string]string{"proc.name": "bash", "proc.aname[1]": "sshd"})
	rs := &Ruleset{nslots: len(b.slots), nmemo: int(b.nmemo)}
	x := rs.NewEvaluator()
	if !x.Match(&Rule{cond: n}, ev) {
		t.Fatal("no match")
	}
	// aname[1], aname[2] (missing) and proc.name: the second macro use is
	// answered from the memo.
	if ev.extracts != 3 {
		t.Errorf("extracts = %d, want 3", ev.extracts)
	}
	if !b.macros["m"].used {
		t.Error("macro not marked used")
	}
}
