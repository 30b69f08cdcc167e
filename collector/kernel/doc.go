// Package kernel is Vigil's kernel capture: it loads the BPF programs of
// bpf/ (compiled into the committed vigil_{x86,arm64}_bpfel.o objects) with
// cilium/ebpf and CO-RE, attaches them, and delivers the records they emit,
// decoded in place into record.Record and merged across CPUs in timestamp
// order.
//
// Kernel side (bpf/vigil.bpf.c): one tp_btf/sys_exit dispatcher skips
// Vigil's own tgid, maps ia32 compat syscalls to the native table, tests an
// interest bitmap and tail-calls one handler per syscall family; tp_btf
// sched_process_{exec,fork,exit} report successful execs, new tasks and
// exits; classic sys_enter tracepoints snapshot the user memory of open,
// creat, openat, openat2, connect, execve and execveat at entry (TOCTOU),
// attached only while those syscalls are selected. Records go to one BPF
// ring buffer per CPU (or per Config.CPUsPerRing CPUs), submitted without
// wakeups until a ring holds Config.WakeupBytes.
//
// API:
//
//	p, err := kernel.Open(kernel.Config{}, log)   // load + attach; records nothing yet
//	defer p.Close()
//	err = p.SetInterest([]string{"execve", "openat", "connect", "procexit"}) // Falco event-type names
//	var r record.Record
//	for {
//		if err := p.Read(ctx, &r); err != nil { ... } // or p.Run(ctx, func(*record.Record))
//		// r and its Data slices are valid until the next Read
//	}
//	c, _ := p.Counters()  // kernel counts per record kind and Reason, reader counts
//	p.RingUsage()         // fill level per ring
//	p.Features()          // optional parts and why they are off
//
// CompileInterest/ApplyInterest split SetInterest for callers that validate
// names before a probe exists.
//
// Reading: Read drains the rings in batches. A ring with no record is
// looked at again after at most Config.PollInterval (or at once when the
// kernel forces a wakeup). A record is delivered once every ring holds a
// later one or it is older than Config.ReorderWindow, so records from
// different CPUs come out in timestamp order; one that became visible later
// than that is still delivered, and counted in Counters.Late. With shared
// rings (CPUsPerRing > 1) records inside one ring may be slightly out of
// order and are counted the same way.
//
// Invariants:
//   - Open either returns a Probe with every core program loaded and
//     attached, or an error and nothing left behind. Optional programs (the
//     entry snapshots) that fail to load or attach are reported by Features
//     and logged, never fatal.
//   - Read does not allocate per record. Read, Run and Close must not be
//     called concurrently with each other; SetInterest, ApplyInterest,
//     Counters, RingUsage and Features may be called from any goroutine.
//   - A record that fails to decode is counted (Counters.DecodeErrors),
//     logged at a bounded rate (one line per 10 s) and skipped, never fatal.
//   - Every record the kernel could not deliver is counted by kind and
//     reason (ring full, tail call miss, oversize); none is lost silently.
//   - Close detaches every program and frees every map and ring; it is safe
//     to call twice.
//
// Requirements: Linux 5.11+ with BTF (task storage, ring buffers, tp_btf,
// bpf_get_current_task_btf), root or CAP_BPF+CAP_PERFMON+CAP_SYS_RESOURCE;
// kprobes, fentry/fexit and BPF-LSM are not used. Kernel objects are read
// with plain loads through bpf_rdonly_cast on 6.2+ and with
// bpf_probe_read_kernel before. Classic tracepoints need tracefs, which
// Open mounts at /sys/kernel/tracing when none is mounted
// (Config.NoMountTracefs turns that off, and with it the entry snapshots).
//
// Memory: Config.RingSize per ring (default 8 MiB per CPU), about 50 KiB of
// per-CPU scratch, and a 4 KiB (path/address) or 12 KiB (exec) entry
// snapshot per task that made such a call while selected, freed with the
// task.
package kernel
