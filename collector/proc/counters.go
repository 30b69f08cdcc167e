package proc

import "sync/atomic"

// Counters is a snapshot of a Table's gauges and counters, for metrics.
type Counters struct {
	Processes uint64 // current processes, live and exited
	Threads   uint64 // current threads
	Exited    uint64 // current exited processes waiting for the grace period

	ProcessesEvicted uint64 // live or exited processes evicted because a bound was hit
	ProcessesReaped  uint64 // exited processes freed after the grace period
	ThreadsDropped   uint64 // threads not added because one process exceeds MaxThreads
	FDsDropped       uint64 // fds not added because a table holds MaxFDsPerProcess
	PidReused        uint64 // a live process was replaced by a new one with its pid (missed exit)
	UnknownParent    uint64 // fork/exec/bootstrap whose parent was not in the table
	UnknownThread    uint64 // state change for a tid not in the table (stub created or dropped)
	UnknownFD        uint64 // fd state change for an fd not in the table

	BootstrapProcesses uint64 // processes read from /proc
	BootstrapThreads   uint64 // threads read from /proc
	BootstrapFDs       uint64 // fds read from /proc
	BootstrapVanished  uint64 // processes that exited while being read
	BootstrapErrors    uint64 // unreadable /proc entries (other than vanished)
}

// counters is the live, atomically updated form of Counters.
type counters struct {
	processes, threads, exited                             atomic.Int64
	evicted, reaped, threadsDropped, fdsDropped, pidReused atomic.Uint64
	unknownParent, unknownThread, unknownFD                atomic.Uint64
	bsProcesses, bsThreads, bsFDs, bsVanished, bsErrors    atomic.Uint64
}

func (c *counters) snapshot() Counters {
	return Counters{
		Processes:          uint64(c.processes.Load()),
		Threads:            uint64(c.threads.Load()),
		Exited:             uint64(c.exited.Load()),
		ProcessesEvicted:   c.evicted.Load(),
		ProcessesReaped:    c.reaped.Load(),
		ThreadsDropped:     c.threadsDropped.Load(),
		FDsDropped:         c.fdsDropped.Load(),
		PidReused:          c.pidReused.Load(),
		UnknownParent:      c.unknownParent.Load(),
		UnknownThread:      c.unknownThread.Load(),
		UnknownFD:          c.unknownFD.Load(),
		BootstrapProcesses: c.bsProcesses.Load(),
		BootstrapThreads:   c.bsThreads.Load(),
		BootstrapFDs:       c.bsFDs.Load(),
		BootstrapVanished:  c.bsVanished.Load(),
		BootstrapErrors:    c.bsErrors.Load(),
	}
}
