package proc

import (
	"cmp"
	"slices"
)

// ProcessState is the serialisable state of one process, for capture files
// and replay.
type ProcessState struct {
	Pid       uint32        `json:"pid"`
	Start     uint64        `json:"start"`
	Ppid      uint32        `json:"ppid,omitempty"`
	Vpid      uint32        `json:"vpid,omitempty"`
	Pgid      uint32        `json:"pgid,omitempty"`
	Vpgid     uint32        `json:"vpgid,omitempty"`
	Sid       uint32        `json:"sid,omitempty"`
	Comm      string        `json:"comm"`
	Exe       string        `json:"exe,omitempty"`
	ExePath   string        `json:"exepath,omitempty"`
	Args      []string      `json:"args,omitempty"`
	Env       []string      `json:"env,omitempty"`
	Cwd       string        `json:"cwd,omitempty"`
	Root      string        `json:"root,omitempty"`
	Tty       uint32        `json:"tty,omitempty"`
	Creds     Creds         `json:"creds"`
	ExeFile   ExeInfo       `json:"exe_file,omitzero"`
	PidNS     uint64        `json:"pidns,omitempty"`
	MntNS     uint64        `json:"mntns,omitempty"`
	NetNS     uint64        `json:"netns,omitempty"`
	CgroupID  uint64        `json:"cgroup_id,omitempty"`
	Cgroups   []Cgroup      `json:"cgroups,omitempty"`
	Subreaper bool          `json:"subreaper,omitempty"`
	Exited    bool          `json:"exited,omitempty"`
	ExitTs    uint64        `json:"exit_ts,omitempty"`
	Threads   []ThreadState `json:"threads"`
	// FilesGroup is non-zero when the fd table is shared (CLONE_FILES):
	// processes with the same value share one table.
	FilesGroup uint32 `json:"files_group,omitempty"`
	FDs        []FD   `json:"fds,omitempty"`
}

// ThreadState is the serialisable state of one thread.
type ThreadState struct {
	Tid    uint32 `json:"tid"`
	Vtid   uint32 `json:"vtid,omitempty"`
	Comm   string `json:"comm,omitempty"`
	Start  uint64 `json:"start,omitempty"`
	Exited bool   `json:"exited,omitempty"`
}

// Snapshot returns the state of every current process (exited ones still in
// their grace period included), ordered by pid.
func (t *Table) Snapshot() []ProcessState {
	out := make([]ProcessState, 0, len(t.procs))
	groups := make(map[*fdTable]uint32)
	for _, p := range t.procs {
		out = append(out, p.state(groups))
	}
	slices.SortFunc(out, func(a, b ProcessState) int { return cmp.Compare(a.Pid, b.Pid) })
	return out
}

func (p *Process) state(groups map[*fdTable]uint32) ProcessState {
	s := ProcessState{
		Pid: p.Pid, Start: p.Key.Start, Ppid: p.Ppid, Vpid: p.Vpid, Pgid: p.Pgid, Vpgid: p.Vpgid, Sid: p.Sid,
		Comm: p.Comm, Exe: p.Exe, ExePath: p.ExePath, Args: p.Args, Env: p.Env, Cwd: p.Cwd, Root: p.Root,
		Tty: p.Tty, Creds: p.Creds, ExeFile: p.ExeFile, PidNS: p.PidNS, MntNS: p.MntNS, NetNS: p.NetNS,
		CgroupID: p.CgroupID, Cgroups: p.Cgroups, Subreaper: p.Subreaper, Exited: p.Exited, ExitTs: p.ExitTs,
	}
	for th := p.threads; th != nil; th = th.next {
		s.Threads = append(s.Threads, ThreadState{Tid: th.Tid, Vtid: th.Vtid, Comm: th.Comm, Start: th.Start, Exited: th.Exited})
	}
	slices.SortFunc(s.Threads, func(a, b ThreadState) int { return cmp.Compare(a.Tid, b.Tid) })
	if p.files != nil {
		if p.files.users > 1 {
			g, ok := groups[p.files]
			if !ok {
				g = p.Pid
				groups[p.files] = g
			}
			s.FilesGroup = g
		}
		p.files.e.each(func(f *FD) bool {
			s.FDs = append(s.FDs, *f)
			return true
		})
	}
	return s
}

// Restore adds the processes of a snapshot to the table, links them to
// their parents and shares fd tables by FilesGroup. Exited processes start
// their grace period at the table's current time. Processes that do not fit
// the bounds are counted as for any other addition.
func (t *Table) Restore(states []ProcessState) {
	groups := make(map[uint32]*fdTable)
	added := make([]*Process, 0, len(states))
	var exited []*Process
	for i := range states {
		s := &states[i]
		p := t.newProcess(Key{Tgid: s.Pid, Start: s.Start}, nil)
		if p == nil {
			continue
		}
		p.Ppid, p.Vpid, p.Pgid, p.Vpgid, p.Sid = s.Ppid, s.Vpid, s.Pgid, s.Vpgid, s.Sid
		p.Exe, p.ExePath, p.Env = s.Exe, s.ExePath, s.Env
		p.setCmd(s.Comm, s.Args)
		p.Cwd, p.Root, p.Tty = s.Cwd, s.Root, s.Tty
		if p.Root == "" {
			p.Root = "/"
		}
		p.Creds, p.ExeFile = s.Creds, s.ExeFile
		p.PidNS, p.MntNS, p.NetNS = s.PidNS, s.MntNS, s.NetNS
		p.CgroupID = s.CgroupID
		p.setCgroups(s.Cgroups)
		p.Subreaper = s.Subreaper

		if g, ok := groups[s.FilesGroup]; ok && s.FilesGroup != 0 {
			g.users++
			p.files = g
		} else {
			p.files = newFDTable()
			e := p.files.e
			for j := range s.FDs {
				f := s.FDs[j]
				if e.put(&f, t.cfg.MaxFDsPerProcess) == nil {
					t.c.fdsDropped.Add(1)
				}
			}
			if s.FilesGroup != 0 {
				groups[s.FilesGroup] = p.files
			}
		}
		for _, ts := range s.Threads {
			if !ts.Exited || s.Exited {
				t.addThread(p, ts.Tid, ts.Vtid, ts.Comm, ts.Start)
			}
		}
		if p.nthreads == 0 {
			t.addThread(p, p.Pid, p.Vpid, p.Comm, p.Key.Start)
		}
		added = append(added, p)
		if s.Exited {
			exited = append(exited, p)
			p.ExitTs = s.ExitTs
		}
	}
	for _, p := range added {
		if p.Ppid != 0 {
			if pp := t.procs[p.Ppid]; pp != nil && pp != p && !pp.isAncestorOrSelf(p) {
				t.link(p, pp)
			}
		}
	}
	// The snapshot already names every child's parent, so exited processes
	// are marked without handing their children over.
	for _, p := range exited {
		t.markExited(p, p.ExitTs)
	}
}
