package kernel

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigilsec/vigil/collector/record"
)

// Scheduler-event bits of the kernel's tp_enable (bpf/vigil.h).
const (
	tpExec = 1 << 0
	tpFork = 1 << 1
	tpExit = 1 << 2
)

// Interest is a compiled interest set: the syscalls (by native number) and
// scheduler events the kernel records.
type Interest struct {
	bits [numSlots / 64]uint64
	tp   uint32
}

// UnknownNamesError lists interest names that are neither a syscall of any
// supported architecture nor a scheduler event. The known names are still
// applied.
type UnknownNamesError struct{ Names []string }

func (e *UnknownNamesError) Error() string {
	return "unknown event types: " + strings.Join(e.Names, ", ")
}

// CompileInterest turns Falco event-type names into an Interest for the
// syscall table of arch:
//   - a syscall name selects that syscall ("openat");
//   - "execve"/"execveat" also select successful execs (sched_process_exec);
//   - "clone", "clone3", "fork", "vfork" and "procfork" select task creation
//     (sched_process_fork);
//   - "procexit" selects task exits (sched_process_exit);
//   - a syscall that only exists on other architectures ("open" on arm64)
//     is accepted and selects nothing.
//
// When compatGeneric is set and any syscall is selected, ia32 calls without
// a 64-bit equivalent are selected too (as generic records). Unknown names
// are returned in an *UnknownNamesError next to the usable Interest.
func CompileInterest(names []string, arch record.Arch, compatGeneric bool) (Interest, error) {
	var in Interest
	var unknown []string
	any := false
	for _, name := range names {
		switch name {
		case "procexit":
			in.tp |= tpExit
			continue
		case "procfork":
			in.tp |= tpFork
			continue
		case "execve", "execveat":
			in.tp |= tpExec
		case "clone", "clone3", "fork", "vfork":
			in.tp |= tpFork
		}
		if nr, ok := record.SyscallNumber(arch, name); ok {
			if nr < compatSlot {
				in.bits[nr/64] |= 1 << (nr % 64)
				any = true
			}
			continue
		}
		if knownElsewhere(name) {
			continue
		}
		unknown = append(unknown, name)
	}
	if any && compatGeneric && arch == record.ArchAMD64 {
		in.bits[compatSlot/64] |= 1 << (compatSlot % 64)
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return in, &UnknownNamesError{Names: slices.Compact(unknown)}
	}
	return in, nil
}

func knownElsewhere(name string) bool {
	for _, a := range []record.Arch{record.ArchAMD64, record.ArchARM64, record.ArchI386} {
		if _, ok := record.SyscallNumber(a, name); ok {
			return true
		}
	}
	return false
}

// Has reports whether native syscall nr is selected.
func (in *Interest) Has(nr int) bool {
	return nr >= 0 && nr < numSlots && in.bits[nr/64]&(1<<(nr%64)) != 0
}

// String lists the selected syscall numbers and scheduler events, for logs.
func (in *Interest) String() string {
	var b strings.Builder
	n := 0
	for nr := 0; nr < numSlots; nr++ {
		if in.Has(nr) {
			n++
		}
	}
	fmt.Fprintf(&b, "%d syscalls", n)
	if in.tp&tpExec != 0 {
		b.WriteString(" +exec")
	}
	if in.tp&tpFork != 0 {
		b.WriteString(" +fork")
	}
	if in.tp&tpExit != 0 {
		b.WriteString(" +exit")
	}
	return b.String()
}
