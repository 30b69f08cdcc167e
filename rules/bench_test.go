package rules

import (
	"fmt"
	"maps"
	"testing"

	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// benchEvent is one synthetic event: its type, its field values, and
// whether the stable ruleset should fire on it.
type benchEvent struct {
	name  string
	typ   string
	kv    map[string]string
	fires bool
}

// Process contexts shared by the synthetic events.
var (
	hostShell = map[string]string{
		"proc.name": "bash", "proc.exe": "/bin/bash", "proc.exepath": "/usr/bin/bash",
		"proc.cmdline": "bash", "proc.args": "", "proc.pname": "sshd", "proc.pexe": "/usr/sbin/sshd",
		"proc.pcmdline": "sshd: alice@pts/0", "proc.cwd": "/home/alice/", "proc.tty": "34816",
		"proc.duration": "120000000000", "proc.aname[1]": "sshd", "proc.aname[2]": "sshd",
		"proc.aname[3]": "systemd", "user.name": "alice", "user.uid": "1000", "user.loginuid": "1000",
		"container.id": "host", "thread.cap_effective": "", "proc.is_exe_upper_layer": "false",
		"proc.is_exe_from_memfd": "false",
	}
	webApp = map[string]string{
		"proc.name": "python3", "proc.exe": "python3", "proc.exepath": "/usr/bin/python3.12",
		"proc.cmdline": "python3 app.py --port 8080", "proc.args": "app.py --port 8080",
		"proc.pname": "containerd-shim", "proc.pexe": "/usr/bin/containerd-shim-runc-v2",
		"proc.pcmdline": "containerd-shim-runc-v2 -namespace k8s.io", "proc.cwd": "/app/",
		"proc.tty": "0", "proc.duration": "3600000000000", "proc.aname[1]": "containerd-shim",
		"proc.aname[2]": "systemd", "user.name": "app", "user.uid": "1001", "user.loginuid": "-1",
		"container.id": "3ad7b26a1b2c", "container.image.repository": "registry.example.com/shop/web",
		"container.privileged": "false", "k8s.ns.name": "shop", "thread.cap_effective": "CAP_NET_BIND_SERVICE",
		"proc.is_exe_upper_layer": "false", "proc.is_exe_from_memfd": "false",
	}
	daemon = map[string]string{
		"proc.name": "nginx", "proc.exe": "/usr/sbin/nginx", "proc.exepath": "/usr/sbin/nginx",
		"proc.cmdline": "nginx -g daemon off;", "proc.args": "-g daemon off;", "proc.pname": "systemd",
		"proc.pexe": "/sbin/init", "proc.pcmdline": "systemd", "proc.cwd": "/", "proc.tty": "0",
		"proc.duration": "86400000000000", "proc.aname[1]": "systemd", "user.name": "www-data",
		"user.uid": "33", "user.loginuid": "-1", "container.id": "host", "thread.cap_effective": "",
	}
)

func with(base map[string]string, kv ...string) map[string]string {
	m := maps.Clone(base)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func openEv(base map[string]string, path, dir, file string, read, write bool, flags string, fdnum string) map[string]string {
	return with(base, "fd.name", path, "fd.nameraw", path, "fd.directory", dir, "fd.filename", file,
		"fd.typechar", "f", "fd.type", "file", "fd.num", fdnum, "evt.is_open_read", fmt.Sprint(read),
		"evt.is_open_write", fmt.Sprint(write), "evt.arg.flags", flags, "evt.rawres", fdnum, "evt.res", "SUCCESS")
}

// benchMix is a synthetic but realistic mix of the event types the stable
// rules bind to, mostly benign. Types no rule binds to are left out (they
// cost one slice lookup), so the per-event figure is for events that are
// evaluated.
func benchMix() []benchEvent {
	return []benchEvent{
		{"open libc", "openat", openEv(webApp, "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu", "libc.so.6", true, false, "O_RDONLY|O_CLOEXEC", "3"), false},
		{"open ld cache", "openat", openEv(hostShell, "/etc/ld.so.cache", "/etc", "ld.so.cache", true, false, "O_RDONLY|O_CLOEXEC", "3"), false},
		{"open passwd", "openat", openEv(daemon, "/etc/passwd", "/etc", "passwd", true, false, "O_RDONLY|O_CLOEXEC", "5"), false},
		{"open proc stat", "openat", openEv(webApp, "/proc/self/stat", "/proc/self", "stat", true, false, "O_RDONLY", "7"), false},
		{"open app source", "openat", openEv(webApp, "/app/templates/index.html", "/app/templates", "index.html", true, false, "O_RDONLY|O_CLOEXEC", "9"), false},
		{"open write tmp", "openat", openEv(hostShell, "/tmp/build.log", "/tmp", "build.log", false, true, "O_WRONLY|O_CREAT|O_TRUNC", "4"), false},
		{"open append log", "openat", openEv(daemon, "/var/log/nginx/access.log", "/var/log/nginx", "access.log", false, true, "O_WRONLY|O_APPEND|O_CREAT", "6"), false},
		{"open failed", "openat", with(openEv(webApp, "/app/missing.txt", "/app", "missing.txt", true, false, "O_RDONLY", "-1"), "evt.res", "ENOENT", "evt.rawres", "-2"), false},
		{"open2 read", "openat2", openEv(hostShell, "/home/alice/.bashrc", "/home/alice", ".bashrc", true, false, "O_RDONLY", "3"), false},
		{"open dir", "open", with(openEv(daemon, "/var/www/html", "/var/www", "html", true, false, "O_RDONLY|O_DIRECTORY", "8"), "fd.typechar", "d", "fd.type", "directory"), false},
		{"open shadow sshd", "openat", with(openEv(hostShell, "/etc/shadow", "/etc", "shadow", true, false, "O_RDONLY", "3"), "proc.name", "sshd"), false},
		{"exec ls", "execve", with(hostShell, "proc.name", "ls", "proc.exe", "ls", "proc.exepath", "/usr/bin/ls",
			"proc.cmdline", "ls -la /var", "proc.args", "-la /var", "proc.pname", "bash", "proc.pexe", "/bin/bash",
			"proc.pcmdline", "bash", "proc.aname[1]", "bash", "proc.aname[2]", "sshd", "proc.aname[3]", "sshd",
			"proc.aname[4]", "systemd", "evt.arg.flags", "EXE_WRITABLE", "evt.res", "SUCCESS"), false},
		{"exec grep", "execve", with(hostShell, "proc.name", "grep", "proc.exe", "grep", "proc.exepath", "/usr/bin/grep",
			"proc.cmdline", "grep -r TODO src", "proc.args", "-r TODO src", "proc.pname", "bash",
			"proc.aname[1]", "bash", "proc.aname[2]", "sshd", "proc.aname[3]", "systemd", "evt.res", "SUCCESS"), false},
		{"exec python child", "execve", with(webApp, "proc.name", "uname", "proc.exe", "uname", "proc.exepath", "/usr/bin/uname",
			"proc.cmdline", "uname -r", "proc.args", "-r", "proc.pname", "python3", "proc.pexe", "python3",
			"proc.pcmdline", "python3 app.py --port 8080", "proc.aname[1]", "python3", "proc.aname[2]", "containerd-shim",
			"proc.aname[3]", "systemd", "evt.res", "SUCCESS"), false},
		{"exec git by make", "execveat", with(hostShell, "proc.name", "git", "proc.exe", "git", "proc.exepath", "/usr/bin/git",
			"proc.cmdline", "git rev-parse HEAD", "proc.args", "rev-parse HEAD", "proc.pname", "make", "proc.pexe", "make",
			"proc.aname[1]", "make", "proc.aname[2]", "bash", "proc.aname[3]", "sshd", "proc.aname[4]", "systemd", "evt.res", "SUCCESS"), false},
		{"exec shell by nginx", "execve", with(daemon, "proc.name", "sh", "proc.exe", "/bin/sh", "proc.exepath", "/usr/bin/dash",
			"proc.cmdline", "sh -c id", "proc.args", "-c id", "proc.pname", "nginx", "proc.pexe", "/usr/sbin/nginx",
			"proc.pcmdline", "nginx -g daemon off;", "proc.aname[1]", "nginx", "proc.aname[2]", "systemd", "evt.res", "SUCCESS"), true},
		{"connect https", "connect", with(webApp, "fd.typechar", "4", "fd.type", "ipv4", "fd.l4proto", "tcp",
			"fd.cip", "10.1.2.3", "fd.sip", "93.184.216.34", "fd.cport", "51234", "fd.sport", "443", "fd.lport", "51234",
			"fd.rport", "443", "fd.name", "10.1.2.3:51234->93.184.216.34:443", "fd.connected", "true",
			"evt.rawres", "0", "evt.res", "SUCCESS", "fd.num", "11"), false},
		{"connect db", "connect", with(webApp, "fd.typechar", "4", "fd.type", "ipv4", "fd.l4proto", "tcp",
			"fd.cip", "10.1.2.3", "fd.sip", "10.1.9.9", "fd.cport", "40100", "fd.sport", "5432", "fd.lport", "40100",
			"fd.rport", "5432", "fd.name", "10.1.2.3:40100->10.1.9.9:5432", "fd.connected", "true",
			"evt.rawres", "-115", "evt.res", "EINPROGRESS", "fd.num", "12"), false},
		{"connect unix", "connect", with(daemon, "fd.typechar", "u", "fd.type", "unix", "fd.name", "/run/systemd/journal/socket",
			"evt.rawres", "0", "evt.res", "SUCCESS", "fd.num", "3"), false},
		{"sendto dns", "sendto", with(webApp, "fd.typechar", "4", "fd.type", "ipv4", "fd.l4proto", "udp",
			"fd.cip", "10.1.2.3", "fd.sip", "10.96.0.10", "fd.cport", "53000", "fd.sport", "53", "fd.connected", "false",
			"fd.name_changed", "false", "fd.name", "10.1.2.3:53000->10.96.0.10:53", "evt.rawres", "40", "evt.res", "SUCCESS"), false},
		{"dup2 pipe", "dup2", with(hostShell, "evt.rawres", "1", "evt.res", "SUCCESS", "fd.type", "pipe", "fd.typechar", "p", "fd.num", "1"), false},
		{"socket inet", "socket", with(webApp, "evt.arg.domain", "AF_INET", "evt.rawres", "13", "evt.res", "SUCCESS"), false},
		{"ptrace peek", "ptrace", with(hostShell, "proc.name", "gdb", "evt.arg.request", "PTRACE_PEEKDATA", "evt.res", "SUCCESS"), false},
		{"symlink", "symlinkat", with(hostShell, "evt.arg.target", "/usr/lib/libfoo.so.1", "evt.arg.linkpath", "/usr/lib/libfoo.so", "evt.res", "SUCCESS"), false},
	}
}

// benchEvents builds the events of the mix; nonMatching keeps only events
// no rule fires on.
func benchEvents(tb testing.TB, reg *fields.Registry, nonMatching bool) []fields.Event {
	tb.Helper()
	var evs []fields.Event
	for _, b := range benchMix() {
		if nonMatching && b.fires {
			continue
		}
		et, ok := fields.LookupEventType(b.typ)
		if !ok {
			tb.Fatalf("%s: unknown event type %s", b.name, b.typ)
		}
		ev, err := fields.NewMapEvent(reg, et, b.kv)
		if err != nil {
			tb.Fatalf("%s: %v", b.name, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

func loadStable(tb testing.TB, reg *fields.Registry, opts Options) *Ruleset {
	tb.Helper()
	data := readUpstream(tb, "falco_rules.yaml")
	rs, probs := Load(reg, opts, rulefile.Source{Name: "falco_rules.yaml", Data: data})
	if rs == nil {
		tb.Fatalf("load stable rules:\n%s", problemsText(probs))
	}
	return rs
}

// TestBenchMixExpectations checks that the synthetic events fire exactly
// where the mix says, so the benchmark measures what it claims.
func TestBenchMixExpectations(t *testing.T) {
	reg := fields.NewRegistry()
	rs := loadStable(t, reg, Options{Matching: MatchAll})
	x := rs.NewEvaluator()
	evs := benchEvents(t, reg, false)
	for i, b := range benchMix() {
		var fired []string
		x.Evaluate(evs[i], func(r *Rule) bool { fired = append(fired, r.Name); return true })
		if (len(fired) > 0) != b.fires {
			t.Errorf("%s: fired %v, want fires=%v", b.name, fired, b.fires)
		}
	}
}

// TestEvaluateNoAllocs proves that evaluating events no rule matches does
// not allocate.
func TestEvaluateNoAllocs(t *testing.T) {
	reg := fields.NewRegistry()
	rs := loadStable(t, reg, Options{})
	evs := benchEvents(t, reg, true)
	x := rs.NewEvaluator()
	for _, ev := range evs { // warm up scratch buffers
		x.Evaluate(ev, nil)
	}
	allocs := testing.AllocsPerRun(200, func() {
		for _, ev := range evs {
			if x.Evaluate(ev, nil) != 0 {
				t.Fatal("unexpected match")
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per round of %d non-matching events, want 0", allocs, len(evs))
	}
}

func BenchmarkEvaluate(b *testing.B) {
	reg := fields.NewRegistry()
	for _, bc := range []struct {
		name        string
		nonMatching bool
		matching    Matching
	}{
		{"mix", false, MatchFirst},
		{"nonmatching", true, MatchFirst},
		{"mix-all", false, MatchAll},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rs := loadStable(b, reg, Options{Matching: bc.matching})
			evs := benchEvents(b, reg, bc.nonMatching)
			x := rs.NewEvaluator()
			emit := func(r *Rule) bool { return true }
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				x.Evaluate(evs[i%len(evs)], emit)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/event")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func BenchmarkCompileStable(b *testing.B) {
	reg := fields.NewRegistry()
	data := readUpstream(b, "falco_rules.yaml")
	b.ReportAllocs()
	for b.Loop() {
		rs, _ := Load(reg, Options{}, rulefile.Source{Name: "falco_rules.yaml", Data: data})
		if rs == nil {
			b.Fatal("load failed")
		}
	}
}
