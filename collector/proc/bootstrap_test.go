package proc

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/collector/container"
)

func TestBootstrapFakeProc(t *testing.T) {
	tb := New(Config{})
	st, err := tb.Bootstrap(BootstrapConfig{ProcRoot: "testdata/proc", ReadEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	want := BootstrapStats{Processes: 3, Threads: 4, FDs: 17, Vanished: 1, Errors: 1}
	if st != want {
		t.Fatalf("stats = %+v, want %+v", st, want)
	}
	c := tb.Counters()
	if c.BootstrapProcesses != 3 || c.BootstrapVanished != 1 || c.BootstrapErrors != 1 || c.BootstrapFDs != 17 {
		t.Fatalf("counters = %+v", c)
	}

	_, bash := tb.Thread(200)
	_, sshd := tb.Thread(100)
	_, init := tb.Thread(1)
	if bash == nil || sshd == nil || init == nil {
		t.Fatal("processes missing")
	}
	worker, wp := tb.Thread(201)
	if worker == nil || wp != bash || worker.Comm != "worker" || worker.Start != 3100000000 {
		t.Fatalf("thread 201 = %+v", worker)
	}

	tests := []struct {
		name string
		got  any
		want any
	}{
		{"weird comm", sshd.Comm, "sshd) (x"},
		{"chain", names(bash), "bash sshd) (x systemd"},
		{"start", bash.Key, Key{Tgid: 200, Start: 3_000_000_000}},
		{"exe", bash.Exe, "bash"},
		{"args", bash.ArgsLine, "-c sleep 1; echo done"},
		{"cmdline", bash.Cmdline, "bash -c sleep 1; echo done"},
		{"exepath", bash.ExePath, "/usr/bin/bash"},
		{"cwd", bash.Cwd, "/root/"},
		{"env", bash.Env, []string{"HOME=/root", "PATH=/bin"}},
		{"uid", bash.Creds.UID, uint32(1000)},
		{"euid", bash.Creds.EUID, uint32(1000)},
		{"loginuid", bash.Creds.LoginUID, uint32(1000)},
		{"init loginuid", init.Creds.LoginUID, UnsetLoginUID},
		{"caps", init.Creds.CapEff, uint64(0x1ffffffffff)},
		{"tty", bash.Tty, uint32(136 << 20)},
		{"vpid", bash.Vpid, uint32(1)},
		{"vpgid", bash.Vpgid, uint32(1)},
		{"sid", bash.Sid, uint32(100)},
		{"sname", bash.SessionLeader().Comm, "sshd) (x"},
		{"pidns", bash.PidNS, uint64(4026532100)},
		{"mntns", bash.MntNS, uint64(4026532101)},
		{"container", bash.Container.Full, "3f4e9c1b2a7d8e6f5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a3928170615"},
		{"runtime", bash.Container.Runtime, container.RuntimeDocker},
		{"host container", init.Container.IsHost(), true},
		{"cgroups", len(bash.Cgroups), 3},
	}
	for _, tt := range tests {
		if !equal(tt.got, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}

	ap := netip.MustParseAddrPort
	fds := []struct {
		num  int32
		kind FDKind
		name string
		chk  func(f *FD) bool
	}{
		{0, FDFile, "/dev/null", nil},
		{1, FDDirectory, "/", nil},
		{2, FDPipe, "pipe:[5005]", func(f *FD) bool { return f.Ino == 5005 && f.Flags == 1 }},
		{3, FDIPv4, "10.0.0.10:40000->10.0.0.2:443", func(f *FD) bool {
			return f.CloExec && f.Sock.Role == RoleClient && f.Sock.Connected && f.Sock.L4 == L4TCP && f.Sock.Server() == ap("10.0.0.2:443")
		}},
		{4, FDUnix, "/run/systemd/private", nil},
		{5, FDEventfd, "anon_inode:[eventfd]", nil},
		{6, FDMemfd, "memfd:payload", nil},
		{7, FDFile, "/tmp/vigil-gone-file", nil},
		{8, FDInotify, "anon_inode:inotify", nil},
		{9, FDBPF, "anon_inode:bpf-map", nil},
		{10, FDIPv4, "10.0.0.10:54321->8.8.8.8:53", func(f *FD) bool { return f.Sock.L4 == L4UDP && f.Sock.Connected }},
		{11, FDPacket, "", func(f *FD) bool { return f.Sock.Ino == 9999 }},
		{12, FDOther, "net:[4026531840]", nil},
	}
	for _, w := range fds {
		f := bash.FD(w.num)
		if f == nil || f.Kind != w.kind || f.Name != w.name || (w.chk != nil && !w.chk(f)) {
			t.Errorf("fd %d = %+v, want kind %v name %q", w.num, f, w.kind, w.name)
		}
	}
	initFDs := []struct {
		num  int32
		name string
		chk  func(f *FD) bool
	}{
		{3, "0.0.0.0:22", func(f *FD) bool { return f.Sock.Listening && f.Sock.Role == RoleServer && f.CloExec }},
		{4, "[::1]:8080", func(f *FD) bool { return f.Kind == FDIPv6 && f.Sock.Listening }},
		{5, "0.0.0.0:53", func(f *FD) bool { return f.Sock.L4 == L4UDP && !f.Sock.Connected && f.Sock.Role == RoleUnknown }},
	}
	for _, w := range initFDs {
		if f := init.FD(w.num); f == nil || f.Name != w.name || !w.chk(f) {
			t.Errorf("init fd %d = %+v, want %q", w.num, f, w.name)
		}
	}
}

func equal(a, b any) bool {
	if as, ok := a.([]string); ok {
		bs, ok := b.([]string)
		return ok && strings.Join(as, "\x00") == strings.Join(bs, "\x00") && len(as) == len(bs)
	}
	return a == b
}

func TestBootstrapMissingRoot(t *testing.T) {
	if _, err := New(Config{}).Bootstrap(BootstrapConfig{ProcRoot: "testdata/does-not-exist"}); err == nil {
		t.Fatal("missing proc root accepted")
	}
}

func TestBootstrapFDLimit(t *testing.T) {
	tb := New(Config{MaxFDsPerProcess: 2})
	st, err := tb.Bootstrap(BootstrapConfig{ProcRoot: "testdata/proc"})
	if err != nil {
		t.Fatal(err)
	}
	if st.FDs != 4 || tb.Counters().FDsDropped != 13 {
		t.Fatalf("fds %d dropped %d", st.FDs, tb.Counters().FDsDropped)
	}
}

func TestLoadPIDRefresh(t *testing.T) {
	tb := tree(t, Config{})
	tb.OpenFD(200, FD{Num: 99, Kind: FDFile, Path: "/stale"})
	p := tb.LoadPID(BootstrapConfig{ProcRoot: "testdata/proc"}, 200)
	if p == nil {
		t.Fatal("LoadPID failed")
	}
	if _, q := tb.Thread(200); q != p {
		t.Fatal("refresh created a second process")
	}
	if p.FD(99) != nil || p.FD(3) == nil {
		t.Fatal("fd table not re-read")
	}
	if p.Comm != "bash" || p.Parent() == nil || p.Parent().Pid != 100 {
		t.Fatalf("refreshed process %+v", p)
	}
	if tb.LoadPID(BootstrapConfig{ProcRoot: "testdata/proc"}, 300) != nil {
		t.Fatal("vanished pid loaded")
	}
}

// TestBootstrapRealProc reads the real /proc and checks what it says about
// this test process against what the runtime knows.
func TestBootstrapRealProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no procfs:", err)
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "marker"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	cwd, _ := os.Getwd()
	exe, _ := os.Executable()

	tb := New(Config{})
	st, err := tb.Bootstrap(BootstrapConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Processes < 2 {
		t.Fatalf("only %d processes", st.Processes)
	}
	pid := uint32(os.Getpid())
	_, p := tb.Thread(pid)
	if p == nil {
		t.Fatal("own process not found")
	}
	if p.Cwd != cwd+"/" {
		t.Errorf("cwd %q, want %q", p.Cwd, cwd+"/")
	}
	if p.ExePath != exe {
		t.Errorf("exepath %q, want %q", p.ExePath, exe)
	}
	if p.Ppid != uint32(os.Getppid()) {
		t.Errorf("ppid %d, want %d", p.Ppid, os.Getppid())
	}
	if p.Creds.EUID != uint32(os.Geteuid()) {
		t.Errorf("euid %d", p.Creds.EUID)
	}
	if p.Key.Start == 0 || p.ExeFile.Ino == 0 || p.PidNS == 0 || p.MntNS == 0 {
		t.Errorf("start %d exe ino %d pidns %d mntns %d", p.Key.Start, p.ExeFile.Ino, p.PidNS, p.MntNS)
	}
	if p.nthreads < 2 {
		t.Errorf("only %d threads for a Go test binary", p.nthreads)
	}
	var gotFile, gotListen, gotClient, gotServer bool
	lport := ln.Addr().(*net.TCPAddr).Port
	p.FDs(func(fd *FD) bool {
		switch {
		case fd.Kind == FDFile && fd.Path == f.Name():
			gotFile = fd.CloExec // Go opens with O_CLOEXEC
		case fd.Kind == FDIPv4 && fd.Sock.Listening && int(fd.Sock.Local.Port()) == lport:
			gotListen = fd.Sock.Role == RoleServer
		case fd.Kind == FDIPv4 && fd.Sock.Connected && int(fd.Sock.Remote.Port()) == lport:
			gotClient = fd.Sock.Role == RoleClient && fd.Name == conn.LocalAddr().String()+"->"+ln.Addr().String()
		case fd.Kind == FDIPv4 && fd.Sock.Connected && int(fd.Sock.Local.Port()) == lport:
			gotServer = fd.Sock.Role == RoleServer
		}
		return true
	})
	if !gotFile || !gotListen || !gotClient || !gotServer {
		t.Errorf("fds: file %v listen %v client %v server %v", gotFile, gotListen, gotClient, gotServer)
	}
	if parent := p.Parent(); parent == nil || parent.Pid != p.Ppid {
		t.Errorf("parent not linked: %+v", parent)
	}
}
