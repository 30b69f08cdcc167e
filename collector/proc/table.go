package proc

import (
	"time"
)

// Table is the process, thread and fd state. See the package documentation
// for its invariants.
type Table struct {
	cfg   Config
	grace uint64 // ns

	threads map[uint32]*Thread  // tid → thread
	procs   map[uint32]*Process // tgid → current incarnation

	nprocs   int // processes in the LRU list (all incarnations)
	nthreads int // threads in all processes' lists

	lruHead, lruTail   *Process // most recently used first
	exitHead, exitTail *Process // exited processes, oldest exit first

	now uint64 // latest event time seen, ns since boot

	// goneThreads remembers the last non-leader threads that exited (they
	// leave the tid map at once), so that their creator's clone exit,
	// which can be delivered after the thread already ran and exited, does
	// not bring them back as threads that never exit.
	goneThreads [64]uint32
	goneNext    int

	c counters
}

// New returns an empty table. Zero Config fields take the defaults; negative
// ones are treated as the defaults too (Validate reports them).
func New(cfg Config) *Table {
	if cfg.MaxProcesses < 0 {
		cfg.MaxProcesses = 0
	}
	if cfg.MaxThreads < 0 {
		cfg.MaxThreads = 0
	}
	if cfg.MaxFDsPerProcess < 0 {
		cfg.MaxFDsPerProcess = 0
	}
	if cfg.ExitGrace < 0 {
		cfg.ExitGrace = 0
	}
	cfg = cfg.withDefaults()
	return &Table{
		cfg:     cfg,
		grace:   uint64(cfg.ExitGrace / time.Nanosecond),
		threads: make(map[uint32]*Thread),
		procs:   make(map[uint32]*Process),
	}
}

// Config returns the table's effective configuration.
func (t *Table) Config() Config { return t.cfg }

// Counters returns the table's counters. Safe from any goroutine.
func (t *Table) Counters() Counters { return t.c.snapshot() }

// Len returns the number of processes held, live and exited.
func (t *Table) Len() int { return t.nprocs }

// Now returns the latest event time the table has seen.
func (t *Table) Now() uint64 { return t.now }

// Thread returns the thread tid and its process, or (nil, nil). The process
// is marked as recently used. It does not allocate.
func (t *Table) Thread(tid uint32) (*Thread, *Process) {
	th := t.threads[tid]
	if th == nil {
		return nil, nil
	}
	t.touch(th.proc)
	return th, th.proc
}

// Process returns the current process with pid tgid, or nil.
func (t *Table) Process(tgid uint32) *Process {
	p := t.procs[tgid]
	if p != nil {
		t.touch(p)
	}
	return p
}

// Processes calls fn for every current process (one per pid) until fn
// returns false. Order is unspecified.
func (t *Table) Processes(fn func(*Process) bool) {
	for _, p := range t.procs {
		if !fn(p) {
			return
		}
	}
}

// Advance moves the table's clock to ts (event time, ns since boot) and frees
// the exited processes whose grace period is over. Time never goes back: an
// older ts is ignored. Call it once per event.
func (t *Table) Advance(ts uint64) {
	if ts > t.now {
		t.now = ts
	}
	for p := t.exitHead; p != nil && p.exitAt+t.grace <= t.now; p = t.exitHead {
		t.free(p)
		t.c.reaped.Add(1)
	}
}

// touch moves p to the front of the LRU list.
func (t *Table) touch(p *Process) {
	if t.lruHead == p {
		return
	}
	t.lruUnlink(p)
	t.lruPush(p)
}

func (t *Table) lruPush(p *Process) {
	p.lruPrev = nil
	p.lruNext = t.lruHead
	if t.lruHead != nil {
		t.lruHead.lruPrev = p
	}
	t.lruHead = p
	if t.lruTail == nil {
		t.lruTail = p
	}
}

func (t *Table) lruUnlink(p *Process) {
	if p.lruPrev != nil {
		p.lruPrev.lruNext = p.lruNext
	} else if t.lruHead == p {
		t.lruHead = p.lruNext
	}
	if p.lruNext != nil {
		p.lruNext.lruPrev = p.lruPrev
	} else if t.lruTail == p {
		t.lruTail = p.lruPrev
	}
	p.lruPrev, p.lruNext = nil, nil
}

// makeRoom evicts least recently used processes, never keep, until one more
// process (and extraThreads threads) fit. It reports whether they fit.
func (t *Table) makeRoom(keep *Process, newProc bool, extraThreads int) bool {
	for (newProc && t.nprocs >= t.cfg.MaxProcesses) || t.nthreads+extraThreads > t.cfg.MaxThreads {
		v := t.lruTail
		for v != nil && v == keep {
			v = v.lruPrev
		}
		if v == nil {
			return false
		}
		t.free(v)
		t.c.evicted.Add(1)
	}
	return true
}

// newProcess creates a process with one live main thread and links it under
// parent (which may be nil). It returns nil when no room can be made.
func (t *Table) newProcess(key Key, parent *Process) *Process {
	if !t.makeRoom(parent, true, 1) {
		t.c.threadsDropped.Add(1)
		return nil
	}
	if old := t.procs[key.Tgid]; old != nil && !old.Exited {
		// The pid is in use by a process whose exit we missed.
		t.c.pidReused.Add(1)
		t.exitProcess(old, t.now)
	}
	p := &Process{Key: key, Pid: key.Tgid, Root: "/", Creds: Creds{LoginUID: UnsetLoginUID}}
	t.procs[key.Tgid] = p
	t.nprocs++
	t.c.processes.Add(1)
	t.lruPush(p)
	if parent != nil {
		t.link(p, parent)
	}
	return p
}

// addThread adds a live thread to p, replacing any stale thread with the
// same tid in the tid map.
func (t *Table) addThread(p *Process, tid, vtid uint32, comm string, start uint64) *Thread {
	if old := t.threads[tid]; old != nil {
		if old.proc == p && !old.Exited {
			return old
		}
		if !old.Exited {
			t.exitThread(old, t.now)
		}
		// An exited thread of a live process is already unlinked; of an
		// exited process it stays with its process until reaped.
	}
	if !t.makeRoom(p, false, 1) {
		t.c.threadsDropped.Add(1)
		return nil
	}
	th := &Thread{Tid: tid, Vtid: vtid, Comm: comm, Start: start, proc: p}
	th.next = p.threads
	if p.threads != nil {
		p.threads.prev = th
	}
	p.threads = th
	p.nthreads++
	p.nlive++
	t.nthreads++
	t.c.threads.Add(1)
	t.threads[tid] = th
	return th
}

// pidOf returns the process id of thread tid, or 0 when it is unknown.
func (t *Table) pidOf(tid uint32) uint32 {
	if th := t.threads[tid]; th != nil {
		return th.proc.Pid
	}
	return 0
}

// threadGone reports whether tid is one of the last non-leader threads that
// exited.
func (t *Table) threadGone(tid uint32) bool {
	for _, g := range t.goneThreads {
		if g == tid && tid != 0 {
			return true
		}
	}
	return false
}

// removeThread unlinks th from its process and the tid map.
func (t *Table) removeThread(th *Thread) {
	p := th.proc
	if th.prev != nil {
		th.prev.next = th.next
	} else if p.threads == th {
		p.threads = th.next
	}
	if th.next != nil {
		th.next.prev = th.prev
	}
	th.prev, th.next = nil, nil
	p.nthreads--
	if !th.Exited {
		p.nlive--
	}
	t.nthreads--
	t.c.threads.Add(-1)
	if t.threads[th.Tid] == th {
		delete(t.threads, th.Tid)
	}
}

// exitThread marks th exited. The last thread of a process stays with it for
// the grace period; other threads are dropped at once.
func (t *Table) exitThread(th *Thread, ts uint64) {
	if th.Exited {
		return
	}
	p := th.proc
	if p.nlive > 1 {
		t.removeThread(th)
		t.goneThreads[t.goneNext] = th.Tid
		t.goneNext = (t.goneNext + 1) % len(t.goneThreads)
		return
	}
	th.Exited = true
	p.nlive--
	t.exitProcess(p, ts)
}

// exitProcess marks p exited, hands its children to their new reaper and
// queues p for freeing after the grace period.
func (t *Table) exitProcess(p *Process, ts uint64) {
	if p.Exited {
		return
	}
	t.markExited(p, ts)
	if p.firstChild != nil {
		r := t.reaper(p)
		for c := p.firstChild; c != nil; c = p.firstChild {
			t.unlink(c)
			// Never adopt into a cycle: with inconsistent input the
			// reaper may be c's own descendant.
			if r != nil && !r.isAncestorOrSelf(c) {
				t.link(c, r)
			}
		}
	}
}

// markExited marks p and its threads exited and appends p to the exit FIFO.
func (t *Table) markExited(p *Process, ts uint64) {
	if p.Exited {
		return
	}
	for th := p.threads; th != nil; th = th.next {
		if !th.Exited {
			th.Exited = true
			p.nlive--
		}
	}
	p.Exited = true
	p.ExitTs = ts
	p.exitAt = t.now
	// The kernel closed the fds; the grace period keeps the process for
	// its ancestry and late records, which need no fds. Under churn the
	// exited processes outnumber the live ones, so their tables go now.
	if p.files != nil {
		p.files.release()
		p.files = nil
	}
	p.exitPrev = t.exitTail
	p.exitNext = nil
	if t.exitTail != nil {
		t.exitTail.exitNext = p
	} else {
		t.exitHead = p
	}
	t.exitTail = p
	t.c.exited.Add(1)
}

// reaper finds the process that adopts the children of p when p exits: the
// nearest live ancestor marked as child subreaper, else the init of p's pid
// namespace, else host init.
func (t *Table) reaper(p *Process) *Process {
	d := 0
	for a := p.parent; a != nil && d < maxDepth; a, d = a.parent, d+1 {
		if a.Exited {
			continue
		}
		if a.Subreaper {
			return a
		}
		if a.Vpid == 1 && (p.PidNS == 0 || a.PidNS == p.PidNS) {
			return a
		}
	}
	if in := t.procs[1]; in != nil && in != p && !in.Exited {
		return in
	}
	return nil
}

// link makes parent the parent of c.
func (t *Table) link(c, parent *Process) {
	if c == parent {
		return
	}
	c.parent = parent
	c.Ppid = parent.Pid
	c.prevSibling = nil
	c.nextSibling = parent.firstChild
	if parent.firstChild != nil {
		parent.firstChild.prevSibling = c
	}
	parent.firstChild = c
}

// unlink removes c from its parent's children. Ppid is kept.
func (t *Table) unlink(c *Process) {
	par := c.parent
	if par == nil {
		return
	}
	if c.prevSibling != nil {
		c.prevSibling.nextSibling = c.nextSibling
	} else if par.firstChild == c {
		par.firstChild = c.nextSibling
	}
	if c.nextSibling != nil {
		c.nextSibling.prevSibling = c.prevSibling
	}
	c.parent, c.prevSibling, c.nextSibling = nil, nil, nil
}

// reparent moves c under the process with pid ppid if that is not already
// its parent.
func (t *Table) reparent(c *Process, ppid uint32) {
	if ppid == 0 || (c.parent != nil && c.parent.Pid == ppid) {
		c.Ppid = ppid
		return
	}
	t.unlink(c)
	c.Ppid = ppid
	if np := t.procs[ppid]; np != nil && np != c && !np.isAncestorOrSelf(c) {
		t.link(c, np)
	} else if np == nil {
		t.c.unknownParent.Add(1)
	}
}

// isAncestorOrSelf reports whether c is p or one of p's ancestors, which would
// make c a parent of p a cycle.
func (p *Process) isAncestorOrSelf(c *Process) bool {
	d := 0
	for q := p; q != nil && d < maxDepth; q, d = q.parent, d+1 {
		if q == c {
			return true
		}
	}
	return false
}

// free removes p and its threads from the table.
func (t *Table) free(p *Process) {
	for th := p.threads; th != nil; th = p.threads {
		t.removeThread(th)
	}
	if t.procs[p.Pid] == p {
		delete(t.procs, p.Pid)
	}
	for c := p.firstChild; c != nil; c = p.firstChild {
		t.unlink(c)
	}
	t.unlink(p)
	if p.files != nil {
		p.files.release()
		p.files = nil
	}
	t.lruUnlink(p)
	if p.Exited {
		if p.exitPrev != nil {
			p.exitPrev.exitNext = p.exitNext
		} else if t.exitHead == p {
			t.exitHead = p.exitNext
		}
		if p.exitNext != nil {
			p.exitNext.exitPrev = p.exitPrev
		} else if t.exitTail == p {
			t.exitTail = p.exitPrev
		}
		p.exitPrev, p.exitNext = nil, nil
		t.c.exited.Add(-1)
	}
	t.nprocs--
	t.c.processes.Add(-1)
}
