package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/collector/container"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/collector/users"
)

const cid = "3f4e9c1b2a7d8e6f5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a3928170615"

func testHeader() Header {
	return Header{Producer: "test", CreatedAt: time.Unix(1700000000, 0).UTC(), Hostname: "h", KernelRelease: "6.18.0", Arch: "amd64", BootTime: 1699990000e9}
}

func testSnapshot(t testing.TB) *Snapshot {
	tb := proc.New(proc.Config{})
	tb.Exec(&proc.ExecInfo{Ts: 1, Tid: 1, Tgid: 1, Vpid: 1, Comm: "init", Cwd: "/"})
	tb.Fork(&proc.ForkInfo{Ts: 2, ParentTid: 1, Tid: 50, Tgid: 50})
	tb.Exec(&proc.ExecInfo{Ts: 3, Tid: 50, Tgid: 50, Comm: "sh", Exe: "sh", Args: []string{"-c", "id"},
		Cgroups: []proc.Cgroup{{Path: "/docker/" + cid}}})
	tb.OpenFD(50, proc.FD{Num: 3, Kind: proc.FDFile, Path: "/etc/shadow"})
	db := users.New(users.Config{})
	defer db.Close()
	db.Preload(users.Namespace{MntNS: 0, Users: []users.User{{Name: "root"}}, Groups: []users.Group{{GID: 0, Name: "root"}}})
	st := container.NewStore(4)
	st.Put(&container.Info{ID: container.ID{Full: cid, Runtime: container.RuntimeDocker}, Name: "web", Labels: map[string]string{"app": "x"}})
	return TakeSnapshot(3, tb, db, st)
}

// testRecords returns real encoded kernel records plus their count.
func testRecords(t testing.TB, n int) [][]byte {
	var out [][]byte
	for i := range n {
		r := record.Record{Header: record.Header{TS: uint64(10 + i), TGID: 50, TID: 50, Kind: record.KindOpenat, Ret: 3}}
		r.Data[0] = []byte(fmt.Sprintf("/etc/file-%d", i))
		b, err := record.Encode(nil, &r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func writeCapture(t testing.TB, snap *Snapshot, recs [][]byte) []byte {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, testHeader())
	if err != nil {
		t.Fatal(err)
	}
	if snap != nil {
		if err := w.WriteSnapshot(snap); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range recs {
		if err := w.WriteRecord(r); err != nil {
			t.Fatal(err)
		}
	}
	w.AddDropped(7)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readAll reads every record; it returns them and the final error.
func readAll(data []byte, wantSnap bool) ([][]byte, *Snapshot, error) {
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	var snap *Snapshot
	if wantSnap {
		if snap, err = r.Snapshot(); err != nil {
			return nil, nil, err
		}
	}
	var out [][]byte
	var buf []byte
	for {
		buf, err = r.Next(buf)
		if err != nil {
			return out, snap, err
		}
		out = append(out, bytes.Clone(buf))
	}
}

func TestRoundTrip(t *testing.T) {
	snap := testSnapshot(t)
	recs := testRecords(t, 50)
	data := writeCapture(t, snap, recs)

	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header()
	if h.Version != Version || h.Hostname != "h" || h.BootTime != 1699990000e9 || len(h.Kinds) == 0 {
		t.Fatalf("header %+v", h)
	}
	if err := h.CheckKinds(CurrentKinds()); err != nil {
		t.Fatal(err)
	}
	got, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if got.Ts != 3 || len(got.Processes) != 2 || len(got.Users) != 1 || len(got.Containers) != 1 ||
		got.Containers[0].Labels["app"] != "x" || got.Processes[1].FDs[0].Path != "/etc/shadow" {
		t.Fatalf("snapshot %+v", got)
	}
	var buf []byte
	for i := 0; ; i++ {
		buf, err = r.Next(buf)
		if err == io.EOF {
			if i != len(recs) {
				t.Fatalf("read %d records, wrote %d", i, len(recs))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf, recs[i]) {
			t.Fatalf("record %d differs", i)
		}
		var rec record.Record
		if err := record.Decode(buf, &rec); err != nil || string(rec.Data[0]) != fmt.Sprintf("/etc/file-%d", i) {
			t.Fatalf("record %d decodes to %v %q", i, err, rec.Data[0])
		}
	}
	if tr := r.Trailer(); tr == nil || tr.Records != 50 || tr.Dropped != 7 {
		t.Fatalf("trailer %+v", tr)
	}
	// Next keeps returning EOF.
	if _, err := r.Next(buf); err != io.EOF {
		t.Fatalf("after end: %v", err)
	}

	// Restoring the snapshot gives working state.
	tb := proc.New(proc.Config{})
	db := users.New(users.Config{HostRoot: t.TempDir()})
	defer db.Close()
	st := container.NewStore(4)
	got.Restore(tb, db, st)
	if _, p := tb.Thread(50); p == nil || p.Parent() == nil || p.Container.Full != cid || p.FD(3) == nil {
		t.Fatalf("restored process %+v", p)
	}
	if n, ok := db.UserName(0, 0, 0); !ok || n != "root" {
		t.Fatal("restored users")
	}
	if in, ok := st.Get(cid); !ok || in.Name != "web" {
		t.Fatal("restored containers")
	}
}

func TestSkipSnapshotAndEmpty(t *testing.T) {
	recs := testRecords(t, 3)
	got, _, err := readAll(writeCapture(t, testSnapshot(t), recs), false)
	if err != io.EOF || len(got) != 3 {
		t.Fatalf("skip snapshot: %d records, %v", len(got), err)
	}
	got, snap, err := readAll(writeCapture(t, nil, recs), true)
	if err != io.EOF || len(got) != 3 || len(snap.Processes) != 0 {
		t.Fatalf("no snapshot: %d records, %v", len(got), err)
	}
	got, _, err = readAll(writeCapture(t, nil, nil), true)
	if err != io.EOF || len(got) != 0 {
		t.Fatalf("empty: %d records, %v", len(got), err)
	}
}

func TestWriterMisuse(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, testHeader())
	if err := w.WriteRecord(nil); err == nil {
		t.Error("empty record accepted")
	}
	if err := w.WriteRecord(make([]byte, MaxRecordLen+1)); err == nil {
		t.Error("oversized record accepted")
	}
	w.WriteRecord([]byte{1, 2, 3})
	if err := w.WriteSnapshot(&Snapshot{}); err == nil {
		t.Error("snapshot after records accepted")
	}
	w.Close()
	if err := w.WriteRecord([]byte{1}); err == nil {
		t.Error("write after close accepted")
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriterIOError(t *testing.T) {
	w, err := NewWriter(&failWriter{n: 1 << 20}, testHeader())
	if err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, 4096)
	var werr error
	for i := 0; i < 1000 && werr == nil; i++ {
		werr = w.WriteRecord(rec)
	}
	if werr == nil {
		werr = w.Close()
	}
	if werr == nil || !strings.Contains(werr.Error(), "disk full") {
		t.Fatalf("I/O error not reported: %v", werr)
	}
	if err := w.WriteRecord(rec); err == nil {
		t.Fatal("error not sticky")
	}
}

func TestBadFiles(t *testing.T) {
	good := writeCapture(t, testSnapshot(t), testRecords(t, 5))
	hdrEnd := headerEnd(t, good)
	tests := []struct {
		name   string
		data   []byte
		target error
		offset int64 // -1: don't check
	}{
		{"empty", nil, ErrTruncated, 0},
		{"short magic", []byte("VIG"), ErrTruncated, 0},
		{"bad magic", []byte("NOTACAPTUREFILE!"), ErrCorrupt, 0},
		{"preamble only", good[:preambleLen], ErrTruncated, preambleLen},
		{"bad version", patch(good, 8, 2), ErrVersion, 8},
		{"reserved preamble", patch(good, 12, 1), ErrCorrupt, 10},
		{"header crc", patch(good, preambleLen+frameHeaderLen+3, 'X'), ErrCorrupt, preambleLen},
		{"header length huge", patch(good, preambleLen+7, 0x7f), ErrCorrupt, preambleLen},
		{"unknown frame type", patch(good, hdrEnd, 0x33), ErrCorrupt, int64(hdrEnd)},
		{"reserved frame bytes", patch(good, hdrEnd+1, 1), ErrCorrupt, int64(hdrEnd)},
		{"cut in frame header", good[:hdrEnd+5], ErrTruncated, int64(hdrEnd)},
		{"cut in payload", good[:hdrEnd+frameHeaderLen+4], ErrTruncated, int64(hdrEnd)},
		{"cut before end frame", cutBeforeLastFrame(t, good), ErrTruncated, -1},
		{"data after end", append(bytes.Clone(good), 0), ErrCorrupt, int64(len(good))},
		{"last byte flipped", patch(good, len(good)-2, '9'), ErrCorrupt, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(tt.data, true)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want *FormatError", err, err)
			}
			if !errors.Is(err, tt.target) {
				t.Fatalf("error %v, want %v", err, tt.target)
			}
			if tt.offset >= 0 && fe.Offset != tt.offset {
				t.Fatalf("offset %d, want %d (%v)", fe.Offset, tt.offset, err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("offset %d", fe.Offset)) {
				t.Fatalf("message %q lacks the offset", err)
			}
		})
	}
}

// TestEveryTruncationAndFlip cuts the file at every length and flips every
// byte: the reader must report an error (never a silent short read), and
// the records it returned before that must be a prefix of the originals.
func TestEveryTruncationAndFlip(t *testing.T) {
	recs := testRecords(t, 4)
	good := writeCapture(t, testSnapshot(t), recs)
	check := func(name string, data []byte) {
		got, _, err := readAll(data, true)
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("%s: error %v, want *FormatError", name, err)
		}
		if fe.Offset < 0 || fe.Offset > int64(len(data)) {
			t.Fatalf("%s: offset %d outside the file", name, fe.Offset)
		}
		for i := range got {
			if !bytes.Equal(got[i], recs[i]) {
				t.Fatalf("%s: record %d altered", name, i)
			}
		}
	}
	for n := range len(good) {
		check(fmt.Sprintf("cut at %d", n), good[:n])
	}
	for i := range good {
		check(fmt.Sprintf("flip %d", i), patch(good, i, good[i]^0x41))
	}
}

func TestCheckKinds(t *testing.T) {
	cur := []KindInfo{{1, "execve", 3, 8}, {17, "openat", 3, 1}}
	tests := []struct {
		name  string
		kinds []KindInfo
		bad   string
	}{
		{"same", cur, ""},
		{"extra trailing data ok", []KindInfo{{17, "openat", 3, 2}}, ""},
		{"unknown kinds ok", []KindInfo{{99, "future", 1, 1}}, ""},
		{"renamed", []KindInfo{{17, "open", 3, 1}}, "17 (open"},
		{"args differ", []KindInfo{{1, "execve", 2, 8}}, "1 (execve: 2 args"},
		{"fewer data", []KindInfo{{17, "openat", 3, 0}}, "17 (openat"},
	}
	for _, tt := range tests {
		h := Header{Kinds: tt.kinds}
		err := h.CheckKinds(cur)
		if (err == nil) != (tt.bad == "") || (err != nil && !strings.Contains(err.Error(), tt.bad)) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestHostHeader(t *testing.T) {
	h, err := HostHeader("vigil test")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixNano()
	if h.BootTime <= 0 || h.BootTime >= now || h.KernelRelease == "" || len(h.Kinds) != len(record.Kinds()) {
		t.Fatalf("header %+v", h)
	}
	// /proc/stat's btime (seconds) agrees with BootTime.
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			var bt int64
			if _, err := fmt.Sscanf(line, "btime %d", &bt); err == nil {
				if d := h.BootTime/1e9 - bt; d < -2 || d > 2 {
					t.Fatalf("boot time %d vs btime %d", h.BootTime/1e9, bt)
				}
			}
		}
	}
}

func TestFileOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.vcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(f, testHeader())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range testRecords(t, 1000) {
		if err := w.WriteRecord(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	data, _ := os.ReadFile(path)
	got, _, err := readAll(data, false)
	if err != io.EOF || len(got) != 1000 {
		t.Fatalf("%d records, %v", len(got), err)
	}
}

func patch(b []byte, i int, v byte) []byte {
	c := bytes.Clone(b)
	c[i] = v
	return c
}

// headerEnd returns the offset of the first frame after the header frame.
func headerEnd(t *testing.T, b []byte) int {
	t.Helper()
	n := int(b[preambleLen+4]) | int(b[preambleLen+5])<<8 | int(b[preambleLen+6])<<16 | int(b[preambleLen+7])<<24
	return preambleLen + frameHeaderLen + n
}

// cutBeforeLastFrame drops the end frame.
func cutBeforeLastFrame(t *testing.T, b []byte) []byte {
	t.Helper()
	off := preambleLen
	last := off
	for off < len(b) {
		last = off
		n := int(b[off+4]) | int(b[off+5])<<8 | int(b[off+6])<<16 | int(b[off+7])<<24
		off += frameHeaderLen + n
	}
	return b[:last]
}

func FuzzReader(f *testing.F) {
	f.Add(writeCapture(f, testSnapshot(f), testRecords(f, 3)))
	f.Add(writeCapture(f, nil, nil))
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("NewReader error %T %v", err, err)
			}
			return
		}
		if _, err := r.Snapshot(); err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Snapshot error %T %v", err, err)
			}
			return
		}
		var buf []byte
		for i := 0; ; i++ {
			buf, err = r.Next(buf)
			if err == io.EOF {
				return
			}
			if err != nil {
				var fe *FormatError
				if !errors.As(err, &fe) || fe.Offset > int64(len(data)) {
					t.Fatalf("Next error %T %v", err, err)
				}
				return
			}
			if len(buf) > MaxRecordLen || i > len(data) {
				t.Fatalf("impossible record %d of %d bytes", i, len(buf))
			}
		}
	})
}

func BenchmarkWriteRecord(b *testing.B) {
	w, err := NewWriter(io.Discard, testHeader())
	if err != nil {
		b.Fatal(err)
	}
	rec := testRecords(b, 1)[0]
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteRecord(rec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	recs := testRecords(b, 1)
	const n = 100000
	var all [][]byte
	for range n {
		all = append(all, recs[0])
	}
	data := writeCapture(b, nil, all)
	b.SetBytes(int64(len(recs[0])))
	b.ReportAllocs()
	buf := make([]byte, 0, 256)
	var r *Reader
	for b.Loop() {
		if r == nil {
			var err error
			if r, err = NewReader(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
		var err error
		buf, err = r.Next(buf)
		if err == io.EOF {
			b.StopTimer()
			r = nil
			b.StartTimer()
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
