package kernel

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/vigilsec/vigil/collector/record"
)

// call is one raw syscall the handler test makes, by name, so the test runs
// the same calls on every architecture that has them.
type call struct {
	name  string
	args  func() [6]uintptr
	check func(o owned) error // extra checks on the record, optional
	after func(ret int64)     // cleanup, optional
}

func wantData(o owned, i int, want string) error {
	if got := string(o.Data[i]); got != want {
		return fmt.Errorf("%s = %q, want %q", o.Kind.Schema().Data[i], got, want)
	}
	return nil
}

func wantArg(o owned, i int, want int64) error {
	if got := int64(o.Args[i]); got != want {
		return fmt.Errorf("%s = %d, want %d", o.Kind.Schema().Args[i], got, want)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// TestCaptureEveryHandler makes at least one call of every syscall kind
// that has its own handler (where the architecture has the syscall) and
// checks that its record arrives, decodes, carries the call's return value
// and, for most kinds, the arguments that identify it.
func TestCaptureEveryHandler(t *testing.T) {
	// pinned keeps the C strings handed to raw syscalls reachable: a
	// uintptr does not keep Go memory alive.
	var pinned [][]byte
	cstr := func(s string) uintptr {
		b := append([]byte(s), 0)
		pinned = append(pinned, b)
		return uintptr(unsafe.Pointer(&b[0]))
	}
	dir := t.TempDir()
	path := func(n string) string { return filepath.Join(dir, n) }
	if err := os.WriteFile(path("c"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	oldwd, err := os.Open(".")
	if err != nil {
		t.Fatal(err)
	}
	defer oldwd.Close()
	defer os.Chdir(oldwd.Name())
	fd0, err := unix.Open(path("c"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd0)

	udp, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(udp)
	if err := unix.Bind(udp, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(udp)
	udpPort := sa.(*unix.SockaddrInet4).Port
	raw := func(port int) []byte { // struct sockaddr_in for 127.0.0.1:port
		return []byte{2, 0, byte(port >> 8), byte(port), 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}
	}
	to := raw(udpPort)
	from := make([]byte, 16)
	fromLen := int32(16)
	payload := []byte("v")
	iov := unix.Iovec{Base: &payload[0], Len: 1}
	msg := unix.Msghdr{Name: &to[0], Namelen: 16, Iov: &iov, Iovlen: 1}
	rbuf := make([]byte, 8)
	riov := unix.Iovec{Base: &rbuf[0], Len: 8}
	rname := make([]byte, 16)
	rmsg := unix.Msghdr{Name: &rname[0], Namelen: 16, Iov: &riov, Iovlen: 1}

	var fds [2]int32
	how := struct{ flags, mode, resolve uint64 }{unix.O_RDONLY | unix.O_CLOEXEC, 0, unix.RESOLVE_NO_SYMLINKS}
	capHdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var capData [2]unix.CapUserData
	if err := unix.Capget(&capHdr, &capData[0]); err != nil {
		t.Fatal(err)
	}
	cloneArgs := struct{ flags, pidfd, childTID, parentTID, exitSignal, stack, stackSize, tls uint64 }{flags: unix.CLONE_VM | unix.CLONE_VFORK}
	bpfAttr := make([]byte, 128)
	bpfAttr[0] = 2 // BPF_PROG_TYPE_KPROBE, with no instructions: EINVAL
	argv := []uintptr{cstr("vigil-execveat"), cstr("arg1"), 0}
	closeRet := func(ret int64) {
		if ret >= 0 {
			unix.Close(int(ret))
		}
	}

	calls := []call{
		{name: "mkdir", args: func() [6]uintptr { return [6]uintptr{cstr(path("a")), 0o755} },
			check: func(o owned) error {
				return firstErr(wantData(o, record.DataPath, path("a")), wantArg(o, record.ArgPathMode, 0o755), wantArg(o, record.ArgPathDirfd, unix.AT_FDCWD))
			}},
		{name: "mkdirat", args: func() [6]uintptr { return [6]uintptr{uintptr(unix.AT_FDCWD & 0xffffffff), cstr(path("b")), 0o700} },
			check: func(o owned) error {
				return firstErr(wantData(o, record.DataPath, path("b")), wantArg(o, record.ArgPathMode, 0o700))
			}},
		{name: "rmdir", args: func() [6]uintptr { return [6]uintptr{cstr(path("a"))} },
			check: func(o owned) error { return wantData(o, record.DataPath, path("a")) }},
		{name: "unlinkat", args: func() [6]uintptr {
			return [6]uintptr{uintptr(unix.AT_FDCWD & 0xffffffff), cstr(path("b")), unix.AT_REMOVEDIR}
		}, check: func(o owned) error {
			return firstErr(wantData(o, record.DataPath, path("b")), wantArg(o, record.ArgPathFlags, unix.AT_REMOVEDIR))
		}},
		{name: "creat", args: func() [6]uintptr { return [6]uintptr{cstr(path("n")), 0o600} }, after: closeRet,
			check: func(o owned) error {
				return firstErr(wantData(o, record.DataOpenPath, path("n")), wantArg(o, record.ArgOpenFlags, unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC))
			}},
		{name: "open", args: func() [6]uintptr { return [6]uintptr{cstr(path("c")), unix.O_RDONLY | unix.O_CLOEXEC} }, after: closeRet,
			check: func(o owned) error { return wantData(o, record.DataOpenPath, path("c")) }},
		{name: "openat2", args: func() [6]uintptr {
			return [6]uintptr{uintptr(unix.AT_FDCWD & 0xffffffff), cstr(path("c")), uintptr(unsafe.Pointer(&how)), unsafe.Sizeof(how)}
		}, after: closeRet, check: func(o owned) error {
			return firstErr(wantData(o, record.DataOpenPath, path("c")), wantArg(o, record.ArgOpenResolve, unix.RESOLVE_NO_SYMLINKS))
		}},
		{name: "rename", args: func() [6]uintptr { return [6]uintptr{cstr(path("n")), cstr(path("d"))} },
			check: func(o owned) error {
				return firstErr(wantData(o, record.DataPath2Old, path("n")), wantData(o, record.DataPath2New, path("d")))
			}},
		{name: "renameat", args: func() [6]uintptr {
			return [6]uintptr{uintptr(unix.AT_FDCWD & 0xffffffff), cstr(path("d")), uintptr(unix.AT_FDCWD & 0xffffffff), cstr(path("e"))}
		}, check: func(o owned) error { return wantData(o, record.DataPath2New, path("e")) }},
		{name: "renameat2", args: func() [6]uintptr {
			return [6]uintptr{uintptr(unix.AT_FDCWD & 0xffffffff), cstr(path("e")), uintptr(unix.AT_FDCWD & 0xffffffff), cstr(path("f")), unix.RENAME_NOREPLACE}
		}, check: func(o owned) error {
			return firstErr(wantData(o, record.DataPath2New, path("f")), wantArg(o, record.ArgPath2Flags, unix.RENAME_NOREPLACE))
		}},
		{name: "link", args: func() [6]uintptr { return [6]uintptr{cstr(path("f")), cstr(path("g"))} },
			check: func(o owned) error { return wantData(o, record.DataPath2New, path("g")) }},
		{name: "linkat", args: func() [6]uintptr {
			return [6]uintptr{uintptr(unix.AT_FDCWD & 0xffffffff), cstr(path("g")), uintptr(unix.AT_FDCWD & 0xffffffff), cstr(path("h")), 0}
		}, check: func(o owned) error { return wantData(o, record.DataPath2Old, path("g")) }},
		{name: "symlink", args: func() [6]uintptr { return [6]uintptr{cstr("/etc/passwd"), cstr(path("s"))} },
			check: func(o owned) error {
				return firstErr(wantData(o, record.DataSymlinkTarget, "/etc/passwd"), wantData(o, record.DataSymlinkPath, path("s")))
			}},
		{name: "unlink", args: func() [6]uintptr { return [6]uintptr{cstr(path("s"))} },
			check: func(o owned) error { return wantData(o, record.DataPath, path("s")) }},
		{name: "chmod", args: func() [6]uintptr { return [6]uintptr{cstr(path("f")), 0o640} },
			check: func(o owned) error { return wantArg(o, record.ArgPathMode, 0o640) }},
		{name: "fchmodat", args: func() [6]uintptr { return [6]uintptr{uintptr(unix.AT_FDCWD & 0xffffffff), cstr(path("f")), 0o600} },
			check: func(o owned) error {
				return firstErr(wantArg(o, record.ArgPathMode, 0o600), wantData(o, record.DataPath, path("f")))
			}},
		{name: "fchmod", args: func() [6]uintptr { return [6]uintptr{uintptr(fd0), 0o644} },
			check: func(o owned) error {
				return firstErr(wantArg(o, record.ArgPathDirfd, int64(fd0)), wantData(o, record.DataPath, ""))
			}},
		{name: "chown", args: func() [6]uintptr { return [6]uintptr{cstr(path("f")), 0, 0} },
			check: func(o owned) error { return wantData(o, record.DataChownPath, path("f")) }},
		{name: "lchown", args: func() [6]uintptr { return [6]uintptr{cstr(path("f")), 0, 0} },
			check: func(o owned) error { return wantArg(o, record.ArgChownFlags, unix.AT_SYMLINK_NOFOLLOW) }},
		{name: "fchown", args: func() [6]uintptr { return [6]uintptr{uintptr(fd0), 0, 0} },
			check: func(o owned) error { return wantArg(o, record.ArgChownDirfd, int64(fd0)) }},
		{name: "fchownat", args: func() [6]uintptr {
			return [6]uintptr{uintptr(unix.AT_FDCWD & 0xffffffff), cstr(path("f")), 0, 0, unix.AT_SYMLINK_NOFOLLOW}
		}, check: func(o owned) error { return wantArg(o, record.ArgChownFlags, unix.AT_SYMLINK_NOFOLLOW) }},
		{name: "chdir", args: func() [6]uintptr { return [6]uintptr{cstr(dir)} },
			check: func(o owned) error { return wantData(o, record.DataPath, dir) }},
		{name: "fchdir", args: func() [6]uintptr { return [6]uintptr{oldwd.Fd()} },
			check: func(o owned) error { return wantArg(o, record.ArgPathDirfd, int64(oldwd.Fd())) }},
		{name: "chroot", args: func() [6]uintptr { return [6]uintptr{cstr("/")} },
			check: func(o owned) error { return wantData(o, record.DataPath, "/") }},
		{name: "dup", args: func() [6]uintptr { return [6]uintptr{uintptr(fd0)} }, after: closeRet,
			check: func(o owned) error {
				return firstErr(wantArg(o, record.ArgDupOldFd, int64(fd0)), wantArg(o, record.ArgDupNewFd, -1))
			}},
		{name: "dup2", args: func() [6]uintptr { return [6]uintptr{uintptr(fd0), uintptr(fd0 + 40)} }, after: closeRet,
			check: func(o owned) error { return wantArg(o, record.ArgDupNewFd, int64(fd0+40)) }},
		{name: "dup3", args: func() [6]uintptr { return [6]uintptr{uintptr(fd0), uintptr(fd0 + 41), unix.O_CLOEXEC} }, after: closeRet,
			check: func(o owned) error { return wantArg(o, record.ArgDupFlags, unix.O_CLOEXEC) }},
		{name: "fcntl", args: func() [6]uintptr { return [6]uintptr{uintptr(fd0), unix.F_DUPFD_CLOEXEC, 60} }, after: closeRet,
			check: func(o owned) error {
				return firstErr(wantArg(o, record.ArgFcntlCmd, unix.F_DUPFD_CLOEXEC), wantArg(o, record.ArgFcntlArg, 60))
			}},
		{name: "close_range", args: func() [6]uintptr { return [6]uintptr{uintptr(fd0 + 100), uintptr(fd0 + 110), 0} },
			check: func(o owned) error { return wantArg(o, record.ArgCloseRangeLast, int64(fd0+110)) }},
		{name: "pipe", args: func() [6]uintptr { return [6]uintptr{uintptr(unsafe.Pointer(&fds))} },
			after: func(int64) { unix.Close(int(fds[0])); unix.Close(int(fds[1])) },
			check: func(o owned) error {
				return firstErr(wantArg(o, record.ArgPipeFd0, int64(fds[0])), wantArg(o, record.ArgPipeFd1, int64(fds[1])))
			}},
		{name: "pipe2", args: func() [6]uintptr { return [6]uintptr{uintptr(unsafe.Pointer(&fds)), unix.O_CLOEXEC} },
			after: func(int64) { unix.Close(int(fds[0])); unix.Close(int(fds[1])) },
			check: func(o owned) error {
				if o.Args[record.ArgPipeIno] == 0 {
					return fmt.Errorf("pipe inode 0")
				}
				return firstErr(wantArg(o, record.ArgPipeFd1, int64(fds[1])), wantArg(o, record.ArgPipeFlags, unix.O_CLOEXEC))
			}},
		{name: "socket", args: func() [6]uintptr { return [6]uintptr{unix.AF_INET6, unix.SOCK_DGRAM | unix.SOCK_CLOEXEC} }, after: closeRet,
			check: func(o owned) error { return wantArg(o, record.ArgSocketDomain, unix.AF_INET6) }},
		{name: "listen", args: func() [6]uintptr { return [6]uintptr{uintptr(udp), 7} },
			check: func(o owned) error { return wantArg(o, record.ArgSockFlags, 7) }},
		{name: "sendto", args: func() [6]uintptr {
			return [6]uintptr{uintptr(udp), uintptr(unsafe.Pointer(&payload[0])), 1, 0, uintptr(unsafe.Pointer(&to[0])), 16}
		}, check: func(o owned) error { return checkPeer(o, udpPort) }},
		{name: "recvfrom", args: func() [6]uintptr {
			return [6]uintptr{uintptr(udp), uintptr(unsafe.Pointer(&rbuf[0])), 8, 0, uintptr(unsafe.Pointer(&from[0])), uintptr(unsafe.Pointer(&fromLen))}
		}, check: func(o owned) error { return checkPeer(o, udpPort) }},
		{name: "sendmsg", args: func() [6]uintptr { return [6]uintptr{uintptr(udp), uintptr(unsafe.Pointer(&msg)), 0} },
			check: func(o owned) error { return checkPeer(o, udpPort) }},
		{name: "recvmsg", args: func() [6]uintptr { return [6]uintptr{uintptr(udp), uintptr(unsafe.Pointer(&rmsg)), 0} },
			check: func(o owned) error { return checkPeer(o, udpPort) }},
		{name: "setuid", args: func() [6]uintptr { return [6]uintptr{uintptr(os.Getuid())} },
			check: func(o owned) error { return wantArg(o, record.ArgSetIDReal, int64(os.Getuid())) }},
		{name: "setgid", args: func() [6]uintptr { return [6]uintptr{uintptr(os.Getgid())} },
			check: func(o owned) error { return wantArg(o, record.ArgSetIDEff, int64(os.Getegid())) }},
		{name: "setreuid", args: func() [6]uintptr { return [6]uintptr{0xffffffff, 0xffffffff} },
			check: func(o owned) error { return wantArg(o, record.ArgSetIDArg1, 0xffffffff) }},
		{name: "setregid", args: func() [6]uintptr { return [6]uintptr{0xffffffff, 0xffffffff} }},
		{name: "setresuid", args: func() [6]uintptr { return [6]uintptr{0xffffffff, 0xffffffff, 0xffffffff} },
			check: func(o owned) error { return wantArg(o, record.ArgSetIDArg2, 0xffffffff) }},
		{name: "setresgid", args: func() [6]uintptr { return [6]uintptr{0xffffffff, 0xffffffff, 0xffffffff} }},
		{name: "capset", args: func() [6]uintptr {
			return [6]uintptr{uintptr(unsafe.Pointer(&capHdr)), uintptr(unsafe.Pointer(&capData[0]))}
		}, check: func(o owned) error {
			return wantArg(o, record.ArgCapEffective, int64(uint64(capData[1].Effective)<<32|uint64(capData[0].Effective)))
		}},
		{name: "prctl", args: func() [6]uintptr { return [6]uintptr{unix.PR_SET_NAME, cstr("vigil-prctl")} },
			check: func(o owned) error {
				return firstErr(wantData(o, record.DataPrctlName, "vigil-prctl"), wantArg(o, record.ArgPrctlOption, unix.PR_SET_NAME))
			}},
		{name: "kill", args: func() [6]uintptr { return [6]uintptr{uintptr(os.Getpid()), 0} },
			check: func(o owned) error { return wantArg(o, record.ArgKillPID, int64(os.Getpid())) }},
		{name: "unshare", args: func() [6]uintptr { return [6]uintptr{0} }},
		{name: "setns", args: func() [6]uintptr { return [6]uintptr{0xffffffff, 0} },
			check: func(o owned) error { return wantArg(o, record.ArgSetnsFd, -1) }},
		{name: "userfaultfd", args: func() [6]uintptr { return [6]uintptr{unix.O_CLOEXEC} }, after: closeRet,
			check: func(o owned) error { return wantArg(o, record.ArgUserfaultfdFlags, unix.O_CLOEXEC) }},
		{name: "bpf", args: func() [6]uintptr { return [6]uintptr{5, uintptr(unsafe.Pointer(&bpfAttr[0])), uintptr(len(bpfAttr))} },
			after: closeRet,
			check: func(o owned) error {
				return firstErr(wantArg(o, record.ArgBpfCmd, 5), wantArg(o, record.ArgBpfProgType, 2))
			}},
		{name: "mount", args: func() [6]uintptr {
			return [6]uintptr{cstr("vigil-src"), cstr("/nonexistent/vigil-mnt"), cstr("tmpfs"), unix.MS_RDONLY}
		}, check: func(o owned) error {
			return firstErr(wantData(o, record.DataMountSource, "vigil-src"), wantData(o, record.DataMountTarget, "/nonexistent/vigil-mnt"),
				wantData(o, record.DataMountFSType, "tmpfs"), wantArg(o, record.ArgMountFlags, unix.MS_RDONLY))
		}},
		{name: "umount2", args: func() [6]uintptr { return [6]uintptr{cstr("/nonexistent/vigil-mnt"), unix.MNT_DETACH} },
			check: func(o owned) error {
				return firstErr(wantData(o, record.DataUmountTarget, "/nonexistent/vigil-mnt"), wantArg(o, record.ArgMountFlags, unix.MNT_DETACH))
			}},
		{name: "init_module", args: func() [6]uintptr { return [6]uintptr{0, 0, cstr("vigil=1")} },
			check: func(o owned) error { return wantData(o, record.DataModuleParams, "vigil=1") }},
		{name: "finit_module", args: func() [6]uintptr { return [6]uintptr{0xffffffff, cstr("vigil=2"), 0} },
			check: func(o owned) error {
				return firstErr(wantData(o, record.DataModuleParams, "vigil=2"), wantArg(o, record.ArgModuleFd, -1))
			}},
		{name: "clone3", args: func() [6]uintptr { return [6]uintptr{uintptr(unsafe.Pointer(&cloneArgs)), 1} }, // size 1: EINVAL
			check: func(o owned) error { return wantArg(o, record.ArgCloneFlags, unix.CLONE_VM|unix.CLONE_VFORK) }},
		{name: "execveat", args: func() [6]uintptr {
			return [6]uintptr{0xffffffff, cstr("vigil-execveat"), uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&argv[2])), 0}
		}, check: func(o owned) error {
			return firstErr(wantArg(o, record.ArgExecDirfd, -1), wantData(o, record.DataExecFilename, "vigil-execveat"),
				wantData(o, record.DataExecArgv, "vigil-execveat\x00arg1\x00"))
		}},
	}

	p := openTestProbe(t)
	tid := lockThread(t)
	arch := record.NativeArch()
	type made struct {
		c   call
		ret int64
	}
	var done []made
	for _, c := range calls {
		nr, ok := record.SyscallNumber(arch, c.name)
		if !ok {
			t.Logf("%s: no such syscall on %v", c.name, arch)
			continue
		}
		a := c.args()
		r1, _, errno := unix.Syscall6(uintptr(nr), a[0], a[1], a[2], a[3], a[4], a[5])
		ret := int64(r1)
		if errno != 0 {
			ret = -int64(errno)
		}
		runtime.KeepAlive(argv)
		runtime.KeepAlive(pinned)
		if c.after != nil {
			c.after(ret)
		}
		done = append(done, made{c, ret})
	}

	for _, m := range done {
		k, ok := record.KindByName(m.c.name)
		if !ok {
			t.Fatalf("no kind named %s", m.c.name)
		}
		o := waitFor(t, p, m.c.name, func(r *record.Record) bool { return r.TID == tid && r.Kind == k })
		if o.Ret != m.ret {
			t.Errorf("%s: record ret %d, call returned %d (%v)", m.c.name, o.Ret, m.ret, o)
			continue
		}
		if m.c.check != nil {
			if err := m.c.check(o); err != nil {
				t.Errorf("%s (ret %d): %v\n%v", m.c.name, m.ret, err, o)
			}
		}
	}
	// setsid in a child (the test process must keep its session)
	cmd := exec.Command("/usr/bin/setsid", "/bin/true")
	if err := cmd.Run(); err != nil {
		t.Logf("setsid not checked: %v", err)
	} else {
		sid := waitFor(t, p, "setsid", func(r *record.Record) bool {
			return r.Kind == record.KindSetsid && r.TGID != uint32(os.Getpid())
		})
		if sid.Ret != int64(sid.TGID) {
			t.Errorf("setsid returned %d in process %d", sid.Ret, sid.TGID)
		}
	}
	c, err := p.Counters()
	if err != nil {
		t.Fatal(err)
	}
	if c.DecodeErrors != 0 {
		t.Errorf("%d records did not decode", c.DecodeErrors)
	}
}

// checkPeer checks a socket-address record: the address is 127.0.0.1:port
// and the socket info describes the UDP socket bound there.
func checkPeer(o owned, port int) error {
	var sa record.Sockaddr
	if !record.DecodeSockaddr(o.Data[record.DataSockAddr], &sa) || sa.Addr.String() != fmt.Sprintf("127.0.0.1:%d", port) {
		return fmt.Errorf("address %q", o.Data[record.DataSockAddr])
	}
	var si record.SockInfo
	if !record.DecodeSockInfo(o.Data[record.DataSockInfo], &si) || si.Family != unix.AF_INET || si.Type != unix.SOCK_DGRAM || int(si.LocalPort) != port {
		return fmt.Errorf("sockinfo %+v", si)
	}
	return nil
}
