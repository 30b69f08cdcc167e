package proc

import (
	"net/netip"
	"testing"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		in   string
		want statInfo
		err  bool
	}{
		{"42 (cat) R 1 42 7 34817 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 658555 3133440 388", statInfo{"cat", 1, 42, 7, 34817, 658555}, false},
		{"42 (a) b) (c) S 1 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 0 0", statInfo{"a) b) (c", 1, 2, 3, 0, 9}, false},
		{"42 () S 1 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9", statInfo{"", 1, 2, 3, 0, 9}, false},
		{"42 (x) S 1 2", statInfo{comm: "x"}, true},
		{"42 x S 1 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9", statInfo{}, true},
		{"42 (x) S a 2 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9", statInfo{"x", 0, 2, 3, 0, 9}, true},
		{")(", statInfo{}, true},
		{"", statInfo{}, true},
	}
	for _, tt := range tests {
		got, err := parseStat([]byte(tt.in))
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v, err %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestTTYDev(t *testing.T) {
	tests := []struct{ nr, want uint32 }{
		{0, 0},
		{34816, 136 << 20},            // /dev/pts/0
		{34817, 136<<20 | 1},          // /dev/pts/1
		{1025, 4<<20 | 1},             // /dev/tty1
		{0x10_88_05, 136<<20 | 0x105}, // pts/261: minor high bits
	}
	for _, tt := range tests {
		if got := ttyDev(tt.nr); got != tt.want {
			t.Errorf("ttyDev(%#x) = %#x, want %#x", tt.nr, got, tt.want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	in := "Name:\tbash\nTgid:\t10\nPPid:\t1\nUid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\nNSpid:\t10\t1\nNSpgid:\t10\t1\nNSsid:\t9\t0\nCapInh:\t0\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n"
	s, err := parseStatus([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := statusInfo{tgid: 10, ppid: 1, uid: [4]uint32{1, 2, 3, 4}, gid: [4]uint32{5, 6, 7, 8},
		capPrm: 0xa80425fb, capEff: 0xa80425fb, vpid: 1, vpgid: 1, vsid: 0, hasIDs: true}
	if s != want {
		t.Fatalf("got %+v\nwant %+v", s, want)
	}
	for _, bad := range []string{"", "Uid:\t1\t2\n", "Uid:\tx\t2\t3\t4\nGid:\t1\t1\t1\t1\n", "Gid:\t1\t1\t1\t1\n"} {
		if _, err := parseStatus([]byte(bad)); err == nil {
			t.Errorf("parseStatus(%q) accepted", bad)
		}
	}
}

func TestParseNetIP(t *testing.T) {
	tcp := "  sl  local_address rem_address   st\n" +
		"   0: 0100007F:0050 0200007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 77 1\n" +
		"   1: short\n" +
		"   2: 0100007F:ZZZZ 0200007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 78 1\n"
	m := map[uint64]netSock{}
	parseNetIP([]byte(tcp), L4TCP, false, m)
	if len(m) != 1 {
		t.Fatalf("parsed %d sockets", len(m))
	}
	s := m[77]
	if s.local != netip.MustParseAddrPort("127.0.0.1:80") || s.remote != netip.MustParseAddrPort("127.0.0.2:50000") || s.state != 1 {
		t.Fatalf("socket %+v", s)
	}
	tcp6 := "hdr\n   0: 0000000000000000FFFF00000100007F:0050 00000000000000000000000001000000:01BB 0A 0:0 0:0 0 0 0 88 1\n"
	m = map[uint64]netSock{}
	parseNetIP([]byte(tcp6), L4TCP, true, m)
	s = m[88]
	if s.local != netip.MustParseAddrPort("[::ffff:127.0.0.1]:80") || s.remote != netip.MustParseAddrPort("[::1]:443") || !s.v6 {
		t.Fatalf("v6 socket %+v", s)
	}
}

func TestParseNetUnix(t *testing.T) {
	in := "Num RefCount Protocol Flags Type St Inode Path\n" +
		"0000: 00000002 00000000 00010000 0001 01 11 /run/a.sock\n" +
		"0000: 00000002 00000000 00010000 0001 01 12 @abstract\n" +
		"0000: 00000002 00000000 00000000 0001 03 13\n" +
		"bad\n"
	m := map[uint64]string{}
	parseNetUnix([]byte(in), m)
	if len(m) != 3 || m[11] != "/run/a.sock" || m[12] != "@abstract" || m[13] != "" {
		t.Fatalf("unix %v", m)
	}
}

func TestClassifyLink(t *testing.T) {
	tests := []struct {
		in   string
		kind FDKind
		ino  uint64
		path string
	}{
		{"/etc/passwd", FDFile, 0, "/etc/passwd"},
		{"/tmp/x (deleted)", FDFile, 0, "/tmp/x"},
		{"/memfd:payload (deleted)", FDMemfd, 0, "memfd:payload"},
		{"socket:[123]", FDPacket, 123, ""},
		{"pipe:[9]", FDPipe, 9, ""},
		{"anon_inode:[eventfd]", FDEventfd, 0, "anon_inode:[eventfd]"},
		{"anon_inode:[signalfd]", FDSignalfd, 0, "anon_inode:[signalfd]"},
		{"anon_inode:[eventpoll]", FDEventpoll, 0, "anon_inode:[eventpoll]"},
		{"anon_inode:inotify", FDInotify, 0, "anon_inode:inotify"},
		{"anon_inode:[timerfd]", FDTimerfd, 0, "anon_inode:[timerfd]"},
		{"anon_inode:[userfaultfd]", FDUserfaultfd, 0, "anon_inode:[userfaultfd]"},
		{"anon_inode:[io_uring]", FDIOUring, 0, "anon_inode:[io_uring]"},
		{"anon_inode:[pidfd]", FDPidfd, 0, "anon_inode:[pidfd]"},
		{"anon_inode:bpf-prog", FDBPF, 0, "anon_inode:bpf-prog"},
		{"anon_inode:[perf_event]", FDOther, 0, "anon_inode:[perf_event]"},
		{"mnt:[4026531841]", FDOther, 0, "mnt:[4026531841]"},
		{"", FDOther, 0, ""},
	}
	for _, tt := range tests {
		k, ino, p := classifyLink(tt.in)
		if k != tt.kind || ino != tt.ino || p != tt.path {
			t.Errorf("classifyLink(%q) = %v %d %q", tt.in, k, ino, p)
		}
	}
}

func TestParseSmallFiles(t *testing.T) {
	if got := parseCgroupFile([]byte("12:cpu,cpuacct:/a\n0::/b:c\nbad\nx:y:z\n")); len(got) != 2 ||
		got[0] != (Cgroup{12, "cpu,cpuacct", "/a"}) || got[1] != (Cgroup{0, "", "/b:c"}) {
		t.Errorf("cgroups %+v", got)
	}
	if n := parseNSLink("pid:[4026531836]"); n != 4026531836 {
		t.Errorf("ns %d", n)
	}
	if n := parseNSLink("pid:4026531836"); n != 0 {
		t.Errorf("bad ns %d", n)
	}
	if fl, ok := parseFdinfoFlags([]byte("pos:\t0\nflags:\t02100002\n")); !ok || fl != 0o2100002 {
		t.Errorf("flags %o %v", fl, ok)
	}
	if _, ok := parseFdinfoFlags([]byte("pos:\t0\n")); ok {
		t.Error("flags without line")
	}
	if got := splitNUL([]byte("a\x00b c\x00\x00")); len(got) != 2 || got[1] != "b c" {
		t.Errorf("splitNUL %q", got)
	}
	if got := splitNUL(nil); got != nil {
		t.Errorf("splitNUL(nil) %q", got)
	}
}

func FuzzParseProcFiles(f *testing.F) {
	f.Add([]byte("42 (cat) R 1 42 7 34817 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 658555 3133440 388"))
	f.Add([]byte("Uid:\t1\t2\t3\t4\nGid:\t5\t6\t7\t8\nNSpid:\t10\t1\n"))
	f.Add([]byte("h\n   0: 0100007F:0050 0200007F:C350 01 0:0 0:0 0 0 0 77 1\n"))
	f.Add([]byte("h\n0000: 00000002 00000000 00010000 0001 01 11 /run/a.sock\n"))
	f.Add([]byte("12:cpu:/a\n0::/\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseStat(b)
		_, _ = parseStatus(b)
		parseNetIP(b, L4TCP, false, map[uint64]netSock{})
		parseNetIP(b, L4TCP, true, map[uint64]netSock{})
		parseNetUnix(b, map[uint64]string{})
		_ = parseCgroupFile(b)
		_, _ = parseFdinfoFlags(b)
		_ = parseNSLink(string(b))
		_, _, _ = classifyLink(string(b))
		_ = splitNUL(b)
	})
}
