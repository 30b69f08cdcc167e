package proc

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/vigilsec/vigil/collector/container"
)

const sec = uint64(time.Second)

// tree builds: init(1) → sshd(100) → bash(200), with cwd and fds.
func tree(t *testing.T, cfg Config) *Table {
	t.Helper()
	tb := New(cfg)
	tb.Exec(&ExecInfo{Ts: 1, Tid: 1, Tgid: 1, Vpid: 1, Comm: "init", Exe: "/sbin/init", ExePath: "/sbin/init", Cwd: "/", Sid: 1, Pgid: 1, Vpgid: 1})
	fork(t, tb, 2, 1, 100)
	tb.Exec(&ExecInfo{Ts: 3, Tid: 100, Tgid: 100, Comm: "sshd", Exe: "/usr/sbin/sshd", ExePath: "/usr/sbin/sshd", Args: []string{"-D"}})
	tb.Setsid(100)
	fork(t, tb, 4, 100, 200)
	tb.Exec(&ExecInfo{Ts: 5, Tid: 200, Tgid: 200, Comm: "bash", Exe: "-bash", ExePath: "/usr/bin/bash", Cwd: "/root"})
	return tb
}

func fork(t *testing.T, tb *Table, ts uint64, ptid, tid uint32) *Process {
	t.Helper()
	th, p := tb.Fork(&ForkInfo{Ts: ts, ParentTid: ptid, Tid: tid, Tgid: tid, Vtid: tid, Vpid: tid})
	if th == nil || p == nil {
		t.Fatalf("fork %d→%d failed", ptid, tid)
	}
	return p
}

func names(p *Process) string {
	s := ""
	for d := 0; ; d++ {
		a := p.Ancestor(d)
		if a == nil {
			return s
		}
		if d > 0 {
			s += " "
		}
		s += a.Comm
	}
}

func TestForkExecTree(t *testing.T) {
	tb := tree(t, Config{})
	th, p := tb.Thread(200)
	if th == nil || p == nil {
		t.Fatal("bash not found")
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"chain", names(p), "bash sshd init"},
		{"ppid", p.Ppid, uint32(100)},
		{"pname", p.Parent().Comm, "sshd"},
		{"pcmdline", p.Parent().Cmdline, "sshd -D"},
		{"pexe", p.Parent().Exe, "/usr/sbin/sshd"},
		{"cmdline no args", p.Cmdline, "bash"},
		{"args line", p.ArgsLine, ""},
		{"cwd trailing slash", p.Cwd, "/root/"},
		{"inherited sid", p.Sid, uint32(100)},
		{"session leader", p.SessionLeader().Comm, "sshd"},
		{"vpgid leader", p.IsVpgidLeader(), false},
		{"sshd vpgid leader", p.Parent().IsVpgidLeader(), true},
		{"ancestor beyond root", p.Ancestor(3) == nil, true},
		{"thread comm", th.Comm, "bash"},
		{"loginuid unset", p.Creds.LoginUID, UnsetLoginUID},
		{"processes", tb.Len(), 3},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestDeepAncestry(t *testing.T) {
	tb := New(Config{})
	tb.Exec(&ExecInfo{Ts: 1, Tid: 1, Tgid: 1, Vpid: 1, Comm: "p1"})
	for i := uint32(2); i <= 40; i++ {
		fork(t, tb, uint64(i), i-1, i)
		tb.Exec(&ExecInfo{Ts: uint64(i), Tid: i, Tgid: i, Comm: fmt.Sprint("p", i)})
	}
	_, p := tb.Thread(40)
	for n := 0; n < 40; n++ {
		a := p.Ancestor(n)
		if a == nil || a.Comm != fmt.Sprint("p", 40-n) {
			t.Fatalf("Ancestor(%d) = %v", n, a)
		}
	}
	if p.Ancestor(40) != nil {
		t.Fatal("Ancestor(40) should be nil")
	}
	depth := 0
	p.Ancestors(func(d int, a *Process) bool { depth = d; return true })
	if depth != 39 {
		t.Fatalf("Ancestors walked %d, want 39", depth)
	}
}

func TestReparent(t *testing.T) {
	tests := []struct {
		name      string
		subreaper bool
		pidns     bool
		want      string
	}{
		{"to init", false, false, "init"},
		{"to subreaper", true, false, "sshd"},
		{"to pid namespace init", false, true, "cinit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := tree(t, Config{})
			if tt.subreaper {
				tb.SetSubreaper(100, true)
			}
			// bash(200) → cinit(300) [vpid 1 if pidns] → mid(400) → leaf(500)
			fork(t, tb, 10, 200, 300)
			var ns uint64
			vpid := uint32(300)
			if tt.pidns {
				ns, vpid = 4026532000, 1
			}
			tb.Exec(&ExecInfo{Ts: 11, Tid: 300, Tgid: 300, Vpid: vpid, Comm: "cinit", PidNS: ns})
			fork(t, tb, 12, 300, 400)
			tb.Exec(&ExecInfo{Ts: 13, Tid: 400, Tgid: 400, Comm: "mid"})
			fork(t, tb, 14, 400, 500)
			tb.Exec(&ExecInfo{Ts: 15, Tid: 500, Tgid: 500, Comm: "leaf"})
			tb.Exit(16, 400)
			_, leaf := tb.Thread(500)
			if got := leaf.Parent().Comm; got != tt.want {
				t.Fatalf("leaf adopted by %q, want %q", got, tt.want)
			}
			if leaf.Ppid != leaf.Parent().Pid {
				t.Fatalf("ppid %d != parent pid %d", leaf.Ppid, leaf.Parent().Pid)
			}
			// The exited process still resolves during the grace period.
			if _, mid := tb.Thread(400); mid == nil || !mid.Exited || mid.ExitTs != 16 {
				t.Fatalf("exited mid = %+v", mid)
			}
		})
	}
}

func TestExitGraceEventTime(t *testing.T) {
	tb := tree(t, Config{ExitGrace: 30 * time.Second})
	tb.Exit(10*sec, 200)
	tb.Advance(10*sec + 29*sec)
	if th, _ := tb.Thread(200); th == nil {
		t.Fatal("freed before the grace period")
	}
	if c := tb.Counters(); c.Exited != 1 || c.Processes != 3 {
		t.Fatalf("counters during grace %+v", c)
	}
	tb.Advance(5 * sec) // time never goes back
	tb.Advance(10*sec + 30*sec)
	if th, _ := tb.Thread(200); th != nil {
		t.Fatal("not freed after the grace period")
	}
	c := tb.Counters()
	if c.Exited != 0 || c.ProcessesReaped != 1 || c.Processes != 2 || c.Threads != 2 {
		t.Fatalf("counters after reap %+v", c)
	}
	_, sshd := tb.Thread(100)
	n := 0
	sshd.Children(func(*Process) bool { n++; return true })
	if n != 0 {
		t.Fatalf("sshd still has %d children", n)
	}
}

func TestPidReuse(t *testing.T) {
	tb := tree(t, Config{ExitGrace: time.Second})
	_, old := tb.Thread(200)
	oldKey := old.Key

	// Missed exit: a new process with the same pid replaces the live one.
	_, p := tb.Fork(&ForkInfo{Ts: 20, ParentTid: 100, Tid: 200, Tgid: 200, Start: 20})
	if p == old || p.Key == oldKey || p.Key != (Key{Tgid: 200, Start: 20}) {
		t.Fatalf("new incarnation key %+v (old %+v)", p.Key, oldKey)
	}
	if !old.Exited {
		t.Fatal("old incarnation not marked exited")
	}
	if c := tb.Counters(); c.PidReused != 1 {
		t.Fatalf("PidReused = %d", c.PidReused)
	}
	if _, got := tb.Thread(200); got != p {
		t.Fatal("tid does not resolve to the new incarnation")
	}
	// Reaping the old incarnation must not remove the new one.
	tb.Advance(20 + 2*sec)
	if _, got := tb.Thread(200); got != p {
		t.Fatal("new incarnation lost when the old one was reaped")
	}

	// Normal reuse after exit, reported by sched_process_fork with the new
	// task's start time. (A report without one is the creator's clone exit,
	// which for an exited task is a late report of that task:
	// TestLateCloneReport.)
	tb.Exit(3*sec, 200)
	_, q := tb.Fork(&ForkInfo{Ts: 3*sec + 1, ParentTid: 100, Tid: 200, Tgid: 200, Start: 3*sec + 1})
	if q == p || q.Exited || q.Key.Start != 3*sec+1 {
		t.Fatalf("reused pid after exit: %+v", q.Key)
	}
}

func TestForkDuplicateReport(t *testing.T) {
	tb := tree(t, Config{})
	th1, p1 := tb.Fork(&ForkInfo{Ts: 10, ParentTid: 200, Tid: 300, Tgid: 300, Start: 9})
	th2, p2 := tb.Fork(&ForkInfo{Ts: 11, ParentTid: 200, Tid: 300, Tgid: 300, Vtid: 5, Vpid: 5})
	if th1 != th2 || p1 != p2 {
		t.Fatal("second report of the same fork created a new task")
	}
	if th1.Vtid != 5 || p1.Vpid != 5 {
		t.Fatalf("missing vtid/vpid not filled: %d %d", th1.Vtid, p1.Vpid)
	}
}

func TestThreads(t *testing.T) {
	tb := tree(t, Config{})
	th, p := tb.Fork(&ForkInfo{Ts: 10, ParentTid: 200, Tid: 201, Tgid: 200, Flags: CloneThread | CloneFiles})
	if p.Pid != 200 || th.Tid != 201 {
		t.Fatalf("thread in %d", p.Pid)
	}
	tb.SetComm(201, "worker")
	if th.Comm != "worker" || p.Comm != "bash" {
		t.Fatalf("thread comm %q process comm %q", th.Comm, p.Comm)
	}
	tb.SetComm(200, "renamed")
	if p.Comm != "renamed" || p.Cmdline != "renamed" {
		t.Fatalf("main thread rename: %q %q", p.Comm, p.Cmdline)
	}
	// Leader exits first: the process lives on with the other thread.
	tb.Exit(11, 200)
	if p.Exited {
		t.Fatal("process exited while a thread lives")
	}
	if th, _ := tb.Thread(200); th != nil {
		t.Fatal("exited non-last thread still resolvable")
	}
	tb.Exit(12, 201)
	if !p.Exited {
		t.Fatal("process not exited after its last thread")
	}
	if th, q := tb.Thread(201); th == nil || q != p {
		t.Fatal("last thread not resolvable in grace period")
	}
}

func TestExecFromThreadAndCloexec(t *testing.T) {
	tb := tree(t, Config{})
	tb.OpenFD(200, FD{Num: 3, Kind: FDFile, Path: "/etc/passwd", Flags: oCloexec})
	tb.OpenFD(200, FD{Num: 4, Kind: FDFile, Path: "/tmp/keep"})
	tb.Fork(&ForkInfo{Ts: 10, ParentTid: 200, Tid: 201, Tgid: 200, Flags: CloneThread | CloneFiles})
	p := tb.Exec(&ExecInfo{Ts: 11, Tid: 201, Tgid: 200, Comm: "cat", Exe: "cat", ExePath: "/usr/bin/cat", Args: []string{"-n", "x y"}})
	if p.Cmdline != "cat -n x y" || p.ArgsLine != "-n x y" {
		t.Fatalf("cmdline %q args %q", p.Cmdline, p.ArgsLine)
	}
	if th, _ := tb.Thread(201); th != nil {
		t.Fatal("non-leader thread survived exec")
	}
	if th, q := tb.Thread(200); th == nil || q != p || th.Comm != "cat" {
		t.Fatal("leader missing after exec")
	}
	if p.FD(3) != nil {
		t.Fatal("close-on-exec fd survived exec")
	}
	if f := p.FD(4); f == nil || f.Path != "/tmp/keep" {
		t.Fatal("regular fd lost at exec")
	}
	if p.Parent().Comm != "sshd" {
		t.Fatal("exec changed the parent")
	}
}

func TestFDTablesSharing(t *testing.T) {
	tb := tree(t, Config{})
	tb.OpenFD(200, FD{Num: 0, Kind: FDFile, Path: "/dev/tty"})
	tb.OpenFD(200, FD{Num: 5, Kind: FDFile, Path: "/a"})

	// Plain fork: copy-on-write.
	child := fork(t, tb, 10, 200, 300)
	if f := child.FD(5); f == nil || f.Path != "/a" {
		t.Fatal("child did not inherit fd 5")
	}
	tb.CloseFD(300, 5)
	tb.OpenFD(300, FD{Num: 6, Kind: FDFile, Path: "/child"})
	_, parent := tb.Thread(200)
	if parent.FD(5) == nil || parent.FD(6) != nil {
		t.Fatal("child's change leaked into the parent")
	}
	tb.OpenFD(200, FD{Num: 7, Kind: FDFile, Path: "/parent"})
	if child.FD(7) != nil {
		t.Fatal("parent's change leaked into the child")
	}

	// CLONE_FILES: shared both ways.
	_, shared := tb.Fork(&ForkInfo{Ts: 11, ParentTid: 200, Tid: 400, Tgid: 400, Flags: CloneFiles})
	tb.OpenFD(400, FD{Num: 8, Kind: FDFile, Path: "/shared"})
	if f := parent.FD(8); f == nil || f.Path != "/shared" {
		t.Fatal("CLONE_FILES child's open not visible to the parent")
	}
	tb.CloseFD(200, 7)
	if shared.FD(7) != nil {
		t.Fatal("parent's close not visible to the CLONE_FILES child")
	}
	// Exec unshares.
	tb.Exec(&ExecInfo{Ts: 12, Tid: 400, Tgid: 400, Comm: "x"})
	tb.OpenFD(400, FD{Num: 9, Kind: FDFile, Path: "/after-exec"})
	if parent.FD(9) != nil {
		t.Fatal("table still shared after exec")
	}
	// Freeing a sharer keeps the other's table intact.
	tb.Exit(13, 400)
	tb.Advance(13 + 31*sec)
	if parent.FD(8) == nil {
		t.Fatal("parent lost fds when the sharer was freed")
	}
}

func TestDupCloseRange(t *testing.T) {
	tests := []struct {
		name  string
		apply func(tb *Table)
		want  map[int32]string // fd → path; "" = absent
		cloex map[int32]bool
	}{
		{"dup2 over existing", func(tb *Table) { tb.Dup(200, 3, 1, false) },
			map[int32]string{1: "/three", 3: "/three"}, nil},
		{"dup3 cloexec", func(tb *Table) { tb.Dup(200, 3, 9, true) },
			map[int32]string{9: "/three"}, map[int32]bool{9: true, 3: false}},
		{"dup unknown old closes new", func(tb *Table) { tb.Dup(200, 77, 1, false) },
			map[int32]string{1: ""}, nil},
		{"dup same fd", func(tb *Table) { tb.Dup(200, 3, 3, true) },
			map[int32]string{3: "/three"}, map[int32]bool{3: false}},
		{"close", func(tb *Table) { tb.CloseFD(200, 3) }, map[int32]string{3: ""}, nil},
		{"close_range", func(tb *Table) { tb.CloseRange(200, 2, ^uint32(0), 0) },
			map[int32]string{0: "/zero", 1: "/one", 2: "", 3: "", 300: ""}, nil},
		{"close_range cloexec", func(tb *Table) { tb.CloseRange(200, 1, 3, closeRangeCloexec) },
			map[int32]string{1: "/one", 3: "/three", 300: "/big"}, map[int32]bool{0: false, 1: true, 3: true, 300: false}},
		{"fcntl setfd", func(tb *Table) { tb.SetCloExec(200, 0, true) }, nil, map[int32]bool{0: true}},
		{"high fd numbers", func(tb *Table) { tb.Dup(200, 300, 5000, false); tb.CloseFD(200, 300) },
			map[int32]string{300: "", 5000: "/big"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := tree(t, Config{})
			for n, p := range map[int32]string{0: "/zero", 1: "/one", 2: "/two", 3: "/three", 300: "/big"} {
				tb.OpenFD(200, FD{Num: n, Kind: FDFile, Path: p})
			}
			tt.apply(tb)
			_, p := tb.Thread(200)
			for n, want := range tt.want {
				f := p.FD(n)
				switch {
				case want == "" && f != nil:
					t.Errorf("fd %d = %q, want closed", n, f.Path)
				case want != "" && (f == nil || f.Path != want || f.Num != n):
					t.Errorf("fd %d = %+v, want %q", n, f, want)
				}
			}
			for n, want := range tt.cloex {
				if f := p.FD(n); f == nil || f.CloExec != want {
					t.Errorf("fd %d cloexec = %+v, want %v", n, f, want)
				}
			}
		})
	}
}

func TestFDLimit(t *testing.T) {
	tb := tree(t, Config{MaxFDsPerProcess: 4})
	for n := int32(0); n < 10; n++ {
		tb.OpenFD(200, FD{Num: n, Kind: FDFile, Path: "/x"})
	}
	_, p := tb.Thread(200)
	if p.NumFDs() != 4 {
		t.Fatalf("fds = %d, want 4", p.NumFDs())
	}
	if c := tb.Counters(); c.FDsDropped != 6 {
		t.Fatalf("FDsDropped = %d", c.FDsDropped)
	}
	// Replacing an existing number is not a new fd.
	if f := tb.OpenFD(200, FD{Num: 2, Kind: FDFile, Path: "/y"}); f == nil || f.Path != "/y" {
		t.Fatal("replacing an fd in a full table failed")
	}
}

func TestLRUEviction(t *testing.T) {
	tb := New(Config{MaxProcesses: 4})
	tb.Exec(&ExecInfo{Ts: 1, Tid: 1, Tgid: 1, Comm: "init"})
	for i := uint32(2); i <= 4; i++ {
		fork(t, tb, uint64(i), 1, i)
	}
	tb.Thread(2) // 2 is now recently used; 3 is the least recently used
	fork(t, tb, 10, 1, 5)
	if tb.Len() != 4 {
		t.Fatalf("len %d", tb.Len())
	}
	if th, _ := tb.Thread(3); th != nil {
		t.Fatal("least recently used process not evicted")
	}
	if th, _ := tb.Thread(2); th == nil {
		t.Fatal("recently used process evicted")
	}
	if c := tb.Counters(); c.ProcessesEvicted != 1 || c.Processes != 4 || c.Threads != 4 {
		t.Fatalf("counters %+v", c)
	}
	// Evicting a parent leaves children parentless, never dangling.
	tb2 := New(Config{MaxProcesses: 2})
	tb2.Exec(&ExecInfo{Ts: 1, Tid: 1, Tgid: 1, Comm: "init"})
	fork(t, tb2, 2, 1, 2)
	tb2.Thread(2)
	tb2.Fork(&ForkInfo{Ts: 3, ParentTid: 2, Tid: 3, Tgid: 3})
	_, c := tb2.Thread(2)
	if c == nil || c.Parent() != nil || c.Ppid != 1 {
		t.Fatalf("child of evicted init: %+v", c)
	}
}

func TestThreadBound(t *testing.T) {
	tb := New(Config{MaxThreads: 3})
	tb.Exec(&ExecInfo{Ts: 1, Tid: 1, Tgid: 1, Comm: "init"})
	for i := uint32(2); i <= 5; i++ {
		tb.Fork(&ForkInfo{Ts: uint64(i), ParentTid: 1, Tid: i, Tgid: 1, Flags: CloneThread})
	}
	if c := tb.Counters(); c.Threads != 3 || c.ThreadsDropped != 2 {
		t.Fatalf("counters %+v", c)
	}
}

func TestSockets(t *testing.T) {
	tb := tree(t, Config{})
	ap := netip.MustParseAddrPort
	tb.Socket(200, 3, afInet, sockStream|oCloexec, 0)
	f, changed := tb.Connect(200, 3, ap("10.0.0.1:40000"), ap("10.0.0.2:443"))
	if !changed || f.Name != "10.0.0.1:40000->10.0.0.2:443" || f.Sock.Role != RoleClient || !f.Sock.Connected ||
		f.Sock.L4 != L4TCP || f.Kind.TypeChar() != "4" || !f.CloExec {
		t.Fatalf("connected fd %+v", f)
	}
	if s := f.Sock.Server(); s != ap("10.0.0.2:443") {
		t.Fatalf("server %v", s)
	}

	tb.Socket(200, 4, afInet6, sockStream, 0)
	tb.Bind(200, 4, ap("[::]:8080"))
	lf := tb.Listen(200, 4)
	if lf.Sock.Role != RoleServer || !lf.Sock.Listening || lf.Name != "[::]:8080" || lf.Kind.String() != "ipv6" {
		t.Fatalf("listening fd %+v", lf)
	}
	af := tb.Accept(200, 4, 5, ap("[::1]:8080"), ap("[::1]:50000"), false)
	if af.Name != "[::1]:50000->[::1]:8080" || af.Sock.Role != RoleServer || af.Sock.Listening || af.Kind != FDIPv6 {
		t.Fatalf("accepted fd %+v", af)
	}
	if c := af.Sock.Client(); c != ap("[::1]:50000") {
		t.Fatalf("client %v", c)
	}

	tb.Socket(200, 6, afInet, sockDgram, 0)
	_, ch1 := tb.SetTuple(200, 6, ap("10.0.0.1:5000"), ap("8.8.8.8:53"), RoleClient)
	_, ch2 := tb.SetTuple(200, 6, netip.AddrPort{}, ap("8.8.8.8:53"), RoleClient)
	f3, ch3 := tb.SetTuple(200, 6, netip.AddrPort{}, ap("1.1.1.1:53"), RoleClient)
	if !ch1 || ch2 || !ch3 || f3.Name != "10.0.0.1:5000->1.1.1.1:53" || f3.Sock.L4 != L4UDP {
		t.Fatalf("udp name changes %v %v %v %+v", ch1, ch2, ch3, f3)
	}

	// Unknown fd: created from the address family and counted.
	f4, _ := tb.Connect(200, 42, netip.AddrPort{}, ap("[2001:db8::1]:22"))
	if f4 == nil || f4.Kind != FDIPv6 || tb.Counters().UnknownFD == 0 {
		t.Fatalf("unknown socket fd %+v", f4)
	}

	tb.Socket(200, 7, afUnix, sockStream, 0)
	u := tb.ConnectUnix(200, 7, "/run/docker.sock", true)
	if u.Name != "/run/docker.sock" || u.Kind.TypeChar() != "u" {
		t.Fatalf("unix fd %+v", u)
	}
	tb.Pipe(200, 8, 9, 1234, 0)
	_, p := tb.Thread(200)
	if p.FD(8).Name != "pipe:[1234]" || p.FD(9).Kind != FDPipe {
		t.Fatalf("pipe %+v", p.FD(8))
	}
	tb.SocketPair(200, 10, 11, afUnix, sockDgram, 0)
	if !p.FD(11).Sock.Connected {
		t.Fatal("socketpair end not connected")
	}
}

func TestSocketKind(t *testing.T) {
	tests := []struct {
		fam, typ, proto uint32
		kind            FDKind
		l4              L4Proto
	}{
		{afInet, sockStream, 0, FDIPv4, L4TCP},
		{afInet, sockDgram, 0, FDIPv4, L4UDP},
		{afInet, sockDgram, ipprotoICMP, FDIPv4, L4ICMP},
		{afInet6, sockRaw, ipprotoICMPv6, FDIPv6, L4ICMP},
		{afInet6, sockRaw, 255, FDIPv6, L4Raw},
		{afInet, sockSeqpacket, ipprotoTCP, FDIPv4, L4TCP},
		{afInet, sockSeqpacket, 132, FDIPv4, L4Unknown},
		{afUnix, sockStream, 0, FDUnix, L4Unknown},
		{afNetlink, sockRaw, 0, FDNetlink, L4Unknown},
		{17, sockRaw, 0, FDPacket, L4Unknown},
	}
	for _, tt := range tests {
		k, l4 := SocketKind(tt.fam, tt.typ, tt.proto)
		if k != tt.kind || l4 != tt.l4 {
			t.Errorf("SocketKind(%d,%d,%d) = %v/%v, want %v/%v", tt.fam, tt.typ, tt.proto, k, l4, tt.kind, tt.l4)
		}
	}
}

func TestCredsCwdNamespaces(t *testing.T) {
	tb := tree(t, Config{})
	tb.SetCreds(200, Creds{UID: 1000, EUID: 1000, SUID: 1000, FSUID: 1000}, CredUIDs)
	tb.SetCreds(200, Creds{CapEff: 0x1, CapPrm: 0x3}, CredCapEff|CredCapPrm)
	tb.SetCwd(200, "tmp")
	tb.SetCwd(200, "../etc/./ssh/")
	tb.SetNamespaces(200, 0, 99, 0)
	tb.OpenFD(200, FD{Num: 3, Kind: FDDirectory, Path: "/var/log"})
	_, p := tb.Thread(200)
	if p.Creds.EUID != 1000 || p.Creds.GID != 0 || p.Creds.CapEff != 1 || p.Creds.CapPrm != 3 {
		t.Fatalf("creds %+v", p.Creds)
	}
	if p.Cwd != "/root/etc/ssh/" {
		t.Fatalf("cwd %q", p.Cwd)
	}
	if p.MntNS != 99 {
		t.Fatalf("mntns %d", p.MntNS)
	}
	tests := []struct {
		dirfd int32
		name  string
		want  string
		ok    bool
	}{
		{AtFDCWD, "known_hosts", "/root/etc/ssh/known_hosts", true},
		{AtFDCWD, "../../x", "/root/x", true},
		{3, "syslog", "/var/log/syslog", true},
		{5, "x", "x", false},
		{AtFDCWD, "/abs//path/../p", "/abs/p", true},
		{AtFDCWD, "", "", false},
	}
	for _, tt := range tests {
		if got, ok := p.Resolve(tt.dirfd, tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("Resolve(%d, %q) = %q %v, want %q %v", tt.dirfd, tt.name, got, ok, tt.want, tt.ok)
		}
	}
	tb.Fchdir(200, 3)
	if p.Cwd != "/var/log/" {
		t.Fatalf("fchdir cwd %q", p.Cwd)
	}
}

func TestContainerFromExec(t *testing.T) {
	tb := tree(t, Config{})
	id := "3f4e9c1b2a7d8e6f5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a3928170615"
	fork(t, tb, 10, 200, 300)
	p := tb.Exec(&ExecInfo{Ts: 11, Tid: 300, Tgid: 300, Comm: "sh", Cgroups: []Cgroup{{Hierarchy: 0, Path: "/"}, {Hierarchy: 4, Controllers: "memory", Path: "/docker/" + id}}})
	if p.Container.Full != id || p.Container.Runtime != container.RuntimeDocker {
		t.Fatalf("container %+v", p.Container)
	}
	c := fork(t, tb, 12, 300, 301)
	if c.Container != p.Container {
		t.Fatal("child did not inherit the container")
	}
}

func TestUnknownThreads(t *testing.T) {
	tb := New(Config{})
	tb.Exit(1, 7)
	if tb.OpenFD(7, FD{Num: 1, Kind: FDFile}) != nil {
		t.Fatal("fd opened for unknown thread")
	}
	th, p := tb.Ensure(70, 71)
	if th == nil || p.Pid != 70 || th.Tid != 71 {
		t.Fatal("Ensure did not create a stub")
	}
	if th2, p2 := tb.Ensure(70, 71); th2 != th || p2 != p {
		t.Fatal("Ensure created a second stub")
	}
	if c := tb.Counters(); c.UnknownThread != 3 {
		t.Fatalf("UnknownThread = %d", c.UnknownThread)
	}
	// A fork whose parent is unknown still creates the child.
	_, c := tb.Fork(&ForkInfo{Ts: 2, ParentTid: 999, Tid: 1000, Tgid: 1000, Comm: "orphan"})
	if c == nil || c.Parent() != nil || c.Comm != "orphan" {
		t.Fatalf("orphan fork %+v", c)
	}
	// An exec of an unknown process creates it under its parent.
	p3 := tb.Exec(&ExecInfo{Ts: 3, Tid: 1001, Tgid: 1001, Ppid: 1000, Comm: "late"})
	if p3.Parent() != c {
		t.Fatal("exec of unknown process not linked to its parent")
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Fatal(err)
	}
	err := (Config{MaxProcesses: -1, MaxThreads: -1, MaxFDsPerProcess: -1, ExitGrace: -1}).Validate()
	if err == nil {
		t.Fatal("negative config accepted")
	}
	for _, s := range []string{"processes", "threads", "fds", "grace"} {
		if !contains(err.Error(), s) {
			t.Errorf("error %q does not mention %s", err, s)
		}
	}
	if c := New(Config{MaxProcesses: -5}).Config(); c.MaxProcesses != DefaultMaxProcesses {
		t.Fatalf("negative bound not defaulted: %d", c.MaxProcesses)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestForkReportedWithoutStartFirst(t *testing.T) {
	tests := []struct {
		name  string
		flags uint64
		tid   uint32
		tgid  uint32
	}{
		{"process", 0, 300, 300},
		{"thread", CloneThread, 201, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := tree(t, Config{})
			// clone exit in the parent (no start time) before sched_process_fork.
			th1, p1 := tb.Fork(&ForkInfo{Ts: 10, ParentTid: 200, Tid: tt.tid, Tgid: tt.tgid, Flags: tt.flags})
			th2, p2 := tb.Fork(&ForkInfo{Ts: 9, ParentTid: 200, Tid: tt.tid, Tgid: tt.tgid, Flags: tt.flags, Start: 8})
			if th1 != th2 || p1 != p2 || tb.Counters().PidReused != 0 {
				t.Fatal("exact report after an approximate one created a new task")
			}
			if th2.Start != 8 {
				t.Fatalf("thread start %d, want 8", th2.Start)
			}
			if tt.tid == tt.tgid && p2.Key.Start != 8 {
				t.Fatalf("process start %d, want 8", p2.Key.Start)
			}
			// A later exact report with another start is a new incarnation.
			_, p3 := tb.Fork(&ForkInfo{Ts: 20, ParentTid: 200, Tid: tt.tid, Tgid: tt.tgid, Flags: tt.flags, Start: 19})
			if tt.tid == tt.tgid && (p3 == p2 || tb.Counters().PidReused != 1) {
				t.Fatal("pid reuse not detected after the start became exact")
			}
		})
	}
}

// TestCloseOnExecAfterFork checks the fork+exec path, where the child
// execs while still sharing its parent's entries copy-on-write: the child
// keeps exactly the fds without close-on-exec (low, high array slots and
// map entries alike) and the parent keeps all of its own.
func TestCloseOnExecAfterFork(t *testing.T) {
	fds := []FD{
		{Num: 0, Kind: FDFile, Path: "/dev/tty"},
		{Num: 3, Kind: FDFile, Path: "/etc/passwd", Flags: oCloexec},
		{Num: 7, Kind: FDFile, Path: "/tmp/keep"},
		{Num: 255, Kind: FDFile, Path: "/script.sh", Flags: oCloexec},
		{Num: 300, Kind: FDFile, Path: "/big-cloexec", Flags: oCloexec},
		{Num: 301, Kind: FDFile, Path: "/big-keep"},
	}
	tests := []struct {
		name   string
		shared bool // exec while the entries are shared with the parent
	}{
		{"child execs before touching its table", true},
		{"child changed its table before exec", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := tree(t, Config{})
			for _, f := range fds {
				tb.OpenFD(200, f)
			}
			child := fork(t, tb, 10, 200, 300)
			if !tc.shared {
				tb.OpenFD(300, FD{Num: 9, Kind: FDFile, Path: "/child", Flags: oCloexec})
			}
			tb.Exec(&ExecInfo{Ts: 11, Tid: 300, Tgid: 300, Comm: "cat", Exe: "cat", ExePath: "/usr/bin/cat"})
			var got []int32
			child.FDs(func(f *FD) bool { got = append(got, f.Num); return true })
			if want := []int32{0, 7, 301}; !slices.Equal(got, want) {
				t.Errorf("child fds after exec %v, want %v", got, want)
			}
			if f := child.FD(301); f == nil || f.Path != "/big-keep" {
				t.Errorf("child's fd 301 = %+v", f)
			}
			_, parent := tb.Thread(200)
			for _, f := range fds {
				if g := parent.FD(f.Num); g == nil || g.Path != f.Path {
					t.Errorf("parent's fd %d = %+v after the child's exec", f.Num, g)
				}
			}
			tb.OpenFD(300, FD{Num: 4, Kind: FDFile, Path: "/child-later"})
			if parent.FD(4) != nil {
				t.Error("child's open after exec leaked into the parent")
			}
		})
	}
}

// TestExitReleasesFDs checks that a process kept for the exit grace period
// no longer holds its fd table, while a CLONE_FILES sharer that is still
// alive keeps the shared fds.
func TestExitReleasesFDs(t *testing.T) {
	tb := tree(t, Config{})
	tb.OpenFD(200, FD{Num: 5, Kind: FDFile, Path: "/a"})
	child := fork(t, tb, 10, 200, 300)
	tb.OpenFD(300, FD{Num: 6, Kind: FDFile, Path: "/child"})
	_, sharer := tb.Fork(&ForkInfo{Ts: 11, ParentTid: 300, Tid: 301, Tgid: 301, Flags: CloneFiles})
	tb.Exit(12, 300)
	if _, p := tb.Thread(300); p != child {
		t.Fatal("exited process not kept for the grace period")
	}
	if !child.Exited || child.NumFDs() != 0 || child.FD(6) != nil {
		t.Errorf("exited process: exited %v, %d fds", child.Exited, child.NumFDs())
	}
	if f := sharer.FD(6); f == nil || f.Path != "/child" {
		t.Errorf("CLONE_FILES sharer lost fd 6 when its peer exited: %+v", f)
	}
	_, parent := tb.Thread(200)
	if f := parent.FD(5); f == nil || f.Path != "/a" {
		t.Errorf("parent lost fd 5: %+v", f)
	}
}

// TestLateCloneReport covers the creator's clone exit delivered after the
// child already exited (vfork waits for the child's exec; any child can run
// to completion on another CPU first): the late report must not create a
// task that never exits.
func TestLateCloneReport(t *testing.T) {
	tests := []struct {
		name  string
		flags uint64
		tid   uint32
		tgid  uint32
	}{
		{"vfork child that exec'd and exited", 0x4100 /* CLONE_VM|CLONE_VFORK */, 300, 300},
		{"thread that exited", CloneThread | CloneFiles, 201, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := tree(t, Config{})
			before := tb.Len()
			tb.Fork(&ForkInfo{Ts: 10, ParentTid: 200, Tid: tc.tid, Tgid: tc.tgid, Flags: tc.flags, Start: 10})
			if tc.tid == tc.tgid {
				tb.Exec(&ExecInfo{Ts: 11, Tid: tc.tid, Tgid: tc.tgid, Comm: "true", Exe: "/bin/true", ExePath: "/bin/true"})
			}
			tb.Exit(12, tc.tid)
			tb.Fork(&ForkInfo{Ts: 13, ParentTid: 200, Tid: tc.tid, Tgid: tc.tgid, Flags: tc.flags}) // the clone exit
			if th, p := tb.Thread(tc.tid); th != nil && !th.Exited {
				t.Fatalf("late clone report revived %d (process exited %v)", tc.tid, p.Exited)
			}
			_, parent := tb.Thread(200)
			live := 0
			for th := parent.threads; th != nil; th = th.next {
				if !th.Exited {
					live++
				}
			}
			if live != 1 {
				t.Errorf("parent has %d live threads, want 1", live)
			}
			tb.Advance(13 + 31*sec)
			if tb.Len() != before {
				t.Errorf("%d processes after the grace period, want %d", tb.Len(), before)
			}
		})
	}
}
