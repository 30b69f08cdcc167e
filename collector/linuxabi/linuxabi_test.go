package linuxabi

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// render runs an AppendXxx function on an empty buffer.
func render(f func([]byte, uint64) []byte, v uint64) string { return string(f(nil, v)) }

func TestAppendRes(t *testing.T) {
	tests := []struct {
		res  int64
		want string
	}{
		{0, "SUCCESS"},
		{17, "SUCCESS"},
		{-int64(unix.ENOENT), "ENOENT"},
		{-int64(unix.EACCES), "EACCES"},
		{-int64(unix.EINPROGRESS), "EINPROGRESS"},
		{-int64(unix.EAGAIN), "EAGAIN"},
		{-int64(unix.EHWPOISON), "EHWPOISON"},
		{-512, "ERESTARTSYS"},
		{-41, "-41"},
		{-4000, "-4000"},
	}
	for _, tt := range tests {
		if got := string(AppendRes(nil, tt.res)); got != tt.want {
			t.Errorf("AppendRes(%d) = %q, want %q", tt.res, got, tt.want)
		}
	}
}

// TestErrnoValues checks the generated table against x/sys/unix, an
// independent source of the same UAPI values.
func TestErrnoValues(t *testing.T) {
	for _, e := range []unix.Errno{unix.EPERM, unix.ENOENT, unix.E2BIG, unix.EDEADLK, unix.ELOOP,
		unix.ENOMSG, unix.EBFONT, unix.ENOTSOCK, unix.ECONNREFUSED, unix.ENOTRECOVERABLE, unix.EHWPOISON} {
		got, ok := ErrnoName(uint64(e))
		if !ok {
			t.Errorf("errno %d has no name", e)
			continue
		}
		if want := unix.ErrnoName(e); got != want {
			t.Errorf("errno %d = %s, x/sys/unix says %s", e, got, want)
		}
	}
	if got, _ := ErrnoName(95); got != "EOPNOTSUPP" {
		t.Errorf("errno 95 = %q", got)
	}
	if got, _ := ErrnoName(117); got != "EUCLEAN" {
		t.Errorf("errno 117 = %q", got)
	}
	if s := string(AppendErrno(nil, 0)); s != "" {
		t.Errorf("errno 0 rendered %q", s)
	}
	for v := 1; v < len(errnoNames); v++ {
		// 95: x/sys/unix prefers the alias ENOTSUP, and since v0.48 117 the
		// alias EFSCORRUPTED; the kernel's and Falco's names are EOPNOTSUPP
		// and EUCLEAN.
		if v == 41 || v == 58 || v == 95 || v == 117 {
			continue
		}
		if errnoNames[v] != unix.ErrnoName(unix.Errno(v)) {
			t.Errorf("errno %d = %q, x/sys/unix says %q", v, errnoNames[v], unix.ErrnoName(unix.Errno(v)))
		}
	}
}

func TestAppendOpenFlags(t *testing.T) {
	tests := []struct {
		flags uint64
		want  string
	}{
		{unix.O_RDONLY, "O_RDONLY"},
		{unix.O_RDONLY | unix.O_CLOEXEC, "O_RDONLY|O_CLOEXEC"},
		{unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC, "O_TRUNC|O_CREAT|O_WRONLY"},
		{unix.O_RDWR | unix.O_CREAT, "O_CREAT|O_RDWR"},
		{unix.O_RDWR | unix.O_CREAT | unix.O_EXCL | unix.O_CLOEXEC, "O_EXCL|O_CREAT|O_RDWR|O_CLOEXEC"},
		{unix.O_WRONLY | unix.O_APPEND | unix.O_NONBLOCK, "O_NONBLOCK|O_APPEND|O_WRONLY"},
		{unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC, "O_DIRECTORY|O_RDONLY|O_CLOEXEC"},
		{unix.O_RDONLY | unix.O_DIRECT | largefile(), "O_LARGEFILE|O_DIRECT|O_RDONLY"},
		{unix.O_WRONLY | unix.O_SYNC, "O_SYNC|O_DSYNC|O_WRONLY"},
		{unix.O_WRONLY | unix.O_DSYNC, "O_DSYNC|O_WRONLY"},
		{unix.O_RDWR | unix.O_TMPFILE, "O_DIRECTORY|O_RDWR|O_TMPFILE"},
		{unix.O_PATH | unix.O_NOCTTY | unix.O_NOATIME, "O_RDONLY"},
		{unix.O_WRONLY | unix.O_CREAT | OpenFlagCreated, "O_CREAT|O_WRONLY|O_F_CREATED"},
		{3, "O_RDONLY"}, // invalid access mode
	}
	for _, tt := range tests {
		if got := render(AppendOpenFlags, tt.flags); got != tt.want {
			t.Errorf("AppendOpenFlags(%#o) = %q, want %q", tt.flags, got, tt.want)
		}
	}
}

// largefile returns the kernel's O_LARGEFILE, which x/sys/unix gives as 0 on
// 64-bit architectures (glibc's view).
func largefile() uint64 {
	switch runtime.GOARCH {
	case "arm64":
		return 0o400000
	default:
		return 0o100000
	}
}

func TestOpenAccess(t *testing.T) {
	tests := []struct {
		flags       uint64
		read, write bool
	}{
		{unix.O_RDONLY, true, false},
		{unix.O_WRONLY | unix.O_CREAT, false, true},
		{unix.O_RDWR, true, true},
		{3, false, false},
	}
	for _, tt := range tests {
		if OpenReads(tt.flags) != tt.read || OpenWrites(tt.flags) != tt.write {
			t.Errorf("flags %#o: reads=%v writes=%v, want %v %v", tt.flags, OpenReads(tt.flags), OpenWrites(tt.flags), tt.read, tt.write)
		}
	}
}

func TestAppendMode(t *testing.T) {
	tests := []struct {
		mode uint64
		want string
	}{
		{0o755, "S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR"},
		{0o4755, "S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID"},
		{unix.S_ISGID | unix.S_IXGRP, "S_IXGRP|S_ISGID"},
		{unix.S_ISVTX | 0o777, "S_IXOTH|S_IWOTH|S_IROTH|S_IXGRP|S_IWGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISVTX"},
		{unix.S_IFREG | unix.S_IRUSR, "S_IRUSR"},
		{0, ""},
	}
	for _, tt := range tests {
		if got := render(AppendMode, tt.mode); got != tt.want {
			t.Errorf("AppendMode(%#o) = %q, want %q", tt.mode, got, tt.want)
		}
	}
	for _, n := range modeNames {
		if v := map[string]uint64{"S_IXOTH": unix.S_IXOTH, "S_IWOTH": unix.S_IWOTH, "S_IROTH": unix.S_IROTH,
			"S_IXGRP": unix.S_IXGRP, "S_IWGRP": unix.S_IWGRP, "S_IRGRP": unix.S_IRGRP, "S_IXUSR": unix.S_IXUSR,
			"S_IWUSR": unix.S_IWUSR, "S_IRUSR": unix.S_IRUSR, "S_ISVTX": unix.S_ISVTX, "S_ISGID": unix.S_ISGID,
			"S_ISUID": unix.S_ISUID}[n.s]; v != n.v {
			t.Errorf("%s = %#o, x/sys/unix says %#o", n.s, n.v, v)
		}
	}
}

func TestAppendAccessMode(t *testing.T) {
	tests := []struct {
		mode uint64
		want string
	}{
		{unix.F_OK, "F_OK"},
		{unix.R_OK, "R_OK"},
		{unix.R_OK | unix.X_OK, "R_OK|X_OK"},
		{unix.R_OK | unix.W_OK | unix.X_OK, "R_OK|W_OK|X_OK"},
	}
	for _, tt := range tests {
		if got := render(AppendAccessMode, tt.mode); got != tt.want {
			t.Errorf("AppendAccessMode(%d) = %q, want %q", tt.mode, got, tt.want)
		}
	}
}

func TestAppendPtraceRequest(t *testing.T) {
	tests := []struct {
		req  uint64
		want string
	}{
		{unix.PTRACE_TRACEME, "PTRACE_TRACEME"},
		{unix.PTRACE_ATTACH, "PTRACE_ATTACH"},
		{unix.PTRACE_SEIZE, "PTRACE_SEIZE"},
		{unix.PTRACE_POKETEXT, "PTRACE_POKETEXT"},
		{unix.PTRACE_POKEDATA, "PTRACE_POKEDATA"},
		{unix.PTRACE_PEEKDATA, "PTRACE_PEEKDATA"},
		{unix.PTRACE_SETREGSET, "PTRACE_SETREGSET"},
		{unix.PTRACE_SECCOMP_GET_FILTER, "PTRACE_UNKNOWN"},
		{0x7fff, "PTRACE_UNKNOWN"},
	}
	for _, tt := range tests {
		if got := render(AppendPtraceRequest, tt.req); got != tt.want {
			t.Errorf("AppendPtraceRequest(%#x) = %q, want %q", tt.req, got, tt.want)
		}
	}
	want := map[string]uint64{"PTRACE_TRACEME": unix.PTRACE_TRACEME, "PTRACE_PEEKTEXT": unix.PTRACE_PEEKTEXT,
		"PTRACE_PEEKDATA": unix.PTRACE_PEEKDATA, "PTRACE_PEEKUSR": unix.PTRACE_PEEKUSR, "PTRACE_POKETEXT": unix.PTRACE_POKETEXT,
		"PTRACE_POKEDATA": unix.PTRACE_POKEDATA, "PTRACE_POKEUSR": unix.PTRACE_POKEUSR, "PTRACE_CONT": unix.PTRACE_CONT,
		"PTRACE_KILL": unix.PTRACE_KILL, "PTRACE_SINGLESTEP": unix.PTRACE_SINGLESTEP, "PTRACE_ATTACH": unix.PTRACE_ATTACH,
		"PTRACE_DETACH": unix.PTRACE_DETACH, "PTRACE_SYSCALL": unix.PTRACE_SYSCALL, "PTRACE_SETOPTIONS": unix.PTRACE_SETOPTIONS,
		"PTRACE_GETEVENTMSG": unix.PTRACE_GETEVENTMSG, "PTRACE_GETSIGINFO": unix.PTRACE_GETSIGINFO,
		"PTRACE_SETSIGINFO": unix.PTRACE_SETSIGINFO, "PTRACE_GETREGSET": unix.PTRACE_GETREGSET,
		"PTRACE_SETREGSET": unix.PTRACE_SETREGSET, "PTRACE_SEIZE": unix.PTRACE_SEIZE, "PTRACE_INTERRUPT": unix.PTRACE_INTERRUPT,
		"PTRACE_LISTEN": unix.PTRACE_LISTEN, "PTRACE_PEEKSIGINFO": unix.PTRACE_PEEKSIGINFO,
		"PTRACE_GETSIGMASK": unix.PTRACE_GETSIGMASK, "PTRACE_SETSIGMASK": unix.PTRACE_SETSIGMASK}
	for _, n := range ptraceNames {
		if v, ok := want[n.s]; !ok || v != n.v {
			t.Errorf("%s = %#x, x/sys/unix says %#x (known %v)", n.s, n.v, v, ok)
		}
	}
}

func TestAppendSocketDomain(t *testing.T) {
	tests := []struct {
		v    uint64
		want string
	}{
		{unix.AF_INET, "AF_INET"},
		{unix.AF_INET6, "AF_INET6"},
		{unix.AF_PACKET, "AF_PACKET"},
		{unix.AF_UNIX, "AF_LOCAL|AF_UNIX"},
		{unix.AF_NETLINK, "AF_ROUTE|AF_NETLINK"},
		{unix.AF_UNSPEC, "AF_UNSPEC"},
		{unix.AF_ALG, "AF_ALG"},
		{unix.AF_VSOCK, ""},
	}
	for _, tt := range tests {
		if got := render(AppendSocketDomain, tt.v); got != tt.want {
			t.Errorf("AppendSocketDomain(%d) = %q, want %q", tt.v, got, tt.want)
		}
	}
	want := map[string]uint64{"AF_NFC": unix.AF_NFC, "AF_ALG": unix.AF_ALG, "AF_CAIF": unix.AF_CAIF,
		"AF_IEEE802154": unix.AF_IEEE802154, "AF_PHONET": unix.AF_PHONET, "AF_ISDN": unix.AF_ISDN, "AF_RXRPC": unix.AF_RXRPC,
		"AF_IUCV": unix.AF_IUCV, "AF_BLUETOOTH": unix.AF_BLUETOOTH, "AF_TIPC": unix.AF_TIPC, "AF_CAN": unix.AF_CAN,
		"AF_LLC": unix.AF_LLC, "AF_WANPIPE": unix.AF_WANPIPE, "AF_PPPOX": unix.AF_PPPOX, "AF_IRDA": unix.AF_IRDA,
		"AF_SNA": unix.AF_SNA, "AF_RDS": unix.AF_RDS, "AF_ATMSVC": unix.AF_ATMSVC, "AF_ECONET": unix.AF_ECONET,
		"AF_ASH": unix.AF_ASH, "AF_PACKET": unix.AF_PACKET, "AF_ROUTE": unix.AF_ROUTE, "AF_NETLINK": unix.AF_NETLINK,
		"AF_KEY": unix.AF_KEY, "AF_SECURITY": unix.AF_SECURITY, "AF_NETBEUI": unix.AF_NETBEUI, "AF_DECnet": unix.AF_DECnet,
		"AF_ROSE": unix.AF_ROSE, "AF_INET6": unix.AF_INET6, "AF_X25": unix.AF_X25, "AF_ATMPVC": unix.AF_ATMPVC,
		"AF_BRIDGE": unix.AF_BRIDGE, "AF_NETROM": unix.AF_NETROM, "AF_APPLETALK": unix.AF_APPLETALK, "AF_IPX": unix.AF_IPX,
		"AF_AX25": unix.AF_AX25, "AF_INET": unix.AF_INET, "AF_LOCAL": unix.AF_LOCAL, "AF_UNIX": unix.AF_UNIX,
		"AF_UNSPEC": unix.AF_UNSPEC}
	for _, n := range socketDomainNames {
		if v, ok := want[n.s]; !ok || v != n.v {
			t.Errorf("%s = %d, x/sys/unix says %d (known %v)", n.s, n.v, v, ok)
		}
	}
}

func TestAppendSocketType(t *testing.T) {
	tests := []struct {
		v    uint64
		want string
	}{
		{unix.SOCK_STREAM, "SOCK_STREAM"},
		{unix.SOCK_DGRAM | unix.SOCK_CLOEXEC, "SOCK_DGRAM|SOCK_CLOEXEC"},
		{unix.SOCK_RAW | unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC, "SOCK_RAW|SOCK_NONBLOCK|SOCK_CLOEXEC"},
		{unix.SOCK_PACKET, "SOCK_PACKET"},
		{unix.SOCK_SEQPACKET, "SOCK_SEQPACKET"},
		{9, ""},
		{9 | unix.SOCK_NONBLOCK, "SOCK_NONBLOCK"},
	}
	for _, tt := range tests {
		if got := render(AppendSocketType, tt.v); got != tt.want {
			t.Errorf("AppendSocketType(%#x) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestAppendBPFCmd(t *testing.T) {
	tests := []struct {
		v    uint64
		want string
	}{
		{unix.BPF_MAP_CREATE, "BPF_MAP_CREATE"},
		{unix.BPF_PROG_LOAD, "BPF_PROG_LOAD"},
		{unix.BPF_PROG_TEST_RUN, "BPF_PROG_TEST_RUN"},
		{unix.BPF_BTF_LOAD, "BPF_BTF_LOAD"},
		{unix.BPF_LINK_CREATE, "BPF_LINK_CREATE"},
		{unix.BPF_PROG_BIND_MAP, "BPF_PROG_BIND_MAP"},
		{36, "BPF_TOKEN_CREATE"},
		{1000, ""},
	}
	for _, tt := range tests {
		if got := render(AppendBPFCmd, tt.v); got != tt.want {
			t.Errorf("AppendBPFCmd(%d) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestAppendCaps(t *testing.T) {
	tests := []struct {
		set  uint64
		want string
	}{
		{0, ""},
		{1 << unix.CAP_CHOWN, "CAP_CHOWN"},
		{1<<unix.CAP_NET_BIND_SERVICE | 1<<unix.CAP_SYS_ADMIN, "CAP_NET_BIND_SERVICE CAP_SYS_ADMIN"},
		{1<<unix.CAP_BPF | 1<<unix.CAP_PERFMON | 1<<63, "CAP_PERFMON CAP_BPF"},
	}
	for _, tt := range tests {
		if got := render(AppendCaps, tt.set); got != tt.want {
			t.Errorf("AppendCaps(%#x) = %q, want %q", tt.set, got, tt.want)
		}
	}
	checks := map[int]string{unix.CAP_DAC_READ_SEARCH: "CAP_DAC_READ_SEARCH", unix.CAP_SETPCAP: "CAP_SETPCAP",
		unix.CAP_SYS_PTRACE: "CAP_SYS_PTRACE", unix.CAP_SYS_MODULE: "CAP_SYS_MODULE", unix.CAP_SETFCAP: "CAP_SETFCAP",
		unix.CAP_MAC_OVERRIDE: "CAP_MAC_OVERRIDE", unix.CAP_AUDIT_READ: "CAP_AUDIT_READ",
		unix.CAP_CHECKPOINT_RESTORE: "CAP_CHECKPOINT_RESTORE", unix.CAP_NET_RAW: "CAP_NET_RAW"}
	for n, want := range checks {
		if got, ok := CapName(uint(n)); !ok || got != want {
			t.Errorf("CapName(%d) = %q, want %q", n, got, want)
		}
	}
	if len(capNames) != unix.CAP_LAST_CAP+1 {
		t.Errorf("%d capability names, x/sys/unix knows %d", len(capNames), unix.CAP_LAST_CAP+1)
	}
	all := string(AppendCaps(nil, ^uint64(0)))
	if n := len(capNames); all[:len("CAP_CHOWN")] != "CAP_CHOWN" || len(splitSpace(all)) != n {
		t.Errorf("full set rendered %d names, want %d", len(splitSpace(all)), n)
	}
}

func splitSpace(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func TestAppendCloneFlags(t *testing.T) {
	thread := uint64(unix.CLONE_VM | unix.CLONE_FS | unix.CLONE_FILES | unix.CLONE_SIGHAND | unix.CLONE_THREAD |
		unix.CLONE_SYSVSEM | unix.CLONE_SETTLS | unix.CLONE_PARENT_SETTID | unix.CLONE_CHILD_CLEARTID)
	tests := []struct {
		flags uint64
		want  string
	}{
		{thread, "CLONE_FILES|CLONE_FS|CLONE_PARENT_SETTID|CLONE_SIGHAND|CLONE_SYSVSEM|CLONE_THREAD|CLONE_VM|CLONE_CHILD_CLEARTID|CLONE_SETTLS"},
		{unix.CLONE_CHILD_SETTID | unix.CLONE_CHILD_CLEARTID | uint64(unix.SIGCHLD), "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID"},
		{unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWUSER | unix.CLONE_NEWCGROUP, "CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWUSER|CLONE_NEWCGROUP"},
		{unix.CLONE_VFORK | unix.CLONE_VM, "CLONE_VM|CLONE_VFORK"},
		{unix.CLONE_PIDFD, ""},
		{0, ""},
	}
	for _, tt := range tests {
		if got := render(AppendCloneFlags, tt.flags); got != tt.want {
			t.Errorf("AppendCloneFlags(%#x) = %q, want %q", tt.flags, got, tt.want)
		}
	}
	want := map[string]uint64{"CLONE_FILES": unix.CLONE_FILES, "CLONE_FS": unix.CLONE_FS, "CLONE_IO": unix.CLONE_IO,
		"CLONE_NEWIPC": unix.CLONE_NEWIPC, "CLONE_NEWNET": unix.CLONE_NEWNET, "CLONE_NEWNS": unix.CLONE_NEWNS,
		"CLONE_NEWPID": unix.CLONE_NEWPID, "CLONE_NEWUTS": unix.CLONE_NEWUTS, "CLONE_PARENT": unix.CLONE_PARENT,
		"CLONE_PARENT_SETTID": unix.CLONE_PARENT_SETTID, "CLONE_PTRACE": unix.CLONE_PTRACE, "CLONE_SIGHAND": unix.CLONE_SIGHAND,
		"CLONE_SYSVSEM": unix.CLONE_SYSVSEM, "CLONE_THREAD": unix.CLONE_THREAD, "CLONE_UNTRACED": unix.CLONE_UNTRACED,
		"CLONE_VM": unix.CLONE_VM, "CLONE_NEWUSER": unix.CLONE_NEWUSER, "CLONE_CHILD_CLEARTID": unix.CLONE_CHILD_CLEARTID,
		"CLONE_CHILD_SETTID": unix.CLONE_CHILD_SETTID, "CLONE_SETTLS": unix.CLONE_SETTLS, "CLONE_VFORK": unix.CLONE_VFORK,
		"CLONE_NEWCGROUP": unix.CLONE_NEWCGROUP}
	for _, n := range cloneFlagNames {
		if v, ok := want[n.s]; !ok || v != n.v {
			t.Errorf("%s = %#x, x/sys/unix says %#x (known %v)", n.s, n.v, v, ok)
		}
	}
}

func TestAppendExecveFlags(t *testing.T) {
	tests := []struct {
		flags uint64
		want  string
	}{
		{0, ""},
		{ExeWritable, "EXE_WRITABLE"},
		{ExeUpperLayer | ExeWritable, "EXE_WRITABLE|EXE_UPPER_LAYER"},
		{ExeFromMemfd, "EXE_FROM_MEMFD"},
		{ExeLowerLayer, "EXE_LOWER_LAYER"},
	}
	for _, tt := range tests {
		if got := render(AppendExecveFlags, tt.flags); got != tt.want {
			t.Errorf("AppendExecveFlags(%#x) = %q, want %q", tt.flags, got, tt.want)
		}
	}
}

func TestAppendFcntlCmd(t *testing.T) {
	tests := []struct {
		cmd  uint64
		want string
	}{
		{unix.F_DUPFD, "F_DUPFD"},
		{unix.F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC"},
		{unix.F_SETFL, "F_SETFL"},
		{unix.F_OFD_SETLKW, "F_OFD_SETLKW"},
		{unix.F_GETPIPE_SZ, "F_GETPIPE_SZ"},
		{unix.F_ADD_SEALS, "UNKNOWN"},
		{99, "UNKNOWN"},
	}
	for _, tt := range tests {
		if got := render(AppendFcntlCmd, tt.cmd); got != tt.want {
			t.Errorf("AppendFcntlCmd(%d) = %q, want %q", tt.cmd, got, tt.want)
		}
	}
	if !FcntlDupsFD(unix.F_DUPFD) || !FcntlDupsFD(unix.F_DUPFD_CLOEXEC) || FcntlDupsFD(unix.F_SETFD) {
		t.Error("FcntlDupsFD wrong")
	}
}

// TestAppendKeepsPrefix checks the append contract: existing bytes stay.
func TestAppendKeepsPrefix(t *testing.T) {
	for name, f := range appenders() {
		got := string(f([]byte("x="), 1))
		if len(got) < 2 || got[:2] != "x=" {
			t.Errorf("%s dropped the prefix: %q", name, got)
		}
	}
}

func appenders() map[string]func([]byte, uint64) []byte {
	return map[string]func([]byte, uint64) []byte{
		"Errno": AppendErrno, "OpenFlags": AppendOpenFlags, "Mode": AppendMode, "AccessMode": AppendAccessMode,
		"PtraceRequest": AppendPtraceRequest, "SocketDomain": AppendSocketDomain, "SocketType": AppendSocketType,
		"BPFCmd": AppendBPFCmd, "Caps": AppendCaps, "CloneFlags": AppendCloneFlags, "ExecveFlags": AppendExecveFlags,
		"FcntlCmd": AppendFcntlCmd,
	}
}

func TestNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 1024)
	for name, f := range appenders() {
		if n := testing.AllocsPerRun(100, func() { buf = f(buf[:0], 0x241) }); n != 0 {
			t.Errorf("%s: %v allocs per call", name, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { buf = AppendRes(buf[:0], -9999) }); n != 0 {
		t.Errorf("AppendRes: %v allocs per call", n)
	}
}

func BenchmarkAppendOpenFlags(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 128)
	for b.Loop() {
		buf = AppendOpenFlags(buf[:0], unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC)
	}
}

func BenchmarkAppendCaps(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 1024)
	for b.Loop() {
		buf = AppendCaps(buf[:0], 0x1ffffffffff)
	}
}
