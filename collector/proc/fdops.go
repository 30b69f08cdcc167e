package proc

import "net/netip"

// Kernel constants the fd operations interpret (identical on amd64 and
// arm64).
const (
	oCloexec = 0o2000000

	afUnix    = 1
	afInet    = 2
	afInet6   = 10
	afNetlink = 16

	sockStream    = 1
	sockDgram     = 2
	sockRaw       = 3
	sockSeqpacket = 5
	sockTypeMask  = 0xf

	ipprotoICMP   = 1
	ipprotoTCP    = 6
	ipprotoUDP    = 17
	ipprotoICMPv6 = 58

	closeRangeUnshare = 1 << 1
	closeRangeCloexec = 1 << 2
)

// fds returns p's fd entries ready to be changed.
func (t *Table) fds(p *Process) *fdEntries {
	if p.files == nil {
		p.files = newFDTable()
	}
	return p.files.writable()
}

// put stores f in p's table, counting a drop when the table is full.
func (t *Table) put(p *Process, f *FD) *FD {
	nf := t.fds(p).put(f, t.cfg.MaxFDsPerProcess)
	if nf == nil {
		t.c.fdsDropped.Add(1)
	}
	return nf
}

// OpenFD records a new fd (open family, memfd_create, eventfd, signalfd,
// inotify_init, bpf, timerfd_create, epoll_create, pidfd_open, …), replacing
// whatever fd.Num referred to. O_CLOEXEC in fd.Flags sets CloExec. If
// fd.Name is empty it is derived. It returns the stored fd, or nil when the
// thread is unknown or the table is full.
func (t *Table) OpenFD(tid uint32, fd FD) *FD {
	_, p := t.live(tid)
	if p == nil {
		return nil
	}
	if fd.Flags&oCloexec != 0 {
		fd.CloExec = true
		fd.Flags &^= oCloexec
	}
	if fd.Name == "" {
		fd.updateName()
	}
	return t.put(p, &fd)
}

// CloseFD records close(fd). It reports whether the fd was known.
func (t *Table) CloseFD(tid uint32, fd int32) bool {
	_, p := t.live(tid)
	if p == nil {
		return false
	}
	if p.FD(fd) == nil {
		return false
	}
	return t.fds(p).del(fd)
}

// CloseRange records close_range(first, last, flags): the fds in
// [first, last] are closed, or marked close-on-exec with
// CLOSE_RANGE_CLOEXEC; CLOSE_RANGE_UNSHARE unshares a CLONE_FILES table
// first.
func (t *Table) CloseRange(tid uint32, first, last uint32, flags uint32) {
	_, p := t.live(tid)
	if p == nil || first > last {
		return
	}
	if flags&closeRangeUnshare != 0 {
		t.unshareFiles(p)
	}
	if p.NumFDs() == 0 {
		return
	}
	e := t.fds(p)
	for _, n := range e.nums() {
		if uint32(n) < first || uint32(n) > last {
			continue
		}
		if flags&closeRangeCloexec != 0 {
			e.get(n).CloExec = true
		} else {
			e.del(n)
		}
	}
}

// Dup records dup/dup2/dup3/fcntl(F_DUPFD*): newfd becomes a copy of oldfd
// with its own close-on-exec flag. It returns the new fd, or nil when oldfd
// is unknown (counted) or the table is full.
func (t *Table) Dup(tid uint32, oldfd, newfd int32, cloexec bool) *FD {
	_, p := t.live(tid)
	if p == nil {
		return nil
	}
	of := p.FD(oldfd)
	if of == nil {
		t.c.unknownFD.Add(1)
		// The old fd is unknown, so whatever newfd was is gone.
		if p.FD(newfd) != nil {
			t.fds(p).del(newfd)
		}
		return nil
	}
	if oldfd == newfd {
		return of
	}
	nf := *of
	nf.Num = newfd
	nf.CloExec = cloexec
	return t.put(p, &nf)
}

// SetCloExec records fcntl(F_SETFD).
func (t *Table) SetCloExec(tid uint32, fd int32, on bool) {
	_, p := t.live(tid)
	if p == nil {
		return
	}
	if f := p.FD(fd); f == nil {
		t.c.unknownFD.Add(1)
	} else if f.CloExec != on {
		t.fds(p).get(fd).CloExec = on
	}
}

// SocketKind returns the fd kind and transport protocol of a socket created
// with socket(family, typ, proto).
func SocketKind(family, typ, proto uint32) (FDKind, L4Proto) {
	var k FDKind
	switch family {
	case afInet:
		k = FDIPv4
	case afInet6:
		k = FDIPv6
	case afUnix:
		return FDUnix, L4Unknown
	case afNetlink:
		return FDNetlink, L4Unknown
	default:
		return FDPacket, L4Unknown
	}
	switch {
	case proto == ipprotoICMP || proto == ipprotoICMPv6:
		return k, L4ICMP
	case typ&sockTypeMask == sockStream, proto == ipprotoTCP:
		return k, L4TCP
	case typ&sockTypeMask == sockDgram, proto == ipprotoUDP:
		return k, L4UDP
	case typ&sockTypeMask == sockRaw:
		return k, L4Raw
	}
	return k, L4Unknown
}

// Socket records socket(family, typ, proto) returning fd. SOCK_CLOEXEC in
// typ sets CloExec.
func (t *Table) Socket(tid uint32, fd int32, family, typ, proto uint32) *FD {
	k, l4 := SocketKind(family, typ, proto)
	return t.OpenFD(tid, FD{
		Num:     fd,
		Kind:    k,
		CloExec: typ&oCloexec != 0,
		Sock:    Socket{Family: uint16(family), Type: uint16(typ & sockTypeMask), L4: l4},
	})
}

// SocketPair records socketpair: two connected sockets.
func (t *Table) SocketPair(tid uint32, fd0, fd1 int32, family, typ, proto uint32) {
	for _, n := range [2]int32{fd0, fd1} {
		if f := t.Socket(tid, n, family, typ, proto); f != nil {
			f.Sock.Connected = true
		}
	}
}

// Pipe records pipe/pipe2: fds[0] is the read end, fds[1] the write end.
func (t *Table) Pipe(tid uint32, rfd, wfd int32, ino uint64, flags uint32) {
	t.OpenFD(tid, FD{Num: rfd, Kind: FDPipe, Flags: flags, Ino: ino})
	t.OpenFD(tid, FD{Num: wfd, Kind: FDPipe, Flags: flags | 1, Ino: ino})
}

// sockFD returns fd n of thread tid's process for a socket update, creating
// it from the address family when it is unknown (the socket was created
// before we started).
func (t *Table) sockFD(tid uint32, n int32, addr netip.AddrPort) (*Process, *FD) {
	_, p := t.live(tid)
	if p == nil {
		return nil, nil
	}
	if f := p.FD(n); f != nil {
		return p, t.fds(p).get(n)
	}
	t.c.unknownFD.Add(1)
	k := FDIPv4
	if addr.Addr().Is6() && !addr.Addr().Is4In6() {
		k = FDIPv6
	}
	f := t.put(p, &FD{Num: n, Kind: k})
	return p, f
}

// setTuple sets both ends and returns whether fd.name changed.
func setTuple(f *FD, local, remote netip.AddrPort) bool {
	if local.IsValid() {
		f.Sock.Local = local
	}
	if remote.IsValid() {
		f.Sock.Remote = remote
	}
	old := f.Name
	f.updateName()
	return old != f.Name
}

// Connect records a connect on fd: the socket becomes a connected client
// with the given local and remote ends (either may be invalid if unknown).
// It returns the fd and whether its name changed.
func (t *Table) Connect(tid uint32, fd int32, local, remote netip.AddrPort) (*FD, bool) {
	_, f := t.sockFD(tid, fd, remote)
	if f == nil {
		return nil, false
	}
	if f.Kind == FDUnix {
		return f, false
	}
	if f.Sock.Role == RoleUnknown {
		f.Sock.Role = RoleClient
	}
	f.Sock.Connected = true
	return f, setTuple(f, local, remote)
}

// ConnectUnix records a connect or bind of a unix socket to path.
func (t *Table) ConnectUnix(tid uint32, fd int32, path string, connected bool) *FD {
	_, p := t.live(tid)
	if p == nil {
		return nil
	}
	f := p.FD(fd)
	if f == nil {
		t.c.unknownFD.Add(1)
		return t.put(p, &FD{Num: fd, Kind: FDUnix, Path: path, Name: path, Sock: Socket{Family: afUnix, Connected: connected}})
	}
	f = t.fds(p).get(fd)
	if path != "" {
		f.Path = path
		f.Name = path
	}
	f.Sock.Connected = f.Sock.Connected || connected
	return f
}

// Accept records accept/accept4 on listening fd lfd returning nfd: the new
// socket is a connected server end.
func (t *Table) Accept(tid uint32, lfd, nfd int32, local, remote netip.AddrPort, cloexec bool) *FD {
	_, p := t.live(tid)
	if p == nil {
		return nil
	}
	nf := FD{Num: nfd, CloExec: cloexec}
	if lf := p.FD(lfd); lf != nil {
		nf.Kind, nf.Sock = lf.Kind, lf.Sock
		nf.Path = lf.Path
		if !local.IsValid() {
			local = lf.Sock.Local
		}
	} else {
		t.c.unknownFD.Add(1)
		nf.Kind = FDIPv4
		if remote.Addr().Is6() && !remote.Addr().Is4In6() {
			nf.Kind = FDIPv6
		}
		nf.Sock.L4 = L4TCP
	}
	nf.Sock.Role = RoleServer
	nf.Sock.Connected = true
	nf.Sock.Listening = false
	nf.Sock.Ino = 0
	if nf.Kind.IsIP() {
		nf.Sock.Local, nf.Sock.Remote = local, remote
	}
	nf.updateName()
	return t.put(p, &nf)
}

// Bind records bind(fd, local).
func (t *Table) Bind(tid uint32, fd int32, local netip.AddrPort) *FD {
	_, f := t.sockFD(tid, fd, local)
	if f == nil {
		return nil
	}
	if f.Kind.IsIP() {
		setTuple(f, local, netip.AddrPort{})
	}
	return f
}

// Listen records listen(fd): the socket is a server.
func (t *Table) Listen(tid uint32, fd int32) *FD {
	_, p := t.live(tid)
	if p == nil {
		return nil
	}
	if p.FD(fd) == nil {
		t.c.unknownFD.Add(1)
		return nil
	}
	f := t.fds(p).get(fd)
	f.Sock.Role = RoleServer
	f.Sock.Listening = true
	f.updateName()
	return f
}

// SetTuple records the ends seen by sendto/sendmsg/recvfrom/recvmsg on fd.
// It returns the fd and whether its name changed (fd.name_changed), e.g. an
// unconnected UDP socket talking to a new peer. A socket whose role is not
// yet known takes role: RoleClient for the send family, RoleServer for the
// receive family. An unknown fd is created from the address family.
func (t *Table) SetTuple(tid uint32, fd int32, local, remote netip.AddrPort, role Role) (*FD, bool) {
	_, f := t.sockFD(tid, fd, remote)
	if f == nil || !f.Kind.IsIP() {
		return f, false
	}
	if f.Sock.Role == RoleUnknown {
		f.Sock.Role = role
	}
	return f, setTuple(f, local, remote)
}
