package kernel

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/vigilsec/vigil/collector/kernel/internal/ia32"
	"github.com/vigilsec/vigil/collector/record"
)

// owned is a record copied out of the ring buffer.
type owned struct {
	record.Header
	Args [record.MaxArgs]uint64
	Data [record.MaxData][]byte
}

func own(r *record.Record) owned {
	o := owned{Header: r.Header, Args: r.Args}
	for i := 0; i < int(r.NData); i++ {
		o.Data[i] = bytes.Clone(r.Data[i])
	}
	return o
}

func (o owned) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v tgid=%d tid=%d ret=%d flags=%v args=%v", o.Kind, o.TGID, o.TID, o.Ret, o.Flags, o.Args[:o.Kind.Schema().NArgs()])
	for i := 0; i < o.Kind.Schema().NData(); i++ {
		fmt.Fprintf(&b, " %s=%q", o.Kind.Schema().Data[i], o.Data[i])
	}
	return b.String()
}

// testInterest selects every kind Vigil has a handler for, plus read (a
// generic record) and the scheduler events.
func testInterest() []string {
	names := []string{"read", "procexit", "procfork"}
	for _, k := range record.Kinds() {
		if s := k.Schema(); s.Syscall {
			names = append(names, s.Name)
		}
	}
	return names
}

// openTestProbe opens a probe recording everything, this process included.
func openTestProbe(t *testing.T) *Probe {
	t.Helper()
	return openTestProbeCfg(t, Config{})
}

// readModes runs f once with the programs reading kernel objects through
// bpf_rdonly_cast (where the kernel has it) and once through
// bpf_probe_read_kernel, the fallback for older kernels.
func readModes(t *testing.T, f func(t *testing.T, cfg Config)) {
	t.Run("default", func(t *testing.T) { f(t, Config{}) })
	t.Run("probe_read", func(t *testing.T) { f(t, Config{noRdonlyCast: true}) })
}

func openTestProbeCfg(t *testing.T, cfg Config) *Probe {
	t.Helper()
	requireBPF(t)
	cfg.RingSize = 1 << 20
	cfg.TraceSelf = true
	p, err := Open(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if err := p.SetInterest(testInterest()); err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Features() {
		if !f.Enabled {
			t.Logf("feature %s disabled: %s", f.Name, f.Reason)
		}
	}
	return p
}

// waitFor reads records until match accepts one, and returns a copy of it.
func waitFor(t *testing.T, p *Probe, what string, match func(r *record.Record) bool) owned {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var r record.Record
	for {
		if err := p.Read(ctx, &r); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if match(&r) {
			return own(&r)
		}
	}
}

// waitForAll reads records until every matcher has accepted one, whatever
// their order, and returns the first record each accepted.
func waitForAll(t *testing.T, p *Probe, matchers map[string]func(r *record.Record) bool) map[string]owned {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := map[string]owned{}
	var r record.Record
	for len(got) < len(matchers) {
		if err := p.Read(ctx, &r); err != nil {
			var missing []string
			for name := range matchers {
				if _, ok := got[name]; !ok {
					missing = append(missing, name)
				}
			}
			t.Fatalf("waiting for %v: %v", missing, err)
		}
		for name, m := range matchers {
			if _, ok := got[name]; !ok && m(&r) {
				got[name] = own(&r)
			}
		}
	}
	return got
}

// lockThread pins the calling goroutine to its OS thread for the rest of
// the test and returns the thread id, which the records of its syscalls
// carry.
func lockThread(t *testing.T) uint32 {
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	return uint32(unix.Gettid())
}

func TestCaptureOpenReadClose(t *testing.T) { readModes(t, testOpenReadClose) }

func testOpenReadClose(t *testing.T, cfg Config) {
	path := filepath.Join(t.TempDir(), "vigil-open-test")
	if err := os.WriteFile(path, []byte("hello vigil"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := openTestProbeCfg(t, cfg) // after the file is written: only our open is recorded
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	tid := lockThread(t)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := unix.Read(fd, buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Close(fd); err != nil {
		t.Fatal(err)
	}

	open := waitFor(t, p, "openat", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindOpenat && r.Ret == int64(fd) && string(r.Data[record.DataOpenPath]) == path
	})
	t.Log(open)
	if open.TGID != uint32(os.Getpid()) || open.Ret != int64(fd) {
		t.Errorf("tgid %d ret %d, want %d %d", open.TGID, open.Ret, os.Getpid(), fd)
	}
	if int64(open.Args[record.ArgOpenDirfd]) != unix.AT_FDCWD {
		t.Errorf("dirfd %d", int64(open.Args[record.ArgOpenDirfd]))
	}
	if open.Args[record.ArgOpenFlags]&(unix.O_ACCMODE|unix.O_CLOEXEC) != unix.O_RDONLY|unix.O_CLOEXEC {
		t.Errorf("flags %#x", open.Args[record.ArgOpenFlags])
	}
	if open.Args[record.ArgOpenIno] != st.Ino {
		t.Errorf("ino %d, want %d", open.Args[record.ArgOpenIno], st.Ino)
	}
	if dev := open.Args[record.ArgOpenDev]; uint32(dev>>20) != unix.Major(st.Dev) || uint32(dev&0xfffff) != unix.Minor(st.Dev) {
		t.Errorf("dev %#x, want %d:%d", dev, unix.Major(st.Dev), unix.Minor(st.Dev))
	}
	if open.Flags&(record.FlagStashMissing|record.FlagReadFault|record.FlagTruncated) != 0 {
		t.Errorf("flags %v: the entry snapshot should have been used", open.Flags)
	}
	if open.TS == 0 || open.CgroupID == 0 {
		t.Errorf("ts %d cgroup %d", open.TS, open.CgroupID)
	}

	readNr, _ := record.SyscallNumber(record.NativeArch(), "read")
	read := waitFor(t, p, "read (generic)", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindGeneric && int(r.Args[0]) == fd
	})
	t.Log(read)
	if nr := leU32(read.Data[record.DataGenericNr]); int(nr) != readNr {
		t.Errorf("generic nr %d, want read (%d)", nr, readNr)
	}
	if read.Ret != int64(n) || read.Args[2] != uint64(len(buf)) {
		t.Errorf("read ret %d count %d, want %d %d", read.Ret, read.Args[2], n, len(buf))
	}
	if read.TS < open.TS {
		t.Errorf("read ts %d before open ts %d", read.TS, open.TS)
	}

	cl := waitFor(t, p, "close", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindClose && int(r.Args[record.ArgCloseFd]) == fd
	})
	if cl.Ret != 0 {
		t.Errorf("close ret %d", cl.Ret)
	}
}

func leU32(b []byte) uint32 {
	if len(b) < 4 {
		return 0
	}
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func TestCaptureDupAndSymlink(t *testing.T) {
	p := openTestProbe(t)
	dir := t.TempDir()
	tid := lockThread(t)

	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	target := fd + 20
	dupKind := record.KindDup3
	if record.NativeArch() == record.ArchAMD64 {
		dupKind = record.KindDup2
		if _, _, e := unix.RawSyscall(unix.SYS_DUP2, uintptr(fd), uintptr(target), 0); e != 0 {
			t.Fatal(e)
		}
	} else if err := unix.Dup3(fd, target, unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	unix.Close(target)

	link := filepath.Join(dir, "link")
	linkp, _ := unix.BytePtrFromString(link)
	targetp, _ := unix.BytePtrFromString("/etc/shadow")
	if _, _, e := unix.Syscall(unix.SYS_SYMLINKAT, uintptr(unsafe.Pointer(targetp)), uintptr(unix.AT_FDCWD&0xffffffff), uintptr(unsafe.Pointer(linkp))); e != 0 {
		t.Fatal(e)
	}

	dup := waitFor(t, p, dupKind.String(), func(r *record.Record) bool {
		return r.TID == tid && r.Kind == dupKind && int(r.Args[record.ArgDupOldFd]) == fd
	})
	t.Log(dup)
	if int(dup.Args[record.ArgDupNewFd]) != target || dup.Ret != int64(target) {
		t.Errorf("dup newfd %d ret %d, want %d", int64(dup.Args[record.ArgDupNewFd]), dup.Ret, target)
	}
	cl := waitFor(t, p, "close of the dup", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindClose && int(r.Args[record.ArgCloseFd]) == target
	})
	if cl.Ret != 0 {
		t.Errorf("close ret %d", cl.Ret)
	}
	sl := waitFor(t, p, "symlinkat", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindSymlinkat
	})
	t.Log(sl)
	if string(sl.Data[record.DataSymlinkTarget]) != "/etc/shadow" || string(sl.Data[record.DataSymlinkPath]) != link {
		t.Errorf("symlink %q -> %q", sl.Data[record.DataSymlinkPath], sl.Data[record.DataSymlinkTarget])
	}
	if int64(sl.Args[record.ArgSymlinkDirfd]) != unix.AT_FDCWD || sl.Ret != 0 {
		t.Errorf("dirfd %d ret %d", int64(sl.Args[record.ArgSymlinkDirfd]), sl.Ret)
	}
}

func TestCaptureExec(t *testing.T) {
	p := openTestProbe(t)
	cmd := exec.Command("/bin/sh", "-c", "exit 3")
	cmd.Dir = "/tmp"
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("child: %v", err)
	}
	pid := uint32(cmd.Process.Pid)
	me := uint32(os.Getpid())

	recs := waitForAll(t, p, map[string]func(r *record.Record) bool{
		"procfork": func(r *record.Record) bool {
			return r.Kind == record.KindProcFork && uint32(r.Args[record.ArgForkChildTGID]) == pid
		},
		"clone": func(r *record.Record) bool {
			return r.Kind == record.KindClone && r.TGID == me && r.Ret == int64(pid)
		},
		"execve": func(r *record.Record) bool { return r.Kind == record.KindExecve && r.TGID == pid },
		"procexit": func(r *record.Record) bool {
			return r.Kind == record.KindProcExit && r.TGID == pid
		},
	})
	fork, cl, ex, exit := recs["procfork"], recs["clone"], recs["execve"], recs["procexit"]
	t.Log(fork)
	if fork.TGID != me || uint32(fork.Args[record.ArgForkParentTGID]) != me || uint32(fork.Args[record.ArgForkChildTID]) != pid {
		t.Errorf("fork parent %d/%d child tid %d", fork.TGID, fork.Args[record.ArgForkParentTGID], fork.Args[record.ArgForkChildTID])
	}
	if fork.Args[record.ArgForkFlags]&unix.CLONE_THREAD != 0 || fork.Args[record.ArgForkChildStart] == 0 {
		t.Errorf("fork flags %#x start %d", fork.Args[record.ArgForkFlags], fork.Args[record.ArgForkChildStart])
	}
	if f := cl.Args[record.ArgCloneFlags]; f&unix.CLONE_VM == 0 || f&unix.CLONE_VFORK == 0 {
		t.Errorf("clone flags %#x, want CLONE_VM|CLONE_VFORK (Go's fork+exec)", f)
	}
	if !(fork.TS < ex.TS && ex.TS < exit.TS) {
		t.Errorf("timestamps out of order: fork %d exec %d exit %d", fork.TS, ex.TS, exit.TS)
	}
	t.Log(ex)
	if ex.Ret != 0 || ex.Flags&(record.FlagStashMissing|record.FlagReadFault) != 0 {
		t.Errorf("ret %d flags %v", ex.Ret, ex.Flags)
	}
	if got := string(ex.Data[record.DataExecFilename]); got != "/bin/sh" {
		t.Errorf("filename %q", got)
	}
	if got := string(ex.Data[record.DataExecArgv]); got != "/bin/sh\x00-c\x00exit 3\x00" {
		t.Errorf("argv %q", got)
	}
	wantExe, _ := filepath.EvalSymlinks("/bin/sh")
	if got := string(ex.Data[record.DataExecExePath]); got != wantExe {
		t.Errorf("exe path %q, want %q", got, wantExe)
	}
	if got := string(ex.Data[record.DataExecCwd]); got != "/tmp" {
		t.Errorf("cwd %q", got)
	}
	if got := string(ex.Data[record.DataExecComm]); got != "sh" {
		t.Errorf("comm %q", got)
	}
	if cg := ex.Data[record.DataExecCgroup]; len(cg) == 0 || cg[0] != '/' {
		t.Errorf("cgroup %q", cg)
	} else if want := procCgroup(t, "memory"); want != "" && string(cg) != want {
		t.Errorf("cgroup %q, want %q from /proc/self/cgroup", cg, want)
	}
	var info record.ExecInfo
	if !record.DecodeExecInfo(ex.Data[record.DataExecInfo], &info) {
		t.Fatalf("exec info %d bytes", len(ex.Data[record.DataExecInfo]))
	}
	t.Logf("%+v", info)
	var st unix.Stat_t
	if err := unix.Stat(wantExe, &st); err != nil {
		t.Fatal(err)
	}
	if info.PPID != me || info.UID != uint32(os.Getuid()) || info.EUID != uint32(os.Geteuid()) || info.ExeIno != st.Ino {
		t.Errorf("ppid %d uid %d euid %d ino %d", info.PPID, info.UID, info.EUID, info.ExeIno)
	}
	if info.VTGID != pid || info.StartTime == 0 || info.PidNS == 0 || info.MntNS == 0 || info.ExeNlink == 0 {
		t.Errorf("vtgid %d start %d pidns %d mntns %d nlink %d", info.VTGID, info.StartTime, info.PidNS, info.MntNS, info.ExeNlink)
	}
	if info.CapEffective == 0 && os.Geteuid() == 0 {
		t.Errorf("root child without effective capabilities")
	}
	// The child inherits the test's session and process group. Compare with
	// ours rather than demand non-zero: a CI runner started from init
	// without setsid legitimately has session 0.
	wantSID, _ := unix.Getsid(0)
	if int(info.SID) != wantSID || int(info.PGID) != unix.Getpgrp() {
		t.Errorf("sid %d pgid %d, want %d %d", info.SID, info.PGID, wantSID, unix.Getpgrp())
	}
	if want := nsInode(t, "pid"); want != 0 && info.PidNS != want {
		t.Errorf("pid ns %d, want %d", info.PidNS, want)
	}
	if want := nsInode(t, "mnt"); want != 0 && info.MntNS != want {
		t.Errorf("mnt ns %d, want %d", info.MntNS, want)
	}
	if mt := st.Mtim.Nano(); info.ExeMtime != mt {
		t.Errorf("exe mtime %d, want %d", info.ExeMtime, mt)
	}

	if exit.Args[record.ArgExitCode] != 3<<8 || exit.Args[record.ArgExitGroupDead] != 1 {
		t.Errorf("exit code %#x group dead %d", exit.Args[record.ArgExitCode], exit.Args[record.ArgExitGroupDead])
	}
	if exit.Args[record.ArgExitStart] != fork.Args[record.ArgForkChildStart] {
		t.Errorf("exit start %d, fork said %d", exit.Args[record.ArgExitStart], fork.Args[record.ArgForkChildStart])
	}
}

// procCgroup returns this process's path in the named v1 controller, or ""
// when the controller is not mounted as v1.
func procCgroup(t *testing.T, controller string) string {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 {
			for _, c := range strings.Split(parts[1], ",") {
				if c == controller {
					return parts[2]
				}
			}
		}
	}
	return ""
}

func nsInode(t *testing.T, ns string) uint32 {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/"+ns, &st); err != nil {
		return 0
	}
	return uint32(st.Ino)
}

func TestCaptureExecFailure(t *testing.T) {
	p := openTestProbe(t)
	const missing = "/nonexistent/vigil-exec-test"
	cmd := exec.Command(missing, "first", "second arg")
	cmd.Path = missing // skip the PATH lookup so the child really calls execve
	if err := cmd.Start(); err == nil {
		cmd.Wait()
		t.Fatal("exec of a missing file succeeded")
	}
	ex := waitFor(t, p, "failed execve", func(r *record.Record) bool {
		return r.Kind == record.KindExecve && string(r.Data[record.DataExecFilename]) == missing
	})
	t.Log(ex)
	if ex.Ret != -int64(unix.ENOENT) {
		t.Errorf("ret %d, want -ENOENT", ex.Ret)
	}
	if got := string(ex.Data[record.DataExecArgv]); got != missing+"\x00first\x00second arg\x00" {
		t.Errorf("argv %q", got)
	}
	if ex.Flags&record.FlagStashMissing != 0 {
		t.Errorf("flags %v: the entry snapshot should have been used", ex.Flags)
	}
	var info record.ExecInfo
	if !record.DecodeExecInfo(ex.Data[record.DataExecInfo], &info) || info.ExeFlags&record.ExeFlagNoFile == 0 {
		t.Errorf("exec info %+v", info)
	}
	if len(ex.Data[record.DataExecExePath]) != 0 {
		t.Errorf("exe path %q for a failed exec", ex.Data[record.DataExecExePath])
	}
}

func TestCaptureExecLongArgv(t *testing.T) {
	p := openTestProbe(t)
	long := strings.Repeat("x", 3000)
	cmd := exec.Command("/bin/true", long, long)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := uint32(cmd.Process.Pid)
	ex := waitFor(t, p, "execve with long argv", func(r *record.Record) bool {
		return r.Kind == record.KindExecve && r.TGID == pid
	})
	if ex.Flags&record.FlagTruncated == 0 {
		t.Errorf("flags %v, want truncated", ex.Flags)
	}
	argv := ex.Data[record.DataExecArgv]
	if len(argv) != record.MaxArgv || !bytes.HasPrefix(argv, []byte("/bin/true\x00"+long+"\x00xxx")) {
		t.Errorf("argv %d bytes, prefix %q", len(argv), argv[:min(len(argv), 20)])
	}
}

func TestCaptureMemfdExec(t *testing.T) {
	p := openTestProbe(t)
	tid := lockThread(t)
	fd, err := unix.MemfdCreate("vigil-memfd-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	mf := os.NewFile(uintptr(fd), "memfd")
	defer mf.Close()
	src, err := os.Open("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(mf, src); err != nil {
		t.Fatal(err)
	}
	src.Close()
	cmd := exec.Command("/proc/self/fd/3")
	cmd.ExtraFiles = []*os.File{mf}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := uint32(cmd.Process.Pid)

	mc := waitFor(t, p, "memfd_create", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindMemfdCreate
	})
	t.Log(mc)
	if string(mc.Data[record.DataMemfdName]) != "vigil-memfd-test" || mc.Ret != int64(fd) || mc.Args[record.ArgMemfdFlags] != unix.MFD_CLOEXEC {
		t.Errorf("memfd_create %v", mc)
	}
	ex := waitFor(t, p, "execve of the memfd", func(r *record.Record) bool {
		return r.Kind == record.KindExecve && r.TGID == pid
	})
	t.Log(ex)
	if got := string(ex.Data[record.DataExecFilename]); got != "/proc/self/fd/3" {
		t.Errorf("filename %q", got)
	}
	if got := string(ex.Data[record.DataExecExePath]); !strings.Contains(got, "memfd:vigil-memfd-test") {
		t.Errorf("exe path %q, want the memfd", got)
	}
	var info record.ExecInfo
	if !record.DecodeExecInfo(ex.Data[record.DataExecInfo], &info) || info.ExeNlink != 0 {
		t.Errorf("exe nlink %d, want 0 for a memfd", info.ExeNlink)
	}
}

func TestCaptureConnect(t *testing.T) { readModes(t, testConnect) }

func testConnect(t *testing.T, cfg Config) {
	p := openTestProbeCfg(t, cfg)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()

	tid := lockThread(t)
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	localPort := sa.(*unix.SockaddrInet4).Port

	so := waitFor(t, p, "socket", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindSocket && r.Ret == int64(fd) && r.Args[record.ArgSocketDomain] == unix.AF_INET
	})
	if so.Args[record.ArgSocketDomain] != unix.AF_INET || so.Args[record.ArgSocketType]&0xf != unix.SOCK_STREAM {
		t.Errorf("socket %v", so)
	}
	// The listener's accept may return before connect does: take both in any order.
	recs := waitForAll(t, p, map[string]func(r *record.Record) bool{
		"connect": func(r *record.Record) bool {
			return r.TID == tid && r.Kind == record.KindConnect && int(r.Args[record.ArgSockFd]) == fd
		},
		"accept": func(r *record.Record) bool {
			if (r.Kind != record.KindAccept4 && r.Kind != record.KindAccept) || r.TGID != uint32(os.Getpid()) || r.Ret < 0 {
				return false
			}
			var s record.SockInfo
			return record.DecodeSockInfo(r.Data[record.DataSockInfo], &s) && int(s.LocalPort) == port
		},
	})
	c, acc := recs["connect"], recs["accept"]
	t.Log(c)
	if c.Ret != 0 || c.Flags&record.FlagStashMissing != 0 {
		t.Errorf("ret %d flags %v", c.Ret, c.Flags)
	}
	var addr record.Sockaddr
	if !record.DecodeSockaddr(c.Data[record.DataSockAddr], &addr) || addr.Addr.String() != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Errorf("sockaddr %+v", addr)
	}
	var si record.SockInfo
	if !record.DecodeSockInfo(c.Data[record.DataSockInfo], &si) {
		t.Fatalf("sockinfo %q", c.Data[record.DataSockInfo])
	}
	local, _ := si.Local()
	remote, _ := si.Remote()
	if si.Family != unix.AF_INET || si.Type != unix.SOCK_STREAM || si.Protocol != unix.IPPROTO_TCP ||
		local.String() != fmt.Sprintf("127.0.0.1:%d", localPort) || remote.String() != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Errorf("sockinfo %+v local %v remote %v", si, local, remote)
	}

	t.Log(acc)
	var peer record.Sockaddr
	if !record.DecodeSockaddr(acc.Data[record.DataSockAddr], &peer) || peer.Addr.Port() != uint16(localPort) {
		t.Errorf("accepted peer %+v, want port %d", peer, localPort)
	}
}

func TestCapturePtrace(t *testing.T) {
	p := openTestProbe(t)
	cmd := exec.Command("/bin/sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	pid := cmd.Process.Pid
	tid := lockThread(t)
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
	pt := waitFor(t, p, "ptrace attach", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindPtrace && r.Args[record.ArgPtraceRequest] == unix.PTRACE_ATTACH
	})
	t.Log(pt)
	if int(pt.Args[record.ArgPtracePID]) != pid || pt.Ret != 0 {
		t.Errorf("ptrace pid %d ret %d, want %d 0", pt.Args[record.ArgPtracePID], pt.Ret, pid)
	}
}

func TestCaptureCompat(t *testing.T) {
	if !ia32.Supported {
		t.Skip("ia32 compat calls exist only on amd64")
	}
	p := openTestProbe(t)
	if r := ia32.Syscall(20, 0, 0, 0); r == -int64(unix.ENOSYS) {
		t.Skip("kernel without ia32 emulation")
	}
	mem, err := ia32.Mmap32(4096)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	path := filepath.Join(t.TempDir(), "compat-open")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	copy(mem, path+"\x00")

	tid := lockThread(t)
	const (
		ia32Open       = 5
		ia32Dup        = 41
		ia32Socketcall = 102
	)
	fd := ia32.Syscall(ia32Open, uintptr(unsafe.Pointer(&mem[0])), unix.O_RDONLY, 0)
	if fd < 0 {
		t.Fatalf("ia32 open: %d", fd)
	}
	defer unix.Close(int(fd))
	dupfd := ia32.Syscall(ia32Dup, uintptr(fd), 0, 0)
	if dupfd < 0 {
		t.Fatalf("ia32 dup: %d", dupfd)
	}
	defer unix.Close(int(dupfd))
	rd := ia32.Syscall(3, uintptr(fd), uintptr(unsafe.Pointer(&mem[2048])), 16) // ia32 read: no handler, mapped to native read
	sc := ia32.Syscall(ia32Socketcall, 0, 0, 0)                                 // invalid call number: -EINVAL

	op := waitFor(t, p, "compat open", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindOpen && string(r.Data[record.DataOpenPath]) == path
	})
	t.Log(op)
	if op.Flags&record.FlagCompat == 0 || op.Flags&record.FlagStashMissing == 0 || op.Ret != fd {
		t.Errorf("flags %v ret %d: want compat, stash missing (per-syscall tracepoints skip compat calls), fd %d", op.Flags, op.Ret, fd)
	}
	d := waitFor(t, p, "compat dup", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindDup && int64(r.Args[record.ArgDupOldFd]) == fd
	})
	if d.Flags&record.FlagCompat == 0 || d.Ret != dupfd {
		t.Errorf("dup %v", d)
	}
	gr := waitFor(t, p, "compat read (generic, mapped)", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindGeneric && r.Flags&record.FlagCompat != 0 && int64(r.Args[0]) == fd
	})
	if name, _ := (&record.Record{Header: gr.Header, Data: gr.Data}).GenericSyscallName(record.ArchAMD64); name != "read" || gr.Ret != rd {
		t.Errorf("compat read recorded as %q ret %d, want read %d", name, gr.Ret, rd)
	}
	g := waitFor(t, p, "compat socketcall (generic)", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindGeneric && r.Flags&record.FlagCompat != 0
	})
	t.Log(g)
	if nr, table, _ := (&record.Record{Header: g.Header, Data: g.Data}).GenericSyscall(record.ArchAMD64); nr != ia32Socketcall || table != record.ArchI386 || g.Ret != sc {
		t.Errorf("generic nr %d (%v) ret %d, want %d (386) %d", nr, table, g.Ret, ia32Socketcall, sc)
	}
}

func TestSetInterestLive(t *testing.T) {
	dir := t.TempDir()
	hidden := filepath.Join(dir, "not-selected")
	path := filepath.Join(dir, "selected")
	for _, f := range []string{hidden, path} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := openTestProbe(t)
	tid := lockThread(t)
	if err := p.SetInterest([]string{"close"}); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(hidden, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	waitFor(t, p, "close while openat is not selected", func(r *record.Record) bool {
		if r.Kind == record.KindOpenat && string(r.Data[record.DataOpenPath]) == hidden {
			t.Errorf("openat recorded while not selected: %v", own(r))
		}
		return r.TID == tid && r.Kind == record.KindClose && int(r.Args[record.ArgCloseFd]) == fd
	})

	if err := p.SetInterest([]string{"openat", "no_such_event"}); err == nil {
		t.Error("unknown event type accepted silently")
	}
	fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	waitFor(t, p, "openat once selected", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindOpenat && string(r.Data[record.DataOpenPath]) == path
	})

	c, err := p.Counters()
	if err != nil {
		t.Fatal(err)
	}
	if c.Kernel[record.KindOpenat][ReasonEmitted] == 0 || c.Kernel[record.KindClose][ReasonEmitted] == 0 || c.Delivered == 0 {
		t.Errorf("counters: openat %v close %v delivered %d", c.Kernel[record.KindOpenat], c.Kernel[record.KindClose], c.Delivered)
	}
	if c.DecodeErrors != 0 || c.ReadErrors != 0 {
		t.Errorf("decode errors %d read errors %d", c.DecodeErrors, c.ReadErrors)
	}
}

func TestCaptureUnixSockets(t *testing.T) { readModes(t, testUnixSockets) }

func testUnixSockets(t *testing.T, cfg Config) {
	path := filepath.Join(t.TempDir(), "vigil.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	p := openTestProbeCfg(t, cfg)
	tid := lockThread(t)

	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(pair[0])
	unix.Close(pair[1])
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}

	sp := waitFor(t, p, "socketpair", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindSocketpair
	})
	t.Log(sp)
	if sp.Args[record.ArgSocketDomain] != unix.AF_UNIX || int(sp.Args[record.ArgSocketpairFd0]) != pair[0] || int(sp.Args[record.ArgSocketpairFd1]) != pair[1] || sp.Ret != 0 {
		t.Errorf("socketpair %v, want fds %v", sp, pair)
	}
	c := waitFor(t, p, "unix connect", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindConnect && int(r.Args[record.ArgSockFd]) == fd
	})
	t.Log(c)
	var sa record.Sockaddr
	if !record.DecodeSockaddr(c.Data[record.DataSockAddr], &sa) || sa.Family != unix.AF_UNIX || string(sa.Path) != path {
		t.Errorf("sockaddr %+v, want %s", sa, path)
	}
	var si record.SockInfo
	if !record.DecodeSockInfo(c.Data[record.DataSockInfo], &si) || si.Family != unix.AF_UNIX || si.Type != unix.SOCK_STREAM {
		t.Fatalf("sockinfo %+v", si)
	}
	if leU64(si.LocalAddr[:]) == 0 || leU64(si.RemoteAddr[:]) == 0 || leU64(si.LocalAddr[:]) == leU64(si.RemoteAddr[:]) {
		t.Errorf("unix socket ids local %#x peer %#x", leU64(si.LocalAddr[:]), leU64(si.RemoteAddr[:]))
	}
}

func leU64(b []byte) uint64 { return uint64(leU32(b)) | uint64(leU32(b[4:]))<<32 }

// TestMergeOrder produces records on every CPU at once and checks that Read
// delivers them in timestamp order.
func TestMergeOrder(t *testing.T) {
	p := openTestProbe(t)
	if err := p.SetInterest([]string{"close"}); err != nil {
		t.Fatal(err)
	}
	const perThread = 3000
	workers := runtime.NumCPU()
	done := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for i := 0; i < perThread; i++ {
				unix.Close(-1000 - w) // EBADF, still a close record
			}
			done <- struct{}{}
		}()
	}
	for w := 0; w < workers; w++ {
		<-done
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var r record.Record
	var last uint64
	seen, outOfOrder := 0, 0
	for seen < workers*perThread {
		if err := p.Read(ctx, &r); err != nil {
			t.Fatalf("after %d of %d records: %v", seen, workers*perThread, err)
		}
		if r.Kind != record.KindClose || int64(r.Args[record.ArgCloseFd]) > -1000 || int64(r.Args[record.ArgCloseFd]) <= -1000-int64(workers) {
			continue
		}
		seen++
		if r.TS < last {
			outOfOrder++
		}
		last = max(last, r.TS)
	}
	c, _ := p.Counters()
	if outOfOrder != 0 || c.Late != 0 {
		t.Errorf("%d records out of order (late counter %d)", outOfOrder, c.Late)
	}
	if dropped := c.Kernel[record.KindClose][ReasonRingFull]; dropped != 0 {
		t.Errorf("%d close records dropped", dropped)
	}
}

// TestSharedRing runs with one ring for all CPUs.
func TestSharedRing(t *testing.T) {
	p := openTestProbeCfg(t, Config{CPUsPerRing: runtime.NumCPU()})
	if n := len(p.RingUsage()); n != 1 {
		t.Fatalf("%d rings, want 1", n)
	}
	tid := lockThread(t)
	unix.Close(-4242)
	waitFor(t, p, "close through the shared ring", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindClose && int64(r.Args[record.ArgCloseFd]) == -4242
	})
}

// TestRingFullCounted fills a small ring nobody reads and checks that the
// records that did not fit are counted as dropped, not lost silently.
func TestRingFullCounted(t *testing.T) {
	requireBPF(t)
	p, err := Open(Config{RingSize: 64 << 10, CPUsPerRing: runtime.NumCPU(), TraceSelf: true, Interest: []string{"close"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const calls = 5000 // 5000 * 56-byte records > 64 KiB
	for i := 0; i < calls; i++ {
		unix.Close(-4343)
	}
	c, err := p.Counters()
	if err != nil {
		t.Fatal(err)
	}
	k := c.Kernel[record.KindClose]
	t.Logf("close: %v", k)
	if k[ReasonRingFull] == 0 || k[ReasonEmitted] == 0 || k[ReasonEmitted]+k[ReasonRingFull] < calls {
		t.Errorf("emitted %d + ring full %d, want %d calls accounted with drops", k[ReasonEmitted], k[ReasonRingFull], calls)
	}
	if u := p.RingUsage(); u[0].Used == 0 || u[0].Size != 64<<10 {
		t.Errorf("ring usage %+v", u)
	}
}

// TestEnterSnapshotsFollowInterest checks that entry snapshots are attached
// only while their syscall is selected.
func TestEnterSnapshotsFollowInterest(t *testing.T) {
	p := openTestProbe(t)
	attached := func() []string {
		p.mu.Lock()
		defer p.mu.Unlock()
		var out []string
		for name := range p.enter {
			out = append(out, name)
		}
		return out
	}
	if err := p.SetInterest([]string{"close"}); err != nil {
		t.Fatal(err)
	}
	if got := attached(); len(got) != 0 {
		t.Errorf("attached %v with only close selected", got)
	}
	if err := p.SetInterest([]string{"openat", "connect"}); err != nil {
		t.Fatal(err)
	}
	if got := attached(); len(got) != 2 {
		t.Errorf("attached %v, want enter_openat and enter_connect", got)
	}
	for _, f := range p.Features() {
		if strings.HasPrefix(f.Name, "enter_snapshot/") && !f.Enabled && record.NativeArch() == record.ArchAMD64 {
			t.Errorf("%s disabled: %s", f.Name, f.Reason)
		}
	}
}

// TestForcedWakeup checks that a ring filling past Config.WakeupBytes wakes
// a reader that would otherwise sleep for its whole poll interval.
func TestForcedWakeup(t *testing.T) {
	requireBPF(t)
	p, err := Open(Config{RingSize: 1 << 20, CPUsPerRing: runtime.NumCPU(), WakeupBytes: 4096, PollInterval: time.Second,
		TraceSelf: true, Interest: []string{"close"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	go func() {
		time.Sleep(100 * time.Millisecond) // let Read block first
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for i := 0; i < 500; i++ { // 500 * 64 bytes, well past 4 KiB
			unix.Close(-6000)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	var r record.Record
	for {
		if err := p.Read(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if r.Kind == record.KindClose && int64(r.Args[record.ArgCloseFd]) == -6000 {
			break
		}
	}
	t.Logf("first record after %v", time.Since(start))
	// Without the wakeup the reader sleeps out its 1 s poll interval.
	if d := time.Since(start); d > 700*time.Millisecond {
		t.Errorf("first record after %v: the forced wakeup did not wake the reader", d)
	}
}

// TestCaptureThreadFork checks the fork record of a new thread: same
// process, CLONE_THREAD and CLONE_VM set, CLONE_PARENT not.
func TestCaptureThreadFork(t *testing.T) {
	p := openTestProbe(t)
	me := uint32(os.Getpid())
	// A goroutine that ends locked to its thread takes the thread with it;
	// the next goroutine that needs a thread makes the runtime clone one.
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		close(done)
	}()
	<-done
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			time.Sleep(10 * time.Millisecond)
		}()
	}
	wg.Wait()
	f := waitFor(t, p, "procfork of a thread", func(r *record.Record) bool {
		return r.Kind == record.KindProcFork && r.TGID == me && uint32(r.Args[record.ArgForkChildTGID]) == me
	})
	t.Log(f)
	flags := f.Args[record.ArgForkFlags]
	if flags&unix.CLONE_THREAD == 0 || flags&unix.CLONE_VM == 0 || flags&unix.CLONE_FILES == 0 || flags&unix.CLONE_PARENT != 0 {
		t.Errorf("thread fork flags %#x", flags)
	}
	if uint32(f.Args[record.ArgForkChildTID]) == me {
		t.Errorf("new thread has the process id as tid")
	}
}

// TestCaptureWithoutEntrySnapshots checks Config.NoEntrySnapshots: no
// entry program is attached even with its syscalls selected, and the exit
// handlers read what the snapshots would have held from user memory: an
// openat path and a failed execve's file name and argv, flagged
// FlagStashMissing.
func TestCaptureWithoutEntrySnapshots(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil-nosnap-test")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := openTestProbeCfg(t, Config{NoEntrySnapshots: true})
	if err := p.SetInterest([]string{"openat", "execve", "connect"}); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	n := len(p.enter)
	p.mu.Unlock()
	if n != 0 {
		t.Errorf("%d entry programs attached with snapshots disabled", n)
	}
	for _, f := range p.Features() {
		if strings.HasPrefix(f.Name, "enter_snapshot/") && (f.Enabled || !strings.Contains(f.Reason, "configuration")) {
			t.Errorf("feature %s enabled=%v reason %q", f.Name, f.Enabled, f.Reason)
		}
	}

	tid := lockThread(t)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	open := waitFor(t, p, "openat", func(r *record.Record) bool {
		return r.TID == tid && r.Kind == record.KindOpenat && r.Ret == int64(fd) && string(r.Data[record.DataOpenPath]) == path
	})
	if open.Flags&record.FlagStashMissing == 0 {
		t.Errorf("openat flags %v: want stash_missing (read at exit)", open.Flags)
	}

	const missing = "/nonexistent/vigil-nosnap-exec"
	cmd := exec.Command(missing, "one", "two words")
	cmd.Path = missing
	if err := cmd.Start(); err == nil {
		cmd.Wait()
		t.Fatal("exec of a missing file succeeded")
	}
	ex := waitFor(t, p, "failed execve", func(r *record.Record) bool {
		return r.Kind == record.KindExecve && string(r.Data[record.DataExecFilename]) == missing
	})
	if got := string(ex.Data[record.DataExecArgv]); got != missing+"\x00one\x00two words\x00" {
		t.Errorf("argv %q", got)
	}
	if ex.Flags&record.FlagStashMissing == 0 {
		t.Errorf("execve flags %v: want stash_missing (read at exit)", ex.Flags)
	}
}

// TestTCPIOSkip checks SetTCPIOSkip: with sendto and sendmsg skipped, sends
// on a connected TCP socket leave no record and are counted as filtered,
// while a UDP sendto with an address is still recorded; without the skip
// the same TCP sends are recorded.
func TestTCPIOSkip(t *testing.T) {
	p := openTestProbe(t)
	if err := p.SetInterest([]string{"sendto", "sendmsg"}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	udp, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(udp)

	for _, skip := range []bool{true, false} {
		t.Run(fmt.Sprintf("skip=%v", skip), func(t *testing.T) {
			var kinds []record.Kind
			if skip {
				kinds = []record.Kind{record.KindSendto, record.KindSendmsg}
			}
			if err := p.SetTCPIOSkip(kinds); err != nil {
				t.Fatal(err)
			}
			before, _ := p.Counters()
			tid := lockThread(t)
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fd)
			if err := unix.Connect(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if err := unix.Sendto(fd, []byte("tcp"), 0, nil); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := unix.SendmsgN(fd, []byte("tcp"), nil, nil, 0); err != nil {
				t.Fatal(err)
			}
			if err := unix.Sendto(udp, []byte("marker"), 0, &unix.SockaddrInet4{Port: 9, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
				t.Fatal(err)
			}
			tcpRecords := 0
			waitFor(t, p, "udp marker", func(r *record.Record) bool {
				if r.TID != tid {
					return false
				}
				if (r.Kind == record.KindSendto || r.Kind == record.KindSendmsg) && int(r.Args[record.ArgSockFd]) == fd {
					tcpRecords++
				}
				return r.Kind == record.KindSendto && int(r.Args[record.ArgSockFd]) == udp
			})
			after, _ := p.Counters()
			filtered := after.Kernel[record.KindSendto][ReasonFiltered] - before.Kernel[record.KindSendto][ReasonFiltered] +
				after.Kernel[record.KindSendmsg][ReasonFiltered] - before.Kernel[record.KindSendmsg][ReasonFiltered]
			switch {
			case skip && (tcpRecords != 0 || filtered < 4):
				t.Errorf("skip on: %d TCP send records, %d counted filtered; want 0 and ≥ 4", tcpRecords, filtered)
			case !skip && tcpRecords != 4:
				t.Errorf("skip off: %d TCP send records, want 4", tcpRecords)
			}
		})
	}
}
