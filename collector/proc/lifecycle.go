package proc

import "github.com/vigilsec/vigil/collector/container"

// Clone flags that change how Fork shares state (linux/sched.h).
const (
	CloneFiles  = 0x00000400
	CloneParent = 0x00008000
	CloneThread = 0x00010000
)

// ForkInfo describes a new task, from clone/fork/vfork exit or
// sched_process_fork.
type ForkInfo struct {
	Ts        uint64 // event time, ns since boot
	ParentTid uint32 // thread that created the task
	Tid       uint32 // new task, host pid namespace
	Tgid      uint32 // its thread group (== Tid for a new process)
	Vtid      uint32 // new task's tid in its pid namespace (0 = unknown)
	Vpid      uint32 // new task's tgid in its pid namespace (0 = unknown)
	Start     uint64 // start time, ns since boot; 0 = Ts
	Flags     uint64 // clone flags
	Comm      string // "" = the creator's comm
}

// Fork records a new thread or process. A fork reported twice (by the parent
// and the child, or by clone exit and sched_process_fork) is applied once. A
// new process copies its parent's state, shares its fd table with
// CLONE_FILES and gets a copy-on-write copy otherwise. It returns nil when
// the task cannot be added (bounds).
func (t *Table) Fork(f *ForkInfo) (*Thread, *Process) {
	t.Advance(f.Ts)
	start := f.Start
	if start == 0 {
		start = f.Ts
	}
	var pp *Process
	if pth := t.threads[f.ParentTid]; pth != nil && !pth.proc.Exited {
		pp = pth.proc
		t.touch(pp)
	}
	if ex := t.threads[f.Tid]; ex != nil && t.reportedAgain(ex, f, start) {
		// The same task reported again (e.g. clone exit after
		// sched_process_fork): fill in what the first report lacked. An
		// approximate start is when the task was first seen, so an exact
		// start after it belongs to a newer task with the same id.
		if ex.Vtid == 0 {
			ex.Vtid = f.Vtid
		}
		if ex.proc.Vpid == 0 {
			ex.proc.Vpid = f.Vpid
		}
		if ex.approxStart && f.Start != 0 {
			ex.Start, ex.approxStart = f.Start, false
			if ex.proc.approxStart && f.Tid == f.Tgid {
				ex.proc.Key.Start, ex.proc.approxStart = f.Start, false
			}
		}
		return ex, ex.proc
	}

	if f.Flags&CloneThread != 0 || f.Tid != f.Tgid {
		if f.Start == 0 && t.threadGone(f.Tid) {
			// A thread that already exited (and left the tid map),
			// reported late by its creator's clone exit.
			return nil, nil
		}
		p := pp
		if p == nil || p.Pid != f.Tgid {
			p = t.procs[f.Tgid]
		}
		if p == nil || p.Exited {
			t.c.unknownParent.Add(1)
			p = t.newProcess(Key{Tgid: f.Tgid, Start: start}, nil)
			if p == nil {
				return nil, nil
			}
			p.Vpid = f.Vpid
			p.files = newFDTable()
		}
		comm := f.Comm
		if comm == "" {
			comm = p.Comm
		}
		th := t.addThread(p, f.Tid, f.Vtid, comm, start)
		if th == nil {
			return nil, nil
		}
		th.approxStart = f.Start == 0
		return th, p
	}

	parent := pp
	if pp != nil && f.Flags&CloneParent != 0 {
		parent = pp.parent
	}
	p := t.newProcess(Key{Tgid: f.Tgid, Start: start}, parent)
	if p == nil {
		return nil, nil
	}
	p.approxStart = f.Start == 0
	p.Vpid = f.Vpid
	if parent == nil && pp != nil {
		p.Ppid = pp.Ppid
	}
	if pp == nil {
		t.c.unknownParent.Add(1)
		p.files = newFDTable()
		p.Comm = f.Comm
		p.Cmdline = f.Comm
	} else {
		p.inherit(pp)
		if f.Flags&CloneFiles != 0 {
			pp.files.users++
			p.files = pp.files
		} else {
			p.files = pp.files.cow()
		}
		if f.Comm != "" {
			p.setComm(f.Comm)
		}
	}
	th := t.addThread(p, f.Tid, f.Vtid, p.Comm, start)
	if th == nil {
		return nil, nil
	}
	th.approxStart = p.approxStart
	return th, p
}

// reportedAgain reports whether fork report f is about ex, a task the table
// already has, rather than a new task reusing its id. A report without a
// start time comes from the creator's clone exit; the child may have run,
// exec'd and exited before it (vfork always waits for the exec), so an
// exited task of the same creator is that task reported late, not a new
// one that would never exit.
func (t *Table) reportedAgain(ex *Thread, f *ForkInfo, start uint64) bool {
	if ex.proc.Pid != f.Tgid {
		return false
	}
	if ex.Exited && (f.Start != 0 || ex.proc.Ppid != t.pidOf(f.ParentTid)) {
		return false
	}
	return ex.Start == start || f.Start == 0 || (ex.approxStart && f.Start <= ex.Start)
}

// inherit copies the state a child inherits from its parent at fork.
func (p *Process) inherit(pp *Process) {
	p.Pgid, p.Vpgid, p.Sid = pp.Pgid, pp.Vpgid, pp.Sid
	p.Comm, p.Exe, p.ExePath = pp.Comm, pp.Exe, pp.ExePath
	p.Args, p.ArgsLine, p.Cmdline, p.Env = pp.Args, pp.ArgsLine, pp.Cmdline, pp.Env
	p.Cwd, p.Root, p.Tty = pp.Cwd, pp.Root, pp.Tty
	p.Creds, p.ExeFile = pp.Creds, pp.ExeFile
	p.PidNS, p.MntNS, p.NetNS = pp.PidNS, pp.MntNS, pp.NetNS
	p.CgroupID, p.Cgroups, p.Container = pp.CgroupID, pp.Cgroups, pp.Container
}

// ExecInfo describes a successful exec. Zero values of the optional fields
// keep the process's current value.
type ExecInfo struct {
	Ts   uint64 // event time, ns since boot
	Tid  uint32 // thread that exec'd
	Tgid uint32
	Ppid uint32 // optional
	Vpid uint32 // optional
	// Start is the process start time, used only when the process is not
	// yet known; 0 = Ts.
	Start uint64

	Comm    string
	Exe     string   // argv[0]
	ExePath string   // resolved executable path
	Args    []string // argv[1:]
	Env     []string // nil = not captured
	Cwd     string   // optional
	Tty     uint32

	Creds    Creds
	CredMask CredMask // which Creds members are set; 0 = keep all

	Pgid, Vpgid, Sid    uint32 // optional
	PidNS, MntNS, NetNS uint64 // optional

	ExeFile  ExeInfo
	CgroupID uint64   // optional
	Cgroups  []Cgroup // optional; sets Container
}

// Exec records a successful exec: the process keeps its identity and
// parent, every other thread is gone, its command line, executable and
// credentials change, close-on-exec fds are closed and a shared fd table is
// unshared. An exec by a process not in the table creates it.
func (t *Table) Exec(e *ExecInfo) *Process {
	t.Advance(e.Ts)
	p := t.procs[e.Tgid]
	if p == nil || p.Exited {
		if th := t.threads[e.Tid]; th != nil && !th.proc.Exited && th.proc.Pid == e.Tgid {
			p = th.proc
		}
	}
	if p == nil || p.Exited {
		t.c.unknownThread.Add(1)
		start := e.Start
		if start == 0 {
			start = e.Ts
		}
		var parent *Process
		if pp := t.procs[e.Ppid]; pp != nil && !pp.Exited {
			parent = pp
		} else if e.Ppid != 0 {
			t.c.unknownParent.Add(1)
		}
		p = t.newProcess(Key{Tgid: e.Tgid, Start: start}, parent)
		if p == nil {
			return nil
		}
		p.files = newFDTable()
	}
	t.touch(p)
	if e.Start != 0 && (p.approxStart || p.Key.Start == 0) {
		p.Key.Start, p.approxStart = e.Start, false
	}

	// Only the thread group leader survives an exec.
	for th := p.threads; th != nil; {
		next := th.next
		if th.Tid != e.Tgid {
			t.removeThread(th)
		}
		th = next
	}
	leader := t.threads[e.Tgid]
	if leader == nil || leader.proc != p {
		leader = t.addThread(p, e.Tgid, e.Vpid, e.Comm, p.Key.Start)
	}
	if leader != nil {
		leader.Comm = e.Comm
		if e.Vpid != 0 {
			leader.Vtid = e.Vpid
		}
	}

	if e.Vpid != 0 {
		p.Vpid = e.Vpid
	}
	if e.Ppid != 0 {
		t.reparent(p, e.Ppid)
	}
	p.Exe, p.ExePath = e.Exe, e.ExePath
	p.setCmd(e.Comm, e.Args)
	p.Env = e.Env
	if e.Cwd != "" {
		p.Cwd = dirPath(e.Cwd)
	}
	p.Tty = e.Tty
	if e.CredMask != 0 {
		p.Creds.apply(&e.Creds, e.CredMask)
	}
	if e.Pgid != 0 {
		p.Pgid = e.Pgid
	}
	if e.Vpgid != 0 {
		p.Vpgid = e.Vpgid
	}
	if e.Sid != 0 {
		p.Sid = e.Sid
	}
	if e.PidNS != 0 {
		p.PidNS = e.PidNS
	}
	if e.MntNS != 0 {
		p.MntNS = e.MntNS
	}
	if e.NetNS != 0 {
		p.NetNS = e.NetNS
	}
	p.ExeFile = e.ExeFile
	if e.CgroupID != 0 {
		p.CgroupID = e.CgroupID
	}
	if e.Cgroups != nil {
		p.setCgroups(e.Cgroups)
	}

	t.unshareFiles(p)
	t.closeOnExec(p)
	return p
}

// setCgroups sets the cgroup paths and the container they name.
func (p *Process) setCgroups(cg []Cgroup) {
	p.Cgroups = cg
	p.Container = container.ID{}
	for i := range cg {
		if id := container.Parse(cg[i].Path); !id.IsHost() {
			p.Container = id
			return
		}
	}
}

// unshareFiles gives p its own fd table if it shares one (CLONE_FILES).
func (t *Table) unshareFiles(p *Process) {
	if p.files == nil {
		p.files = newFDTable()
		return
	}
	if p.files.users > 1 {
		old := p.files
		p.files = old.cow()
		old.users--
	}
}

// closeOnExec closes p's close-on-exec fds by giving p new entries that
// hold only the surviving ones. A fork child that execs still shares its
// parent's entries copy-on-write, so this is also what spares it a full
// copy it would then mostly empty (a shell's table spans up to fd 255).
func (t *Table) closeOnExec(p *Process) {
	if p.files == nil {
		return
	}
	e := p.files.e
	if !e.anyCloExec() {
		return
	}
	e.refs--
	p.files.e = e.keep(func(f *FD) bool { return !f.CloExec })
}

// Exit records the exit of thread tid. When it is the last live thread of
// its process the process exits: its children are reparented and it is
// freed after the grace period.
func (t *Table) Exit(ts uint64, tid uint32) {
	t.Advance(ts)
	th := t.threads[tid]
	if th == nil {
		t.c.unknownThread.Add(1)
		return
	}
	t.exitThread(th, ts)
}

// Ensure returns thread tid of process tgid, creating an empty stub (counted
// as UnknownThread) when the table does not know it, e.g. a task that
// started before bootstrap finished or whose fork was dropped. It returns
// (nil, nil) only when the bounds leave no room.
func (t *Table) Ensure(tgid, tid uint32) (*Thread, *Process) {
	if th := t.threads[tid]; th != nil && th.proc.Pid == tgid {
		t.touch(th.proc)
		return th, th.proc
	}
	t.c.unknownThread.Add(1)
	p := t.procs[tgid]
	if p == nil || p.Exited {
		p = t.newProcess(Key{Tgid: tgid, Start: t.now}, nil)
		if p == nil {
			return nil, nil
		}
		p.approxStart = true
		p.files = newFDTable()
	}
	th := t.addThread(p, tid, 0, p.Comm, t.now)
	if th == nil {
		return nil, nil
	}
	th.approxStart = true
	return th, p
}
