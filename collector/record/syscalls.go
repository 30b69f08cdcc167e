package record

//go:generate go run ./internal/gensyscalls -o syscall_tables.go -amd64 /usr/include/x86_64-linux-gnu/asm/unistd_64.h -i386 /usr/include/x86_64-linux-gnu/asm/unistd_32.h -generic /usr/include/asm-generic/unistd.h

import (
	"runtime"
	"strings"
)

// Arch names a syscall table.
type Arch uint8

// Syscall tables.
const (
	ArchUnknown Arch = iota
	ArchAMD64        // x86-64 native
	ArchI386         // ia32, also the amd64 compat entry (int 0x80, sysenter)
	ArchARM64        // arm64 (the asm-generic table)
)

// String returns the GOARCH-style name of a.
func (a Arch) String() string {
	switch a {
	case ArchAMD64:
		return "amd64"
	case ArchI386:
		return "386"
	case ArchARM64:
		return "arm64"
	}
	return "unknown"
}

// ArchByName returns the Arch for a GOARCH name ("amd64", "arm64", "386").
func ArchByName(goarch string) Arch {
	switch goarch {
	case "amd64":
		return ArchAMD64
	case "386":
		return ArchI386
	case "arm64":
		return ArchARM64
	}
	return ArchUnknown
}

// NativeArch is the syscall table of the running program's architecture.
func NativeArch() Arch { return ArchByName(runtime.GOARCH) }

func table(a Arch) []string {
	switch a {
	case ArchAMD64:
		return amd64Syscalls[:]
	case ArchI386:
		return i386Syscalls[:]
	case ArchARM64:
		return arm64Syscalls[:]
	}
	return nil
}

// MaxSyscalls bounds every syscall number the kernel programs index by.
const MaxSyscalls = 512

// SyscallName returns the name of syscall nr in table a.
func SyscallName(a Arch, nr int) (string, bool) {
	t := table(a)
	if nr < 0 || nr >= len(t) || t[nr] == "" {
		return "", false
	}
	return t[nr], true
}

// SyscallNumber returns the number of the named syscall in table a.
func SyscallNumber(a Arch, name string) (int, bool) {
	for nr, n := range table(a) {
		if n != "" && n == name {
			return nr, true
		}
	}
	return 0, false
}

// compatAliases maps ia32 names whose 64-bit equivalent has another name.
var compatAliases = map[string]string{
	"_llseek":                      "lseek",
	"_newselect":                   "select",
	"fadvise64_64":                 "fadvise64",
	"fcntl64":                      "fcntl",
	"fstat64":                      "fstat",
	"fstatat64":                    "newfstatat",
	"fstatfs64":                    "fstatfs",
	"ftruncate64":                  "ftruncate",
	"lstat64":                      "lstat",
	"mmap2":                        "mmap",
	"sendfile64":                   "sendfile",
	"stat64":                       "stat",
	"statfs64":                     "statfs",
	"truncate64":                   "truncate",
	"ugetrlimit":                   "getrlimit",
	"getdents64":                   "getdents64",
	"clock_gettime64":              "clock_gettime",
	"clock_settime64":              "clock_settime",
	"clock_adjtime64":              "clock_adjtime",
	"clock_getres_time64":          "clock_getres",
	"clock_nanosleep_time64":       "clock_nanosleep",
	"timer_gettime64":              "timer_gettime",
	"timer_settime64":              "timer_settime",
	"timerfd_gettime64":            "timerfd_gettime",
	"timerfd_settime64":            "timerfd_settime",
	"utimensat_time64":             "utimensat",
	"pselect6_time64":              "pselect6",
	"ppoll_time64":                 "ppoll",
	"io_pgetevents_time64":         "io_pgetevents",
	"recvmmsg_time64":              "recvmmsg",
	"mq_timedsend_time64":          "mq_timedsend",
	"mq_timedreceive_time64":       "mq_timedreceive",
	"semtimedop_time64":            "semtimedop",
	"rt_sigtimedwait_time64":       "rt_sigtimedwait",
	"futex_time64":                 "futex",
	"sched_rr_get_interval_time64": "sched_rr_get_interval",
}

// CompatTo64 maps an ia32 syscall number to the amd64 number of the same
// operation: the same name, the 32-bit-uid variants ("setuid32" ->
// "setuid"), the large-file and 64-bit-time variants. Calls without a 64-bit
// counterpart (socketcall, ipc, the 16-bit-uid legacy calls that only exist
// in the ia32 table, ...) report false.
func CompatTo64(nr int) (int, bool) {
	name, ok := SyscallName(ArchI386, nr)
	if !ok {
		return 0, false
	}
	if a, ok := compatAliases[name]; ok {
		name = a
	} else if strings.HasSuffix(name, "32") {
		if n64, ok := SyscallNumber(ArchAMD64, strings.TrimSuffix(name, "32")); ok {
			return n64, true
		}
	}
	return SyscallNumber(ArchAMD64, name)
}
