package collector

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/vigilsec/vigil/collector/capture"
	"github.com/vigilsec/vigil/collector/container"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/collector/users"
)

// fakeReader hands out records, then blocks until ctx is done.
type fakeReader struct {
	recs []*record.Record
	i    int
	err  error
}

func (f *fakeReader) Read(ctx context.Context, r *record.Record) error {
	if f.i < len(f.recs) {
		*r = *f.recs[f.i]
		f.i++
		return nil
	}
	if f.err != nil {
		return f.err
	}
	<-ctx.Done()
	return errors.New("reader stopped")
}

func scenario(t testing.TB) []*record.Record {
	return []*record.Record{
		rec{kind: record.KindProcFork, ts: 20, tgid: 1, tid: 1, args: []uint64{300, 300, 0, 19, 1, 5}}.decode(t),
		execRec(30, 300, 1, "nc", "/usr/bin/nc", "nc\x00-e\x00/bin/sh\x00", "/tmp", "/docker/"+cid, 0).decode(t),
		rec{kind: record.KindSocket, ts: 31, tgid: 300, tid: 300, ret: 3, args: []uint64{2, 1, 0}}.decode(t),
		rec{kind: record.KindConnect, ts: 32, tgid: 300, tid: 300, args: []uint64{3, 0, 0},
			data: [][]byte{sockaddr4("192.0.2.1:4444"), sockInfo(record.AFInet, "10.0.0.9:50000", "192.0.2.1:4444")}}.decode(t),
		rec{kind: record.KindDup2, ts: 33, tgid: 300, tid: 300, ret: 0, args: []uint64{3, 0, 0}}.decode(t),
		rec{kind: record.KindProcExit, ts: 40, tgid: 300, tid: 300, args: []uint64{0, 1, 19}}.decode(t),
	}
}

type seen struct {
	typ    string
	comm   string
	fdName string
}

func collect(out *[]seen) func(*Event) {
	return func(e *Event) {
		s := seen{typ: e.Type().String()}
		if e.Proc != nil {
			s.comm = e.Proc.Comm
		}
		if e.FD != nil {
			s.fdName = e.FD.Name
		}
		*out = append(*out, s)
	}
}

func initState(t testing.TB) *State {
	st := NewState(proc.New(proc.Config{}), nil, container.NewStore(8), record.ArchAMD64)
	var ev Event
	st.Apply(execRec(10, 1, 0, "init", "/sbin/init", "/sbin/init\x00", "/", "/", 0).decode(t), &ev)
	return st
}

// TestLiveRecordReplay runs records through a LiveSource that records them,
// then replays the capture into fresh state: both runs must see the same
// events.
func TestLiveRecordReplay(t *testing.T) {
	live := initState(t)
	var file bytes.Buffer
	w, err := capture.NewWriter(&file, capture.Header{Arch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSnapshot(capture.TakeSnapshot(15, live.Procs, nil, live.Containers)); err != nil {
		t.Fatal(err)
	}
	src := NewLiveSource(&fakeReader{recs: scenario(t), err: io.ErrClosedPipe}, live, slog.New(slog.DiscardHandler))
	src.RecordTo(w)
	var got []seen
	err = src.Run(context.Background(), collect(&got))
	if !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("live run: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{"procfork" /* no Falco type: unknown */, "init", ""},
		{"execve", "nc", ""},
		{"socket", "nc", ""},
		{"connect", "nc", "10.0.0.9:50000->192.0.2.1:4444"},
		{"dup2", "nc", "10.0.0.9:50000->192.0.2.1:4444"},
		{"procexit", "nc", ""},
	}
	want[0].typ = "unknown"
	if len(got) != len(want) {
		t.Fatalf("live events %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("live event %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	db := users.New(users.Config{HostRoot: t.TempDir()})
	defer db.Close()
	replay := NewState(proc.New(proc.Config{}), db, container.NewStore(8), record.ArchUnknown)
	cs := NewCaptureSource(bytes.NewReader(file.Bytes()), replay, slog.New(slog.DiscardHandler))
	var again []seen
	if err := cs.Run(context.Background(), collect(&again)); err != nil {
		t.Fatal(err)
	}
	if len(again) != len(got) {
		t.Fatalf("replayed %d events, live %d", len(again), len(got))
	}
	for i := range got {
		if again[i] != got[i] {
			t.Errorf("replay event %d = %+v, live %+v", i, again[i], got[i])
		}
	}
	if cs.Header() == nil || replay.arch != record.ArchAMD64 {
		t.Fatal("replay did not take the capture's architecture")
	}
	_, nc := replay.Procs.Thread(300)
	if nc == nil || nc.Parent() == nil || nc.Parent().Comm != "init" || nc.Container.Full != cid {
		t.Fatalf("replayed state %+v", nc)
	}
}

func TestCaptureSourceErrors(t *testing.T) {
	var file bytes.Buffer
	w, _ := capture.NewWriter(&file, capture.Header{})
	for _, r := range scenario(t)[:3] {
		b, _ := record.Encode(nil, r)
		w.WriteRecord(b)
	}
	w.WriteRecord([]byte("not a record at all")) // framed fine, undecodable
	w.Close()
	good := file.Bytes()

	st := initState(t)
	cs := NewCaptureSource(bytes.NewReader(good), st, slog.New(slog.DiscardHandler))
	var got []seen
	if err := cs.Run(context.Background(), collect(&got)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || cs.DecodeErrors() != 1 {
		t.Fatalf("events %d decode errors %d", len(got), cs.DecodeErrors())
	}

	// Truncated: every record before the damage is delivered, then an error
	// with an offset.
	got = nil
	cs = NewCaptureSource(bytes.NewReader(good[:len(good)-30]), initState(t), slog.New(slog.DiscardHandler))
	err := cs.Run(context.Background(), collect(&got))
	var fe *capture.FormatError
	if !errors.As(err, &fe) || !errors.Is(err, capture.ErrTruncated) || len(got) != 3 {
		t.Fatalf("truncated: %v after %d events", err, len(got))
	}

	// Cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cs = NewCaptureSource(bytes.NewReader(good), initState(t), slog.New(slog.DiscardHandler))
	if err := cs.Run(ctx, func(*Event) {}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}

	// Layout mismatch.
	var bad bytes.Buffer
	h := capture.Header{Kinds: []capture.KindInfo{{Kind: uint16(record.KindOpenat), Name: "openat", NArgs: 1, NData: 1}}}
	w, _ = capture.NewWriter(&bad, h)
	w.Close()
	cs = NewCaptureSource(bytes.NewReader(bad.Bytes()), initState(t), slog.New(slog.DiscardHandler))
	if err := cs.Run(context.Background(), func(*Event) {}); err == nil {
		t.Fatal("layout mismatch accepted")
	}
}

func TestLiveSourceCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st := initState(t)
	src := NewLiveSource(&fakeReader{recs: scenario(t)}, st, slog.New(slog.DiscardHandler))
	n := 0
	err := src.Run(ctx, func(*Event) {
		n++
		if n == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || n != len(scenario(t)) {
		t.Fatalf("err %v after %d events", err, n)
	}
}
