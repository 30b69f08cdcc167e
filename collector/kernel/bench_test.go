package kernel

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/vigilsec/vigil/collector/record"
)

// BenchmarkSyscallOverhead measures, in one run, what the capture costs the
// traced workload. It alternates rounds with the programs detached and
// attached (same loaded probe, a consumer goroutine always running) and
// reports medians over the rounds:
//
//	getpid-ratio     getpid with the capture attached but getpid not
//	                 selected (only ptrace selected: no entry snapshot
//	                 attached), divided by getpid with nothing attached
//	getpid-ratio-snap  the same with openat selected, so the openat entry
//	                 snapshot tracepoint is attached too
//	getpid-ratio-empty  the floor: an empty tp_btf/sys_exit program attached
//	                 instead of the capture (the kernel's cost of calling
//	                 any program on every syscall exit)
//	getpid-ratio-tp  an empty program on one per-syscall tracepoint
//	                 (syscalls:sys_exit_getppid): getpid runs no program
//	                 but still takes the kernel's syscall-tracing slow path,
//	                 the floor of any design built on syscall tracepoints
//	getpid-ratio-rawsys  an empty program on the raw_syscalls:sys_exit
//	                 tracepoint (what a bpftrace one-liner attaches)
//	openat-added-ns  extra ns per openat+close of /dev/null when openat is
//	                 selected: every openat produces a record that the
//	                 consumer reads and decodes
//
// Run with -benchtime 1x (one call does all rounds) and -v for the details.
func BenchmarkSyscallOverhead(b *testing.B) {
	requireBPF(b)
	const (
		rounds   = 9
		getpids  = 1000000
		openats  = 100000
		ringSize = 16 << 20
	)
	p, err := Open(Config{RingSize: ringSize, TraceSelf: true, Interest: []string{"openat"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	empty, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type: ebpf.Tracing, AttachType: ebpf.AttachTraceRawTp, AttachTo: "sys_exit", License: "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer empty.Close()
	emptyTP, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type: ebpf.TracePoint, License: "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer emptyTP.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var consumed atomic.Uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.Run(ctx, func(r *record.Record) {
			if r.Kind == record.KindOpenat {
				consumed.Add(1)
			}
		})
	}()
	defer func() { cancel(); wg.Wait() }()

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	timeit := func(n int, f func()) float64 {
		start := time.Now()
		for i := 0; i < n; i++ {
			f()
		}
		return float64(time.Since(start).Nanoseconds()) / float64(n)
	}
	getpid := func() { unix.Getpid() }
	openat := func() {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		unix.Close(fd)
	}

	timeAttached := func(group, name string) float64 {
		l, err := link.Tracepoint(group, name, emptyTP, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		return timeit(getpids, getpid)
	}
	var ratiosTP, ratiosRaw []float64
	var ratios, ratiosSnap, ratiosEmpty, added, gNone, gOn, gSnap, gEmpty, oNone, oOn []float64
	before, _ := p.Counters()
	for i := 0; i < b.N*rounds; i++ {
		p.mu.Lock()
		err := p.detach()
		p.mu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
		g0, o0 := timeit(getpids, getpid), timeit(openats, openat)
		l, err := link.AttachTracing(link.TracingOptions{Program: empty, AttachType: ebpf.AttachTraceRawTp})
		if err != nil {
			b.Fatal(err)
		}
		ge := timeit(getpids, getpid)
		l.Close()
		gEmpty = append(gEmpty, ge)
		ratiosTP = append(ratiosTP, timeAttached("syscalls", "sys_exit_getppid")/g0)
		ratiosRaw = append(ratiosRaw, timeAttached("raw_syscalls", "sys_exit")/g0)
		ratiosEmpty = append(ratiosEmpty, ge/g0)
		p.mu.Lock()
		err = p.reattach()
		p.mu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
		g1, o1 := timeit(getpids, getpid), timeit(openats, openat)
		if err := p.SetInterest([]string{"ptrace"}); err != nil {
			b.Fatal(err)
		}
		g2 := timeit(getpids, getpid)
		if err := p.SetInterest([]string{"openat"}); err != nil {
			b.Fatal(err)
		}
		gNone, gSnap, gOn, oNone, oOn = append(gNone, g0), append(gSnap, g1), append(gOn, g2), append(oNone, o0), append(oOn, o1)
		ratios = append(ratios, g2/g0)
		ratiosSnap = append(ratiosSnap, g1/g0)
		added = append(added, o1-o0)
	}
	time.Sleep(20 * time.Millisecond) // let the consumer drain
	after, _ := p.Counters()
	emitted := after.Kernel[record.KindOpenat][ReasonEmitted] - before.Kernel[record.KindOpenat][ReasonEmitted]
	dropped := after.Kernel[record.KindOpenat][ReasonRingFull] - before.Kernel[record.KindOpenat][ReasonRingFull]

	b.ReportMetric(median(ratios), "getpid-ratio")
	b.ReportMetric(median(ratiosSnap), "getpid-ratio-snap")
	b.ReportMetric(median(ratiosEmpty), "getpid-ratio-empty")
	b.Logf("getpid ns with an empty sys_exit program: %.1f (ratios %.2f)", median(gEmpty), ratiosEmpty)
	b.ReportMetric(median(ratiosTP), "getpid-ratio-tp")
	b.ReportMetric(median(ratiosRaw), "getpid-ratio-rawsys")
	b.Logf("getpid ratios, empty program on syscalls:sys_exit_getppid %.2f, on raw_syscalls:sys_exit %.2f", ratiosTP, ratiosRaw)
	b.ReportMetric(median(added), "openat-added-ns")
	b.Logf("getpid ns: none %.1f, filtered %.1f, filtered with the openat snapshot attached %.1f (medians of %d rounds; ratios %.2f / %.2f)",
		median(gNone), median(gOn), median(gSnap), len(ratios), ratios, ratiosSnap)
	b.Logf("openat+close ns: none %.1f, emitted %.1f (added %.0f)", median(oNone), median(oOn), added)
	b.Logf("openat records: emitted %d, ring full %d, consumed %d, expected %d", emitted, dropped, consumed.Load(), len(ratios)*openats)
	if emitted+dropped < uint64(len(ratios)*openats) {
		b.Errorf("only %d of %d openats reached the kernel programs", emitted+dropped, len(ratios)*openats)
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkProgramCost runs openat+close of /dev/null with openat selected
// and reports the kernel's own accounting of program run time
// (kernel.bpf_stats_enabled, which itself adds some ns per run): the entry
// snapshot and the exit dispatcher with its handler, per iteration.
func BenchmarkProgramCost(b *testing.B) {
	requireBPF(b)
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		b.Skipf("bpf stats: %v", err)
	}
	defer stats.Close()
	p, err := Open(Config{RingSize: 16 << 20, TraceSelf: true, Interest: []string{"openat"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); p.Run(ctx, func(*record.Record) {}) }()
	defer func() { cancel(); wg.Wait() }()

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	progStats := func(name string) (time.Duration, uint64) {
		s, err := p.coll.Programs[name].Stats()
		if err != nil {
			b.Fatal(err)
		}
		return s.Runtime, s.RunCount
	}
	enterT0, _ := progStats("enter_openat")
	exitT0, exitN0 := progStats("sys_exit")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		unix.Close(fd)
	}
	b.StopTimer()
	enterT1, _ := progStats("enter_openat")
	exitT1, exitN1 := progStats("sys_exit")
	b.ReportMetric(float64((enterT1-enterT0).Nanoseconds())/float64(b.N), "enter-ns/op")
	b.ReportMetric(float64((exitT1-exitT0).Nanoseconds())/float64(b.N), "exit-ns/op")
	b.ReportMetric(float64(exitN1-exitN0)/float64(b.N), "exit-runs/op")
}

// BenchmarkReaderDrain fills one ring with close records while nobody
// reads, then times Read draining them: the user-space cost per record
// (copy out of the ring, decode, merge), on one core.
func BenchmarkReaderDrain(b *testing.B) {
	requireBPF(b)
	const perRound = 200000
	p, err := Open(Config{RingSize: 32 << 20, CPUsPerRing: runtime.NumCPU(), TraceSelf: true, ReorderWindow: time.Microsecond}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var r record.Record
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(perRound, b.N-done)
		b.StopTimer()
		if err := p.SetInterest([]string{"close"}); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < n; i++ {
			unix.Close(-5000)
		}
		if err := p.SetInterest(nil); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for got := 0; got < n; {
			if err := p.Read(ctx, &r); err != nil {
				b.Fatal(err)
			}
			if r.Kind == record.KindClose && int64(r.Args[record.ArgCloseFd]) == -5000 {
				got++
			}
		}
		done += n
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrec/s")
	if c, _ := p.Counters(); c.Kernel[record.KindClose][ReasonRingFull] != 0 {
		b.Fatalf("%d records dropped: ring too small for the round", c.Kernel[record.KindClose][ReasonRingFull])
	}
}
