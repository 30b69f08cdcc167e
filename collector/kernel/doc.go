// Package kernel is Vigil's kernel capture: it loads the BPF programs of
// bpf/ (compiled into the committed vigil_*_bpfel.o objects) with
// cilium/ebpf and CO-RE, attaches them, and delivers the records they emit,
// decoded in place into record.Record and merged across CPUs in timestamp
// order.
//
// Kernel side (see bpf/vigil.bpf.c): one tp_btf/sys_exit dispatcher skips
// Vigil's own tgid, maps ia32 compat syscalls to the native table, tests an
// interest bitmap and tail-calls one handler per syscall family; tp_btf
// sched_process_{exec,fork,exit} report successful execs, new tasks and
// exits; classic sys_enter tracepoints snapshot the user memory of open*,
// creat, connect and execve* at entry (TOCTOU). Records go to one BPF ring
// buffer per CPU (or per Config.CPUsPerRing CPUs), submitted without
// wakeups until a ring passes Config.WakeupBytes.
//
// Use:
//
//	p, err := kernel.Open(kernel.Config{}, log)
//	defer p.Close()
//	err = p.SetInterest([]string{"execve", "openat", "connect", "procexit"})
//	var r record.Record
//	for {
//		if err := p.Read(ctx, &r); err != nil { ... }
//		// r is valid until the next Read
//	}
//
// Read (or Run, its callback form) drains the rings in batches: a ring that
// has no record is polled again after at most Config.PollInterval, and a
// record is delivered once every ring has a later one or it is older than
// Config.ReorderWindow, so records from different CPUs come out in
// timestamp order unless one was produced more than ReorderWindow before it
// became visible (counted as Late).
//
// Invariants:
//   - Open either returns a Probe with every core program loaded and
//     attached, or an error and nothing left behind. Optional programs (the
//     entry snapshots) that fail to load or attach are reported by
//     Features and logged, never fatal.
//   - Read does not allocate per record; a Record aliases a ring's copy
//     buffer and is valid until the next Read. Read, Run and Close must not
//     be called concurrently with each other; SetInterest, Counters and
//     Features may be called from any goroutine.
//   - A record that fails to decode is counted (Counters.DecodeErrors),
//     logged at a bounded rate and skipped, never fatal.
//   - Close detaches every program and frees every map and ring.
//
// Observability: Counters (kernel counts per record kind and Reason, plus
// the reader's delivered/late/decode-error counts), RingUsage (fill level
// per ring) and Features (optional parts and why they are off).
//
// Requires Linux 5.11+ with BTF (task storage, ring buffers, tp_btf) and
// CAP_BPF+CAP_PERFMON (or root); kprobes, fentry/fexit and BPF-LSM are not
// used. Classic tracepoints need tracefs, which Open mounts at
// /sys/kernel/tracing when no tracefs is mounted (Config.NoMountTracefs
// turns that off).
package kernel
