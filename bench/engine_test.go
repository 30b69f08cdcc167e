package main

import (
	"context"
	"strings"
	"testing"
)

const sampleBench = `goos: linux
goarch: amd64
pkg: github.com/vigilsec/vigil/cmd/vigil
cpu: AMD EPYC
BenchmarkReplayPipeline-2   	 8715520	       282.0 ns/op	         0.3789 candidate-rate	   3546289 events/s	         1.211 matches/1k	       9 B/op	       0 allocs/op
BenchmarkReplayPipeline-2   	 7156092	       299.4 ns/op	         0.3789 candidate-rate	   3340379 events/s	         1.211 matches/1k	       9 B/op	       0 allocs/op
BenchmarkReplayPipeline-2   	 7156092	       310.0 ns/op	         0.3789 candidate-rate	   3340379 events/s	         1.211 matches/1k	       9 B/op	       0 allocs/op
BenchmarkReplayCapture-2    	 4323334	       506.2 ns/op	         0.5858 candidate-rate	     11662 capture-records	   1975472 events/s	         0 matches/1k	      76 B/op	       0 allocs/op
BenchmarkEvaluate/mix,_first_match-2         	 1000000	       223.6 ns/op	       0 B/op	       0 allocs/op
--- FAIL: BenchmarkBroken
BenchmarkOdd-2 notanumber 1 ns/op
PASS
ok  	github.com/vigilsec/vigil/cmd/vigil	4.749s
`

func TestParseBench(t *testing.T) {
	got := summarize(parseBench(sampleBench))
	want := []struct {
		name string
		runs int
		ns   float64
	}{
		{"ReplayPipeline", 3, 299.4},
		{"ReplayCapture", 1, 506.2},
		{"Evaluate/mix,_first_match", 1, 223.6},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d benchmarks, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.Runs != w.runs || g.Metrics["ns/op"] != w.ns {
			t.Errorf("benchmark %d = %s runs %d ns %.1f, want %s %d %.1f", i, g.Name, g.Runs, g.Metrics["ns/op"], w.name, w.runs, w.ns)
		}
	}
	if c := got[1].Metrics["events/s"]; c != 1975472 {
		t.Errorf("custom metric events/s = %v", c)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tc := range tests {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestCaptureRecords(t *testing.T) {
	tests := []struct {
		log     string
		want    int
		wantErr bool
	}{
		{`level=INFO msg="capture written" file=/tmp/x records=11662 events=11461 record_errors=0`, 11662, false},
		{`level=INFO msg="capture written" records=0 events=0`, 0, true},
		{`no count here`, 0, true},
		{`records=`, 0, true},
	}
	for _, tc := range tests {
		got, err := captureRecords(tc.log)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("captureRecords(%q) = %d, %v", tc.log, got, err)
		}
	}
}

func TestEngineTargets(t *testing.T) {
	tests := []struct {
		name    string
		metrics map[string]float64
		met     bool
	}{
		{"fast, no allocs", map[string]float64{"events/s": 2.5e6, "ns/op": 400, "allocs/op": 0}, true},
		{"slow", map[string]float64{"events/s": 0.8e6, "ns/op": 1250, "allocs/op": 0}, false},
		{"at the target", map[string]float64{"events/s": 1e6, "ns/op": 1000, "allocs/op": 0}, true},
	}
	for _, tc := range tests {
		r := &EngineResult{Benchmarks: []BenchSummary{{Name: "ReplayCapture", Runs: 1, Metrics: tc.metrics}}}
		tg := r.targets()
		if len(tg) != 1 || !tg[0].Measured || tg[0].Met != tc.met {
			t.Errorf("%s: targets %+v, want met=%v", tc.name, tg, tc.met)
		}
	}
	if tg := (&EngineResult{}).targets(); tg[0].Measured {
		t.Error("a missing ReplayCapture counts as measured")
	}
}

// TestEngineQuick records a real capture with the agent from this tree,
// replays it through the Go benchmarks and checks the summary.
func TestEngineQuick(t *testing.T) {
	s := testSuite(t)
	r, err := s.RunEngine(context.Background(), &Report{Engine: &EngineResult{Raw: sampleBench}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Capture.Records < 100 {
		t.Errorf("capture holds %d records", r.Capture.Records)
	}
	for _, name := range []string{"ReplayCapture", "ReplayPipeline"} {
		b, ok := r.find(name)
		if !ok || b.Metrics["ns/op"] <= 0 || b.Metrics["events/s"] <= 0 {
			t.Errorf("%s: %+v", name, b)
		}
	}
	if !strings.Contains(r.Raw, "BenchmarkReplayCapture") {
		t.Error("raw output lacks ReplayCapture")
	}
	if r.Benchstat == "" && !strings.Contains(r.Note, "benchstat") {
		t.Errorf("no benchstat output and no note: %q", r.Note)
	}
}
