// Package proc keeps the user-space view of processes, threads and their file
// descriptors that the kernel events alone do not carry: who a thread belongs
// to, its ancestors, its command line, credentials, working directory,
// container, and what each fd number refers to.
//
// A Table is fed state changes (Fork, Exec, Exit, OpenFD, CloseFD, Dup,
// Connect, …) decoded from kernel records, seeded by Bootstrap from /proc,
// and read on every event through Thread, Process.Ancestor and Process.FD.
// The mutation API takes plain values, not kernel records, so it can be
// tested without the capture layer.
//
// Invariants:
//   - A Table is owned by one goroutine: it is not safe for concurrent use.
//     Counters may be read from any goroutine.
//   - A process is identified by (tgid, start time), so a reused pid never
//     resolves to the previous process: Fork replaces an older incarnation.
//   - Everything is bounded: processes and threads (LRU eviction), fds per
//     process, exited processes (freed after a grace period measured in event
//     time, never by wall-clock goroutines). Every drop is counted.
//   - Lookups (Thread, Ancestor, FD, SessionLeader) do not allocate.
//   - Process and FD values returned by lookups are read-only for callers and
//     valid until the next mutation of the Table.
//   - Pids, ppids, pgids and sids are host-namespace numbers unless the field
//     name starts with V (Vpid, Vtid, Vpgid).
package proc
