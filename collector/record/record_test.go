package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// sample builds a record of kind k with every argument and field filled.
func sample(k Kind) Record {
	s := k.Schema()
	r := Record{Header: Header{TS: 123456789, TGID: 42, TID: 43, Kind: k, Flags: FlagCompat, CgroupID: 7, Ret: -13}}
	for i := range s.Args {
		r.Args[i] = uint64(i+1) * 0x0101010101
	}
	for i := range s.Data {
		r.Data[i] = bytes.Repeat([]byte{byte('a' + i)}, i*3+1)
	}
	return r
}

func TestEncodeDecodeEveryKind(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(k.String(), func(t *testing.T) {
			in := sample(k)
			buf, err := Encode(nil, &in)
			if err != nil {
				t.Fatal(err)
			}
			if len(buf)%8 != 0 {
				t.Fatalf("length %d not a multiple of 8", len(buf))
			}
			var out Record
			if err := Decode(buf, &out); err != nil {
				t.Fatal(err)
			}
			s := k.Schema()
			if int(out.NArgs) != s.NArgs() || int(out.NData) != s.NData() {
				t.Fatalf("counts %d/%d, want %d/%d", out.NArgs, out.NData, s.NArgs(), s.NData())
			}
			if out.Len != uint32(len(buf)) {
				t.Fatalf("Len %d, want %d", out.Len, len(buf))
			}
			in.Len = out.Len
			if in.Header != out.Header || in.Args != out.Args {
				t.Fatalf("header/args differ:\n got %+v %v\nwant %+v %v", out.Header, out.Args, in.Header, in.Args)
			}
			for i := range s.Data {
				if !bytes.Equal(in.Data[i], out.Data[i]) {
					t.Fatalf("data %d = %q, want %q", i, out.Data[i], in.Data[i])
				}
				if cap(out.Data[i]) != len(out.Data[i]) {
					t.Fatalf("data %d has spare capacity; appends would clobber the buffer", i)
				}
			}
		})
	}
}

func TestDecodeBackToBack(t *testing.T) {
	var buf []byte
	kinds := []Kind{KindOpenat, KindExecve, KindClose, KindGeneric}
	for _, k := range kinds {
		r := sample(k)
		var err error
		if buf, err = Encode(buf, &r); err != nil {
			t.Fatal(err)
		}
	}
	var r Record
	for i, want := range kinds {
		if err := Decode(buf, &r); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if r.Kind != want {
			t.Fatalf("record %d kind %v, want %v", i, r.Kind, want)
		}
		buf = buf[r.Len:]
	}
	if len(buf) != 0 {
		t.Fatalf("%d bytes left", len(buf))
	}
}

func TestDecodeErrors(t *testing.T) {
	good := sample(KindOpenat)
	enc, err := Encode(nil, &good)
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), enc...))
	}
	tests := []struct {
		name   string
		in     []byte
		offset int
	}{
		{"empty", nil, 0},
		{"short header", enc[:HeaderSize-1], 0},
		{"length zero", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[20:], 0); return b }), 20},
		{"length unaligned", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[20:], 44); return b }), 20},
		{"length beyond buffer", enc[:len(enc)-8], 20},
		{"unknown kind", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[16:], 999); return b }), 16},
		{"kind gap", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[16:], 9); return b }), 16},
		{"args beyond length", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[20:], 48); return b }), HeaderSize},
		{"field beyond record", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[HeaderSize+48:], 500); return b }), HeaderSize + 48},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Record
			err := Decode(tt.in, &r)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v, want a *DecodeError", err)
			}
			if de.Offset != tt.offset {
				t.Fatalf("offset %d, want %d (%v)", de.Offset, tt.offset, err)
			}
		})
	}
}

func TestDecodeClearsUnusedFields(t *testing.T) {
	big := sample(KindExecve)
	small := sample(KindClose)
	b1, _ := Encode(nil, &big)
	b2, _ := Encode(nil, &small)
	var r Record
	if err := Decode(b1, &r); err != nil {
		t.Fatal(err)
	}
	if err := Decode(b2, &r); err != nil {
		t.Fatal(err)
	}
	for i := int(r.NArgs); i < MaxArgs; i++ {
		if r.Args[i] != 0 {
			t.Fatalf("stale arg %d", i)
		}
	}
	for i := int(r.NData); i < MaxData; i++ {
		if r.Data[i] != nil {
			t.Fatalf("stale data %d", i)
		}
	}
}

func TestEncodeRejects(t *testing.T) {
	r := Record{Header: Header{Kind: 9}}
	if _, err := Encode(nil, &r); err == nil {
		t.Fatal("unknown kind encoded")
	}
	r = sample(KindOpenat)
	r.Data[DataOpenPath] = make([]byte, 70000)
	if _, err := Encode(nil, &r); err == nil {
		t.Fatal("oversized field encoded")
	}
	r = sample(KindExecve)
	for i := 0; i < 8; i++ {
		r.Data[i] = make([]byte, 5000)
	}
	if _, err := Encode(nil, &r); err == nil {
		t.Fatal("record over MaxRecord encoded")
	}
}

func TestKindNames(t *testing.T) {
	seen := map[string]Kind{}
	for _, k := range Kinds() {
		s := k.Schema()
		if prev, dup := seen[s.Name]; dup {
			t.Fatalf("name %q used by %d and %d", s.Name, prev, k)
		}
		seen[s.Name] = k
		if got, ok := KindByName(s.Name); !ok || got != k {
			t.Fatalf("KindByName(%q) = %v, %v", s.Name, got, ok)
		}
		if len(s.Args) > MaxArgs || len(s.Data) > MaxData {
			t.Fatalf("%s: %d args / %d data exceed the limits", s.Name, len(s.Args), len(s.Data))
		}
		if len(s.Types) != len(s.Data) {
			t.Fatalf("%s: %d types for %d data fields", s.Name, len(s.Types), len(s.Data))
		}
		if s.Syscall {
			if _, ok := SyscallNumber(ArchAMD64, s.Name); !ok {
				t.Fatalf("%s: marked as a syscall but not in the amd64 table", s.Name)
			}
		}
	}
	if KindOpenat.String() != "openat" || KindProcExit.String() != "procexit" || KindClone.String() != "clone" {
		t.Fatal("names changed")
	}
	if Kind(9).String() != "kind(9)" || Kind(9).Valid() {
		t.Fatal("unknown kind formatting")
	}
}

func TestFlagsString(t *testing.T) {
	for f, want := range map[Flags]string{
		0:                             "0",
		FlagCompat:                    "compat",
		FlagCompat | FlagReadFault:    "compat|read_fault",
		FlagTruncated | 0x100:         "truncated|0x0100",
		FlagStashMissing | FlagCompat: "compat|stash_missing",
	} {
		if got := f.String(); got != want {
			t.Errorf("%#x: %q, want %q", uint16(f), got, want)
		}
	}
}

func TestPeekHeader(t *testing.T) {
	r := sample(KindConnect)
	b, _ := Encode(nil, &r)
	var h Header
	if err := PeekHeader(b, &h); err != nil || h.Kind != KindConnect || h.Len != uint32(len(b)) {
		t.Fatalf("PeekHeader: %v %+v", err, h)
	}
	if err := PeekHeader(b[:len(b)-8], &h); err == nil {
		t.Fatal("truncated record accepted")
	}
}

func TestExecInfoRoundTrip(t *testing.T) {
	in := ExecInfo{UID: 1, GID: 2, EUID: 3, EGID: 4, SUID: 5, SGID: 6, FSUID: 7, LoginUID: 0xffffffff,
		CapEffective: 1 << 40, CapPermitted: 2, CapInheritable: 3, PPID: 9, SID: 10, PGID: 11, TTY: 136<<20 | 1,
		PidNS: 12, MntNS: 13, VTGID: 14, NetNS: 15, StartTime: 16, ExeIno: 17, ExeDev: 18, ExeNlink: 19,
		ExeCtime: -20, ExeMtime: 21, ExeFSMagic: 0x794c7630, ExeFlags: ExeFlagNoFile}
	b := AppendExecInfo(nil, &in)
	if len(b) != ExecInfoSize {
		t.Fatalf("size %d", len(b))
	}
	var out ExecInfo
	if !DecodeExecInfo(b, &out) || out != in {
		t.Fatalf("got %+v", out)
	}
	if DecodeExecInfo(b[:ExecInfoSize-1], &out) {
		t.Fatal("short blob accepted")
	}
}

func TestSockInfoAndSockaddr(t *testing.T) {
	in := SockInfo{Family: AFInet, Type: 1, Protocol: 6, State: 1, LocalPort: 40000, RemotePort: 80}
	copy(in.LocalAddr[:], []byte{127, 0, 0, 1})
	copy(in.RemoteAddr[:], []byte{10, 1, 2, 3})
	b := AppendSockInfo(nil, &in)
	var out SockInfo
	if !DecodeSockInfo(b, &out) || out != in {
		t.Fatalf("got %+v", out)
	}
	if l, ok := out.Local(); !ok || l.String() != "127.0.0.1:40000" {
		t.Fatalf("local %v", l)
	}
	if r, ok := out.Remote(); !ok || r.String() != "10.1.2.3:80" {
		t.Fatalf("remote %v", r)
	}

	tests := []struct {
		name string
		in   []byte
		ok   bool
		want string
	}{
		{"inet", []byte{2, 0, 0x1f, 0x90, 192, 168, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0}, true, "192.168.1.2:8080"},
		{"inet6", append([]byte{10, 0, 0, 53, 0, 0, 0, 0}, append(make([]byte, 15), 1)...), true, "[::1]:53"},
		{"unix", append([]byte{1, 0}, "/run/x.sock\x00junk"...), true, "/run/x.sock"},
		{"abstract", append([]byte{1, 0}, "\x00name"...), true, "\x00name"},
		{"short inet", []byte{2, 0, 1}, false, ""},
		{"other family", []byte{16, 0, 0, 0}, false, ""},
		{"empty", nil, false, ""},
	}
	for _, tt := range tests {
		var sa Sockaddr
		ok := DecodeSockaddr(tt.in, &sa)
		if ok != tt.ok {
			t.Errorf("%s: ok=%v", tt.name, ok)
			continue
		}
		if !ok {
			continue
		}
		got := sa.Addr.String()
		if sa.Family == AFUnix {
			got = string(sa.Path)
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSyscallTables(t *testing.T) {
	tests := []struct {
		arch Arch
		name string
		nr   int
	}{
		{ArchAMD64, "openat", 257},
		{ArchAMD64, "execve", 59},
		{ArchAMD64, "clone3", 435},
		{ArchI386, "open", 5},
		{ArchI386, "socketcall", 102},
		{ArchARM64, "openat", 56},
		{ArchARM64, "fcntl", 25},
		{ArchARM64, "newfstatat", 79},
		{ArchARM64, "execve", 221},
		{ArchARM64, "renameat", 38},
	}
	for _, tt := range tests {
		if nr, ok := SyscallNumber(tt.arch, tt.name); !ok || nr != tt.nr {
			t.Errorf("%v %s = %d %v, want %d", tt.arch, tt.name, nr, ok, tt.nr)
		}
		if n, ok := SyscallName(tt.arch, tt.nr); !ok || n != tt.name {
			t.Errorf("%v %d = %q", tt.arch, tt.nr, n)
		}
	}
	for _, name := range []string{"open", "fork", "dup2", "fcntl64", "mmap2"} {
		if _, ok := SyscallNumber(ArchARM64, name); ok {
			t.Errorf("arm64 has %s", name)
		}
	}
	for _, a := range []Arch{ArchAMD64, ArchI386, ArchARM64} {
		if len(table(a)) > MaxSyscalls {
			t.Errorf("%v table has %d entries, more than MaxSyscalls", a, len(table(a)))
		}
	}
	if _, ok := SyscallName(ArchAMD64, -1); ok {
		t.Error("negative number named")
	}
}

func TestCompatTo64(t *testing.T) {
	tests := []struct {
		ia32 int
		want string
		ok   bool
	}{
		{5, "open", true},
		{11, "execve", true},
		{41, "dup", true},
		{213, "setuid", true},   // setuid32
		{221, "fcntl", true},    // fcntl64
		{192, "mmap", true},     // mmap2
		{102, "", false},        // socketcall
		{117, "", false},        // ipc
		{358, "execveat", true}, // execveat
		{403, "clock_gettime", true},
	}
	for _, tt := range tests {
		nr, ok := CompatTo64(tt.ia32)
		if ok != tt.ok {
			t.Errorf("%d: ok=%v", tt.ia32, ok)
			continue
		}
		if ok {
			if name, _ := SyscallName(ArchAMD64, nr); name != tt.want {
				t.Errorf("%d -> %d %q, want %q", tt.ia32, nr, name, tt.want)
			}
		}
	}
}

func TestGenericSyscall(t *testing.T) {
	mk := func(v uint32, flags Flags) *Record {
		r := sample(KindGeneric)
		r.Flags = flags
		r.Data[DataGenericNr] = []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
		return &r
	}
	tests := []struct {
		r      *Record
		native Arch
		want   string
		ok     bool
	}{
		{mk(0, 0), ArchAMD64, "read", true},
		{mk(0, FlagCompat), ArchAMD64, "read", true}, // ia32 read mapped to the native number
		{mk(102|GenericIA32, FlagCompat), ArchAMD64, "socketcall", true},
		{mk(63, 0), ArchARM64, "read", true},
		{mk(999, 0), ArchAMD64, "", false},
	}
	for _, tt := range tests {
		got, ok := tt.r.GenericSyscallName(tt.native)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%x: %q %v, want %q %v", tt.r.Data[DataGenericNr], got, ok, tt.want, tt.ok)
		}
	}
	r := sample(KindOpenat)
	if _, _, ok := r.GenericSyscall(ArchAMD64); ok {
		t.Error("openat record read as generic")
	}
}
