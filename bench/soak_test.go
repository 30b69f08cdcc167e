package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// series makes one sample every 10 s over d with RssAnon and the process
// cache given as functions of the time in seconds.
func series(d time.Duration, anon func(float64) float64, cache func(float64) float64) []SoakSample {
	var out []SoakSample
	for t := 0.0; t <= d.Seconds(); t += 10 {
		a := uint64(anon(t))
		out = append(out, SoakSample{T: t, Memory: Memory{RSS: a + 20<<20, RssAnon: a}, RSSNoRings: a + 4<<20, ProcessCache: cache(t)})
	}
	return out
}

func TestJudgeFlat(t *testing.T) {
	const MiB = 1 << 20
	d := 10 * time.Minute
	constCache := func(float64) float64 { return 1200 }
	tests := []struct {
		name         string
		samples      []SoakSample
		judged, flat bool
		reason       string
	}{
		{"flat", series(d, func(float64) float64 { return 40 * MiB }, constCache), true, true, "flat"},
		{"warm-up growth is ignored",
			series(d, func(t float64) float64 { return 20*MiB + math.Min(t, 100)*0.2*MiB }, constCache), true, true, "flat"},
		{"noisy but flat: ±3 MiB and ±100 entries",
			series(d, func(t float64) float64 { return 40*MiB + 3*MiB*math.Sin(t) },
				func(t float64) float64 { return 1200 + 100*math.Cos(t/7) }), true, true, "flat"},
		{"slow growth under 4 MiB on a small heap",
			series(d, func(t float64) float64 { return 20*MiB + t/600*3.5*MiB }, constCache), true, true, "flat"},
		{"leak: 1 MiB a minute",
			series(d, func(t float64) float64 { return 40*MiB + t/60*MiB }, constCache), true, false, "RssAnon grew"},
		{"large heap: 10 % allowed, 12 % grown",
			series(d, func(t float64) float64 { return 100*MiB + math.Max(t-120, 0)/480*15*MiB }, constCache), true, false, "RssAnon grew"},
		{"process cache leak",
			series(d, func(float64) float64 { return 40 * MiB }, func(t float64) float64 { return 1200 + t*10 }), true, false, "process cache grew"},
		{"both growing",
			series(d, func(t float64) float64 { return 40*MiB + t/30*MiB }, func(t float64) float64 { return 1200 + t*10 }), true, false, "RssAnon grew"},
		{"too short", series(30*time.Second, func(float64) float64 { return 40 * MiB }, constCache), false, false, "needed"},
		{"no samples", nil, false, false, "needed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dd := d
			if tt.name == "too short" {
				dd = 30 * time.Second
			}
			f := judgeFlat(tt.samples, dd)
			if f.Judged != tt.judged || f.Flat != tt.flat || !strings.Contains(f.Reason, tt.reason) {
				t.Errorf("judgeFlat: judged %v flat %v reason %q; want %v %v ~%q\n%+v", f.Judged, f.Flat, f.Reason, tt.judged, tt.flat, tt.reason, f)
			}
		})
	}
	// The numbers behind a verdict.
	f := judgeFlat(series(d, func(t float64) float64 { return 40*MiB + t/60*MiB }, constCache), d)
	if f.WarmupSeconds != 120 || f.Quarter != 12 {
		t.Errorf("warm-up %v s, quarter %d samples; want 120, 12", f.WarmupSeconds, f.Quarter)
	}
	if math.Abs(f.AnonSlope-1) > 0.01 {
		t.Errorf("slope %.3f MiB/min, want 1", f.AnonSlope)
	}
	// First quarter after warm-up: t = 120..230 s, median at 175 s.
	if want := (40 + 175.0/60) * MiB; math.Abs(float64(f.AnonFirst)-want) > 1024 {
		t.Errorf("first quarter median %d, want %.0f", f.AnonFirst, want)
	}
	if want := f.AnonFirst / 10; f.AnonAllowed != want { // 10 % of 42.9 MiB is above the 4 MiB floor
		t.Errorf("allowed %d, want %d", f.AnonAllowed, want)
	}
	if f.SteadyRSS != f.AnonLast+4*MiB {
		t.Errorf("steady RSS %d, want %d", f.SteadyRSS, f.AnonLast+4*MiB)
	}
}

func TestParseSmaps(t *testing.T) {
	f, err := os.Open("testdata/soak/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rm, err := parseSmaps(f)
	if err != nil {
		t.Fatal(err)
	}
	// The fixture (a live agent with two 8 MiB rings) holds six bpf-map
	// mappings: two rings' data mapped twice (16388 kB each) and four pages.
	if rm.Mappings != 6 || rm.Rss != 32792<<10 || rm.Pss != 16408<<10 {
		t.Errorf("parseSmaps = %+v, want 6 mappings, Rss %d, Pss %d", rm, 32792<<10, 16408<<10)
	}
	st, err := os.Open("testdata/soak/status")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := parseStatus(st)
	if err != nil {
		t.Fatal(err)
	}
	if got := countedIn(rm, m); got != "RssFile" {
		t.Errorf("rings counted in %q, want RssFile (status %+v)", got, m)
	}
	if _, err := parseSmaps(strings.NewReader("7f00-7f01 r--s 0 00:10 1 anon_inode:bpf-map\nRss: x kB\n")); err == nil {
		t.Error("bad Rss value accepted")
	}
}

func TestCountedIn(t *testing.T) {
	tests := []struct {
		rss  uint64
		m    Memory
		want string
	}{
		{0, Memory{RssFile: 100}, "none"},
		{50, Memory{RssFile: 100}, "RssFile"},
		{50, Memory{RssFile: 100, RssShmem: 60}, "RssShmem"},
		{500, Memory{RssFile: 100, RssShmem: 60}, "none"},
	}
	for _, tt := range tests {
		if got := countedIn(RingMemory{Rss: tt.rss}, tt.m); got != tt.want {
			t.Errorf("countedIn(%d, %+v) = %q, want %q", tt.rss, tt.m, got, tt.want)
		}
	}
}

func TestPickRows(t *testing.T) {
	tests := []struct {
		n, k int
		want []int
	}{
		{0, 10, []int{}},
		{3, 10, []int{0, 1, 2}},
		{10, 10, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{61, 10, []int{0, 6, 13, 20, 26, 33, 40, 46, 53, 60}},
		{12, 10, []int{0, 1, 2, 3, 4, 6, 7, 8, 9, 11}},
	}
	for _, tt := range tests {
		if got := pickRows(tt.n, tt.k); !slices.Equal(got, tt.want) {
			t.Errorf("pickRows(%d, %d) = %v, want %v", tt.n, tt.k, got, tt.want)
		}
	}
}

func TestSoakTargets(t *testing.T) {
	const MiB = 1 << 20
	d := 10 * time.Minute
	flat := &SoakResult{Seconds: d.Seconds(), Verdict: judgeFlat(series(d, func(float64) float64 { return 40 * MiB },
		func(float64) float64 { return 900 }), d)}
	big := &SoakResult{Seconds: d.Seconds(), Verdict: judgeFlat(series(d, func(float64) float64 { return 90 * MiB },
		func(float64) float64 { return 900 }), d)}
	short := &SoakResult{Verdict: judgeFlat(nil, d)}
	tests := []struct {
		name                      string
		r                         *SoakResult
		rssMet, flatMet, measured bool
	}{
		{"flat and small", flat, true, true, true},
		{"flat but large", big, false, true, true},
		{"not judged", short, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := tt.r.targets()
			if len(ts) != 2 {
				t.Fatalf("%d targets", len(ts))
			}
			if ts[0].Met != tt.rssMet || ts[1].Met != tt.flatMet || ts[0].Measured != tt.measured || ts[1].Measured != tt.measured {
				t.Errorf("targets %+v", ts)
			}
		})
	}
}

func TestSoakMarkdown(t *testing.T) {
	const MiB = 1 << 20
	d := 10 * time.Minute
	r := &SoakResult{Seconds: d.Seconds(), IntervalSeconds: 10, Churn: GenResult{Op: "exec", Workers: 2, Ops: 300000, Seconds: 600, Rate: 500},
		Samples: series(d, func(t float64) float64 { return 40*MiB + t/60*MiB }, func(float64) float64 { return 900 }),
		Rings:   RingMemory{Mappings: 6, Rss: 32 << 20, Pss: 16 << 20, In: "RssFile", RingBytes: 16 << 20, Rings: 2}}
	r.Verdict = judgeFlat(r.Samples, d)
	var b bytes.Buffer
	r.markdown(&b)
	md := b.String()
	for _, want := range []string{"## Process-churn soak", "**500 execs/s achieved**", "**Verdict: growing: RssAnon grew", "counted in **RssFile**"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if rows := strings.Count(md, "\n| ") - 1; rows != 10 { // header excluded
		t.Errorf("%d table rows, want 10:\n%s", rows, md)
	}
}

// TestSoakQuick runs a short soak against a real agent.
func TestSoakQuick(t *testing.T) {
	s := testSuite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := 6 * time.Second
	r, err := s.RunSoak(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if r.Churn.Ops == 0 || r.Churn.Errors != 0 {
		t.Errorf("churn: %+v", r.Churn)
	}
	if r.Churn.Rate < 0.5*soakExecRate {
		t.Errorf("churn achieved %.0f execs/s of %d", r.Churn.Rate, soakExecRate)
	}
	if len(r.Samples) < 6 {
		t.Fatalf("%d samples in %v at 1 s", len(r.Samples), d)
	}
	for _, smp := range r.Samples {
		if smp.RSS == 0 || smp.RssAnon == 0 || smp.RSSNoRings == 0 || smp.RSSNoRings >= smp.RSS {
			t.Errorf("t=%.0f: memory %+v, without rings %d", smp.T, smp.Memory, smp.RSSNoRings)
		}
		if smp.ProcessCache <= 0 {
			t.Errorf("t=%.0f: process cache %v", smp.T, smp.ProcessCache)
		}
	}
	last := r.Samples[len(r.Samples)-1]
	if last.Received <= 0 || last.CPU <= 0 {
		t.Errorf("last sample received %v events, CPU %v s", last.Received, last.CPU)
	}
	// Every exec makes at least a fork, an exec and an exit record.
	if r.Totals.Written+r.Totals.Dropped < 3*float64(r.Churn.Ops) {
		t.Errorf("%.0f kernel records + %.0f dropped for %d execs", r.Totals.Written, r.Totals.Dropped, r.Churn.Ops)
	}
	// 6 s is shorter than the warm-up (the agent's exit grace): the quick
	// soak must say so rather than judge.
	if r.Verdict.Judged || !strings.Contains(r.Verdict.Reason, "after warm-up") {
		t.Errorf("quick soak judged: %+v", r.Verdict)
	}
	if r.Rings.Mappings == 0 {
		t.Errorf("no BPF mappings found: %+v", r.Rings)
	}
	var b bytes.Buffer
	r.markdown(&b)
	t.Log("\n" + b.String())
}
