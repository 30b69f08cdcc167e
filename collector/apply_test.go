package collector

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/rules/fields"
)

const cid = "3f4e9c1b2a7d8e6f5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a3928170615"

// rec builds a record the way a source delivers it: encoded, then decoded.
type rec struct {
	kind      record.Kind
	ts        uint64
	tgid, tid uint32
	ret       int64
	args      []uint64
	data      [][]byte
	flags     record.Flags
}

func (x rec) decode(t testing.TB) *record.Record {
	t.Helper()
	r := record.Record{Header: record.Header{TS: x.ts, TGID: x.tgid, TID: x.tid, Kind: x.kind, Ret: x.ret, Flags: x.flags}}
	copy(r.Args[:], x.args)
	copy(r.Data[:], x.data)
	b, err := record.Encode(nil, &r)
	if err != nil {
		t.Fatal(err)
	}
	var out record.Record
	if err := record.Decode(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func i64(v int64) uint64 { return uint64(v) }

func execRec(ts uint64, pid, ppid uint32, comm, exe string, argv string, cwd, cgroup string, uid uint32) rec {
	info := record.ExecInfo{UID: uid, EUID: uid, LoginUID: 1000, PPID: ppid, SID: ppid, PGID: pid, VTGID: pid,
		PidNS: 4026531836, MntNS: 4026531841, StartTime: ts - 5, ExeIno: 42, ExeCtime: 7, ExeMtime: 8, CapEffective: 0x3}
	return rec{kind: record.KindExecve, ts: ts, tgid: pid, tid: pid, args: []uint64{i64(-100), 0, uint64(pid)},
		data: [][]byte{[]byte(exe), []byte(argv), []byte(exe), []byte(exe), []byte(cwd), []byte(comm), []byte(cgroup),
			record.AppendExecInfo(nil, &info)}}
}

func sockInfo(fam uint16, local, remote string) []byte {
	si := record.SockInfo{Family: fam, Type: 1}
	l, r := netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote)
	si.LocalPort, si.RemotePort = l.Port(), r.Port()
	if fam == record.AFInet {
		a, b := l.Addr().As4(), r.Addr().As4()
		copy(si.LocalAddr[:], a[:])
		copy(si.RemoteAddr[:], b[:])
	} else {
		si.LocalAddr, si.RemoteAddr = l.Addr().As16(), r.Addr().As16()
	}
	return record.AppendSockInfo(nil, &si)
}

func sockaddr4(ap string) []byte {
	a := netip.MustParseAddrPort(ap)
	b := make([]byte, 16)
	binary.LittleEndian.PutUint16(b, record.AFInet)
	binary.BigEndian.PutUint16(b[2:], a.Port())
	ip := a.Addr().As4()
	copy(b[4:], ip[:])
	return b
}

func sockaddrUnix(path string) []byte {
	b := []byte{record.AFUnix, 0}
	return append(append(b, path...), 0)
}

func newState() *State {
	return NewState(proc.New(proc.Config{}), nil, nil, record.ArchAMD64)
}

func TestApplySequence(t *testing.T) {
	s := newState()
	var ev Event
	apply := func(x rec) *Event {
		t.Helper()
		s.Apply(x.decode(t), &ev)
		return &ev
	}
	typ := func(name string) fields.EventType {
		et, ok := fields.LookupEventType(name)
		if !ok {
			t.Fatalf("no event type %s", name)
		}
		return et
	}

	apply(execRec(10, 1, 0, "init", "/sbin/init", "/sbin/init\x00", "/", "/", 0))
	apply(rec{kind: record.KindProcFork, ts: 20, tgid: 1, tid: 1, args: []uint64{100, 100, 0, 19, 1, 5}})
	e := apply(execRec(30, 100, 1, "sh", "/bin/sh", "sh\x00-c\x00cat /etc/shadow\x00", "/root", "/docker/"+cid, 0))
	if e.Type() != typ("execve") || e.Proc == nil || e.Proc.Cmdline != "sh -c cat /etc/shadow" || e.Proc.Exe != "sh" ||
		e.Proc.ExePath != "/bin/sh" || e.Proc.Cwd != "/root/" || e.Proc.Parent().Comm != "init" ||
		e.Proc.Container.Full != cid || e.Proc.Creds.LoginUID != 1000 || e.Proc.ExeFile.Ino != 42 || e.Proc.Key.Start != 19 {
		t.Fatalf("after exec: %+v", e.Proc)
	}

	// open relative to cwd, then dup2 onto stdout, then close.
	e = apply(rec{kind: record.KindOpenat, ts: 40, tgid: 100, tid: 100, ret: 3,
		args: []uint64{i64(-100), 0o2000000, 0, 0, 9, 77}, data: [][]byte{[]byte("../etc/shadow")}})
	if e.Type() != typ("openat") || e.FD == nil || e.FD.Path != "/etc/shadow" || !e.FD.CloExec || e.FDNum != 3 || e.FD.Ino != 77 {
		t.Fatalf("open fd %+v num %d", e.FD, e.FDNum)
	}
	e = apply(rec{kind: record.KindDup2, ts: 41, tgid: 100, tid: 100, ret: 1, args: []uint64{3, 1, 0}})
	if e.FD == nil || e.FD.Num != 1 || e.FD.Path != "/etc/shadow" || e.FD.CloExec {
		t.Fatalf("dup2 fd %+v", e.FD)
	}
	e = apply(rec{kind: record.KindClose, ts: 42, tgid: 100, tid: 100, args: []uint64{3}})
	if e.FD == nil || e.FD.Path != "/etc/shadow" || e.Proc.FD(3) != nil {
		t.Fatalf("close: event fd %+v, table fd %+v", e.FD, e.Proc.FD(3))
	}

	// failed open keeps fd data with fd.num -1.
	e = apply(rec{kind: record.KindOpen, ts: 43, tgid: 100, tid: 100, ret: -13,
		args: []uint64{i64(-100), 1, 0, 0, 0, 0}, data: [][]byte{[]byte("secret")}})
	if e.FDNum != -1 || e.FD == nil || e.FD.Path != "/root/secret" || e.FD.Kind != proc.FDFile || e.Proc.NumFDs() != 1 {
		t.Fatalf("failed open %+v %d", e.FD, e.FDNum)
	}

	// A thread and its exit.
	apply(rec{kind: record.KindProcFork, ts: 50, tgid: 100, tid: 100, args: []uint64{100, 101, proc.CloneThread | proc.CloneFiles, 50, 100, 19}})
	e = apply(rec{kind: record.KindPrctl, ts: 51, tgid: 100, tid: 101, args: []uint64{15, 0, 0, 0, 0}, data: [][]byte{[]byte("worker")}})
	if e.Thread == nil || e.Thread.Comm != "worker" || e.Proc.Pid != 100 {
		t.Fatalf("thread %+v", e.Thread)
	}
	e = apply(rec{kind: record.KindProcExit, ts: 52, tgid: 100, tid: 101, args: []uint64{0, 0, 19}})
	if e.Type() != typ("procexit") || e.Thread == nil || e.Thread.Tid != 101 {
		t.Fatalf("exit event %+v", e)
	}

	// Credentials and session.
	apply(rec{kind: record.KindSetresuid, ts: 60, tgid: 100, tid: 100, args: []uint64{1, 2, 3, 1, 2, 3}})
	apply(rec{kind: record.KindCapset, ts: 61, tgid: 100, tid: 100, args: []uint64{0, 0x1, 0}})
	apply(rec{kind: record.KindSetsid, ts: 62, tgid: 100, tid: 100, ret: 100})
	_, p := s.Procs.Thread(100)
	if p.Creds.UID != 1 || p.Creds.EUID != 2 || p.Creds.SUID != 3 || p.Creds.CapEff != 0 || p.Creds.CapPrm != 1 || p.Sid != 100 {
		t.Fatalf("creds %+v sid %d", p.Creds, p.Sid)
	}

	// chdir then fchdir.
	apply(rec{kind: record.KindChdir, ts: 63, tgid: 100, tid: 100, args: []uint64{i64(-100), 0, 0}, data: [][]byte{[]byte("/tmp/x/..")}})
	if p.Cwd != "/tmp/" {
		t.Fatalf("cwd %q", p.Cwd)
	}

	// Process exit.
	apply(rec{kind: record.KindProcExit, ts: 70, tgid: 100, tid: 100, args: []uint64{0, 1, 19}})
	if !p.Exited {
		t.Fatal("process not exited")
	}
}

func TestApplyNetwork(t *testing.T) {
	s := newState()
	var ev Event
	apply := func(x rec) *Event {
		t.Helper()
		s.Apply(x.decode(t), &ev)
		return &ev
	}
	apply(execRec(10, 200, 0, "curl", "/usr/bin/curl", "curl\x00", "/", "/", 0))
	apply(rec{kind: record.KindSocket, ts: 11, tgid: 200, tid: 200, ret: 3, args: []uint64{2, 1 | 0o2000000, 0}})
	e := apply(rec{kind: record.KindConnect, ts: 12, tgid: 200, tid: 200, ret: -115, args: []uint64{3, 0, 0},
		data: [][]byte{sockaddr4("10.96.0.1:443"), sockInfo(record.AFInet, "10.0.0.5:40000", "10.96.0.1:443")}})
	if e.FD == nil || e.FD.Name != "10.0.0.5:40000->10.96.0.1:443" || !e.NameChanged || e.FD.Sock.Role != proc.RoleClient || !e.FD.CloExec {
		t.Fatalf("connect fd %+v changed %v", e.FD, e.NameChanged)
	}
	// Connect without socket info falls back to the sockaddr.
	apply(rec{kind: record.KindSocket, ts: 13, tgid: 200, tid: 200, ret: 4, args: []uint64{2, 2, 0}})
	e = apply(rec{kind: record.KindConnect, ts: 14, tgid: 200, tid: 200, args: []uint64{4, 0, 0},
		data: [][]byte{sockaddr4("8.8.8.8:53"), nil}})
	if e.FD == nil || e.FD.Sock.Remote != netip.MustParseAddrPort("8.8.8.8:53") || e.FD.Sock.L4 != proc.L4UDP {
		t.Fatalf("connect from sockaddr %+v", e.FD)
	}
	// A failed connect changes nothing but still points at the fd.
	e = apply(rec{kind: record.KindConnect, ts: 15, tgid: 200, tid: 200, ret: -111, args: []uint64{3, 0, 0},
		data: [][]byte{sockaddr4("1.2.3.4:1"), nil}})
	if e.FD == nil || e.FD.Name != "10.0.0.5:40000->10.96.0.1:443" || e.NameChanged {
		t.Fatalf("failed connect %+v", e.FD)
	}
	// sendto to a new peer on the UDP socket changes its name.
	e = apply(rec{kind: record.KindSendto, ts: 16, tgid: 200, tid: 200, ret: 10, args: []uint64{4, 0, 10},
		data: [][]byte{sockaddr4("1.1.1.1:53"), sockInfo(record.AFInet, "10.0.0.5:5353", "1.1.1.1:53")}})
	if !e.NameChanged || e.FD.Name != "10.0.0.5:5353->1.1.1.1:53" {
		t.Fatalf("sendto %+v %v", e.FD, e.NameChanged)
	}
	// Server side: bind, listen, accept4.
	apply(rec{kind: record.KindSocket, ts: 20, tgid: 200, tid: 200, ret: 5, args: []uint64{10, 1, 0}})
	apply(rec{kind: record.KindBind, ts: 21, tgid: 200, tid: 200, args: []uint64{5, 0, 0},
		data: [][]byte{nil, sockInfo(record.AFInet6, "[::]:8080", "[::]:0")}})
	e = apply(rec{kind: record.KindListen, ts: 22, tgid: 200, tid: 200, args: []uint64{5, 128, 0}})
	if e.FD == nil || !e.FD.Sock.Listening || e.FD.Name != "[::]:8080" {
		t.Fatalf("listen %+v", e.FD)
	}
	e = apply(rec{kind: record.KindAccept4, ts: 23, tgid: 200, tid: 200, ret: 6, args: []uint64{5, 0o2000000, 0},
		data: [][]byte{nil, sockInfo(record.AFInet6, "[::1]:8080", "[::1]:50000")}})
	if e.FD == nil || e.FD.Num != 6 || e.FD.Sock.Role != proc.RoleServer || e.FD.Name != "[::1]:50000->[::1]:8080" || !e.FD.CloExec {
		t.Fatalf("accept %+v", e.FD)
	}
	// Unix socket connect.
	apply(rec{kind: record.KindSocket, ts: 30, tgid: 200, tid: 200, ret: 7, args: []uint64{1, 1, 0}})
	e = apply(rec{kind: record.KindConnect, ts: 31, tgid: 200, tid: 200, args: []uint64{7, 0, 0},
		data: [][]byte{sockaddrUnix("/var/run/docker.sock"), nil}})
	if e.FD == nil || e.FD.Name != "/var/run/docker.sock" || e.FD.Kind != proc.FDUnix {
		t.Fatalf("unix connect %+v", e.FD)
	}
	// Pipe, memfd.
	apply(rec{kind: record.KindPipe2, ts: 32, tgid: 200, tid: 200, args: []uint64{8, 9, 0, 555}})
	e = apply(rec{kind: record.KindMemfdCreate, ts: 33, tgid: 200, tid: 200, ret: 10, args: []uint64{1}, data: [][]byte{[]byte("x")}})
	if e.FD == nil || e.FD.Kind != proc.FDMemfd || e.FD.Name != "memfd:x" || !e.FD.CloExec || e.Proc.FD(8).Name != "pipe:[555]" {
		t.Fatalf("memfd %+v", e.FD)
	}
}

func TestApplyUnknownTask(t *testing.T) {
	s := newState()
	var ev Event
	s.Apply(rec{kind: record.KindOpenat, ts: 1, tgid: 500, tid: 501, ret: 3, args: []uint64{i64(-100), 0, 0, 0, 0, 0},
		data: [][]byte{[]byte("/etc/hosts")}}.decode(t), &ev)
	if ev.Proc == nil || ev.Proc.Pid != 500 || ev.Thread.Tid != 501 || ev.FD == nil || ev.FD.Path != "/etc/hosts" {
		t.Fatalf("stub %+v %+v", ev.Proc, ev.FD)
	}
	// A relative path of an unknown cwd stays as given.
	s.Apply(rec{kind: record.KindOpenat, ts: 2, tgid: 500, tid: 501, ret: 4, args: []uint64{i64(-100), 0, 0, 0, 0, 0},
		data: [][]byte{[]byte("rel")}}.decode(t), &ev)
	if ev.FD == nil || ev.FD.Path != "rel" {
		t.Fatalf("relative path %+v", ev.FD)
	}
}

func TestEventTypeGeneric(t *testing.T) {
	s := newState()
	var ev Event
	nr, ok := record.SyscallNumber(record.ArchAMD64, "getpid")
	if !ok {
		t.Skip("no getpid in the amd64 table")
	}
	d := binary.LittleEndian.AppendUint32(nil, uint32(nr))
	s.Apply(rec{kind: record.KindGeneric, ts: 1, tgid: 1, tid: 1, data: [][]byte{d}}.decode(t), &ev)
	if want, _ := fields.LookupEventType("getpid"); ev.Type() != want {
		t.Fatalf("generic type %v", ev.Type())
	}
	s.Apply(rec{kind: record.KindGeneric, ts: 1, tgid: 1, tid: 1, data: [][]byte{binary.LittleEndian.AppendUint32(nil, 100000)}}.decode(t), &ev)
	if ev.Type() != fields.EventUnknown || s.UnknownTypes() != 1 {
		t.Fatalf("unknown nr: %v %d", ev.Type(), s.UnknownTypes())
	}
}

func TestApplyReadOnlyDoesNotAllocate(t *testing.T) {
	s := newState()
	var ev Event
	s.Apply(execRec(10, 1, 0, "init", "/sbin/init", "/sbin/init\x00", "/", "/", 0).decode(t), &ev)
	s.Apply(rec{kind: record.KindOpenat, ts: 11, tgid: 1, tid: 1, ret: 3, args: []uint64{i64(-100), 0, 0, 0, 0, 0},
		data: [][]byte{[]byte("/etc/hosts")}}.decode(t), &ev)
	recs := []*record.Record{
		rec{kind: record.KindFchmod, ts: 12, tgid: 1, tid: 1, args: []uint64{3, 0o777, 0}, data: [][]byte{nil}}.decode(t),
		rec{kind: record.KindKill, ts: 13, tgid: 1, tid: 1, args: []uint64{55, 9}}.decode(t),
		rec{kind: record.KindPtrace, ts: 14, tgid: 1, tid: 1, args: []uint64{16, 55, 0, 0}}.decode(t),
		rec{kind: record.KindClose, ts: 15, tgid: 1, tid: 1, ret: -9, args: []uint64{99}}.decode(t),
	}
	allocs := testing.AllocsPerRun(200, func() {
		for _, r := range recs {
			s.Apply(r, &ev)
		}
	})
	if allocs != 0 {
		t.Fatalf("read-only records allocate %.1f times", allocs)
	}
}

func BenchmarkApplyReadOnly(b *testing.B) {
	s := newState()
	var ev Event
	s.Apply(execRec(10, 1, 0, "init", "/sbin/init", "/sbin/init\x00", "/", "/", 0).decode(b), &ev)
	s.Apply(rec{kind: record.KindOpenat, ts: 11, tgid: 1, tid: 1, ret: 3, args: []uint64{i64(-100), 0, 0, 0, 0, 0},
		data: [][]byte{[]byte("/etc/hosts")}}.decode(b), &ev)
	r := rec{kind: record.KindFchmod, ts: 12, tgid: 1, tid: 1, args: []uint64{3, 0o777, 0}, data: [][]byte{nil}}.decode(b)
	b.ReportAllocs()
	for b.Loop() {
		s.Apply(r, &ev)
	}
}

func BenchmarkApplyOpenClose(b *testing.B) {
	s := newState()
	var ev Event
	s.Apply(execRec(10, 1, 0, "init", "/sbin/init", "/sbin/init\x00", "/", "/", 0).decode(b), &ev)
	open := rec{kind: record.KindOpenat, ts: 11, tgid: 1, tid: 1, ret: 3, args: []uint64{i64(-100), 0, 0, 0, 0, 0},
		data: [][]byte{[]byte("/etc/hosts")}}.decode(b)
	cl := rec{kind: record.KindClose, ts: 12, tgid: 1, tid: 1, args: []uint64{3}}.decode(b)
	b.ReportAllocs()
	for b.Loop() {
		s.Apply(open, &ev)
		s.Apply(cl, &ev)
	}
}
