package users

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newDB(t *testing.T, cfg Config) (*DB, *clock) {
	t.Helper()
	c := &clock{t: time.Unix(1000, 0)}
	if cfg.HostRoot == "" {
		cfg.HostRoot = "testdata/host"
	}
	if cfg.ProcRoot == "" {
		cfg.ProcRoot = "testdata/proc"
	}
	if cfg.LoadWait == 0 {
		cfg.LoadWait = 5 * time.Second // tests wait for loads
	}
	cfg.Now = c.Now
	d := New(cfg)
	t.Cleanup(d.Close)
	return d, c
}

func TestLookups(t *testing.T) {
	d, _ := newDB(t, Config{HostMntNS: 4026531841})
	tests := []struct {
		name   string
		mntns  uint64
		pid    uint32
		id     uint32
		group  bool
		want   string
		wantOK bool
	}{
		{"host root", 0, 0, 0, false, "root", true},
		{"host by mntns", 4026531841, 55, 1000, false, "alice", true},
		{"first uid wins", 0, 0, 1000, false, "alice", true},
		{"nobody", 0, 0, 65534, false, "nobody", true},
		{"unknown uid", 0, 0, 4242, false, "", false},
		{"short line skipped", 0, 0, 7, false, "", false},
		{"host group", 0, 0, 999, true, "docker", true},
		{"bad group skipped", 0, 0, 0, true, "root", true},
		{"container user via absolute symlink in root", 4026532101, 1234, 10001, false, "app", true},
		{"container root", 4026532101, 1234, 0, false, "root", true},
		{"container does not see host users", 4026532101, 1234, 1000, false, "", false},
		{"container group", 4026532101, 1234, 10001, true, "app", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			var ok bool
			if tt.group {
				got, ok = d.GroupName(tt.mntns, tt.pid, tt.id)
			} else {
				got, ok = d.UserName(tt.mntns, tt.pid, tt.id)
			}
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("got %q %v, want %q %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
	u, ok := d.User(0, 0, 1000)
	if !ok || u.Home != "/home/alice" || u.Shell != "/bin/zsh" || u.GID != 1000 {
		t.Fatalf("user %+v", u)
	}
	c := d.Counters()
	if c.Namespaces != 2 || c.Loads != 2 || c.LoadErrors != 0 || c.Misses != 3 {
		t.Fatalf("counters %+v", c)
	}
}

func TestNegativeCacheAndRetry(t *testing.T) {
	d, clk := newDB(t, Config{RetryInterval: time.Minute})
	if _, ok := d.UserName(77, 999999, 0); ok {
		t.Fatal("name from a namespace without files")
	}
	for range 5 {
		d.UserName(77, 999999, 0)
	}
	if c := d.Counters(); c.Loads != 1 || c.LoadErrors != 1 {
		t.Fatalf("negative entry reloaded: %+v", c)
	}
	// After the retry interval, a lookup with a valid pid succeeds.
	clk.Add(2 * time.Minute)
	d.UserName(77, 1234, 0) // starts the retry with pid 1234
	waitFor(t, func() bool { _, ok := d.UserName(77, 1234, 10001); return ok })
}

func TestRefreshOnChange(t *testing.T) {
	root := t.TempDir()
	etc := filepath.Join(root, "etc")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(passwd string, mtime time.Time) {
		p := filepath.Join(etc, "passwd")
		if err := os.WriteFile(p, []byte(passwd), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(etc, "group"), []byte("root:x:0:\n"), 0o644)
	write("root:x:0:0::/root:/bin/sh\n", time.Unix(100, 0))
	d, clk := newDB(t, Config{HostRoot: root, CheckInterval: 10 * time.Second})
	if n, _ := d.UserName(0, 0, 0); n != "root" {
		t.Fatalf("initial name %q", n)
	}
	write("admin:x:0:0::/root:/bin/sh\n", time.Unix(200, 0))
	if n, _ := d.UserName(0, 0, 0); n != "root" {
		t.Fatal("re-read before the check interval")
	}
	clk.Add(11 * time.Second)
	d.UserName(0, 0, 0) // triggers the background check
	waitFor(t, func() bool { n, _ := d.UserName(0, 0, 0); return n == "admin" })
	loads := d.Counters().Loads
	// Unchanged files are not re-parsed.
	clk.Add(11 * time.Second)
	d.UserName(0, 0, 0)
	time.Sleep(50 * time.Millisecond)
	d.Close()
	if got := d.Counters().Loads; got != loads {
		t.Fatalf("unchanged files re-read: loads %d → %d", loads, got)
	}
}

func TestNamespaceLRU(t *testing.T) {
	d, _ := newDB(t, Config{MaxNamespaces: 2})
	d.UserName(0, 0, 0)
	d.UserName(10, 1234, 0)
	d.UserName(0, 0, 0)
	d.UserName(11, 1234, 0) // evicts 10
	c := d.Counters()
	if c.Namespaces != 2 || c.Evicted != 1 {
		t.Fatalf("counters %+v", c)
	}
	d.UserName(10, 1234, 0) // reloaded
	if c := d.Counters(); c.Loads != 4 || c.Evicted != 2 {
		t.Fatalf("counters after reload %+v", c)
	}
}

func TestBounds(t *testing.T) {
	d, _ := newDB(t, Config{MaxEntries: 2})
	if _, ok := d.UserName(0, 0, 65534); ok {
		t.Fatal("entry beyond MaxEntries kept")
	}
	if c := d.Counters(); c.Truncated != 2 {
		t.Fatalf("truncated %d", c.Truncated)
	}
	d2, _ := newDB(t, Config{MaxFileSize: 40})
	if n, ok := d2.UserName(0, 0, 0); !ok || n != "root" {
		t.Fatalf("first line lost: %q", n)
	}
	if _, ok := d2.UserName(0, 0, 1); ok {
		t.Fatal("cut line parsed")
	}
	if c := d2.Counters(); c.Truncated != 2 { // passwd and group are both longer
		t.Fatalf("truncated %d", c.Truncated)
	}
}

func TestFIFODoesNotBlock(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	if err := syscall.Mkfifo(filepath.Join(root, "etc", "passwd"), 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	d, _ := newDB(t, Config{HostRoot: root})
	done := make(chan struct{})
	go func() { d.UserName(0, 0, 0); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("lookup blocked on a FIFO")
	}
	if c := d.Counters(); c.LoadErrors != 1 {
		t.Fatalf("FIFO not reported as a load error: %+v", c)
	}
}

func TestNoWait(t *testing.T) {
	d, _ := newDB(t, Config{LoadWait: -1})
	// The first lookup does not wait; the name appears once loaded.
	d.UserName(0, 0, 0)
	waitFor(t, func() bool { _, ok := d.UserName(0, 0, 0); return ok })
}

func TestLoadersBounded(t *testing.T) {
	d, _ := newDB(t, Config{MaxLoaders: 1, LoadWait: -1})
	// Fill the single loader slot by hand, then ask for a namespace.
	d.sem <- struct{}{}
	d.UserName(0, 0, 0)
	if c := d.Counters(); c.LoadsDropped != 1 {
		t.Fatalf("LoadsDropped %d", c.LoadsDropped)
	}
	<-d.sem
	d.UserName(0, 0, 0) // retried
	waitFor(t, func() bool { _, ok := d.UserName(0, 0, 0); return ok })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	d, _ := newDB(t, Config{})
	d.UserName(0, 0, 0)
	d.UserName(9, 1234, 0)
	allocs := testing.AllocsPerRun(1000, func() {
		d.UserName(0, 0, 1000)
		d.GroupName(0, 0, 999)
		d.UserName(9, 1234, 10001)
		d.UserName(0, 0, 4242)
	})
	if allocs != 0 {
		t.Fatalf("lookups allocate %.1f times", allocs)
	}
}

func BenchmarkUserName(b *testing.B) {
	d := New(Config{HostRoot: "testdata/host", ProcRoot: "testdata/proc", LoadWait: 5 * time.Second})
	defer d.Close()
	d.UserName(0, 0, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := d.UserName(0, 0, 1000); !ok {
			b.Fatal("miss")
		}
	}
}

func TestSnapshotPreload(t *testing.T) {
	d, _ := newDB(t, Config{})
	d.UserName(0, 0, 0)
	d.UserName(9, 1234, 0)
	d.UserName(10, 999999, 0) // unreadable: cached empty
	snap := d.Snapshot()
	if len(snap) != 3 || snap[0].MntNS != 0 || snap[1].MntNS != 9 || len(snap[1].Users) != 2 || len(snap[2].Users) != 0 {
		t.Fatalf("snapshot %+v", snap)
	}
	// Replay: a DB whose files are elsewhere answers from the snapshot only.
	r, clk := newDB(t, Config{HostRoot: t.TempDir(), ProcRoot: t.TempDir()})
	for _, ns := range snap {
		r.Preload(ns)
	}
	clk.Add(time.Hour)
	if n, ok := r.UserName(0, 0, 1000); !ok || n != "alice" {
		t.Fatalf("preloaded host user %q", n)
	}
	if n, ok := r.GroupName(9, 1, 10001); !ok || n != "app" {
		t.Fatalf("preloaded container group %q", n)
	}
	if c := r.Counters(); c.Loads != 0 {
		t.Fatalf("preloaded DB read files: %+v", c)
	}
}

// TestVanishedProcessRetried: a namespace first read through a process that
// has already exited is read again, through the next pid, at the next
// lookup instead of staying empty for RetryInterval.
func TestVanishedProcessRetried(t *testing.T) {
	proc := t.TempDir()
	d, clk := newDB(t, Config{ProcRoot: proc, RetryInterval: time.Hour})
	if _, ok := d.UserName(77, 100, 0); ok {
		t.Fatal("name from a process that does not exist")
	}
	etc := filepath.Join(proc, "200", "root", "etc")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "group"), []byte("root:x:0:\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)   // past the short retry, far before RetryInterval
	d.UserName(77, 200, 0) // starts the new load; lookups never wait for a retry
	deadline := time.Now().Add(5 * time.Second)
	for {
		if name, ok := d.UserName(77, 200, 0); ok && name == "root" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("namespace not read again through the live process")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
