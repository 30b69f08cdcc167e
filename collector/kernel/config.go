package kernel

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// Config tunes the probe. The zero value is usable: every zero field takes
// its default.
type Config struct {
	// RingSize is the size in bytes of each ring buffer: a power of two and
	// a multiple of the page size, at least 64 KiB. Default 8 MiB.
	RingSize int
	// CPUsPerRing is how many CPUs share one ring. Default 1 (per-CPU rings).
	CPUsPerRing int
	// WakeupBytes forces a consumer wakeup once a ring holds this many
	// unread bytes; below it records are submitted without a wakeup and
	// picked up by polling. Default RingSize/4.
	WakeupBytes int
	// PollInterval bounds how long Read sleeps before looking at the rings
	// again when no wakeup arrives. Default 2ms.
	PollInterval time.Duration
	// ReorderWindow is how long a record is held back while some ring is
	// empty, so that an older record from another CPU can overtake it.
	// Default 1ms.
	ReorderWindow time.Duration
	// IgnoreTGID is the process whose activity is never recorded. Default:
	// this process (os.Getpid()). Set TraceSelf to record everything.
	IgnoreTGID int
	// TraceSelf records this process too (tests).
	TraceSelf bool
	// CgroupHierarchy selects the cgroup whose path exec records carry:
	// "memory" (default; on hybrid v1/v2 hosts this is where container
	// runtimes put their cgroups), "pids", or "unified" (the v2 hierarchy).
	CgroupHierarchy string
	// NoCompatGeneric drops ia32 compat syscalls that have no 64-bit
	// equivalent (socketcall, ipc, ...) instead of reporting them as generic
	// records. Only meaningful on amd64.
	NoCompatGeneric bool
	// NoMountTracefs: do not mount tracefs when none is mounted. Without
	// tracefs the entry snapshots are disabled (reported by Features).
	NoMountTracefs bool
	// NoEntrySnapshots leaves the syscalls:sys_enter_* snapshot programs
	// detached: exit handlers read paths, argv and socket addresses from
	// user memory at syscall exit (records carry FlagStashMissing). Every
	// syscall then skips the kernel's sys_enter tracing hook and each open
	// costs one program run less, but a thread racing the syscall can
	// rewrite the memory before the exit-time read.
	NoEntrySnapshots bool
	// Interest is the initial interest set (see SetInterest). Default: none,
	// so nothing is recorded until SetInterest is called.
	Interest []string

	// noRdonlyCast makes the programs read kernel objects with
	// bpf_probe_read_kernel even where bpf_rdonly_cast (6.2+) exists, so
	// tests cover the fallback used on older kernels.
	noRdonlyCast bool
}

const (
	defaultRingSize      = 8 << 20
	minRingSize          = 64 << 10
	defaultPollInterval  = 2 * time.Millisecond
	defaultReorderWindow = time.Millisecond
)

// withDefaults returns c with defaults filled in, or every problem found.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	if c.RingSize == 0 {
		c.RingSize = defaultRingSize
	}
	page := os.Getpagesize()
	if c.RingSize < minRingSize || c.RingSize&(c.RingSize-1) != 0 || c.RingSize%page != 0 {
		errs = append(errs, fmt.Errorf("ring size %d: must be a power of two, a multiple of the page size (%d) and at least %d", c.RingSize, page, minRingSize))
	}
	if c.RingSize > 1<<30 {
		errs = append(errs, fmt.Errorf("ring size %d: at most 1 GiB", c.RingSize))
	}
	if c.CPUsPerRing == 0 {
		c.CPUsPerRing = 1
	}
	if c.CPUsPerRing < 0 {
		errs = append(errs, fmt.Errorf("cpus per ring %d: must be positive", c.CPUsPerRing))
	}
	if c.WakeupBytes == 0 {
		c.WakeupBytes = c.RingSize / 4
	}
	if c.WakeupBytes < 0 || c.WakeupBytes > c.RingSize {
		errs = append(errs, fmt.Errorf("wakeup bytes %d: must be between 1 and the ring size", c.WakeupBytes))
	}
	if c.PollInterval == 0 {
		c.PollInterval = defaultPollInterval
	}
	if c.PollInterval < 0 || c.PollInterval > time.Second {
		errs = append(errs, fmt.Errorf("poll interval %v: must be in (0, 1s]", c.PollInterval))
	}
	if c.ReorderWindow == 0 {
		c.ReorderWindow = defaultReorderWindow
	}
	if c.ReorderWindow < 0 || c.ReorderWindow > time.Second {
		errs = append(errs, fmt.Errorf("reorder window %v: must be in (0, 1s]", c.ReorderWindow))
	}
	if c.IgnoreTGID == 0 {
		c.IgnoreTGID = os.Getpid()
	}
	if c.TraceSelf {
		c.IgnoreTGID = 0
	}
	switch c.CgroupHierarchy {
	case "":
		c.CgroupHierarchy = "memory"
	case "memory", "pids", "unified":
	default:
		errs = append(errs, fmt.Errorf("cgroup hierarchy %q: must be memory, pids or unified", c.CgroupHierarchy))
	}
	return c, errors.Join(errs...)
}

func (c Config) cgroupHierarchyID() uint32 {
	switch c.CgroupHierarchy {
	case "pids":
		return 1
	case "unified":
		return 2
	}
	return 0
}
