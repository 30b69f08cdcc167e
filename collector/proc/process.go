package proc

import (
	"strings"

	"github.com/vigilsec/vigil/collector/container"
)

// Key identifies one process incarnation: a pid is reused, a (pid, start)
// pair is not.
type Key struct {
	Tgid  uint32 `json:"tgid"`
	Start uint64 `json:"start"` // start time, ns since boot (CLOCK_BOOTTIME)
}

// UnsetLoginUID is the audit loginuid of a process that never logged in.
const UnsetLoginUID = ^uint32(0)

// Creds are the credentials of a process.
type Creds struct {
	UID      uint32 `json:"uid"`
	GID      uint32 `json:"gid"`
	EUID     uint32 `json:"euid"`
	EGID     uint32 `json:"egid"`
	SUID     uint32 `json:"suid"`
	SGID     uint32 `json:"sgid"`
	FSUID    uint32 `json:"fsuid"`
	FSGID    uint32 `json:"fsgid"`
	LoginUID uint32 `json:"loginuid"`
	CapEff   uint64 `json:"cap_eff"`
	CapPrm   uint64 `json:"cap_prm"`
	CapInh   uint64 `json:"cap_inh"`
}

// CredMask selects which members of Creds a SetCreds call changes.
type CredMask uint16

// Credential members.
const (
	CredUID CredMask = 1 << iota
	CredGID
	CredEUID
	CredEGID
	CredSUID
	CredSGID
	CredFSUID
	CredFSGID
	CredLoginUID
	CredCapEff
	CredCapPrm
	CredCapInh

	CredUIDs = CredUID | CredEUID | CredSUID | CredFSUID
	CredGIDs = CredGID | CredEGID | CredSGID | CredFSGID
	CredCaps = CredCapEff | CredCapPrm | CredCapInh
	CredAll  = CredUIDs | CredGIDs | CredLoginUID | CredCaps
)

func (c *Creds) apply(n *Creds, m CredMask) {
	set := func(bit CredMask, dst *uint32, v uint32) {
		if m&bit != 0 {
			*dst = v
		}
	}
	set(CredUID, &c.UID, n.UID)
	set(CredGID, &c.GID, n.GID)
	set(CredEUID, &c.EUID, n.EUID)
	set(CredEGID, &c.EGID, n.EGID)
	set(CredSUID, &c.SUID, n.SUID)
	set(CredSGID, &c.SGID, n.SGID)
	set(CredFSUID, &c.FSUID, n.FSUID)
	set(CredFSGID, &c.FSGID, n.FSGID)
	set(CredLoginUID, &c.LoginUID, n.LoginUID)
	if m&CredCapEff != 0 {
		c.CapEff = n.CapEff
	}
	if m&CredCapPrm != 0 {
		c.CapPrm = n.CapPrm
	}
	if m&CredCapInh != 0 {
		c.CapInh = n.CapInh
	}
}

// ExeFlags are facts about the executable computed at exec.
type ExeFlags uint8

// Executable facts.
const (
	ExeWritable   ExeFlags = 1 << iota // writable by the process's user
	ExeUpperLayer                      // on the upper layer of an overlayfs
	ExeFromMemfd                       // an anonymous memfd (fileless)
)

// ExeInfo describes the executable image of a process.
type ExeInfo struct {
	Ino   uint64   `json:"ino"`
	Dev   uint64   `json:"dev"`
	Ctime int64    `json:"ctime"` // Unix ns
	Mtime int64    `json:"mtime"` // Unix ns
	Flags ExeFlags `json:"flags"`
}

// Cgroup is one line of /proc/PID/cgroup: hierarchy id, controllers and path.
type Cgroup struct {
	Hierarchy   int    `json:"hierarchy"`
	Controllers string `json:"controllers"` // "" for the v2 unified hierarchy
	Path        string `json:"path"`
}

// Process is one process incarnation. Fields are read-only outside the Table.
type Process struct {
	Key  Key
	Pid  uint32 // == Key.Tgid
	Ppid uint32 // parent's pid; follows reparenting
	Vpid uint32 // pid in its own pid namespace
	Pgid uint32
	// Vpgid is the process group id in the process's pid namespace.
	Vpgid uint32
	Sid   uint32

	Comm    string   // comm of the main thread (at most 15 bytes)
	Exe     string   // argv[0] as given to exec
	ExePath string   // resolved path of the executable
	Args    []string // argv[1:]
	// ArgsLine is Args joined by spaces and Cmdline is Comm followed by
	// ArgsLine; both are built once per exec so reads do not allocate.
	ArgsLine string
	Cmdline  string
	Env      []string // KEY=VALUE, empty unless captured
	Cwd      string   // always ends with "/"
	Root     string   // chroot, "/" unless changed
	Tty      uint32   // controlling tty device (major<<20|minor), 0 = none

	Creds   Creds
	ExeFile ExeInfo // metadata of the executable image

	PidNS uint64 // pid namespace inode
	MntNS uint64 // mount namespace inode
	NetNS uint64 // network namespace inode, 0 when unknown

	CgroupID  uint64 // cgroup v2 id
	Cgroups   []Cgroup
	Container container.ID

	Subreaper bool   // PR_SET_CHILD_SUBREAPER
	Exited    bool   // every thread exited; kept for the grace period
	ExitTs    uint64 // event time of the exit, ns since boot

	parent      *Process
	firstChild  *Process
	nextSibling *Process
	prevSibling *Process

	files *fdTable

	threads  *Thread // list of the process's threads
	nthreads int     // threads in the list
	nlive    int     // threads not exited
	exitAt   uint64  // table time when the process exited (grace clock)
	// approxStart: Key.Start is the time the process was first seen, not
	// its exact start (fork reported without it, or a stub).
	approxStart bool

	lruPrev, lruNext   *Process
	exitPrev, exitNext *Process
}

// Thread is one task of a process.
type Thread struct {
	Tid    uint32
	Vtid   uint32
	Comm   string // the thread's own comm, set by prctl(PR_SET_NAME)
	Start  uint64 // ns since boot
	Exited bool

	approxStart bool // Start is when the thread was first seen
	proc        *Process
	prev, next  *Thread // threads of the same process
}

// Process returns the process the thread belongs to.
func (t *Thread) Process() *Process { return t.proc }

// Start returns the process start time in ns since boot.
func (p *Process) Start() uint64 { return p.Key.Start }

// Parent returns the parent process, or nil when unknown.
func (p *Process) Parent() *Process { return p.parent }

// Ancestor returns the n-th ancestor: 0 is p itself, 1 its parent. It
// returns nil when the chain is shorter than n.
func (p *Process) Ancestor(n int) *Process {
	q := p
	for ; n > 0 && q != nil; n-- {
		q = q.parent
	}
	return q
}

// Ancestors calls fn for each ancestor from the parent upwards until fn
// returns false or the chain ends. It is bounded to maxDepth steps to stay
// safe against a cycle introduced by inconsistent events.
func (p *Process) Ancestors(fn func(depth int, a *Process) bool) {
	q := p.parent
	for d := 1; q != nil && d <= maxDepth; d++ {
		if !fn(d, q) {
			return
		}
		q = q.parent
	}
}

// maxDepth bounds ancestor walks. Real trees are far shallower; the bound
// only protects against a corrupted tree.
const maxDepth = 4096

// SessionLeader returns the leader of p's session: the process whose pid is
// the session id, else the eldest ancestor in the same session. It returns p
// itself when p is the leader and nil when the session is unknown.
func (p *Process) SessionLeader() *Process {
	if p.Sid == 0 {
		return nil
	}
	leader := p
	q := p
	for d := 0; q != nil && d < maxDepth; d++ {
		if q.Pid == p.Sid {
			return q
		}
		if q.Sid == p.Sid {
			leader = q
		}
		q = q.parent
	}
	return leader
}

// IsVpgidLeader reports whether p leads its process group.
func (p *Process) IsVpgidLeader() bool { return p.Vpgid != 0 && p.Vpgid == p.Vpid }

// FD returns the fd with number n, or nil.
func (p *Process) FD(n int32) *FD {
	if p.files == nil {
		return nil
	}
	return p.files.e.get(n)
}

// NumFDs returns the number of fds known for p.
func (p *Process) NumFDs() int {
	if p.files == nil {
		return 0
	}
	return p.files.e.n
}

// FDs calls fn for every fd of p in ascending fd order until fn returns
// false.
func (p *Process) FDs(fn func(*FD) bool) {
	if p.files != nil {
		p.files.e.each(fn)
	}
}

// Threads calls fn for every thread of p until fn returns false.
func (p *Process) Threads(fn func(*Thread) bool) {
	for t := p.threads; t != nil; t = t.next {
		if !fn(t) {
			return
		}
	}
}

// Children calls fn for every child of p until fn returns false.
func (p *Process) Children(fn func(*Process) bool) {
	for c := p.firstChild; c != nil; c = c.nextSibling {
		if !fn(c) {
			return
		}
	}
}

// Getenv returns the value of the environment variable name.
func (p *Process) Getenv(name string) (string, bool) {
	for _, kv := range p.Env {
		if len(kv) > len(name) && kv[len(name)] == '=' && kv[:len(name)] == name {
			return kv[len(name)+1:], true
		}
	}
	return "", false
}

// setCmd sets Comm, Args and the derived strings.
func (p *Process) setCmd(comm string, args []string) {
	p.Comm = comm
	p.Args = args
	p.ArgsLine = strings.Join(args, " ")
	if p.ArgsLine == "" {
		p.Cmdline = comm
	} else {
		p.Cmdline = comm + " " + p.ArgsLine
	}
}

// setComm changes the main thread's comm and the derived command line.
func (p *Process) setComm(comm string) {
	if comm == p.Comm {
		return
	}
	p.setCmd(comm, p.Args)
}

// dirPath returns s with a trailing slash.
func dirPath(s string) string {
	if s == "" || strings.HasSuffix(s, "/") {
		return s
	}
	return s + "/"
}
