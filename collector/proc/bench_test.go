package proc

import (
	"testing"
)

// benchTable builds a table with n processes in chains of depth 20, each
// with 16 fds.
func benchTable(b *testing.B, n int) *Table {
	b.Helper()
	tb := New(Config{})
	tb.Exec(&ExecInfo{Ts: 1, Tid: 1, Tgid: 1, Vpid: 1, Comm: "init", Cwd: "/"})
	for i := uint32(2); i < uint32(n)+2; i++ {
		parent := i - 1
		if (i-2)%20 == 0 {
			parent = 1
		}
		if _, p := tb.Fork(&ForkInfo{Ts: uint64(i), ParentTid: parent, Tid: i, Tgid: i}); p == nil {
			b.Fatal("fork failed")
		}
		tb.Exec(&ExecInfo{Ts: uint64(i), Tid: i, Tgid: i, Comm: "proc", Exe: "/bin/proc", Args: []string{"-x"}})
		if parent == 1 {
			tb.Setsid(i) // each chain is a session led by its root
		}
		for fd := int32(0); fd < 16; fd++ {
			tb.OpenFD(i, FD{Num: fd, Kind: FDFile, Path: "/var/lib/file"})
		}
	}
	return tb
}

// BenchmarkLookup is the per-event hot path: tid → thread → process → fd,
// plus an ancestor walk as proc.aname[7] does.
func BenchmarkLookup(b *testing.B) {
	const n = 10000
	tb := benchTable(b, n)
	b.ReportAllocs()
	var sink int
	for i := 0; b.Loop(); i++ {
		tid := uint32(2 + i%n)
		th, p := tb.Thread(tid)
		if th == nil {
			b.Fatal("miss")
		}
		if f := p.FD(int32(i & 15)); f != nil {
			sink += len(f.Path)
		}
		if a := p.Ancestor(7); a != nil {
			sink += len(a.Comm)
		}
	}
	_ = sink
}

// BenchmarkThreadLookup measures tid → process alone.
func BenchmarkThreadLookup(b *testing.B) {
	const n = 10000
	tb := benchTable(b, n)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if th, _ := tb.Thread(uint32(2 + i%n)); th == nil {
			b.Fatal("miss")
		}
	}
}

// BenchmarkSessionLeader measures the proc.sname walk from the 18th process
// of a 20-deep session.
func BenchmarkSessionLeader(b *testing.B) {
	tb := benchTable(b, 200)
	_, p := tb.Thread(161)
	if l := p.SessionLeader(); l == nil || l.Pid != 142 {
		b.Fatalf("leader %+v", l)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = p.SessionLeader()
	}
}

// BenchmarkForkExecExit measures the state-change path of a short-lived
// process (it allocates: a process, a thread, strings).
func BenchmarkForkExecExit(b *testing.B) {
	tb := benchTable(b, 100)
	args := []string{"-c", "true"}
	b.ReportAllocs()
	ts := uint64(1000)
	for i := 0; b.Loop(); i++ {
		ts += 1000
		tid := uint32(100000 + i%50000)
		tb.Fork(&ForkInfo{Ts: ts, ParentTid: 50, Tid: tid, Tgid: tid})
		tb.Exec(&ExecInfo{Ts: ts, Tid: tid, Tgid: tid, Comm: "sh", Exe: "sh", ExePath: "/bin/sh", Args: args})
		tb.Exit(ts, tid)
	}
}

// BenchmarkOpenClose measures an open and close on an existing process.
func BenchmarkOpenClose(b *testing.B) {
	tb := benchTable(b, 100)
	b.ReportAllocs()
	for b.Loop() {
		tb.OpenFD(50, FD{Num: 20, Kind: FDFile, Path: "/etc/passwd"})
		tb.CloseFD(50, 20)
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	tb := tree(t, Config{})
	tb.OpenFD(200, FD{Num: 3, Kind: FDFile, Path: "/etc/shadow"})
	tb.OpenFD(200, FD{Num: 1000, Kind: FDFile, Path: "/big"})
	allocs := testing.AllocsPerRun(1000, func() {
		_, p := tb.Thread(200)
		_ = p.FD(3)
		_ = p.FD(1000)
		_ = p.FD(77)
		_ = p.Ancestor(2)
		_ = p.SessionLeader()
		_ = p.FD(3).Directory()
		_ = p.FD(3).Filename()
		_ = p.FD(3).Kind.TypeChar()
		_, _ = p.Getenv("HOME")
	})
	if allocs != 0 {
		t.Fatalf("lookups allocate %.1f times", allocs)
	}
}

// BenchmarkForkExecShell is fork+exec+exit from a shell-like parent whose
// table spans fds 0-2 and 255 (close-on-exec, as bash keeps its script):
// the child's table must not cost a copy of all 256 slots.
func BenchmarkForkExecShell(b *testing.B) {
	tb := benchTable(b, 100)
	for _, n := range []int32{0, 1, 2} {
		tb.OpenFD(50, FD{Num: n, Kind: FDFile, Path: "/dev/pts/0"})
	}
	tb.OpenFD(50, FD{Num: 255, Kind: FDFile, Path: "/root/script.sh", Flags: oCloexec})
	args := []string{"-c", "true"}
	b.ReportAllocs()
	ts := uint64(1000)
	for i := 0; b.Loop(); i++ {
		ts += 1000
		tid := uint32(100000 + i%50000)
		tb.Fork(&ForkInfo{Ts: ts, ParentTid: 50, Tid: tid, Tgid: tid})
		tb.Exec(&ExecInfo{Ts: ts, Tid: tid, Tgid: tid, Comm: "sh", Exe: "sh", ExePath: "/bin/sh", Args: args})
		tb.Exit(ts, tid)
	}
}
