// Command bench is Vigil's side-by-side benchmark suite (`make bench`).
//
// It measures what Vigil costs the machine it watches and how much it can
// take before it loses events, and writes a markdown report and the same
// numbers as JSON (bench/results/). Suites:
//
//   - overhead: workloads (getpid and openat loops, dd, redis-benchmark,
//     stress-ng process churn) under interleaved arms: no agent, a bpftrace
//     counting probe as control, Vigil capture-only, Vigil with the upstream
//     stable rules and every output on, and the same reading syscall memory
//     at exit (--no-kernel.entry-snapshots). Ratios are against the
//     no-agent arm of the same round.
//   - drops: a rate-controlled generator of captured syscalls stepped from
//     10K/s to unthrottled; delivered events, drops, agent CPU and RSS per step.
//   - engine: decode + state + stable rules replayed on one core (Go
//     benchmarks), compared with benchstat against the previous report.
//   - soak: process churn for a long period; RSS and table sizes over time.
//
// Invariants: every ratio compares arms measured in the same run, never
// numbers across runs; the pre-flight records foreign BPF programs and the
// load average and marks the run contaminated when another agent is
// attached; the agent under test is the bin/vigil built from this tree.
//
// The same binary is also its own workload driver: `bench work KIND` and
// `bench gen` run the loops whose cost is measured, so each arm times exactly
// the same code.
package main
