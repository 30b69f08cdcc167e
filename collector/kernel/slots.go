package kernel

import (
	"fmt"

	"github.com/vigilsec/vigil/collector/record"
)

// handlerOf names the tail-call program that builds records of each syscall
// kind (bpf/vigil.bpf.c). Syscalls without an entry use h_generic.
var handlerOf = map[record.Kind]string{
	record.KindExecve: "h_exec", record.KindExecveat: "h_exec",

	record.KindClone: "h_clone", record.KindClone3: "h_clone", record.KindFork: "h_clone", record.KindVfork: "h_clone",

	record.KindOpen: "h_open", record.KindOpenat: "h_open", record.KindOpenat2: "h_open", record.KindCreat: "h_open",

	record.KindClose: "h_fd", record.KindCloseRange: "h_fd", record.KindDup: "h_fd", record.KindDup2: "h_fd",
	record.KindDup3: "h_fd", record.KindFcntl: "h_fd",

	record.KindPipe: "h_pair", record.KindPipe2: "h_pair", record.KindSocketpair: "h_pair",
	record.KindSocket: "h_newfd", record.KindMemfdCreate: "h_newfd",

	record.KindConnect: "h_sock", record.KindBind: "h_sock", record.KindListen: "h_sock",
	record.KindAccept: "h_sock", record.KindAccept4: "h_sock",
	record.KindSendto: "h_sendrecv", record.KindSendmsg: "h_sendrecv",
	record.KindRecvfrom: "h_sendrecv", record.KindRecvmsg: "h_sendrecv",

	record.KindRename: "h_path2", record.KindRenameat: "h_path2", record.KindRenameat2: "h_path2",
	record.KindLink: "h_path2", record.KindLinkat: "h_path2", record.KindSymlink: "h_path2", record.KindSymlinkat: "h_path2",

	record.KindUnlink: "h_path", record.KindUnlinkat: "h_path", record.KindRmdir: "h_path",
	record.KindMkdir: "h_path", record.KindMkdirat: "h_path",
	record.KindChmod: "h_path", record.KindFchmod: "h_path", record.KindFchmodat: "h_path",
	record.KindChown: "h_path", record.KindFchown: "h_path", record.KindLchown: "h_path", record.KindFchownat: "h_path",
	record.KindChdir: "h_path", record.KindFchdir: "h_path", record.KindChroot: "h_path",

	record.KindSetuid: "h_cred", record.KindSetgid: "h_cred", record.KindSetreuid: "h_cred", record.KindSetregid: "h_cred",
	record.KindSetresuid: "h_cred", record.KindSetresgid: "h_cred", record.KindCapset: "h_cred", record.KindSetsid: "h_cred",

	record.KindPrctl: "h_ctl", record.KindPtrace: "h_ctl", record.KindKill: "h_ctl", record.KindUnshare: "h_ctl",
	record.KindSetns: "h_ctl", record.KindUserfaultfd: "h_ctl", record.KindBpf: "h_ctl",

	record.KindMount: "h_mount", record.KindUmount2: "h_mount",
	record.KindInitModule: "h_mount", record.KindFinitModule: "h_mount",
}

const (
	numSlots   = record.MaxSyscalls
	compatSlot = numSlots - 1 // ia32 calls without a native equivalent
	noSlot     = 0xffff
)

// slotTables is what the kernel needs to route a syscall: the record kind
// and handler program of each native syscall number, and the native slot
// of each ia32 number.
type slotTables struct {
	kind    [numSlots]uint16
	handler [numSlots]string // "" for unused slots
	ia32    [numSlots]uint16
}

// buildSlots computes the routing tables for the syscall table of arch.
func buildSlots(arch record.Arch) (*slotTables, error) {
	t := &slotTables{}
	found := false
	for nr := 0; nr < numSlots; nr++ {
		name, ok := record.SyscallName(arch, nr)
		if !ok {
			continue
		}
		if nr == compatSlot {
			return nil, fmt.Errorf("syscall %s uses slot %d, reserved for ia32 calls", name, nr)
		}
		found = true
		k, ok := record.KindByName(name)
		if !ok || !k.Schema().Syscall {
			k = record.KindGeneric
		}
		h, ok := handlerOf[k]
		if !ok {
			h = "h_generic"
		}
		t.kind[nr] = uint16(k)
		t.handler[nr] = h
	}
	if !found {
		return nil, fmt.Errorf("no syscall table for %v", arch)
	}
	t.kind[compatSlot] = uint16(record.KindGeneric)
	t.handler[compatSlot] = "h_generic"
	for nr := range t.ia32 {
		t.ia32[nr] = noSlot
		if arch != record.ArchAMD64 {
			continue
		}
		if n64, ok := record.CompatTo64(nr); ok && n64 < compatSlot {
			t.ia32[nr] = uint16(n64)
		}
	}
	return t, nil
}
