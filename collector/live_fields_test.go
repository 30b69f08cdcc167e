package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/vigilsec/vigil/collector/container"
	"github.com/vigilsec/vigil/collector/kernel"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/collector/users"
	"github.com/vigilsec/vigil/rules/fields"
)

// liveWait bounds each wait for an event; generous, because a loaded CI
// machine under -race can be slow, and a passing run never waits this long.
const liveWait = 15 * time.Second

// fieldWant is what one field must render as: exactly text, text as a
// prefix, or no value at all.
type fieldWant struct {
	text    string
	prefix  bool
	missing bool
}

func exactly(s string) fieldWant    { return fieldWant{text: s} }
func startsWith(s string) fieldWant { return fieldWant{text: s, prefix: true} }

var noValue = fieldWant{missing: true}

// fieldWants maps a field expression ("fd.name", "proc.aname[2]") to what
// it must render as on one event.
type fieldWants map[string]fieldWant

// with returns the union of w and more (more wins).
func (w fieldWants) with(more fieldWants) fieldWants {
	out := make(fieldWants, len(w)+len(more))
	for k, v := range w {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// liveExpr is a field expression resolved against the registry.
type liveExpr struct {
	expr string
	ref  fields.Ref
	f    *fields.Field
}

func resolveLiveExpr(reg *fields.Registry, expr string) (liveExpr, error) {
	name, arg, hasArg := expr, "", false
	if i := strings.IndexByte(expr, '['); i > 0 && strings.HasSuffix(expr, "]") {
		name, arg, hasArg = expr[:i], expr[i+1:len(expr)-1], true
	}
	ref, f, err := reg.Resolve(name, arg, hasArg)
	if err != nil {
		return liveExpr{}, fmt.Errorf("%s: %w", expr, err)
	}
	return liveExpr{expr: expr, ref: ref, f: f}, nil
}

// text extracts the expression from e and renders it as rule outputs do.
func (x *liveExpr) text(e *Event) (string, bool) {
	var v fields.Value
	if !e.Extract(&x.ref, &v) {
		return "", false
	}
	return string(fields.AppendValue(nil, x.f, &v)), true
}

// liveWaiter waits for one event. Its match and scope functions run on the
// source's goroutine: they may read what the test set before registering
// them and share variables with each other, but never write anything the
// test goroutine reads.
type liveWaiter struct {
	what  string
	match func(*Event) bool // the event the field assertions are about
	scope func(*Event) bool // related events, listed if the wait fails
	exprs []liveExpr

	// Set by the source goroutine under liveRig.mu.
	seen    []string
	dropped int
	got     map[string]string // present fields only
	done    chan struct{}
}

// maxSeen bounds the related events a waiter lists on failure.
const maxSeen = 64

// liveRig is a kernel probe recording everything (this process included)
// feeding a LiveSource whose events are offered to the registered waiters.
type liveRig struct {
	reg     *fields.Registry
	summary []liveExpr

	stopped chan struct{}
	runErr  error // set before stopped is closed

	mu      sync.Mutex
	waiters map[*liveWaiter]struct{}
}

func startLiveRig(t *testing.T) *liveRig {
	t.Helper()
	requireBPF(t)
	log := slog.New(slog.DiscardHandler)

	var ns unix.Stat_t
	if err := unix.Stat("/proc/self/ns/mnt", &ns); err != nil {
		t.Fatalf("mount namespace: %v", err)
	}
	db := users.New(users.Config{HostMntNS: ns.Ino, LoadWait: 5 * time.Second})
	t.Cleanup(db.Close)
	tbl := proc.New(proc.Config{})
	if _, err := tbl.Bootstrap(proc.BootstrapConfig{}); err != nil {
		t.Fatal(err)
	}
	st := NewState(tbl, db, container.NewStore(0), record.NativeArch())

	p, err := kernel.Open(kernel.Config{TraceSelf: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close probe: %v", err)
		}
	})
	names := []string{"procexit", "procfork", "read"}
	for _, k := range record.Kinds() {
		if k.Schema().Syscall {
			names = append(names, k.String())
		}
	}
	if err := p.SetInterest(names); err != nil {
		t.Fatal(err)
	}

	r := &liveRig{reg: fields.NewRegistry(), stopped: make(chan struct{}), waiters: map[*liveWaiter]struct{}{}}
	for _, expr := range []string{"evt.type", "evt.res", "proc.pid", "thread.tid", "proc.name", "fd.name", "evt.args"} {
		x, err := resolveLiveExpr(r.reg, expr)
		if err != nil {
			t.Fatal(err)
		}
		r.summary = append(r.summary, x)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(r.stopped)
		r.runErr = NewLiveSource(p, st, log).Run(ctx, r.deliver)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.stopped
		if !errors.Is(r.runErr, context.Canceled) {
			t.Errorf("live source: %v", r.runErr)
		}
		if c, err := p.Counters(); err == nil {
			t.Logf("records delivered %d (late %d, undecodable %d)", c.Delivered, c.Late, c.DecodeErrors)
		}
		t.Logf("proc counters %+v, unknown event types %d", tbl.Counters(), st.UnknownTypes())
	})
	return r
}

// deliver runs on the source goroutine for every event.
func (r *liveRig) deliver(e *Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for w := range r.waiters {
		if w.got != nil {
			continue
		}
		if w.match(e) {
			w.got = map[string]string{}
			for i := range w.exprs {
				if s, ok := w.exprs[i].text(e); ok {
					w.got[w.exprs[i].expr] = s
				}
			}
			close(w.done)
			continue
		}
		if w.scope != nil && w.scope(e) {
			if len(w.seen) == maxSeen {
				w.seen = w.seen[1:]
				w.dropped++
			}
			w.seen = append(w.seen, r.describe(e))
		}
	}
}

// describe renders an event for a failure message.
func (r *liveRig) describe(e *Event) string {
	var b strings.Builder
	for i := range r.summary {
		s, ok := r.summary[i].text(e)
		if !ok {
			s = "-"
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", r.summary[i].expr, s)
	}
	return b.String()
}

// expect registers a waiter for the event match accepts, which extracts
// the fields want names and those in late (fields whose expected values
// are only known once the call returned, added to want before checking).
// Register before making the call the event records.
func (r *liveRig) expect(t *testing.T, what string, want fieldWants, match, scope func(*Event) bool, late ...string) *liveWaiter {
	t.Helper()
	w := &liveWaiter{what: what, match: match, scope: scope, done: make(chan struct{})}
	for _, expr := range slices.Concat(slices.Collect(maps.Keys(want)), late) {
		x, err := resolveLiveExpr(r.reg, expr)
		if err != nil {
			t.Fatal(err)
		}
		w.exprs = append(w.exprs, x)
	}
	r.mu.Lock()
	r.waiters[w] = struct{}{}
	r.mu.Unlock()
	t.Cleanup(func() { r.drop(w) })
	return w
}

func (r *liveRig) drop(w *liveWaiter) {
	r.mu.Lock()
	delete(r.waiters, w)
	r.mu.Unlock()
}

// wait returns the fields extracted from w's event, failing the test with
// the related events seen when it does not arrive in time.
func (r *liveRig) wait(t *testing.T, w *liveWaiter) map[string]string {
	t.Helper()
	timer := time.NewTimer(liveWait)
	defer timer.Stop()
	select {
	case <-w.done:
	case <-r.stopped:
		t.Fatalf("%s: the live source stopped: %v", w.what, r.runErr)
	case <-timer.C:
		r.mu.Lock()
		seen, dropped := slices.Clone(w.seen), w.dropped
		r.mu.Unlock()
		t.Fatalf("%s: no such event within %v; %d related events seen (%d earlier ones not kept):\n\t%s",
			w.what, liveWait, len(seen)+dropped, dropped, strings.Join(seen, "\n\t"))
	}
	r.drop(w)
	r.mu.Lock()
	defer r.mu.Unlock()
	return w.got
}

// checkLiveFields compares the extracted fields with want.
func checkLiveFields(t *testing.T, what string, got map[string]string, want fieldWants) {
	t.Helper()
	bad := false
	for _, expr := range slices.Sorted(maps.Keys(want)) {
		w := want[expr]
		s, ok := got[expr]
		switch {
		case w.missing && ok:
			t.Errorf("%s: %s = %q, want no value", what, expr, s)
		case w.missing:
			continue
		case !ok:
			t.Errorf("%s: %s has no value, want %q", what, expr, w.text)
		case w.prefix && !strings.HasPrefix(s, w.text):
			t.Errorf("%s: %s = %q, want it to start with %q", what, expr, s, w.text)
		case !w.prefix && s != w.text:
			t.Errorf("%s: %s = %q, want %q", what, expr, s, w.text)
		default:
			continue
		}
		bad = true
	}
	if bad {
		t.Logf("%s: every extracted field: %v", what, got)
	}
}

// liveLockThread pins the goroutine to its OS thread for the rest of the
// (sub)test and returns the thread id the records of its calls carry.
func liveLockThread(t *testing.T) uint32 {
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	return uint32(unix.Gettid())
}

// onThread accepts the events of thread tid.
func onThread(tid uint32) func(*Event) bool {
	return func(e *Event) bool { return e.Rec.TID == tid }
}

// cmdlineHas accepts the events of processes whose command line contains s.
func cmdlineHas(s string) func(*Event) bool {
	return func(e *Event) bool { return e.Proc != nil && strings.Contains(e.Proc.Cmdline, s) }
}

// cstr returns a NUL-terminated copy of s for raw system calls.
func cstr(t *testing.T, s string) *byte {
	p, err := unix.BytePtrFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rawOpenat calls openat with exactly the given flags (the unix wrappers
// may add O_LARGEFILE) and returns the result or the negative errno.
func rawOpenat(t *testing.T, dirfd int, path string, flags int, mode uint32) int {
	p := cstr(t, path)
	fd, _, errno := unix.Syscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)), uintptr(flags), uintptr(mode), 0, 0)
	runtime.KeepAlive(p)
	if errno != 0 {
		return -int(errno)
	}
	return int(fd)
}

// mustOpenat is rawOpenat that fails the test on an error.
func mustOpenat(t *testing.T, dirfd int, path string, flags int, mode uint32) int {
	t.Helper()
	fd := rawOpenat(t, dirfd, path, flags, mode)
	if fd < 0 {
		t.Fatalf("openat %s: %v", path, unix.Errno(-fd))
	}
	return fd
}

// recData returns data field i of the event's record as a string.
func recData(e *Event, i int) string { return string(e.Rec.Data[i]) }

// TestLiveFields makes real system calls under the kernel probe and checks
// the fields of the resulting events as the rules engine reads them
// (Extract, rendered with fields.AppendValue): files opened, read and
// written, an exec with arguments, a TCP connection seen from both ends, a
// symlink, ptrace, an exec from a memfd, 32-bit compat calls and a failed
// open. Events are matched by this test's thread, its children or its
// unique temporary paths, so other activity on the machine never matters.
func TestLiveFields(t *testing.T) {
	requireBPF(t)

	// Everything the calls need is made before the probe starts, so none of
	// it shows up among the events.
	base := t.TempDir()
	if resolved, err := filepath.EvalSymlinks(base); err == nil {
		base = resolved // the kernel reports resolved paths
	}
	readPath := filepath.Join(base, "vigil-read")
	const readText = "hello vigil"
	etcRoot := filepath.Join(base, "root")
	linkDir := filepath.Join(base, "links")
	execDir := filepath.Join(base, "cwd")
	for _, d := range []string{filepath.Join(etcRoot, "etc"), linkDir, execDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(readPath, []byte(readText), 0o600); err != nil {
		t.Fatal(err)
	}
	compat32, compatSkip := buildCompat32(t, base)

	me := os.Getpid()
	commBytes, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	comm := strings.TrimSpace(string(commBytes))
	uid := strconv.Itoa(os.Geteuid())
	userName := noValue // the host's passwd file has no entry for the uid
	if u, err := user.LookupId(uid); err == nil {
		userName = exactly(u.Username)
	}
	// Fields every event of this test's processes has.
	ours := fieldWants{
		"user.uid":     exactly(uid),
		"user.name":    userName,
		"container.id": exactly("host"),
	}
	// ...and those of the calls this test process makes itself.
	self := ours.with(fieldWants{
		"proc.pid":  exactly(strconv.Itoa(me)),
		"proc.name": exactly(comm),
	})

	rig := startLiveRig(t)

	t.Run("open_read", func(t *testing.T) {
		tid := liveLockThread(t)
		const flags = unix.O_RDONLY | unix.O_CLOEXEC
		openWant := self.with(fieldWants{
			"evt.type": exactly("openat"), "evt.res": exactly("SUCCESS"), "evt.failed": exactly("false"),
			"evt.arg.name": exactly(readPath), "evt.arg.flags": exactly("O_RDONLY|O_CLOEXEC"), "evt.arg.dirfd": exactly("AT_FDCWD"),
			"evt.is_open_read": exactly("true"), "evt.is_open_write": exactly("false"),
			"fd.name": exactly(readPath), "fd.directory": exactly(base), "fd.filename": exactly("vigil-read"),
			"fd.typechar": exactly("f"), "fd.type": exactly("file"), "thread.tid": exactly(strconv.Itoa(int(tid))),
			"fd.sport": noValue, "fd.l4proto": noValue, // not a socket
		})
		ow := rig.expect(t, "openat of "+readPath, openWant, func(e *Event) bool {
			return e.Rec.TID == tid && isOpen(e.Rec.Kind) && recData(e, record.DataOpenPath) == readPath
		}, onThread(tid), "fd.num", "evt.rawres")
		fd := mustOpenat(t, unix.AT_FDCWD, readPath, flags, 0)
		defer unix.Close(fd)
		openWant["fd.num"] = exactly(strconv.Itoa(fd))
		openWant["evt.rawres"] = exactly(strconv.Itoa(fd))

		readWant := self.with(fieldWants{
			"evt.type": exactly("read"), "evt.res": exactly("SUCCESS"), "evt.rawres": exactly(strconv.Itoa(len(readText))),
			"thread.tid": exactly(strconv.Itoa(int(tid))),
		})
		rw := rig.expect(t, "read of "+readPath, readWant, func(e *Event) bool {
			return e.Rec.TID == tid && e.Rec.Kind == record.KindGeneric && e.Rec.Flags&record.FlagCompat == 0 && int(e.Rec.Args[0]) == fd
		}, onThread(tid))
		buf := make([]byte, 64)
		if n, err := unix.Read(fd, buf); err != nil || n != len(readText) {
			t.Fatalf("read: %d %v", n, err)
		}
		checkLiveFields(t, "openat", rig.wait(t, ow), openWant)
		checkLiveFields(t, "read", rig.wait(t, rw), readWant)
	})

	t.Run("write_below_etc", func(t *testing.T) {
		tid := liveLockThread(t)
		// Relative to a directory fd, so the event must resolve the path.
		rootfd := mustOpenat(t, unix.AT_FDCWD, etcRoot, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		defer unix.Close(rootfd)
		const rel = "etc/vigil-live.conf"
		abs := filepath.Join(etcRoot, rel)
		want := self.with(fieldWants{
			"evt.type": exactly("openat"), "evt.res": exactly("SUCCESS"),
			"evt.arg.name": exactly(abs), "evt.rawarg.name": exactly(rel),
			"evt.arg.flags": exactly("O_TRUNC|O_CREAT|O_WRONLY|O_CLOEXEC"), "evt.arg.mode": exactly("0640"),
			"evt.arg.dirfd":     exactly(fmt.Sprintf("%d(<d>%s)", rootfd, etcRoot)),
			"evt.is_open_write": exactly("true"), "evt.is_open_read": exactly("false"), "evt.is_open_exec": exactly("false"),
			"fd.name": exactly(abs), "fd.directory": exactly(filepath.Join(etcRoot, "etc")), "fd.filename": exactly("vigil-live.conf"),
			"fd.typechar": exactly("f"),
		})
		w := rig.expect(t, "openat of "+rel+" below "+etcRoot, want, func(e *Event) bool {
			return e.Rec.TID == tid && isOpen(e.Rec.Kind) && recData(e, record.DataOpenPath) == rel
		}, onThread(tid), "fd.num")
		fd := mustOpenat(t, rootfd, rel, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, 0o640)
		want["fd.num"] = exactly(strconv.Itoa(fd))
		if _, err := unix.Write(fd, []byte("x=1\n")); err != nil {
			t.Error(err)
		}
		unix.Close(fd)
		checkLiveFields(t, "openat for writing", rig.wait(t, w), want)
	})

	t.Run("failed_open", func(t *testing.T) {
		tid := liveLockThread(t)
		missing := filepath.Join(base, "vigil-missing")
		want := self.with(fieldWants{
			"evt.type": exactly("openat"), "evt.res": exactly("ENOENT"), "evt.rawres": exactly("-2"), "evt.failed": exactly("true"),
			"evt.arg.fd": exactly("ENOENT"), "evt.arg.name": exactly(missing),
			"fd.num": exactly("-1"), "fd.name": exactly(missing),
		})
		w := rig.expect(t, "failed openat of "+missing, want, func(e *Event) bool {
			return e.Rec.TID == tid && isOpen(e.Rec.Kind) && recData(e, record.DataOpenPath) == missing
		}, onThread(tid))
		if fd := rawOpenat(t, unix.AT_FDCWD, missing, unix.O_RDONLY|unix.O_CLOEXEC, 0); fd != -int(unix.ENOENT) {
			t.Fatalf("openat of a missing file returned %d, want -ENOENT", fd)
		}
		checkLiveFields(t, "failed openat", rig.wait(t, w), want)
	})

	t.Run("exec_args", func(t *testing.T) {
		// This test forks sh, which forks echo: echo's parent is sh and its
		// grandparent this test.
		echoPath, err := filepath.EvalSymlinks("/bin/echo")
		if err != nil {
			t.Skipf("no /bin/echo: %v", err)
		}
		token := fmt.Sprintf("vigil-live-%d", time.Now().UnixNano())
		want := ours.with(fieldWants{
			"evt.type": exactly("execve"), "evt.res": exactly("SUCCESS"),
			"proc.name": exactly("echo"), "proc.exe": exactly("/bin/echo"), "proc.exepath": exactly(echoPath),
			"proc.args": exactly(token + " two words"), "proc.cmdline": exactly("echo " + token + " two words"),
			"proc.cmdnargs": exactly("2"), "proc.cwd": exactly(execDir + "/"),
			"proc.pname": exactly("sh"), "proc.aname[2]": exactly(comm), "proc.apid[2]": exactly(strconv.Itoa(me)),
			"proc.is_exe_from_memfd": exactly("false"),
			"evt.arg.args":           exactly(token + ".two words."), "evt.arg.filename": exactly("/bin/echo"),
			"evt.arg.exe": exactly("/bin/echo"),
		})
		// The test runs as root, so echo is writable for it unless its
		// filesystem is mounted read-only. Outside an overlayfs (a
		// container's root) it cannot come from an upper layer.
		var sfs unix.Statfs_t
		if err := unix.Statfs(echoPath, &sfs); err != nil {
			t.Fatal(err)
		}
		writable := sfs.Flags&unix.ST_RDONLY == 0
		want["proc.is_exe_writable"] = exactly(strconv.FormatBool(writable))
		if sfs.Type != unix.OVERLAYFS_SUPER_MAGIC {
			want["proc.is_exe_upper_layer"] = exactly("false")
			if writable {
				want["evt.arg.flags"] = exactly("EXE_WRITABLE")
			}
		}
		w := rig.expect(t, "execve of echo "+token, want, func(e *Event) bool {
			return e.Rec.Kind == record.KindExecve && e.Rec.Ret == 0 &&
				strings.HasPrefix(recData(e, record.DataExecArgv), "/bin/echo\x00"+token+"\x00")
		}, cmdlineHas(token), "proc.ppid")
		cmd := exec.Command("/bin/sh", "-c", "/bin/echo "+token+" 'two words'; exit 0")
		cmd.Dir = execDir
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		want["proc.ppid"] = exactly(strconv.Itoa(cmd.Process.Pid))
		checkLiveFields(t, "execve", rig.wait(t, w), want)
	})

	t.Run("tcp", func(t *testing.T) {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		port := ln.Addr().(*net.TCPAddr).Port
		sport := strconv.Itoa(port)

		tid := liveLockThread(t)
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		connWant := self.with(fieldWants{
			"evt.type": exactly("connect"), "evt.res": exactly("SUCCESS"), "fd.num": exactly(strconv.Itoa(fd)),
			"fd.sip": exactly("127.0.0.1"), "fd.sport": exactly(sport), "fd.cip": exactly("127.0.0.1"),
			"fd.rip": exactly("127.0.0.1"), "fd.rport": exactly(sport), "fd.lip": exactly("127.0.0.1"),
			"fd.l4proto": exactly("tcp"), "fd.typechar": exactly("4"), "fd.type": exactly("ipv4"), "fd.sockfamily": exactly("ip"),
			"fd.is_server": exactly("false"), "evt.arg.addr": exactly("127.0.0.1:" + sport),
			"fd.directory": noValue, "fd.filename": noValue, // not a file
		})
		late := []string{"fd.name", "evt.arg.tuple", "fd.cport", "fd.lport", "fd.rport"}
		cw := rig.expect(t, "connect to "+ln.Addr().String(), connWant, func(e *Event) bool {
			return e.Rec.TID == tid && e.Rec.Kind == record.KindConnect && int(e.Rec.Args[record.ArgSockFd]) == fd
		}, onThread(tid), late...)
		// The Go runtime accepts on whichever thread runs the goroutine.
		accWant := ours.with(fieldWants{
			"proc.pid": exactly(strconv.Itoa(me)), "evt.res": exactly("SUCCESS"), "fd.is_server": exactly("true"),
			"fd.sip": exactly("127.0.0.1"), "fd.sport": exactly(sport), "fd.cip": exactly("127.0.0.1"),
			"fd.lip": exactly("127.0.0.1"), "fd.lport": exactly(sport), "fd.rip": exactly("127.0.0.1"),
			"fd.l4proto": exactly("tcp"), "fd.typechar": exactly("4"), "fd.sockfamily": exactly("ip"),
		})
		isAccept := func(e *Event) bool {
			k := e.Rec.Kind
			return (k == record.KindAccept || k == record.KindAccept4) && e.Rec.TGID == uint32(me)
		}
		aw := rig.expect(t, "accept on "+ln.Addr().String(), accWant, func(e *Event) bool {
			var si record.SockInfo
			return isAccept(e) && e.Rec.Ret >= 0 &&
				record.DecodeSockInfo(e.Rec.Data[record.DataSockInfo], &si) && int(si.LocalPort) == port
		}, isAccept, append(late, "evt.type")...)

		accepted := make(chan error, 1)
		go func() {
			c, err := ln.Accept()
			if err == nil {
				c.Close()
			}
			accepted <- err
		}()
		if err := unix.Connect(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			t.Fatal(err)
		}
		if err := <-accepted; err != nil {
			t.Fatal(err)
		}
		sa, err := unix.Getsockname(fd)
		if err != nil {
			t.Fatal(err)
		}
		cport := strconv.Itoa(sa.(*unix.SockaddrInet4).Port)
		tuple := "127.0.0.1:" + cport + "->127.0.0.1:" + sport
		connWant["fd.name"], connWant["evt.arg.tuple"] = exactly(tuple), exactly(tuple)
		connWant["fd.cport"], connWant["fd.lport"] = exactly(cport), exactly(cport)
		accWant["fd.name"], accWant["evt.arg.tuple"] = exactly(tuple), exactly(tuple)
		accWant["fd.cport"], accWant["fd.rport"] = exactly(cport), exactly(cport)
		checkLiveFields(t, "connect", rig.wait(t, cw), connWant)
		acc := rig.wait(t, aw)
		// Go accepts with accept4 where the architecture has it.
		if typ := acc["evt.type"]; typ != "accept4" && typ != "accept" {
			t.Errorf("accept: evt.type = %q, want accept4 or accept", typ)
		}
		checkLiveFields(t, "accept", acc, accWant)
	})

	t.Run("symlink", func(t *testing.T) {
		tid := liveLockThread(t)
		// Relative to a directory fd, so the event must resolve the path.
		dirfd := mustOpenat(t, unix.AT_FDCWD, linkDir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		defer unix.Close(dirfd)
		const target, link = "/etc/vigil-live-target", "vigil-link"
		want := self.with(fieldWants{
			"evt.type": exactly("symlinkat"), "evt.res": exactly("SUCCESS"),
			"evt.arg.target": exactly(target), "evt.arg.linkpath": exactly(filepath.Join(linkDir, link)),
			"evt.arg.linkdirfd": exactly(fmt.Sprintf("%d(<d>%s)", dirfd, linkDir)),
		})
		w := rig.expect(t, "symlinkat "+link, want, func(e *Event) bool {
			return e.Rec.TID == tid && e.Rec.Kind == record.KindSymlinkat && recData(e, record.DataSymlinkPath) == link
		}, onThread(tid))
		tp, lp := cstr(t, target), cstr(t, link)
		_, _, errno := unix.Syscall(unix.SYS_SYMLINKAT, uintptr(unsafe.Pointer(tp)), uintptr(dirfd), uintptr(unsafe.Pointer(lp)))
		runtime.KeepAlive(tp)
		runtime.KeepAlive(lp)
		if errno != 0 {
			t.Fatalf("symlinkat: %v", errno)
		}
		checkLiveFields(t, "symlinkat", rig.wait(t, w), want)
	})

	t.Run("ptrace", func(t *testing.T) {
		cmd := exec.Command("/bin/sleep", "30")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			cmd.Process.Kill()
			cmd.Wait()
		}()
		pid := cmd.Process.Pid
		tid := liveLockThread(t) // ptrace requests must come from the tracing thread
		want := self.with(fieldWants{
			"evt.type": exactly("ptrace"), "evt.res": exactly("SUCCESS"),
			"evt.arg.request": exactly("PTRACE_ATTACH"), "evt.arg.pid": exactly(strconv.Itoa(pid)),
			"fd.num": noValue, "fd.name": noValue, // ptrace uses no fd
		})
		w := rig.expect(t, fmt.Sprintf("ptrace attach to %d", pid), want, func(e *Event) bool {
			return e.Rec.TID == tid && e.Rec.Kind == record.KindPtrace && e.Rec.Args[record.ArgPtraceRequest] == unix.PTRACE_ATTACH
		}, onThread(tid))
		if err := unix.PtraceAttach(pid); err != nil {
			t.Fatal(err)
		}
		var ws unix.WaitStatus
		if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); err != nil {
			t.Fatal(err)
		}
		if err := unix.PtraceDetach(pid); err != nil {
			t.Fatal(err)
		}
		checkLiveFields(t, "ptrace", rig.wait(t, w), want)
	})

	t.Run("memfd_exec", func(t *testing.T) {
		tid := liveLockThread(t)
		name := fmt.Sprintf("vigil-live-%d", time.Now().UnixNano()%1e9)
		mcWant := self.with(fieldWants{
			"evt.type": exactly("memfd_create"), "evt.res": exactly("SUCCESS"), "evt.arg.name": exactly(name),
			"fd.name": exactly("memfd:" + name), "fd.typechar": exactly("m"), "fd.type": exactly("memfd"),
		})
		mw := rig.expect(t, "memfd_create "+name, mcWant, func(e *Event) bool {
			return e.Rec.TID == tid && e.Rec.Kind == record.KindMemfdCreate && recData(e, record.DataMemfdName) == name
		}, onThread(tid), "fd.num")
		fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
		if err != nil {
			t.Fatal(err)
		}
		mcWant["fd.num"] = exactly(strconv.Itoa(fd))
		mf := os.NewFile(uintptr(fd), "memfd")
		defer mf.Close()
		bin, err := os.ReadFile("/bin/true")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mf.Write(bin); err != nil {
			t.Fatal(err)
		}

		// The child runs the memfd through its fd 3; name, also its
		// argument, tells its exec apart from any other.
		const exe = "/proc/self/fd/3"
		exWant := ours.with(fieldWants{
			"evt.type": exactly("execve"), "evt.res": exactly("SUCCESS"),
			"proc.is_exe_from_memfd": exactly("true"), "proc.exepath": startsWith("/memfd:" + name),
			"proc.exe": exactly(exe), "proc.name": exactly("3"), "proc.args": exactly(name),
			"proc.pname": exactly(comm), "proc.ppid": exactly(strconv.Itoa(me)), "evt.arg.filename": exactly(exe),
		})
		ew := rig.expect(t, "execve of memfd "+name, exWant, func(e *Event) bool {
			return e.Rec.Kind == record.KindExecve && e.Rec.Ret == 0 && recData(e, record.DataExecArgv) == exe+"\x00"+name+"\x00"
		}, cmdlineHas(name))
		cmd := exec.Command(exe, name)
		cmd.ExtraFiles = []*os.File{mf}
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		checkLiveFields(t, "memfd_create", rig.wait(t, mw), mcWant)
		checkLiveFields(t, "execve from memfd", rig.wait(t, ew), exWant)
	})

	t.Run("compat32", func(t *testing.T) {
		if compatSkip != "" {
			t.Skip(compatSkip)
		}
		path := filepath.Join(base, "vigil-compat")
		if err := os.WriteFile(path, []byte(readText), 0o600); err != nil {
			t.Fatal(err)
		}
		// The helper's first ia32 call (open) names it; its read is matched
		// by the pid that open came from. Both functions run on the source
		// goroutine, one event after the other.
		var helper uint32
		openWant := ours.with(fieldWants{
			"evt.type": exactly("open"), "evt.res": exactly("SUCCESS"), "proc.name": exactly("compat32"),
			"evt.arg.name": exactly(path), "evt.arg.flags": exactly("O_RDONLY"), "evt.is_open_read": exactly("true"),
			"fd.name": exactly(path), "fd.typechar": exactly("f"), "fd.directory": exactly(base),
		})
		ow := rig.expect(t, "ia32 open of "+path, openWant, func(e *Event) bool {
			if e.Rec.Kind == record.KindOpen && e.Rec.Flags&record.FlagCompat != 0 && recData(e, record.DataOpenPath) == path {
				helper = e.Rec.TGID
				return true
			}
			return false
		}, cmdlineHas(path), "fd.num")
		readWant := ours.with(fieldWants{
			"evt.type": exactly("read"), "evt.res": exactly("SUCCESS"), "evt.rawres": exactly(strconv.Itoa(len(readText))),
			"proc.name": exactly("compat32"),
		})
		rw := rig.expect(t, "ia32 read of "+path, readWant, func(e *Event) bool {
			return helper != 0 && e.Rec.TGID == helper && e.Rec.Kind == record.KindGeneric && e.Rec.Flags&record.FlagCompat != 0
		}, cmdlineHas(path))
		out, err := exec.Command(compat32, path).Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 3 {
			t.Skipf("kernel without ia32 emulation: %s", ee.Stderr)
		}
		if err != nil {
			t.Fatalf("compat32: %v: %s", err, out)
		}
		var fd, n int
		if _, err := fmt.Sscanf(string(out), "fd=%d read=%d", &fd, &n); err != nil || n != len(readText) {
			t.Fatalf("compat32 printed %q", out)
		}
		openWant["fd.num"] = exactly(strconv.Itoa(fd))
		checkLiveFields(t, "ia32 open", rig.wait(t, ow), openWant)
		checkLiveFields(t, "ia32 read", rig.wait(t, rw), readWant)
	})
}

// buildCompat32 builds testdata/compat32 into dir and returns its path, or
// why the compat test cannot run here.
func buildCompat32(t *testing.T, dir string) (path, skip string) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		return "", "32-bit compat calls exist only on amd64"
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", "no go tool in PATH to build testdata/compat32"
	}
	path = filepath.Join(dir, "compat32")
	cmd := exec.Command(goTool, "build", "-o", path, "./testdata/compat32")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build testdata/compat32: %v\n%s", err, out)
	}
	return path, ""
}
