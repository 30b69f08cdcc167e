package users

import (
	"container/list"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config.
const (
	DefaultMaxNamespaces = 256
	DefaultMaxEntries    = 65536
	DefaultMaxFileSize   = 1 << 20
	DefaultCheckInterval = 10 * time.Second
	DefaultRetryInterval = time.Minute
	DefaultLoadWait      = 20 * time.Millisecond
	DefaultMaxLoaders    = 4
)

// Config tunes a DB. Zero fields take the defaults.
type Config struct {
	// HostRoot is the directory holding the host's etc/passwd and
	// etc/group, "/" if empty ("/host" when the host root is mounted there).
	HostRoot string
	// ProcRoot is the procfs mount used to reach container roots
	// (PROC/PID/root), "/proc" if empty.
	ProcRoot string
	// HostMntNS is the host's mount namespace inode: lookups in it use
	// HostRoot. 0 means only namespace 0 is the host.
	HostMntNS uint64
	// MaxNamespaces bounds the cached namespaces (LRU).
	MaxNamespaces int
	// MaxEntries bounds the entries kept per file.
	MaxEntries int
	// MaxFileSize bounds the bytes read per file.
	MaxFileSize int64
	// CheckInterval is how often a cached namespace's files are checked
	// for changes.
	CheckInterval time.Duration
	// RetryInterval is how long an unreadable namespace stays cached as
	// empty before it is tried again.
	RetryInterval time.Duration
	// LoadWait bounds how long the first lookup in a namespace waits for
	// its files; later lookups never wait. Negative means never wait.
	LoadWait time.Duration
	// MaxLoaders bounds concurrent background loads.
	MaxLoaders int
	// Now is the clock, time.Now if nil (tests inject one).
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.HostRoot == "" {
		c.HostRoot = "/"
	}
	if c.ProcRoot == "" {
		c.ProcRoot = "/proc"
	}
	if c.MaxNamespaces <= 0 {
		c.MaxNamespaces = DefaultMaxNamespaces
	}
	if c.MaxEntries <= 0 {
		c.MaxEntries = DefaultMaxEntries
	}
	if c.MaxFileSize <= 0 {
		c.MaxFileSize = DefaultMaxFileSize
	}
	if c.CheckInterval <= 0 {
		c.CheckInterval = DefaultCheckInterval
	}
	if c.RetryInterval <= 0 {
		c.RetryInterval = DefaultRetryInterval
	}
	if c.LoadWait == 0 {
		c.LoadWait = DefaultLoadWait
	}
	if c.MaxLoaders <= 0 {
		c.MaxLoaders = DefaultMaxLoaders
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Counters are a DB's counters, for metrics.
type Counters struct {
	Namespaces   uint64 // cached namespaces (gauge)
	Loads        uint64 // file loads completed (re-reads included)
	LoadErrors   uint64 // loads that failed (namespace cached as empty)
	LoadsDropped uint64 // loads not started because every loader was busy
	Evicted      uint64 // namespaces evicted by the LRU bound
	Truncated    uint64 // files cut at MaxFileSize or MaxEntries
	WaitTimeouts uint64 // first lookups that gave up waiting for a load
	Misses       uint64 // lookups that found no name
}

// DB resolves ids to names per mount namespace.
type DB struct {
	cfg  Config
	sem  chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	ns   map[uint64]*list.Element // value: *nsEntry
	lru  *list.List               // front: most recently used
	stop chan struct{}
	once sync.Once

	loads, loadErrors, loadsDropped, evicted, truncated, waitTimeouts, misses atomic.Uint64
}

// nsEntry is the cached view of one mount namespace. Fields other than key
// are guarded by DB.mu.
type nsEntry struct {
	key  uint64
	pid  uint32 // a process in the namespace, to reach its root
	data *nsData

	loading   bool
	static    bool          // preloaded: never read from the filesystem
	done      chan struct{} // closed when the in-flight load ends
	nextCheck time.Time
}

// nsData is one immutable snapshot of a namespace's files.
type nsData struct {
	users  map[uint32]*User
	groups map[uint32]string
	stamp  [2]fileStamp
	err    error
}

type fileStamp struct {
	mtime time.Time
	size  int64
	ok    bool
}

// New returns a DB. Close stops its loaders.
func New(cfg Config) *DB {
	cfg = cfg.withDefaults()
	return &DB{
		cfg:  cfg,
		sem:  make(chan struct{}, cfg.MaxLoaders),
		ns:   make(map[uint64]*list.Element),
		lru:  list.New(),
		stop: make(chan struct{}),
	}
}

// Close waits for in-flight loads to end. Lookups after Close return
// cached data only.
func (d *DB) Close() {
	d.once.Do(func() { close(d.stop) })
	d.wg.Wait()
}

// Counters returns the DB's counters.
func (d *DB) Counters() Counters {
	d.mu.Lock()
	n := d.lru.Len()
	d.mu.Unlock()
	return Counters{
		Namespaces:   uint64(n),
		Loads:        d.loads.Load(),
		LoadErrors:   d.loadErrors.Load(),
		LoadsDropped: d.loadsDropped.Load(),
		Evicted:      d.evicted.Load(),
		Truncated:    d.truncated.Load(),
		WaitTimeouts: d.waitTimeouts.Load(),
		Misses:       d.misses.Load(),
	}
}

// User returns the passwd entry of uid as seen in mount namespace mntns, of
// which pid is a member (0 for the host). The entry must not be modified.
func (d *DB) User(mntns uint64, pid, uid uint32) (*User, bool) {
	data := d.data(mntns, pid)
	if data != nil {
		if u, ok := data.users[uid]; ok {
			return u, true
		}
	}
	d.misses.Add(1)
	return nil, false
}

// UserName returns the name of uid as seen in mntns.
func (d *DB) UserName(mntns uint64, pid, uid uint32) (string, bool) {
	if u, ok := d.User(mntns, pid, uid); ok {
		return u.Name, true
	}
	return "", false
}

// GroupName returns the name of gid as seen in mntns.
func (d *DB) GroupName(mntns uint64, pid, gid uint32) (string, bool) {
	data := d.data(mntns, pid)
	if data != nil {
		if g, ok := data.groups[gid]; ok {
			return g, true
		}
	}
	d.misses.Add(1)
	return "", false
}

// data returns the current snapshot of a namespace, starting a load or a
// change check when one is due. Only the first lookup of a namespace waits,
// and at most LoadWait.
func (d *DB) data(mntns uint64, pid uint32) *nsData {
	key := mntns
	if key == d.cfg.HostMntNS {
		key = 0
	}
	now := d.cfg.Now()
	d.mu.Lock()
	var e *nsEntry
	if el, ok := d.ns[key]; ok {
		d.lru.MoveToFront(el)
		e = el.Value.(*nsEntry)
	} else {
		for d.lru.Len() >= d.cfg.MaxNamespaces {
			old := d.lru.Back()
			d.lru.Remove(old)
			delete(d.ns, old.Value.(*nsEntry).key)
			d.evicted.Add(1)
		}
		e = &nsEntry{key: key}
		d.ns[key] = d.lru.PushFront(e)
	}
	if pid != 0 && (e.pid == 0 || (e.data != nil && e.data.err != nil)) {
		e.pid = pid
	}
	if !e.loading && !e.static && !now.Before(e.nextCheck) {
		d.startLoad(e)
	}
	data, done := e.data, e.done
	loading := e.loading
	d.mu.Unlock()
	if data != nil || !loading || d.cfg.LoadWait < 0 {
		return data
	}
	t := time.NewTimer(d.cfg.LoadWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		d.waitTimeouts.Add(1)
		return nil
	case <-d.stop:
		return nil
	}
	d.mu.Lock()
	data = e.data
	d.mu.Unlock()
	return data
}

// startLoad starts a background load of e if a loader is free. Callers
// hold d.mu.
func (d *DB) startLoad(e *nsEntry) {
	select {
	case <-d.stop:
		return
	default:
	}
	select {
	case d.sem <- struct{}{}:
	default:
		d.loadsDropped.Add(1)
		return
	}
	e.loading = true
	e.done = make(chan struct{})
	root, inRoot := d.cfg.HostRoot, false
	if e.key != 0 {
		root, inRoot = filepath.Join(d.cfg.ProcRoot, strconv.FormatUint(uint64(e.pid), 10), "root"), true
	}
	prev := e.data
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer func() { <-d.sem }()
		next := d.load(root, inRoot, prev)
		d.mu.Lock()
		e.data = next
		e.loading = false
		interval := d.cfg.CheckInterval
		if next.err != nil {
			interval = d.cfg.RetryInterval
			if inRoot && processGone(root) && interval > vanishedRetry {
				// The process we read through exited (short-lived
				// commands are common in containers): read through
				// another member of the namespace soon.
				interval = vanishedRetry
			}
		}
		e.nextCheck = d.cfg.Now().Add(interval)
		close(e.done)
		d.mu.Unlock()
	}()
}

// load reads etc/passwd and etc/group under root unless both are unchanged
// since prev. For a container root (inRoot) paths are resolved inside the
// root, so an absolute symlink in the container cannot point us at a host
// file. A file that cannot be read leaves its map empty and sets err.
func (d *DB) load(root string, inRoot bool, prev *nsData) *nsData {
	names := [2]string{"etc/passwd", "etc/group"}
	var files [2]*os.File
	var stamps [2]fileStamp
	var errs []error
	for i, name := range names {
		f, err := openFile(root, name, inRoot)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !fi.Mode().IsRegular() {
			errs = append(errs, fmt.Errorf("read %s: not a regular file", f.Name()))
			continue
		}
		files[i] = f
		stamps[i] = fileStamp{mtime: fi.ModTime(), size: fi.Size(), ok: true}
	}
	if prev != nil && prev.err == nil && len(errs) == 0 && stamps == prev.stamp {
		return prev
	}
	next := &nsData{stamp: stamps}
	if files[0] != nil {
		if s, err := d.readFile(files[0]); err == nil {
			u, trunc := parsePasswd(s, d.cfg.MaxEntries)
			if trunc {
				d.truncated.Add(1)
			}
			next.users = u
		} else {
			errs = append(errs, err)
		}
	}
	if files[1] != nil {
		if s, err := d.readFile(files[1]); err == nil {
			g, trunc := parseGroup(s, d.cfg.MaxEntries)
			if trunc {
				d.truncated.Add(1)
			}
			next.groups = g
		} else {
			errs = append(errs, err)
		}
	}
	next.err = errors.Join(errs...)
	d.loads.Add(1)
	if next.err != nil {
		d.loadErrors.Add(1)
	}
	return next
}

// readFile reads at most MaxFileSize bytes. A larger file is cut at its last
// complete line and counted as truncated.
func (d *DB) readFile(f *os.File) (string, error) {
	b, err := io.ReadAll(io.LimitReader(f, d.cfg.MaxFileSize+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", f.Name(), err)
	}
	if int64(len(b)) > d.cfg.MaxFileSize {
		d.truncated.Add(1)
		b = b[:d.cfg.MaxFileSize]
		for len(b) > 0 && b[len(b)-1] != '\n' {
			b = b[:len(b)-1]
		}
	}
	return string(b), nil
}

// vanishedRetry is how soon a namespace read through a process that exited
// is tried again.
const vanishedRetry = 200 * time.Millisecond

// processGone reports whether a /proc/PID/root path no longer leads
// anywhere because its process exited.
func processGone(root string) bool {
	_, err := os.Stat(root)
	return err != nil
}
