package proc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// BootstrapConfig says where and what Bootstrap reads.
type BootstrapConfig struct {
	// ProcRoot is the procfs mount, "/proc" if empty.
	ProcRoot string
	// ReadEnv also reads /proc/PID/environ (off by default: it may hold
	// secrets).
	ReadEnv bool
	// ClockTicks is USER_HZ, the unit of the stat start time; 100 if 0.
	ClockTicks uint64
}

func (c BootstrapConfig) withDefaults() BootstrapConfig {
	if c.ProcRoot == "" {
		c.ProcRoot = "/proc"
	}
	if c.ClockTicks == 0 {
		c.ClockTicks = 100
	}
	return c
}

// BootstrapStats counts what one Bootstrap call read. The same numbers are
// added to the table's Counters.
type BootstrapStats struct {
	Processes int // processes added or refreshed
	Threads   int // threads added (main threads included)
	FDs       int // fds added
	Vanished  int // processes that exited while being read
	Errors    int // processes with an unreadable entry (partially read or skipped)
}

// Bootstrap seeds the table from procfs: every process with its threads,
// credentials, command line, working directory, cgroups, namespaces,
// executable and fds, with socket tuples from the net tables of each network
// namespace. A process that exits while being read, or an unreadable entry,
// is counted and skipped; only an unreadable ProcRoot is an error.
func (t *Table) Bootstrap(cfg BootstrapConfig) (BootstrapStats, error) {
	cfg = cfg.withDefaults()
	ents, err := os.ReadDir(cfg.ProcRoot)
	if err != nil {
		return BootstrapStats{}, fmt.Errorf("bootstrap: %w", err)
	}
	b := bootstrapper{t: t, cfg: cfg, nets: make(netCache)}
	var added []*Process
	for _, e := range ents {
		pid, err := strconv.ParseUint(e.Name(), 10, 32)
		if err != nil || pid == 0 {
			continue
		}
		if p := b.load(uint32(pid)); p != nil {
			added = append(added, p)
		}
	}
	for _, p := range added {
		t.linkBootstrapped(p)
	}
	t.c.bsProcesses.Add(uint64(b.st.Processes))
	t.c.bsThreads.Add(uint64(b.st.Threads))
	t.c.bsFDs.Add(uint64(b.st.FDs))
	t.c.bsVanished.Add(uint64(b.st.Vanished))
	t.c.bsErrors.Add(uint64(b.st.Errors))
	return b.st, nil
}

// LoadPID reads one process from procfs into the table, e.g. to repair
// state after dropped events. A live process with the same pid is refreshed
// in place. It returns nil when the process cannot be read.
func (t *Table) LoadPID(cfg BootstrapConfig, pid uint32) *Process {
	b := bootstrapper{t: t, cfg: cfg.withDefaults(), nets: make(netCache)}
	p := b.load(pid)
	if p != nil {
		t.linkBootstrapped(p)
	}
	t.c.bsProcesses.Add(uint64(b.st.Processes))
	t.c.bsThreads.Add(uint64(b.st.Threads))
	t.c.bsFDs.Add(uint64(b.st.FDs))
	t.c.bsVanished.Add(uint64(b.st.Vanished))
	t.c.bsErrors.Add(uint64(b.st.Errors))
	return p
}

// linkBootstrapped links p under its parent (by Ppid) and adopts the
// already-known processes whose Ppid is p.
func (t *Table) linkBootstrapped(p *Process) {
	if p.Exited {
		return
	}
	if p.parent == nil && p.Ppid != 0 {
		if pp := t.procs[p.Ppid]; pp != nil && pp != p && !pp.Exited && !pp.isAncestorOrSelf(p) {
			t.link(p, pp)
		}
	}
}

type bootstrapper struct {
	t    *Table
	cfg  BootstrapConfig
	nets netCache // by net namespace link target
	st   BootstrapStats
}

// gone reports whether err means the process no longer exists.
func gone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH)
}

// load reads process pid. It returns nil when the process vanished or its
// core files (stat, status) are unreadable.
func (b *bootstrapper) load(pid uint32) *Process {
	dir := filepath.Join(b.cfg.ProcRoot, strconv.FormatUint(uint64(pid), 10))
	statB, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		b.fail(err)
		return nil
	}
	st, err := parseStat(statB)
	if err != nil {
		b.st.Errors++
		return nil
	}
	statusB, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		b.fail(err)
		return nil
	}
	ss, err := parseStatus(statusB)
	if err != nil {
		b.st.Errors++
		return nil
	}
	partial := false
	opt := func(err error) {
		if err != nil && !gone(err) {
			partial = true
		}
	}

	start := st.startTick * (1e9 / b.cfg.ClockTicks)
	t := b.t
	p := t.procs[pid]
	if p == nil || p.Exited {
		p = t.newProcess(Key{Tgid: pid, Start: start}, nil)
		if p == nil {
			b.st.Errors++
			return nil
		}
		p.files = newFDTable()
	} else {
		// Refresh in place: the fd table is re-read from scratch.
		t.touch(p)
		if p.Key.Start == 0 {
			p.Key.Start = start
		}
		if p.files != nil {
			p.files.release()
		}
		p.files = newFDTable()
	}
	p.Ppid = st.ppid
	if ss.ppid != 0 || pid == 1 {
		p.Ppid = ss.ppid
	}
	p.Pgid, p.Sid = st.pgrp, st.session
	p.Vpid, p.Vpgid = ss.vpid, ss.vpgid
	if p.Vpid == 0 {
		p.Vpid = pid
	}
	p.Tty = 0
	if st.ttyNr != 0 {
		p.Tty = ttyDev(st.ttyNr)
	}
	p.Creds = Creds{
		UID: ss.uid[0], EUID: ss.uid[1], SUID: ss.uid[2], FSUID: ss.uid[3],
		GID: ss.gid[0], EGID: ss.gid[1], SGID: ss.gid[2], FSGID: ss.gid[3],
		LoginUID: UnsetLoginUID,
		CapInh:   ss.capInh, CapPrm: ss.capPrm, CapEff: ss.capEff,
	}
	if lb, err := os.ReadFile(filepath.Join(dir, "loginuid")); err == nil {
		if n, err := strconv.ParseUint(string(trimNL(lb)), 10, 32); err == nil {
			p.Creds.LoginUID = uint32(n)
		}
	} else {
		opt(err)
	}

	var argv []string
	if cb, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil {
		argv = splitNUL(cb)
	} else {
		opt(err)
	}
	var args []string
	p.Exe = ""
	if len(argv) > 0 {
		p.Exe, args = argv[0], argv[1:]
	}
	p.setCmd(st.comm, args)
	if b.cfg.ReadEnv {
		if eb, err := os.ReadFile(filepath.Join(dir, "environ")); err == nil {
			p.Env = splitNUL(eb)
		} else {
			opt(err)
		}
	}
	p.ExePath = ""
	p.ExeFile = ExeInfo{}
	if target, err := os.Readlink(filepath.Join(dir, "exe")); err == nil {
		kind, _, path := classifyLink(target)
		if kind == FDMemfd {
			p.ExePath = "/" + path
			p.ExeFile.Flags |= ExeFromMemfd
		} else {
			p.ExePath = path
		}
		if fi, err := os.Stat(filepath.Join(dir, "exe")); err == nil {
			p.ExeFile = exeInfo(fi, &p.Creds, p.ExeFile.Flags)
		}
	} else if !gone(err) && st.ppid != 2 && pid != 2 {
		// Kernel threads have no exe; anything else is a real failure.
		partial = true
	}
	if target, err := os.Readlink(filepath.Join(dir, "cwd")); err == nil {
		p.Cwd = dirPath(target)
	} else {
		opt(err)
	}
	if target, err := os.Readlink(filepath.Join(dir, "root")); err == nil {
		p.Root = target
	} else {
		opt(err)
	}
	if cb, err := os.ReadFile(filepath.Join(dir, "cgroup")); err == nil {
		p.setCgroups(parseCgroupFile(cb))
	} else {
		opt(err)
	}
	netLink := ""
	for _, ns := range [...]struct {
		name string
		dst  *uint64
	}{{"pid", &p.PidNS}, {"mnt", &p.MntNS}, {"net", &p.NetNS}} {
		if target, err := os.Readlink(filepath.Join(dir, "ns", ns.name)); err == nil {
			*ns.dst = parseNSLink(target)
			if ns.name == "net" {
				netLink = target
			}
		} else {
			opt(err)
		}
	}

	b.st.Threads += b.loadThreads(p, dir, opt)
	b.st.FDs += b.loadFDs(p, dir, netLink, opt)

	// A process whose stat disappeared while we read it has exited.
	if _, err := os.Stat(filepath.Join(dir, "stat")); gone(err) {
		b.st.Vanished++
		t.free(p)
		return nil
	}
	b.st.Processes++
	if partial {
		b.st.Errors++
	}
	return p
}

func (b *bootstrapper) fail(err error) {
	if gone(err) {
		b.st.Vanished++
	} else {
		b.st.Errors++
	}
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// exeInfo fills the executable metadata from a stat of /proc/PID/exe.
func exeInfo(fi fs.FileInfo, c *Creds, flags ExeFlags) ExeInfo {
	ei := ExeInfo{Flags: flags}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ei
	}
	ei.Ino, ei.Dev = st.Ino, st.Dev
	ei.Ctime = st.Ctim.Sec*1e9 + st.Ctim.Nsec
	ei.Mtime = st.Mtim.Sec*1e9 + st.Mtim.Nsec
	mode := st.Mode
	switch {
	case c.EUID == 0,
		st.Uid == c.EUID && mode&0o200 != 0,
		st.Gid == c.EGID && mode&0o020 != 0,
		mode&0o002 != 0:
		ei.Flags |= ExeWritable
	}
	return ei
}

// loadThreads adds the threads listed in task/. It returns how many threads
// were added.
func (b *bootstrapper) loadThreads(p *Process, dir string, opt func(error)) int {
	n := 0
	ents, err := os.ReadDir(filepath.Join(dir, "task"))
	if err != nil {
		opt(err)
		ents = nil
	}
	haveMain := false
	for _, e := range ents {
		tid, err := strconv.ParseUint(e.Name(), 10, 32)
		if err != nil {
			continue
		}
		comm, start := p.Comm, p.Key.Start
		if sb, err := os.ReadFile(filepath.Join(dir, "task", e.Name(), "stat")); err == nil {
			if st, err := parseStat(sb); err == nil {
				comm, start = st.comm, st.startTick*(1e9/b.cfg.ClockTicks)
			}
		} else if gone(err) {
			continue // the thread exited
		}
		vtid := uint32(tid)
		if uint32(tid) == p.Pid {
			vtid, haveMain = p.Vpid, true
		}
		if b.t.addThread(p, uint32(tid), vtid, comm, start) != nil {
			n++
		}
	}
	if !haveMain {
		if b.t.addThread(p, p.Pid, p.Vpid, p.Comm, p.Key.Start) != nil {
			n++
		}
	}
	return n
}

// loadFDs reads fd/ and fdinfo/. It returns how many fds were added.
func (b *bootstrapper) loadFDs(p *Process, dir, netLink string, opt func(error)) int {
	ents, err := os.ReadDir(filepath.Join(dir, "fd"))
	if err != nil {
		opt(err)
		return 0
	}
	e := b.t.fds(p)
	n := 0
	for _, ent := range ents {
		num, err := strconv.ParseInt(ent.Name(), 10, 32)
		if err != nil {
			continue
		}
		link := filepath.Join(dir, "fd", ent.Name())
		target, err := os.Readlink(link)
		if err != nil {
			if !gone(err) {
				opt(err)
			}
			continue
		}
		kind, ino, path := classifyLink(target)
		fd := FD{Num: int32(num), Kind: kind, Path: path, Ino: ino}
		if ib, err := os.ReadFile(filepath.Join(dir, "fdinfo", ent.Name())); err == nil {
			if fl, ok := parseFdinfoFlags(ib); ok {
				fd.Flags = fl
				if fl&oCloexec != 0 {
					fd.CloExec = true
					fd.Flags &^= oCloexec
				}
			}
		}
		switch kind {
		case FDFile:
			if fi, err := os.Stat(link); err == nil {
				if fi.IsDir() {
					fd.Kind = FDDirectory
				}
				if st, ok := fi.Sys().(*syscall.Stat_t); ok {
					fd.Ino, fd.Dev = st.Ino, st.Dev
				}
			}
		case FDPacket:
			fd.Sock.Ino = ino
			b.nets.lookup(b, dir, netLink).fill(&fd)
		}
		fd.updateName()
		if e.put(&fd, b.t.cfg.MaxFDsPerProcess) == nil {
			b.t.c.fdsDropped.Add(1)
			continue
		}
		n++
	}
	return n
}

// netTables are the sockets of one network namespace.
type netTables struct {
	ip     map[uint64]netSock
	unix   map[uint64]string
	listen map[listenKey]bool
}

type listenKey struct {
	l4   L4Proto
	port uint16
}

type netCache map[string]*netTables

// lookup returns the socket tables of the namespace named by netLink, read
// through dir/net. Without a namespace link the tables are not cached.
func (c netCache) lookup(b *bootstrapper, dir, netLink string) *netTables {
	if nt, ok := c[netLink]; ok && netLink != "" {
		return nt
	}
	nt := &netTables{ip: make(map[uint64]netSock), unix: make(map[uint64]string), listen: make(map[listenKey]bool)}
	for _, f := range [...]struct {
		name string
		l4   L4Proto
		v6   bool
	}{{"tcp", L4TCP, false}, {"tcp6", L4TCP, true}, {"udp", L4UDP, false}, {"udp6", L4UDP, true}, {"raw", L4Raw, false}, {"raw6", L4Raw, true}} {
		if data, err := os.ReadFile(filepath.Join(dir, "net", f.name)); err == nil {
			parseNetIP(data, f.l4, f.v6, nt.ip)
		}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "net", "unix")); err == nil {
		parseNetUnix(data, nt.unix)
	}
	for _, s := range nt.ip {
		if s.l4 == L4TCP && s.state == tcpListen {
			nt.listen[listenKey{L4TCP, s.local.Port()}] = true
		}
	}
	if netLink != "" {
		c[netLink] = nt
	}
	return nt
}

// fill sets an fd's socket kind and tuple from the tables.
func (nt *netTables) fill(fd *FD) {
	ino := fd.Sock.Ino
	if path, ok := nt.unix[ino]; ok {
		fd.Kind = FDUnix
		fd.Sock.Family = afUnix
		fd.Path = path
		return
	}
	s, ok := nt.ip[ino]
	if !ok {
		return // netlink, packet or a socket of another namespace
	}
	fd.Kind, fd.Sock.Family = FDIPv4, afInet
	if s.v6 {
		fd.Kind, fd.Sock.Family = FDIPv6, afInet6
	}
	fd.Sock.L4 = s.l4
	switch s.l4 {
	case L4TCP:
		fd.Sock.Type = sockStream
	case L4UDP:
		fd.Sock.Type = sockDgram
	default:
		fd.Sock.Type = sockRaw
	}
	fd.Sock.Local = s.local
	unspecRemote := !s.remote.Addr().IsValid() || (s.remote.Addr().IsUnspecified() && s.remote.Port() == 0)
	if !unspecRemote {
		fd.Sock.Remote = s.remote
	}
	switch {
	case s.l4 == L4TCP && s.state == tcpListen:
		fd.Sock.Role, fd.Sock.Listening = RoleServer, true
	case s.l4 == L4TCP:
		fd.Sock.Connected = s.state == tcpEstablished
		if nt.listen[listenKey{L4TCP, s.local.Port()}] {
			fd.Sock.Role = RoleServer
		} else {
			fd.Sock.Role = RoleClient
		}
	default:
		if !unspecRemote {
			fd.Sock.Connected = true
			fd.Sock.Role = RoleClient
		}
	}
}
