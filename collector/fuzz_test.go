package collector

import (
	"encoding/binary"
	"testing"

	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
)

// FuzzApply feeds arbitrary records (anything record.Decode accepts) to
// State.Apply: it must never panic and must respect the state's bounds.
func FuzzApply(f *testing.F) {
	for _, x := range []rec{
		execRec(10, 1, 0, "init", "/sbin/init", "/sbin/init\x00a\x00", "/", "/docker/"+cid, 0),
		{kind: record.KindOpenat, ts: 1, tgid: 1, tid: 1, ret: 3, args: []uint64{i64(-100), 0o200000}, data: [][]byte{[]byte("../x")}},
		{kind: record.KindConnect, ts: 1, tgid: 1, tid: 1, args: []uint64{3}, data: [][]byte{sockaddrUnix("/s"), nil}},
		{kind: record.KindProcFork, ts: 1, tgid: 1, tid: 1, args: []uint64{2, 2, proc.CloneThread, 1, 1, 1}},
		{kind: record.KindCloseRange, ts: 1, tgid: 1, tid: 1, args: []uint64{0, ^uint64(0), 4}},
	} {
		r := record.Record{Header: record.Header{TS: x.ts, TGID: x.tgid, TID: x.tid, Kind: x.kind, Ret: x.ret}}
		copy(r.Args[:], x.args)
		copy(r.Data[:], x.data)
		b, _ := record.Encode(nil, &r)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewState(proc.New(proc.Config{MaxProcesses: 8, MaxThreads: 16, MaxFDsPerProcess: 8}), nil, nil, record.ArchAMD64)
		var ev Event
		var r record.Record
		// Apply the input several times with small variations of the
		// header so one input exercises sequences.
		for i := 0; i < 4 && len(b) >= record.HeaderSize; i++ {
			c := append([]byte(nil), b...)
			binary.LittleEndian.PutUint32(c[12:], binary.LittleEndian.Uint32(c[12:])+uint32(i%2))
			if record.Decode(c, &r) != nil {
				return
			}
			s.Apply(&r, &ev)
			if ev.FD != nil && ev.FD.Num >= 0 && ev.Proc != nil && ev.Proc.NumFDs() > 8 {
				t.Fatalf("fd bound exceeded: %d", ev.Proc.NumFDs())
			}
		}
		if c := s.Procs.Counters(); c.Processes > 8 || c.Threads > 16 {
			t.Fatalf("bounds exceeded: %+v", c)
		}
	})
}
