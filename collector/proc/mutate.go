package proc

import "path"

// AtFDCWD is the dirfd meaning "relative to the working directory".
const AtFDCWD = -100

// live returns the live process of thread tid for a state change, counting
// unknown threads.
func (t *Table) live(tid uint32) (*Thread, *Process) {
	th := t.threads[tid]
	if th == nil || th.proc.Exited {
		t.c.unknownThread.Add(1)
		return nil, nil
	}
	return th, th.proc
}

// SetCreds changes the members of the credentials selected by m (setuid
// family, capset, execve exit).
func (t *Table) SetCreds(tid uint32, c Creds, m CredMask) {
	if _, p := t.live(tid); p != nil {
		p.Creds.apply(&c, m)
	}
}

// SetCwd sets the working directory (chdir). A relative dir is resolved
// against the current one.
func (t *Table) SetCwd(tid uint32, dir string) {
	if _, p := t.live(tid); p != nil && dir != "" {
		if dir[0] != '/' && p.Cwd != "" {
			dir = p.Cwd + dir
		}
		p.Cwd = dirPath(path.Clean(dir))
	}
}

// Fchdir sets the working directory to the directory open as fd.
func (t *Table) Fchdir(tid uint32, fd int32) {
	if _, p := t.live(tid); p != nil {
		if f := p.FD(fd); f != nil && f.Path != "" {
			p.Cwd = dirPath(f.Path)
		} else {
			t.c.unknownFD.Add(1)
		}
	}
}

// SetRoot records a chroot.
func (t *Table) SetRoot(tid uint32, dir string) {
	if _, p := t.live(tid); p != nil && dir != "" {
		if dir[0] != '/' {
			dir = p.Cwd + dir
		}
		p.Root = path.Clean(dir)
	}
}

// SetComm changes a thread's comm (prctl(PR_SET_NAME)); for the main thread
// the process's name and command line change too.
func (t *Table) SetComm(tid uint32, comm string) {
	if th, p := t.live(tid); p != nil {
		th.Comm = comm
		if tid == p.Pid {
			p.setComm(comm)
		}
	}
}

// Setsid makes the caller's process lead a new session and process group.
func (t *Table) Setsid(tid uint32) {
	if _, p := t.live(tid); p != nil {
		p.Sid = p.Pid
		p.Pgid = p.Pid
		p.Vpgid = p.Vpid
	}
}

// SetPgid moves process pid (host pid) to process group pgid; vpgid is the
// group id in the process's namespace, 0 if unknown.
func (t *Table) SetPgid(pid, pgid, vpgid uint32) {
	p := t.procs[pid]
	if p == nil || p.Exited {
		t.c.unknownThread.Add(1)
		return
	}
	p.Pgid = pgid
	p.Vpgid = vpgid
}

// SetSubreaper records prctl(PR_SET_CHILD_SUBREAPER).
func (t *Table) SetSubreaper(tid uint32, on bool) {
	if _, p := t.live(tid); p != nil {
		p.Subreaper = on
	}
}

// SetNamespaces records setns/unshare; zero values are kept.
func (t *Table) SetNamespaces(tid uint32, pidNS, mntNS, netNS uint64) {
	if _, p := t.live(tid); p != nil {
		if pidNS != 0 {
			p.PidNS = pidNS
		}
		if mntNS != 0 {
			p.MntNS = mntNS
		}
		if netNS != 0 {
			p.NetNS = netNS
		}
	}
}

// SetCgroups records the cgroups of a process (e.g. after a cgroup move seen
// at the next exec) and recomputes its container.
func (t *Table) SetCgroups(tid uint32, cgroupID uint64, cg []Cgroup) {
	if _, p := t.live(tid); p != nil {
		if cgroupID != 0 {
			p.CgroupID = cgroupID
		}
		if cg != nil {
			p.setCgroups(cg)
		}
	}
}

// Resolve turns name, relative to dirfd (AtFDCWD for the working directory),
// into a clean absolute path. It reports false and returns name unchanged
// when the base directory is unknown. It allocates only when it builds a
// new path.
func (p *Process) Resolve(dirfd int32, name string) (string, bool) {
	if name == "" {
		return name, false
	}
	if name[0] == '/' {
		return path.Clean(name), true
	}
	var base string
	if dirfd == AtFDCWD {
		base = p.Cwd
	} else if f := p.FD(dirfd); f != nil && f.Kind == FDDirectory {
		base = f.Path
	}
	if base == "" {
		return name, false
	}
	return path.Join(base, name), true
}
