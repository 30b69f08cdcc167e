package main

import (
	"errors"
	"io"
	"os"
	"testing"

	"github.com/vigilsec/vigil/collector"
	"github.com/vigilsec/vigil/collector/capture"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// BenchmarkReplayCapture is the offline engine throughput on a recorded
// capture: the file named by VIGIL_BENCH_CAPTURE (the benchmark suite
// records one while it runs a mixed workload) is read into memory, and one
// op is one of its records decoded, applied to the state and evaluated
// against the upstream stable rules, single-threaded, as the agent's source
// goroutine does. Each pass over the capture starts from the capture's
// snapshot in a fresh process table (not timed), so exits and execs replay
// as they happened. Skipped when the variable is unset.
func BenchmarkReplayCapture(b *testing.B) {
	path := os.Getenv("VIGIL_BENCH_CAPTURE")
	if path == "" {
		b.Skip("VIGIL_BENCH_CAPTURE names no capture file (make bench records one)")
	}
	data, err := os.ReadFile(sharedRules + "/falco_rules.yaml")
	if err != nil {
		b.Skipf("upstream rules not available: %v", err)
	}
	rs, problems := rules.Load(fields.NewRegistry(), rules.Options{}, rulefile.Source{Name: "falco_rules.yaml", Data: data})
	if rs == nil || rulefile.HasErrors(problems) {
		b.Fatalf("load: %v", problems)
	}
	hdr, snap, recs := readCapture(b, path)
	if len(recs) == 0 {
		b.Fatalf("%s holds no records", path)
	}
	arch := record.ArchByName(hdr.Arch)
	if arch == record.ArchUnknown {
		arch = record.NativeArch()
	}
	base := newState()
	fresh := func() *collector.State {
		st := collector.NewState(proc.New(proc.Config{}), base.Users, base.Containers, arch)
		st.BootTime = hdr.BootTime
		snap.Restore(st.Procs, st.Users, st.Containers)
		return st
	}
	var (
		st      = fresh()
		x       = rs.NewEvaluator()
		r       record.Record
		ev      collector.Event
		matches int
		hits    int
		undec   int
	)
	emit := func(*rules.Rule) bool { matches++; return true }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		j := i % len(recs)
		if j == 0 && i > 0 {
			b.StopTimer()
			st = fresh()
			b.StartTimer()
		}
		// Decoded in place, as the agent decodes records in the ring
		// buffer; nothing writes to them.
		if err := record.Decode(recs[j], &r); err != nil {
			undec++
			continue
		}
		st.Apply(&r, &ev)
		if rs.NumRulesFor(ev.Type()) > 0 {
			hits++
		}
		x.Evaluate(&ev, emit)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(hits)/float64(b.N), "candidate-rate")
	b.ReportMetric(1000*float64(matches)/float64(b.N), "matches/1k")
	b.ReportMetric(float64(len(recs)), "capture-records")
	if undec > 0 {
		b.ReportMetric(float64(undec)/float64(b.N), "undecodable-rate")
	}
}

// readCapture loads a whole capture: header, snapshot and every record.
func readCapture(tb testing.TB, path string) (*capture.Header, *capture.Snapshot, [][]byte) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	cr, err := capture.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	if err := cr.Header().CheckKinds(capture.CurrentKinds()); err != nil {
		tb.Fatal(err)
	}
	snap, err := cr.Snapshot()
	if err != nil {
		tb.Fatal(err)
	}
	var recs [][]byte
	var buf []byte
	for {
		buf, err = cr.Next(buf[:0])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("read %s: %v", path, err)
		}
		recs = append(recs, append([]byte(nil), buf...))
	}
	return cr.Header(), snap, recs
}
