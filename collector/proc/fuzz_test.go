package proc

import (
	"net/netip"
	"testing"
)

// FuzzTable drives a small table with an arbitrary sequence of state
// changes and checks its invariants after each one: bounds hold, gauges
// match the contents, every mapped thread belongs to a listed process and
// ancestor chains end.
func FuzzTable(f *testing.F) {
	f.Add([]byte{0, 1, 2, 1, 3, 2, 4, 2, 5, 2, 6, 1, 7, 9})
	f.Add([]byte{0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 2, 1, 2, 3, 8, 200})
	f.Fuzz(func(t *testing.T, ops []byte) {
		tb := New(Config{MaxProcesses: 6, MaxThreads: 8, MaxFDsPerProcess: 4, ExitGrace: 100})
		ts := uint64(1)
		for len(ops) >= 2 {
			op, a := ops[0], ops[1]
			ops = ops[2:]
			tid := uint32(a%12) + 1
			other := uint32(a/12%12) + 1
			ts++
			switch op % 12 {
			case 0:
				tb.Fork(&ForkInfo{Ts: ts, ParentTid: other, Tid: tid, Tgid: tid, Start: uint64(a) * uint64(op)})
			case 1:
				tb.Fork(&ForkInfo{Ts: ts, ParentTid: other, Tid: tid, Tgid: other, Flags: CloneThread | CloneFiles})
			case 2:
				tb.Exec(&ExecInfo{Ts: ts, Tid: tid, Tgid: tid, Ppid: other, Comm: "x", Args: []string{"a"}})
			case 3:
				tb.Exit(ts, tid)
			case 4:
				tb.OpenFD(tid, FD{Num: int32(a % 7), Kind: FDFile, Path: "/f", CloExec: a&1 == 0})
			case 5:
				tb.Dup(tid, int32(a%7), int32(a)*3, a&2 == 0)
			case 6:
				tb.CloseRange(tid, uint32(a%5), uint32(a%9), uint32(op)&6)
			case 7:
				tb.Connect(tid, int32(a%7), netip.AddrPort{}, netip.MustParseAddrPort("10.0.0.1:80"))
			case 8:
				tb.Advance(ts + uint64(a))
				ts += uint64(a)
			case 9:
				tb.SetSubreaper(tid, a&1 == 1)
			case 10:
				tb.Fork(&ForkInfo{Ts: ts, ParentTid: other, Tid: tid, Tgid: tid, Flags: CloneFiles | CloneParent})
			case 11:
				tb.Ensure(other, tid)
			}
			checkInvariants(t, tb)
		}
		tb.Restore(tb.Snapshot())
		checkInvariants(t, tb)
	})
}

func checkInvariants(t *testing.T, tb *Table) {
	t.Helper()
	if tb.nprocs > tb.cfg.MaxProcesses || tb.nthreads > tb.cfg.MaxThreads {
		t.Fatalf("bounds: %d processes %d threads", tb.nprocs, tb.nthreads)
	}
	n, threads, exited := 0, 0, 0
	listed := map[*Process]bool{}
	for p := tb.lruHead; p != nil; p = p.lruNext {
		n++
		if n > tb.nprocs {
			t.Fatal("LRU list longer than the process count")
		}
		listed[p] = true
		threads += p.nthreads
		if p.Exited {
			exited++
		}
		live := 0
		for th := p.threads; th != nil; th = th.next {
			if th.proc != p {
				t.Fatal("thread listed under another process")
			}
			if !th.Exited {
				live++
			}
		}
		if live != p.nlive {
			t.Fatalf("process %d: nlive %d, counted %d", p.Pid, p.nlive, live)
		}
		if p.NumFDs() > tb.cfg.MaxFDsPerProcess {
			t.Fatalf("process %d has %d fds", p.Pid, p.NumFDs())
		}
		d := 0
		for a := p.parent; a != nil; a = a.parent {
			if d++; d > tb.nprocs {
				t.Fatalf("ancestor cycle from %d", p.Pid)
			}
		}
		for c := p.firstChild; c != nil; c = c.nextSibling {
			if c.parent != p {
				t.Fatal("child whose parent is someone else")
			}
		}
	}
	if n != tb.nprocs || threads != tb.nthreads {
		t.Fatalf("counts: listed %d/%d, recorded %d/%d", n, threads, tb.nprocs, tb.nthreads)
	}
	c := tb.Counters()
	if c.Processes != uint64(n) || c.Threads != uint64(threads) || c.Exited != uint64(exited) {
		t.Fatalf("gauges %+v, actual %d %d %d", c, n, threads, exited)
	}
	for tid, th := range tb.threads {
		if th.Tid != tid || !listed[th.proc] {
			t.Fatalf("tid %d maps to a thread of a freed process", tid)
		}
	}
	for pid, p := range tb.procs {
		if p.Pid != pid || !listed[p] {
			t.Fatalf("pid %d maps to a freed process", pid)
		}
	}
}
