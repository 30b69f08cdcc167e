package collector

import (
	"bytes"
	"net/netip"
	"sync/atomic"

	"github.com/vigilsec/vigil/collector/container"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/collector/users"
	"github.com/vigilsec/vigil/rules/fields"
)

// Kernel constants Apply interprets (same on amd64 and arm64).
const (
	oDirectory       = 0o200000
	oCloexec         = 0o2000000
	fDupfd           = 0
	fDupfdCloexec    = 1030
	prSetName        = 15
	prSetSubreaper   = 36
	mfdCloexec       = 1
	errBadf          = 9
	errInProgress    = 115
	cloneThreadFlags = proc.CloneThread
)

// fdFirstSyscalls are the syscalls reported as generic records whose first
// argument is the file descriptor they operate on, so that their events
// carry fd.* fields.
var fdFirstSyscalls = []string{
	"read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2",
	"lseek", "ioctl", "fsync", "fdatasync", "ftruncate", "flock", "getdents", "getdents64", "fstat", "fstatfs",
	"fadvise64", "fgetxattr", "fsetxattr", "flistxattr", "fremovexattr", "syncfs", "shutdown", "setsockopt",
	"getsockopt", "getsockname", "getpeername", "sendmmsg", "recvmmsg", "splice", "tee", "sendfile",
}

// State is the user-space state the collector keeps, and the function that
// updates it from records.
type State struct {
	Procs      *proc.Table
	Users      *users.DB        // may be nil
	Containers *container.Store // may be nil

	// BootTime is the wall-clock time of boot in ns since the epoch: record
	// timestamps (ns since boot) plus BootTime give evt.time. Set it before
	// the first Apply; CaptureSource sets it from the capture header.
	BootTime int64
	// Hostname is what evt.hostname returns.
	Hostname string

	arch   record.Arch
	types  [record.NumKinds]fields.EventType
	fdArg0 [fields.NumEventTypes]bool // generic syscalls whose first argument is the fd they use
	events uint64                     // records applied, for evt.num

	unknownTypes atomic.Uint64
}

// NewState returns a State over the given tables. arch is the syscall table
// of the records' producer (record.NativeArch() for live capture; from the
// capture header for replay).
func NewState(procs *proc.Table, u *users.DB, c *container.Store, arch record.Arch) *State {
	s := &State{Procs: procs, Users: u, Containers: c, arch: arch}
	for _, name := range fdFirstSyscalls {
		if t, ok := fields.LookupEventType(name); ok {
			s.fdArg0[t] = true
		}
	}
	for _, k := range record.Kinds() {
		if t, ok := fields.LookupEventType(k.String()); ok {
			s.types[k] = t
		}
	}
	return s
}

// UnknownTypes counts records whose kind has no event type (they still
// update the state).
func (s *State) UnknownTypes() uint64 { return s.unknownTypes.Load() }

// Apply updates the state from r and fills ev with r and the thread,
// process and fd it concerns. r must stay valid while ev is used.
func (s *State) Apply(r *record.Record, ev *Event) {
	ev.reset(r)
	ev.typ = s.eventType(r)
	ev.st = s
	s.events++
	ev.num = s.events
	t := s.Procs
	t.Advance(r.TS)

	switch r.Kind {
	case record.KindProcFork:
		s.procFork(r)
	case record.KindClone, record.KindClone3, record.KindFork, record.KindVfork:
		if r.Ret > 0 {
			tgid := uint32(r.Ret)
			if r.Args[record.ArgCloneFlags]&cloneThreadFlags != 0 {
				tgid = r.TGID
			}
			t.Fork(&proc.ForkInfo{Ts: r.TS, ParentTid: r.TID, Tid: uint32(r.Ret), Tgid: tgid, Flags: r.Args[record.ArgCloneFlags]})
		}
	case record.KindExecve, record.KindExecveat:
		if r.Ret == 0 {
			s.exec(r)
		}
	case record.KindProcExit:
		// Resolve first so the event carries the exiting task.
		ev.Thread, ev.Proc = s.task(r)
		t.Exit(r.TS, r.TID)
		return
	}

	ev.Thread, ev.Proc = s.task(r)
	if ev.Proc == nil {
		return
	}
	if r.Kind == record.KindGeneric {
		if ev.typ != fields.EventUnknown && s.fdArg0[ev.typ] {
			ev.setFD(int64(int32(r.Args[0]))) // fd.* of read, write, ioctl... as Falco gives them
		}
		return
	}
	s.applyFD(r, ev)
}

// eventType maps a record to its event type.
func (s *State) eventType(r *record.Record) fields.EventType {
	if r.Kind == record.KindGeneric {
		// The number is in the native table, even for ia32 calls (flagged
		// FlagCompat) that have a 64-bit equivalent; only those without one
		// carry an ia32 number, marked with record.GenericIA32.
		if name, ok := r.GenericSyscallName(s.arch); ok {
			if et, ok := fields.LookupEventType(name); ok {
				return et
			}
		}
		s.unknownTypes.Add(1)
		return fields.EventUnknown
	}
	if int(r.Kind) < len(s.types) && s.types[r.Kind] != fields.EventUnknown {
		return s.types[r.Kind]
	}
	s.unknownTypes.Add(1)
	return fields.EventUnknown
}

// task returns the record's thread and process, creating a stub when the
// table does not know them (counted by proc).
func (s *State) task(r *record.Record) (*proc.Thread, *proc.Process) {
	th, p := s.Procs.Thread(r.TID)
	if th != nil && p.Pid == r.TGID {
		return th, p
	}
	return s.Procs.Ensure(r.TGID, r.TID)
}

func (s *State) procFork(r *record.Record) {
	flags := r.Args[record.ArgForkFlags]
	if parent := uint32(r.Args[record.ArgForkParentTGID]); parent != 0 && parent != r.TGID && flags&proc.CloneThread == 0 {
		flags |= proc.CloneParent
	}
	s.Procs.Fork(&proc.ForkInfo{
		Ts:        r.TS,
		ParentTid: r.TID,
		Tid:       uint32(r.Args[record.ArgForkChildTID]),
		Tgid:      uint32(r.Args[record.ArgForkChildTGID]),
		Start:     r.Args[record.ArgForkChildStart],
		Flags:     flags,
	})
}

// exec applies a successful exec record.
func (s *State) exec(r *record.Record) {
	e := proc.ExecInfo{
		Ts:      r.TS,
		Tid:     r.TID,
		Tgid:    r.TGID,
		Comm:    string(r.Data[record.DataExecComm]),
		ExePath: string(r.Data[record.DataExecExePath]),
		Cwd:     string(r.Data[record.DataExecCwd]),
	}
	argv := r.Data[record.DataExecArgv]
	e.Exe, e.Args = splitArgv(argv)
	if e.Exe == "" {
		e.Exe = string(r.Data[record.DataExecFilename])
	}
	if cg := r.Data[record.DataExecCgroup]; len(cg) > 0 {
		e.Cgroups = []proc.Cgroup{{Path: string(cg)}}
	}
	e.CgroupID = r.CgroupID
	var info record.ExecInfo
	if record.DecodeExecInfo(r.Data[record.DataExecInfo], &info) {
		e.Creds = proc.Creds{
			UID: info.UID, GID: info.GID, EUID: info.EUID, EGID: info.EGID,
			SUID: info.SUID, SGID: info.SGID, FSUID: info.FSUID, FSGID: info.EGID,
			LoginUID: info.LoginUID,
			CapEff:   info.CapEffective, CapPrm: info.CapPermitted, CapInh: info.CapInheritable,
		}
		e.CredMask = proc.CredAll
		e.Ppid, e.Sid, e.Pgid = info.PPID, info.SID, info.PGID
		e.Tty = info.TTY
		e.PidNS, e.MntNS, e.NetNS = uint64(info.PidNS), uint64(info.MntNS), uint64(info.NetNS)
		e.Vpid = info.VTGID
		if info.VTGID == r.TGID {
			// Same number inside and out: the process is (all but
			// certainly) in the host pid namespace, where the process
			// group id is the same too.
			e.Vpgid = info.PGID
		}
		e.Start = info.StartTime
		if info.ExeFlags&record.ExeFlagNoFile == 0 {
			e.ExeFile = proc.ExeInfo{Ino: info.ExeIno, Dev: uint64(info.ExeDev), Ctime: info.ExeCtime, Mtime: info.ExeMtime}
			if info.ExeFlags&record.ExeFlagWritable != 0 {
				e.ExeFile.Flags |= proc.ExeWritable
			}
			if info.ExeFlags&record.ExeFlagUpperLayer != 0 {
				e.ExeFile.Flags |= proc.ExeUpperLayer
			}
		}
	}
	if len(e.ExePath) > len("/memfd:") && e.ExePath[:len("/memfd:")] == "/memfd:" {
		e.ExeFile.Flags |= proc.ExeFromMemfd
	}
	if p := s.Procs.Exec(&e); p != nil && s.Containers != nil {
		s.Containers.Request(p.Container) // no-op for the host and known containers
	}
}

// splitArgv splits a NUL-separated argv into argv[0] and the rest.
func splitArgv(b []byte) (string, []string) {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return "", nil
	}
	first, rest, _ := bytes.Cut(b, []byte{0})
	if len(rest) == 0 {
		return string(first), nil
	}
	n := bytes.Count(rest, []byte{0}) + 1
	args := make([]string, 0, n)
	for len(rest) > 0 {
		var a []byte
		a, rest, _ = bytes.Cut(rest, []byte{0})
		args = append(args, string(a))
	}
	return string(first), args
}

// applyFD applies the fd and socket effects of r and points ev at the fd
// it concerns.
func (s *State) applyFD(r *record.Record, ev *Event) {
	t := s.Procs
	tid := r.TID
	p := ev.Proc
	ret := r.Ret
	arg := func(i int) int64 { return int64(r.Args[i]) }

	switch r.Kind {
	case record.KindOpen, record.KindOpenat, record.KindOpenat2, record.KindCreat:
		path, _ := p.Resolve(int32(arg(record.ArgOpenDirfd)), string(r.Data[record.DataOpenPath]))
		fd := proc.FD{
			Num:   int32(ret),
			Kind:  proc.FDFile,
			Flags: uint32(r.Args[record.ArgOpenFlags]),
			Path:  path,
			Ino:   r.Args[record.ArgOpenIno],
			Dev:   r.Args[record.ArgOpenDev],
		}
		if fd.Flags&oDirectory != 0 {
			fd.Kind = proc.FDDirectory
		}
		if ret < 0 {
			fd.Num = -1
			fd.Name = path
			ev.FDNum, ev.HasFD = -1, true
			ev.keepFD(&fd)
			return
		}
		ev.FDNum, ev.HasFD = ret, true
		ev.FD = t.OpenFD(tid, fd)

	case record.KindMemfdCreate:
		if ret >= 0 {
			fl := uint32(r.Args[record.ArgMemfdFlags])
			name := "memfd:" + string(r.Data[record.DataMemfdName])
			t.OpenFD(tid, proc.FD{Num: int32(ret), Kind: proc.FDMemfd, Path: name, CloExec: fl&mfdCloexec != 0})
		}
		ev.setFD(ret)

	case record.KindClose:
		n := arg(record.ArgCloseFd)
		ev.FDNum, ev.HasFD = n, true
		if f := p.FD(int32(n)); f != nil {
			ev.keepFD(f)
		}
		if ret != -errBadf {
			t.CloseFD(tid, int32(n))
		}

	case record.KindCloseRange:
		if ret == 0 {
			t.CloseRange(tid, uint32(r.Args[record.ArgCloseRangeFirst]), uint32(r.Args[record.ArgCloseRangeLast]), uint32(r.Args[record.ArgCloseRangeFlags]))
		}

	case record.KindDup, record.KindDup2, record.KindDup3:
		if ret >= 0 {
			t.Dup(tid, int32(arg(record.ArgDupOldFd)), int32(ret), r.Args[record.ArgDupFlags]&oCloexec != 0)
		}
		ev.setFD(ret)

	case record.KindFcntl:
		cmd := arg(record.ArgFcntlCmd)
		if ret >= 0 && (cmd == fDupfd || cmd == fDupfdCloexec) {
			t.Dup(tid, int32(arg(record.ArgFcntlFd)), int32(ret), cmd == fDupfdCloexec)
			ev.setFD(ret)
		} else {
			ev.setFD(arg(record.ArgFcntlFd))
		}

	case record.KindPipe, record.KindPipe2:
		if ret == 0 {
			t.Pipe(tid, int32(arg(record.ArgPipeFd0)), int32(arg(record.ArgPipeFd1)), r.Args[record.ArgPipeIno], uint32(r.Args[record.ArgPipeFlags]))
		}

	case record.KindChdir:
		if ret == 0 {
			if path, ok := p.Resolve(proc.AtFDCWD, string(r.Data[record.DataPath])); ok {
				t.SetCwd(tid, path)
			}
		}
	case record.KindFchdir:
		if ret == 0 {
			t.Fchdir(tid, int32(arg(record.ArgPathDirfd)))
		}
		ev.setFD(arg(record.ArgPathDirfd))
	case record.KindChroot:
		if ret == 0 {
			if path, ok := p.Resolve(proc.AtFDCWD, string(r.Data[record.DataPath])); ok {
				t.SetRoot(tid, path)
			}
		}
	case record.KindFchmod, record.KindFchown:
		ev.setFD(arg(record.ArgPathDirfd))
	case record.KindFinitModule:
		ev.setFD(arg(record.ArgModuleFd))

	case record.KindSocket:
		if ret >= 0 {
			t.Socket(tid, int32(ret), uint32(r.Args[record.ArgSocketDomain]), uint32(r.Args[record.ArgSocketType]), uint32(r.Args[record.ArgSocketProtocol]))
		}
		ev.setFD(ret)
	case record.KindSocketpair:
		if ret == 0 {
			t.SocketPair(tid, int32(arg(record.ArgSocketpairFd0)), int32(arg(record.ArgSocketpairFd1)),
				uint32(r.Args[record.ArgSocketDomain]), uint32(r.Args[record.ArgSocketType]), uint32(r.Args[record.ArgSocketProtocol]))
		}

	case record.KindConnect:
		fd := arg(record.ArgSockFd)
		if ret == 0 || ret == -errInProgress {
			s.connect(r, ev, int32(fd))
		}
		ev.FDNum, ev.HasFD = fd, true
		if ev.FD == nil {
			ev.setFD(fd)
		}
	case record.KindAccept, record.KindAccept4:
		if ret >= 0 {
			local, remote := sockEnds(r)
			cloexec := r.Kind == record.KindAccept4 && r.Args[record.ArgSockFlags]&oCloexec != 0
			t.Accept(tid, int32(arg(record.ArgSockFd)), int32(ret), local, remote, cloexec)
		}
		ev.setFD(ret)
	case record.KindBind:
		fd := int32(arg(record.ArgSockFd))
		if ret == 0 {
			var sa record.Sockaddr
			if record.DecodeSockaddr(r.Data[record.DataSockAddr], &sa) && sa.Family == record.AFUnix {
				t.ConnectUnix(tid, fd, string(sa.Path), false)
			} else if local, _ := sockEnds(r); local.IsValid() {
				t.Bind(tid, fd, local)
			} else if sa.Addr.IsValid() {
				t.Bind(tid, fd, sa.Addr)
			}
		}
		ev.setFD(int64(fd))
	case record.KindListen:
		fd := int32(arg(record.ArgSockFd))
		if ret == 0 {
			t.Listen(tid, fd)
		}
		ev.setFD(int64(fd))
	case record.KindSendto, record.KindSendmsg, record.KindRecvfrom, record.KindRecvmsg:
		fd := arg(record.ArgSockFd)
		if ret >= 0 {
			role := proc.RoleClient
			if r.Kind == record.KindRecvfrom || r.Kind == record.KindRecvmsg {
				role = proc.RoleServer
			}
			local, remote := sockEnds(r)
			if f := p.FD(int32(fd)); f != nil && f.Kind.IsIP() && (local.IsValid() || remote.IsValid()) {
				ev.FD, ev.NameChanged = t.SetTuple(tid, int32(fd), local, remote, role)
			}
		}
		ev.FDNum, ev.HasFD = fd, true
		if ev.FD == nil {
			ev.setFD(fd)
		}

	case record.KindSetuid, record.KindSetreuid, record.KindSetresuid:
		if ret == 0 {
			c := proc.Creds{UID: uint32(r.Args[record.ArgSetIDReal]), EUID: uint32(r.Args[record.ArgSetIDEff]),
				SUID: uint32(r.Args[record.ArgSetIDSaved]), FSUID: uint32(r.Args[record.ArgSetIDEff])}
			t.SetCreds(tid, c, proc.CredUIDs)
		}
	case record.KindSetgid, record.KindSetregid, record.KindSetresgid:
		if ret == 0 {
			c := proc.Creds{GID: uint32(r.Args[record.ArgSetIDReal]), EGID: uint32(r.Args[record.ArgSetIDEff]),
				SGID: uint32(r.Args[record.ArgSetIDSaved]), FSGID: uint32(r.Args[record.ArgSetIDEff])}
			t.SetCreds(tid, c, proc.CredGIDs)
		}
	case record.KindCapset:
		if ret == 0 {
			c := proc.Creds{CapEff: r.Args[record.ArgCapEffective], CapPrm: r.Args[record.ArgCapPermitted], CapInh: r.Args[record.ArgCapInheritable]}
			t.SetCreds(tid, c, proc.CredCaps)
		}
	case record.KindSetsid:
		if ret >= 0 {
			t.Setsid(tid)
		}
	case record.KindPrctl:
		if ret >= 0 {
			switch arg(record.ArgPrctlOption) {
			case prSetName:
				if name := r.Data[record.DataPrctlName]; len(name) > 0 {
					t.SetComm(tid, string(name))
				}
			case prSetSubreaper:
				t.SetSubreaper(tid, r.Args[record.ArgPrctlArg2] != 0)
			}
		}
	}
}

// connect applies a connect to fd.
func (s *State) connect(r *record.Record, ev *Event, fd int32) {
	t := s.Procs
	var sa record.Sockaddr
	haveSA := record.DecodeSockaddr(r.Data[record.DataSockAddr], &sa)
	if haveSA && sa.Family == record.AFUnix {
		ev.FD = t.ConnectUnix(r.TID, fd, string(sa.Path), true)
		return
	}
	local, remote := sockEnds(r)
	if !remote.IsValid() || (remote.Port() == 0 && remote.Addr().IsUnspecified()) {
		if haveSA && sa.Addr.IsValid() {
			remote = sa.Addr
		}
	}
	if !local.IsValid() && !remote.IsValid() {
		return
	}
	ev.FD, ev.NameChanged = t.Connect(r.TID, fd, local, remote)
}

// sockEnds returns the local and remote IP endpoints of a socket record,
// from the kernel's socket info, falling back to the sockaddr for the
// remote end. Unset ends are invalid.
func sockEnds(r *record.Record) (local, remote netip.AddrPort) {
	var si record.SockInfo
	if record.DecodeSockInfo(r.Data[record.DataSockInfo], &si) {
		if l, ok := si.Local(); ok && !(l.Port() == 0 && l.Addr().IsUnspecified()) {
			local = l
		}
		if rm, ok := si.Remote(); ok && !(rm.Port() == 0 && rm.Addr().IsUnspecified()) {
			remote = rm
		}
	}
	if !remote.IsValid() {
		var sa record.Sockaddr
		if record.DecodeSockaddr(r.Data[record.DataSockAddr], &sa) && sa.Addr.IsValid() {
			remote = sa.Addr
		}
	}
	return local, remote
}
