package collector

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/collector/container"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/collector/users"
	"github.com/vigilsec/vigil/rules/fields"
)

const testMntNS = 4026531841 // the mount namespace execRec gives processes

// extractState is a state with user names and one container's metadata.
func extractState(t testing.TB) *State {
	t.Helper()
	db := users.New(users.Config{HostMntNS: testMntNS, LoadWait: -1})
	t.Cleanup(db.Close)
	db.Preload(users.Namespace{MntNS: 0,
		Users: []users.User{
			{Name: "root", UID: 0, GID: 0, Home: "/root", Shell: "/bin/bash"},
			{Name: "alice", UID: 1000, GID: 1000, Home: "/home/alice", Shell: "/bin/zsh"},
			{Name: "nobody", UID: 65534, GID: 65534, Home: "/nonexistent", Shell: "/usr/sbin/nologin"},
		},
		Groups: []users.Group{{GID: 0, Name: "root"}, {GID: 1000, Name: "alice"}}})
	cs := container.NewStore(0)
	cs.Put(&container.Info{
		ID: container.ID{Full: cid, Runtime: container.RuntimeDocker}, Name: "web", Image: "docker.io/library/nginx:1.27",
		ImageRepo: "docker.io/library/nginx", ImageTag: "1.27", Privileged: true, StartTs: 1_700_000_000_000_000_000,
		Labels: map[string]string{"app": "nginx", "com.example.team": "sec", "note": "a:b,c"},
		Mounts: []container.Mount{{Source: "/var/run/docker.sock", Dest: "/run/docker.sock", Mode: "ro", Propagation: "rprivate"}},
		Pod:    container.Pod{Name: "web-0", Namespace: "prod", UID: "1234-5678", Labels: map[string]string{"app": "web", "tier": "front"}},
	})
	s := NewState(proc.New(proc.Config{}), db, cs, record.ArchAMD64)
	s.BootTime = 1_700_000_000_000_000_000
	s.Hostname = "node-1"
	return s
}

// fieldText extracts expr ("proc.aname[2]", "evt.arg.flags") from e and
// renders it as an output would; ok is false when the field is missing.
func fieldText(t testing.TB, reg *fields.Registry, e *Event, expr string) (string, bool) {
	t.Helper()
	name, arg, hasArg := expr, "", false
	if i := strings.IndexByte(expr, '['); i > 0 && strings.HasSuffix(expr, "]") {
		name, arg, hasArg = expr[:i], expr[i+1:len(expr)-1], true
	}
	ref, f, err := reg.Resolve(name, arg, hasArg)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	var v fields.Value
	if !e.Extract(&ref, &v) {
		return "", false
	}
	return string(fields.AppendValue(nil, f, &v)), true
}

// want is one field expectation; missing means Extract must report false.
type want struct {
	expr, text string
	missing    bool
}

func checkFields(t *testing.T, reg *fields.Registry, e *Event, ws []want) {
	t.Helper()
	for _, w := range ws {
		got, ok := fieldText(t, reg, e, w.expr)
		switch {
		case w.missing && ok:
			t.Errorf("%s %s = %q, want missing", e.Type(), w.expr, got)
		case !w.missing && !ok:
			t.Errorf("%s %s missing, want %q", e.Type(), w.expr, w.text)
		case !w.missing && got != w.text:
			t.Errorf("%s %s = %q, want %q", e.Type(), w.expr, got, w.text)
		}
	}
}

// shellScenario: init (host) forks a shell in a container that runs cat.
func shellScenario(t testing.TB, s *State, ev *Event) {
	for _, x := range []rec{
		execRec(10, 1, 0, "systemd", "/sbin/init", "/sbin/init\x00", "/", "/", 0),
		{kind: record.KindProcFork, ts: 20, tgid: 1, tid: 1, args: []uint64{100, 100, 0, 19, 1, 5}},
		execRec(30, 100, 1, "bash", "/bin/bash", "bash\x00-i\x00", "/root", "/docker/"+cid, 0),
		{kind: record.KindProcFork, ts: 40, tgid: 100, tid: 100, args: []uint64{101, 101, 0, 39, 100, 19}},
		execRec(50, 101, 100, "cat", "/usr/bin/cat", "cat\x00/etc/shadow\x00-n\x00", "/root", "/docker/"+cid, 1000),
	} {
		s.Apply(x.decode(t), ev)
	}
}

func TestExtractProcessAndFile(t *testing.T) {
	reg := fields.NewRegistry()
	s := extractState(t)
	var ev Event
	shellScenario(t, s, &ev)
	checkFields(t, reg, &ev, []want{
		{expr: "evt.type", text: "execve"},
		{expr: "evt.res", text: "SUCCESS"},
		{expr: "evt.arg.args", text: "/etc/shadow.-n."},
		{expr: "evt.arg.exe", text: "cat"},
		{expr: "evt.arg.filename", text: "/usr/bin/cat"},
		{expr: "evt.arg.uid", text: "alice"},
		{expr: "evt.rawarg.uid", text: "1000"},
		{expr: "proc.is_sid_leader", text: "false"},
	})

	s.Apply(rec{kind: record.KindOpenat, ts: 60, tgid: 101, tid: 101, ret: 3,
		args: []uint64{i64(-100), 0o2000000, 0, 0, 2049, 77}, data: [][]byte{[]byte("../etc/shadow")}}.decode(t), &ev)
	checkFields(t, reg, &ev, []want{
		{expr: "evt.num", text: "6"},
		{expr: "evt.type", text: "openat"},
		{expr: "syscall.type", text: "openat"},
		{expr: "evt.dir", text: "<"},
		{expr: "evt.rawtime", text: "1700000000000000060"},
		{expr: "evt.time.iso8601", text: "2023-11-14T22:13:20.000000060Z"},
		{expr: "evt.hostname", text: "node-1"},
		{expr: "evt.res", text: "SUCCESS"},
		{expr: "evt.rawres", text: "3"},
		{expr: "evt.failed", text: "false"},
		{expr: "evt.is_async", text: "false"},
		{expr: "evt.is_open_read", text: "true"},
		{expr: "evt.is_open_write", text: "false"},
		{expr: "evt.is_open_exec", text: "false"},
		{expr: "evt.arg.flags", text: "O_RDONLY|O_CLOEXEC"},
		{expr: "evt.arg.name", text: "/etc/shadow"},
		{expr: "evt.rawarg.name", text: "../etc/shadow"},
		{expr: "evt.arg.fd", text: "3(<f>/etc/shadow)"},
		{expr: "evt.arg.dirfd", text: "AT_FDCWD"},
		{expr: "evt.arg[0]", text: "3(<f>/etc/shadow)"},
		{expr: "evt.arg.mode", text: "00"},
		{expr: "evt.arg.dev", text: "0x801"},
		{expr: "evt.args", text: "dirfd=AT_FDCWD name=/etc/shadow flags=O_RDONLY|O_CLOEXEC mode=00 dev=0x801 ino=77"},
		{expr: "evt.cpu", missing: true},
		{expr: "evt.buffer", missing: true},

		{expr: "proc.pid", text: "101"},
		{expr: "proc.ppid", text: "100"},
		{expr: "proc.vpid", text: "101"},
		{expr: "proc.name", text: "cat"},
		{expr: "proc.exe", text: "cat"},
		{expr: "proc.exepath", text: "/usr/bin/cat"},
		{expr: "proc.args", text: "/etc/shadow -n"},
		{expr: "proc.cmdline", text: "cat /etc/shadow -n"},
		{expr: "proc.cmdnargs", text: "2"},
		{expr: "proc.cwd", text: "/root/"},
		{expr: "proc.pname", text: "bash"},
		{expr: "proc.pexepath", text: "/bin/bash"},
		{expr: "proc.pcmdline", text: "bash -i"},
		{expr: "proc.aname[0]", text: "cat"},
		{expr: "proc.aname[1]", text: "bash"},
		{expr: "proc.aname[2]", text: "systemd"},
		{expr: "proc.aname[3]", missing: true},
		{expr: "proc.apid[2]", text: "1"},
		{expr: "proc.aexepath[2]", text: "/sbin/init"},
		{expr: "proc.aname", text: "bash systemd"},
		{expr: "proc.acmdline", text: "bash -i systemd"},
		{expr: "proc.sname", text: "bash"},
		{expr: "proc.sid", text: "100"},
		{expr: "proc.loginshellid", text: "100"},
		{expr: "proc.duration", text: "21"},
		{expr: "proc.nthreads", text: "1"},
		{expr: "proc.exe_ino", text: "42"},
		{expr: "proc.exe_ino.mtime", text: "8"},
		{expr: "proc.is_exe_from_memfd", text: "false"},
		{expr: "proc.is_exe_writable", text: "false"},
		{expr: "proc.is_exe_upper_layer", text: "false"},
		{expr: "proc.env", missing: true},
		{expr: "proc.env[HOME]", missing: true},
		{expr: "thread.tid", text: "101"},
		{expr: "thread.cap_effective", text: "CAP_CHOWN CAP_DAC_OVERRIDE"},

		{expr: "user.uid", text: "1000"},
		{expr: "user.name", text: "alice"},
		{expr: "user.homedir", text: "/home/alice"},
		{expr: "user.shell", text: "/bin/zsh"},
		{expr: "user.loginuid", text: "1000"},
		{expr: "user.loginname", text: "alice"},
		{expr: "group.gid", text: "0"},
		{expr: "group.name", text: "root"},

		{expr: "fd.num", text: "3"},
		{expr: "fd.type", text: "file"},
		{expr: "fd.typechar", text: "f"},
		{expr: "fd.name", text: "/etc/shadow"},
		{expr: "fd.nameraw", text: "../etc/shadow"},
		{expr: "fd.directory", text: "/etc"},
		{expr: "fd.filename", text: "shadow"},
		{expr: "fd.ino", text: "77"},
		{expr: "fd.dev", text: "2049"},
		{expr: "fd.types", text: "(file)"},
		{expr: "fd.types[3]", text: "(file)"},
		{expr: "fd.sip", missing: true},
		{expr: "fd.l4proto", missing: true},
		{expr: "fd.name_changed", text: "false"},

		{expr: "container.id", text: cid[:12]},
		{expr: "container.full_id", text: cid},
		{expr: "container.type", text: "docker"},
		{expr: "container.name", text: "web"},
		{expr: "container.image", text: "docker.io/library/nginx:1.27"},
		{expr: "container.image.repository", text: "docker.io/library/nginx"},
		{expr: "container.image.tag", text: "1.27"},
		{expr: "container.image.digest", missing: true},
		{expr: "container.privileged", text: "true"},
		{expr: "container.duration", text: "60"},
		{expr: "container.mounts", text: "/var/run/docker.sock:/run/docker.sock:ro:false:rprivate"},
		{expr: "container.mount.dest[/var/run/docker.sock]", text: "/run/docker.sock"},
		{expr: "container.mount.source[/run/docker.sock]", text: "/var/run/docker.sock"},
		{expr: "container.mount.rdwr[0]", text: "false"},
		{expr: "container.mount[1]", missing: true},
		{expr: "container.labels", text: "app:nginx,com.example.team:sec,note:a:b,c"},
		{expr: "container.label[app]", text: "nginx"},
		{expr: "container.label.app", text: "nginx"},
		{expr: "container.label.com.example.team", text: "sec"},
		{expr: "container.label[com.example.team]", text: "sec"},
		{expr: "container.label[tier]", missing: true}, // a pod label, not a container one
		{expr: "container.label[nope]", missing: true},
		{expr: "k8s.ns.name", text: "prod"},
		{expr: "k8s.pod.name", text: "web-0"},
		{expr: "k8s.pod.uid", text: "1234-5678"},
		{expr: "k8s.pod.labels", text: "app:web,tier:front"},
		{expr: "k8s.pod.label[app]", text: "web"},
		{expr: "k8s.pod.label[nope]", missing: true},
	})

	// The init process is on the host.
	s.Apply(rec{kind: record.KindKill, ts: 70, tgid: 1, tid: 1, ret: -3, args: []uint64{4242, 9}}.decode(t), &ev)
	checkFields(t, reg, &ev, []want{
		{expr: "container.id", text: "host"},
		{expr: "container.name", text: "host"},
		{expr: "container.image", missing: true},
		{expr: "k8s.ns.name", missing: true},
		{expr: "container.labels", missing: true},
		{expr: "container.label[app]", missing: true},
		{expr: "container.privileged", missing: true},
		{expr: "evt.res", text: "ESRCH"},
		{expr: "evt.rawres", text: "-3"},
		{expr: "evt.failed", text: "true"},
		{expr: "evt.arg.pid", text: "4242"},
		{expr: "evt.arg.sig", text: "9"},
		{expr: "proc.ppid", missing: true},
		{expr: "proc.pname", missing: true},
		{expr: "fd.num", missing: true},
		{expr: "fd.name", missing: true},
		{expr: "evt.is_open_read", missing: true},
		{expr: "user.name", text: "root"},
		{expr: "user.loginname", text: "alice"},
	})
}

// TestExtractLabelKeys: FieldKeys lists the labels of the process's
// container and pod, and nothing once the store forgets the container; the
// label fields go missing with it.
func TestExtractLabelKeys(t *testing.T) {
	reg := fields.NewRegistry()
	s := extractState(t)
	var ev Event
	shellScenario(t, s, &ev)
	var _ fields.KeyLister = &ev
	keys := func(id fields.ID) string { return strings.Join(ev.FieldKeys(id, nil), " ") }
	if got, want := keys(fields.ContainerLabel), "app com.example.team note"; got != want {
		t.Errorf("container.label keys = %q, want %q", got, want)
	}
	if got, want := keys(fields.K8sPodLabel), "app tier"; got != want {
		t.Errorf("k8s.pod.label keys = %q, want %q", got, want)
	}
	if got := keys(fields.ContainerMountDest); got != "" {
		t.Errorf("container.mount.dest keys = %q, want none", got)
	}

	s.Containers.Delete(cid)
	for _, id := range []fields.ID{fields.ContainerLabel, fields.K8sPodLabel} {
		if got := keys(id); got != "" {
			t.Errorf("keys of field %d for an unknown container = %q, want none", id, got)
		}
	}
	checkFields(t, reg, &ev, []want{
		{expr: "container.id", text: cid[:12]},
		{expr: "container.labels", missing: true},
		{expr: "container.label[app]", missing: true},
		{expr: "container.label.app", missing: true},
	})

	// The host process has no labels to list.
	s.Apply(rec{kind: record.KindKill, ts: 70, tgid: 1, tid: 1, ret: -3, args: []uint64{4242, 9}}.decode(t), &ev)
	s.Containers.Put(&container.Info{ID: container.ID{Full: cid, Runtime: container.RuntimeDocker}, Labels: map[string]string{"app": "x"}})
	if got := keys(fields.ContainerLabel); got != "" {
		t.Errorf("host container.label keys = %q, want none", got)
	}
}

func TestExtractEventParams(t *testing.T) {
	reg := fields.NewRegistry()
	s := extractState(t)
	var ev Event
	shellScenario(t, s, &ev)
	apply := func(x rec) *Event {
		t.Helper()
		x.tgid, x.tid = 101, 101
		s.Apply(x.decode(t), &ev)
		return &ev
	}
	nr, _ := record.SyscallNumber(record.ArchAMD64, "getpid")
	cases := []struct {
		name string
		rec  rec
		want []want
	}{
		{"creat", rec{kind: record.KindOpenat, ret: 4, args: []uint64{i64(-100), 0o1101, 0o755, 0, 0, 0}, data: [][]byte{[]byte("/tmp/x")}},
			[]want{{expr: "evt.arg.flags", text: "O_TRUNC|O_CREAT|O_WRONLY"}, {expr: "evt.arg.mode", text: "0755"},
				{expr: "evt.is_open_write", text: "true"}, {expr: "evt.is_open_exec", text: "true"}, {expr: "evt.is_open_read", text: "false"}}},
		{"failed open", rec{kind: record.KindOpenat, ret: -2, args: []uint64{i64(-100), 0, 0, 0, 0, 0}, data: [][]byte{[]byte("nope")}},
			[]want{{expr: "evt.res", text: "ENOENT"}, {expr: "evt.arg.fd", text: "ENOENT"}, {expr: "fd.num", text: "-1"},
				{expr: "fd.name", text: "/root/nope"}, {expr: "evt.rawarg.fd", text: "-2"}}},
		{"unlinkat", rec{kind: record.KindUnlinkat, args: []uint64{i64(-100), 0, 0x200}, data: [][]byte{[]byte("tmp/../.bash_history")}},
			[]want{{expr: "evt.arg.name", text: "/root/.bash_history"}, {expr: "evt.arg.flags", text: "0x200"}, {expr: "evt.arg.dirfd", text: "AT_FDCWD"}}},
		{"renameat2", rec{kind: record.KindRenameat2, args: []uint64{i64(-100), i64(-100), 1}, data: [][]byte{[]byte("/bin/ls"), []byte("ls.bak")}},
			[]want{{expr: "evt.arg.oldpath", text: "/bin/ls"}, {expr: "evt.arg.newpath", text: "/root/ls.bak"}}},
		{"symlinkat", rec{kind: record.KindSymlinkat, args: []uint64{i64(-100)}, data: [][]byte{[]byte("/etc/shadow"), []byte("s")}},
			[]want{{expr: "evt.arg.target", text: "/etc/shadow"}, {expr: "evt.arg.linkpath", text: "/root/s"}}},
		{"mkdir", rec{kind: record.KindMkdir, args: []uint64{i64(-100), 0o700, 0}, data: [][]byte{[]byte("/bin/evil")}},
			[]want{{expr: "evt.arg.path", text: "/bin/evil"}, {expr: "evt.arg.mode", text: "0700"}}},
		{"chmod", rec{kind: record.KindFchmodat, args: []uint64{i64(-100), 0o4755, 0}, data: [][]byte{[]byte("/tmp/sh")}},
			[]want{{expr: "evt.arg.filename", text: "/tmp/sh"}, {expr: "evt.arg.mode", text: "S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID"}}},
		{"ptrace", rec{kind: record.KindPtrace, args: []uint64{16, 55, 0, 0}},
			[]want{{expr: "evt.arg.request", text: "PTRACE_ATTACH"}, {expr: "evt.arg.pid", text: "55"}, {expr: "evt.rawarg.request", text: "16"}}},
		{"setuid", rec{kind: record.KindSetuid, args: []uint64{65534, 0, 0, 65534, 65534, 65534}},
			[]want{{expr: "evt.arg.uid", text: "nobody"}, {expr: "evt.rawarg.uid", text: "65534"}, {expr: "user.uid", text: "65534"}}},
		{"setresuid", rec{kind: record.KindSetresuid, args: []uint64{0, 4242, 0, 0, 4242, 0}},
			[]want{{expr: "evt.arg.ruid", text: "root"}, {expr: "evt.arg.euid", text: "4242"}}},
		{"socket", rec{kind: record.KindSocket, ret: 5, args: []uint64{17, 3, 768}},
			[]want{{expr: "evt.arg.domain", text: "AF_PACKET"}, {expr: "evt.arg.fd", text: "5(<o>)"}, {expr: "fd.type", text: "socket"}}},
		{"connect", rec{kind: record.KindConnect, args: []uint64{5, 0, 0}, data: [][]byte{sockaddr4("10.96.0.1:443"), nil}},
			[]want{{expr: "evt.arg.addr", text: "10.96.0.1:443"}}},
		{"bpf", rec{kind: record.KindBpf, ret: 6, args: []uint64{5, 128, 1}},
			[]want{{expr: "evt.arg.cmd", text: "BPF_PROG_LOAD"}}},
		{"mount", rec{kind: record.KindMount, args: []uint64{0}, data: [][]byte{[]byte("/dev/sda1"), []byte("mnt"), []byte("ext4")}},
			[]want{{expr: "evt.arg.dev", text: "/dev/sda1"}, {expr: "evt.arg.dir", text: "/root/mnt"}, {expr: "evt.arg.type", text: "ext4"},
				{expr: "evt.args", text: "dev=/dev/sda1 dir=/root/mnt type=ext4 flags=0x0"}, {expr: "evt.rawarg.type", missing: true}}},
		{"generic", rec{kind: record.KindGeneric, ret: 101, data: [][]byte{binary.LittleEndian.AppendUint32(nil, uint32(nr))}},
			[]want{{expr: "evt.type", text: "getpid"}, {expr: "evt.rawres", text: "101"}, {expr: "evt.args", text: ""}}},
		{"procexit", rec{kind: record.KindProcExit, args: []uint64{3<<8 | 0x80 | 9, 1, 39}},
			[]want{{expr: "evt.arg.ret", text: "3"}, {expr: "evt.arg.sig", text: "9"}, {expr: "evt.arg.core", text: "1"},
				{expr: "evt.res", missing: true}, {expr: "syscall.type", missing: true}, {expr: "evt.is_async", text: "true"}}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.rec.ts = uint64(100 + i)
			checkFields(t, reg, apply(c.rec), c.want)
		})
	}
}

func TestExtractNetwork(t *testing.T) {
	reg := fields.NewRegistry()
	s := extractState(t)
	var ev Event
	shellScenario(t, s, &ev)
	apply := func(x rec) *Event {
		t.Helper()
		x.tgid, x.tid = 101, 101
		s.Apply(x.decode(t), &ev)
		return &ev
	}
	apply(rec{kind: record.KindSocket, ts: 60, ret: 3, args: []uint64{2, 1, 0}})
	e := apply(rec{kind: record.KindConnect, ts: 61, args: []uint64{3, 0, 0},
		data: [][]byte{sockaddr4("10.96.0.1:443"), sockInfo(record.AFInet, "10.0.0.5:40000", "10.96.0.1:443")}})
	checkFields(t, reg, e, []want{
		{expr: "fd.name", text: "10.0.0.5:40000->10.96.0.1:443"},
		{expr: "fd.cip", text: "10.0.0.5"},
		{expr: "fd.sip", text: "10.96.0.1"},
		{expr: "fd.lip", text: "10.0.0.5"},
		{expr: "fd.rip", text: "10.96.0.1"},
		{expr: "fd.cport", text: "40000"},
		{expr: "fd.sport", text: "443"},
		{expr: "fd.lport", text: "40000"},
		{expr: "fd.rport", text: "443"},
		{expr: "fd.l4proto", text: "tcp"},
		{expr: "fd.sockfamily", text: "ip"},
		{expr: "fd.is_server", text: "false"},
		{expr: "fd.connected", text: "true"},
		{expr: "fd.name_changed", text: "true"},
		{expr: "fd.typechar", text: "4"},
		{expr: "fd.directory", missing: true},
		{expr: "fd.sip.name", missing: true},
		{expr: "evt.arg.tuple", text: "10.0.0.5:40000->10.96.0.1:443"},
		{expr: "evt.arg.fd", text: "3(<4>10.0.0.5:40000->10.96.0.1:443)"},
	})
	apply(rec{kind: record.KindSocket, ts: 62, ret: 4, args: []uint64{10, 1, 0}})
	apply(rec{kind: record.KindBind, ts: 63, args: []uint64{4, 0, 0}, data: [][]byte{nil, sockInfo(record.AFInet6, "[::]:8080", "[::]:0")}})
	apply(rec{kind: record.KindListen, ts: 64, args: []uint64{4, 128, 0}})
	e = apply(rec{kind: record.KindAccept4, ts: 65, ret: 5, args: []uint64{4, 0, 0},
		data: [][]byte{nil, sockInfo(record.AFInet6, "[::1]:8080", "[::1]:50000")}})
	checkFields(t, reg, e, []want{
		{expr: "fd.num", text: "5"},
		{expr: "fd.sip", text: "::1"},
		{expr: "fd.sport", text: "8080"},
		{expr: "fd.cport", text: "50000"},
		{expr: "fd.is_server", text: "true"},
		{expr: "fd.types", text: "(ipv4,ipv6)"},
		{expr: "evt.arg.fd", text: "5(<6>[::1]:50000->[::1]:8080)"},
	})
	// A generic read on the accepted socket points at its fd.
	rd, _ := record.SyscallNumber(record.ArchAMD64, "read")
	e = apply(rec{kind: record.KindGeneric, ts: 655, ret: 10, args: []uint64{5, 0, 100},
		data: [][]byte{binary.LittleEndian.AppendUint32(nil, uint32(rd))}})
	checkFields(t, reg, e, []want{
		{expr: "evt.type", text: "read"},
		{expr: "fd.num", text: "5"},
		{expr: "fd.name", text: "[::1]:50000->[::1]:8080"},
		{expr: "fd.is_server", text: "true"},
	})
	apply(rec{kind: record.KindSocket, ts: 66, ret: 6, args: []uint64{1, 1, 0}})
	e = apply(rec{kind: record.KindConnect, ts: 67, args: []uint64{6, 0, 0}, data: [][]byte{sockaddrUnix("/run/docker.sock"), nil}})
	checkFields(t, reg, e, []want{
		{expr: "fd.name", text: "/run/docker.sock"},
		{expr: "fd.sockfamily", text: "unix"},
		{expr: "fd.typechar", text: "u"},
		{expr: "fd.sip", missing: true},
		{expr: "evt.arg.addr", text: "/run/docker.sock"},
	})
}

// TestExtractCoversRegistry: every field of the registry that a source can
// extract yields a value on some event of the scenarios, except the ones
// listed as not captured (documented in docs/capture-format.md).
func TestExtractCoversRegistry(t *testing.T) {
	notCaptured := map[string]bool{
		"evt.cpu": true, "evt.buffer": true,
		"fd.cip.name": true, "fd.sip.name": true, "fd.lip.name": true, "fd.rip.name": true,
		"container.ip": true, "container.image.id": true, "container.image.digest": true,
		"proc.env": true, // environments are read only when configured
	}
	reg := fields.NewRegistry()
	s := extractState(t)
	var ev Event
	seen := map[string]bool{}
	look := func(e *Event) {
		for _, f := range reg.Fields() {
			if f.Either[0] != 0 || seen[f.Name] {
				continue
			}
			ref := fields.Ref{ID: f.ID}
			switch f.Arg {
			case fields.ArgIndexRequired, fields.ArgIndexOptional, fields.ArgIndexOrKey:
				ref.Arg = fields.Arg{Kind: fields.ArgIndex, Index: 1}
				if f.Name == "container.mount" || strings.HasPrefix(f.Name, "container.mount.") || f.Name == "evt.arg" {
					ref.Arg.Index = 0
				}
				if f.Name == "fd.types" {
					ref.Arg = fields.Arg{}
				}
			case fields.ArgKeyRequired, fields.ArgKeyOptional:
				ref.Arg = fields.Arg{Kind: fields.ArgKey, Key: "app"}
				if f.Name == "evt.rawarg" {
					ref.Arg.Key = "res"
				}
			}
			var v fields.Value
			if e.Extract(&ref, &v) {
				seen[f.Name] = true
			}
		}
	}
	shellScenario(t, s, &ev)
	look(&ev)
	for _, x := range []rec{
		{kind: record.KindOpenat, ts: 60, tgid: 101, tid: 101, ret: 3, args: []uint64{i64(-100), 0, 0, 0, 1, 2}, data: [][]byte{[]byte("/etc/passwd")}},
		{kind: record.KindSocket, ts: 61, tgid: 101, tid: 101, ret: 4, args: []uint64{2, 1, 0}},
		{kind: record.KindConnect, ts: 62, tgid: 101, tid: 101, args: []uint64{4, 0, 0},
			data: [][]byte{nil, sockInfo(record.AFInet, "10.0.0.5:40000", "10.96.0.1:443")}},
		{kind: record.KindProcExit, ts: 63, tgid: 101, tid: 101, args: []uint64{0, 1, 39}},
	} {
		s.Apply(x.decode(t), &ev)
		look(&ev)
	}
	for _, f := range reg.Fields() {
		if f.Either[0] != 0 {
			continue
		}
		if !seen[f.Name] && !notCaptured[f.Name] {
			t.Errorf("%s never extracted", f.Name)
		}
		if seen[f.Name] && notCaptured[f.Name] {
			t.Errorf("%s is extracted: remove it from notCaptured", f.Name)
		}
	}
}

// TestExtractDoesNotAllocate: the fields conditions use most, read from an
// open event, cost no allocation once the event's scratch buffer has grown
// (it is truncated per record, as Apply does).
func TestExtractDoesNotAllocate(t *testing.T) {
	reg := fields.NewRegistry()
	s := extractState(t)
	var ev Event
	shellScenario(t, s, &ev)
	r := rec{kind: record.KindOpenat, ts: 60, tgid: 101, tid: 101, ret: 3,
		args: []uint64{i64(-100), 0o1101, 0o644, 0, 0, 0}, data: [][]byte{[]byte("/etc/shadow")}}.decode(t)
	refs := hotRefs(t, reg)
	var v fields.Value
	s.Apply(r, &ev) // storing the new fd's path allocates; that is state, not extraction
	run := func() {
		ev.scratch = ev.scratch[:0]
		for i := range refs {
			v.Reset()
			ev.Extract(&refs[i], &v)
		}
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Fatalf("%.1f allocations per event", n)
	}
}

func hotRefs(t testing.TB, reg *fields.Registry) []fields.Ref {
	var refs []fields.Ref
	for _, expr := range []string{"evt.type", "evt.arg.flags", "evt.is_open_write", "fd.name", "fd.directory", "fd.typechar",
		"proc.name", "proc.pname", "proc.aname[2]", "proc.cmdline", "proc.exepath", "user.name", "container.id",
		"container.image.repository", "evt.arg.name", "thread.cap_effective", "evt.args", "k8s.ns.name"} {
		name, arg, hasArg := expr, "", false
		if i := strings.IndexByte(expr, '['); i > 0 {
			name, arg, hasArg = expr[:i], expr[i+1:len(expr)-1], true
		}
		ref, _, err := reg.Resolve(name, arg, hasArg)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
	}
	return refs
}

// BenchmarkExtract measures the extraction of the fields rule conditions
// read most from one open event (the scratch buffer truncated per round, as
// Apply does per record).
func BenchmarkExtract(b *testing.B) {
	reg := fields.NewRegistry()
	s := extractState(b)
	var ev Event
	shellScenario(b, s, &ev)
	r := rec{kind: record.KindOpenat, ts: 60, tgid: 101, tid: 101, ret: 3,
		args: []uint64{i64(-100), 0o1101, 0o644, 0, 0, 0}, data: [][]byte{[]byte("/etc/shadow")}}.decode(b)
	refs := hotRefs(b, reg)
	var v fields.Value
	s.Apply(r, &ev)
	b.ReportAllocs()
	for b.Loop() {
		ev.scratch = ev.scratch[:0]
		for i := range refs {
			v.Reset()
			ev.Extract(&refs[i], &v)
		}
	}
	b.ReportMetric(float64(len(refs)), "fields/op")
}

// TestExtractExeFlags: the exe facts the kernel reports in ExecInfo.ExeFlags
// become proc.is_exe_writable, proc.is_exe_upper_layer and the execve
// evt.arg.flags; a failed exec (no file) reports neither.
func TestExtractExeFlags(t *testing.T) {
	reg := fields.NewRegistry()
	for _, tc := range []struct {
		name            string
		flags           uint32
		exePath         string
		writable, upper string
		argFlags        string
	}{
		{"none", 0, "/usr/bin/cat", "false", "false", ""},
		{"writable", record.ExeFlagWritable, "/usr/bin/cat", "true", "false", "EXE_WRITABLE"},
		{"upper", record.ExeFlagUpperLayer, "/usr/bin/cat", "false", "true", "EXE_UPPER_LAYER"},
		{"both", record.ExeFlagWritable | record.ExeFlagUpperLayer, "/usr/bin/cat", "true", "true", "EXE_WRITABLE|EXE_UPPER_LAYER"},
		{"memfd", record.ExeFlagWritable, "/memfd:x", "true", "false", "EXE_WRITABLE|EXE_FROM_MEMFD"},
		{"no file", record.ExeFlagNoFile | record.ExeFlagWritable | record.ExeFlagUpperLayer, "/usr/bin/cat", "false", "false", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := extractState(t)
			var ev Event
			x := execRec(30, 100, 1, "cat", tc.exePath, "cat\x00", "/", "/", 0)
			var info record.ExecInfo
			if !record.DecodeExecInfo(x.data[record.DataExecInfo], &info) {
				t.Fatal("execRec: bad ExecInfo")
			}
			info.ExeFlags = tc.flags
			x.data[record.DataExecInfo] = record.AppendExecInfo(nil, &info)
			s.Apply(x.decode(t), &ev)
			checkFields(t, reg, &ev, []want{
				{expr: "proc.is_exe_writable", text: tc.writable},
				{expr: "proc.is_exe_upper_layer", text: tc.upper},
				{expr: "evt.arg.flags", text: tc.argFlags},
			})
		})
	}
}
