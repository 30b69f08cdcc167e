package main

import (
	"bytes"
	"context"
	"maps"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

func readProm(t *testing.T, name string) map[string]float64 {
	t.Helper()
	f, err := os.Open("testdata/drops/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := parseMetrics(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCountsDelta(t *testing.T) {
	before, after := readProm(t, "before.prom"), readProm(t, "after.prom")
	c0, c1 := countsOf(before, 10), countsOf(after, 12.5)
	if c0.Written != 1950 || c0.Received != 1890 || c0.Dropped != 10 || c0.Detections != 2 || c0.Internal != 1 {
		t.Errorf("counts of before.prom: %+v", c0)
	}
	d := c1.sub(c0)
	want := Counts{
		Written: 400010, Received: 398010, Dropped: 1503, Detections: 0, Internal: 3, CPU: 2.5,
		DropsBy: map[string]float64{"kernel/ring_full": 1500, "userspace/decode_error": 3},
	}
	if d.Written != want.Written || d.Received != want.Received || d.Dropped != want.Dropped ||
		d.Detections != want.Detections || d.Internal != want.Internal || d.CPU != want.CPU || !maps.Equal(d.DropsBy, want.DropsBy) {
		t.Errorf("delta\n got %+v\nwant %+v", d, want)
	}
	if z := c1.sub(c1); z.DropsBy != nil || z.Dropped != 0 {
		t.Errorf("delta of a scrape with itself: %+v", z)
	}
}

func TestEventsPerOp(t *testing.T) {
	before, after := readProm(t, "before.prom"), readProm(t, "after.prom")
	tests := []struct {
		name string
		ops  int64
		want int
	}{
		{"both captured", 200000, 2},
		{"both captured with background", 150000, 2},
		{"too few records for the ops", 300000, 0},
		{"no ops", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ratio := eventsPerOp(before, after, tt.ops)
			if n != tt.want {
				t.Errorf("eventsPerOp = %d (ratios %v), want %d", n, ratio, tt.want)
			}
		})
	}
	// Only close captured: openat does not move.
	only := maps.Clone(after)
	only[`vigil_kernel_events_total{event_type="openat"}`] = 1000
	if n, _ := eventsPerOp(before, only, 200000); n != 1 {
		t.Errorf("with openat not captured: %d events per op, want 1", n)
	}
}

func TestDropPct(t *testing.T) {
	tests := []struct{ dropped, delivered, want float64 }{
		{0, 0, 0},
		{0, 1000, 0},
		{1, 999, 0.1},
		{500, 500, 50},
		{10, 0, 100},
	}
	for _, tt := range tests {
		if got := dropPct(tt.dropped, tt.delivered); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("dropPct(%v, %v) = %v, want %v", tt.dropped, tt.delivered, got, tt.want)
		}
	}
}

func TestFillStep(t *testing.T) {
	c0 := Counts{Written: 100, Received: 100, Dropped: 0, CPU: 1}
	c1 := Counts{Written: 200_100, Received: 190_100, Dropped: 5_000, CPU: 2.5}
	c2 := Counts{Written: 210_100, Received: 210_100, Dropped: 10_000, CPU: 3}
	var st DropStep
	fillStep(&st, c0, c1, c2, 2*time.Second, 4*time.Second)
	check := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("received", st.Received, 210_000)
	check("written", st.Written, 210_000)
	check("dropped", st.Dropped, 10_000)
	check("delivered/s (during the run)", st.Delivered, 95_000)
	check("drop %", st.DropPct, 100*10_000.0/220_000)
	check("CPU % (during the run)", st.CPUPercent, 75)
	check("CPU s per M", st.CPUPerMillion, 2/0.21)
	check("events/s per core", st.EventsPerCore, 105_000)
	check("received during the run", st.RunReceived, 190_000)
	check("written during the run", st.RunWritten, 200_000)
	check("gen s", st.GenSeconds, 2)
	check("window s", st.WindowSeconds, 4)

	var idle DropStep
	fillStep(&idle, c0, c0, c0, time.Second, time.Second)
	if idle.DropPct != 0 || idle.CPUPerMillion != 0 || idle.EventsPerCore != 0 || idle.Delivered != 0 {
		t.Errorf("idle step: %+v", idle)
	}
}

func step(offered, dropped, received float64) DropStep {
	s := DropStep{Label: rateLabel(offered), Offered: offered, Delivered: received / 10}
	s.Dropped, s.Received = dropped, received
	s.DropPct = dropPct(dropped, received)
	return s
}

func TestFindKnee(t *testing.T) {
	tests := []struct {
		name  string
		steps []DropStep
		want  Knee
	}{
		{"no drops", []DropStep{step(10e3, 0, 1e5), step(50e3, 0, 5e5), step(0, 0, 9e5)},
			Knee{ZeroDropsUpTo: 0, MaxDelivered: 9e4}},
		{"drops from the start", []DropStep{step(10e3, 5, 1e5), step(50e3, 0, 5e5)},
			Knee{ZeroDropsUpTo: -1, FirstDrops: "10K", MaxDelivered: 5e4}},
		{"knee at 400K", []DropStep{step(10e3, 0, 1e5), step(200e3, 0, 2e6), step(400e3, 3e3, 3e6), step(0, 1e6, 3e6)},
			Knee{ZeroDropsUpTo: 200e3, FirstDrops: "400K", Over01: "unthrottled", Over1: "unthrottled", MaxDelivered: 3e5}},
		{"a stray drop, then clean again", []DropStep{step(10e3, 0, 1e5), step(50e3, 1, 5e5), step(100e3, 0, 1e6), step(200e3, 1e5, 1.9e6)},
			Knee{ZeroDropsUpTo: 10e3, FirstDrops: "50K", Over01: "200K", Over1: "200K", MaxDelivered: 1.9e5}},
		{"none", nil, Knee{ZeroDropsUpTo: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := findKnee(tt.steps); got != tt.want {
				t.Errorf("findKnee\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRateLabel(t *testing.T) {
	for in, want := range map[float64]string{0: "unthrottled", 10e3: "10K", 12.5e3: "12.5K", 400e3: "400K", 1.5e6: "1.5M", 2e6: "2M", 999: "999"} {
		if got := rateLabel(in); got != want {
			t.Errorf("rateLabel(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestDropTargets(t *testing.T) {
	at200 := func(dropped, achieved float64) *DropCurve {
		s := step(200e3, dropped, 2e6)
		s.Achieved = achieved
		return &DropCurve{Steps: []DropStep{step(10e3, 0, 1e5), s}}
	}
	tests := []struct {
		name           string
		r              *DropCurve
		measured, met  bool
		noteContaining string
	}{
		{"zero drops at 200K", at200(0, 199e3), true, true, ""},
		{"drops at 200K", at200(12, 199e3), true, false, ""},
		{"generator too slow", at200(0, 150e3), true, false, "did not reach"},
		{"step missing", &DropCurve{Steps: []DropStep{step(10e3, 0, 1e5)}}, false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := tt.r.targets()
			if len(ts) != 1 {
				t.Fatalf("%d targets", len(ts))
			}
			if ts[0].Measured != tt.measured || ts[0].Met != tt.met || !strings.Contains(ts[0].Note, tt.noteContaining) {
				t.Errorf("target %+v, want measured %v met %v note ~%q", ts[0], tt.measured, tt.met, tt.noteContaining)
			}
		})
	}
}

func TestDropMarkdown(t *testing.T) {
	r := &DropCurve{StepSeconds: 10, EventsPerOp: 2, CalibrationRatio: map[string]float64{"openat": 1.02, "close": 1.01},
		Steps: []DropStep{step(10e3, 0, 1e5), step(200e3, 0, 2e6), step(400e3, 3e3, 3e6)},
		Rings: RingMemory{Mappings: 6, Rss: 32 << 20, Pss: 16 << 20, In: "RssFile", RingBytes: 16 << 20, Rings: 2}}
	r.Steps[1].DropsBy = map[string]float64{}
	r.Steps[2].DropsBy = map[string]float64{"kernel/ring_full": 2990, "userspace/decode_error": 10}
	r.Steps[2].CPU, r.Steps[2].CPUPerMillion, r.Steps[2].EventsPerCore = 3, 1, 1e6
	r.Steps[1].CPU, r.Steps[1].CPUPerMillion, r.Steps[1].EventsPerCore = 2, 1, 1e6
	r.Knee = findKnee(r.Steps)
	var b bytes.Buffer
	r.markdown(&b)
	md := b.String()
	for _, want := range []string{
		"## Drop-rate curve",
		"2 captured events per operation (kernel records per op: close 1.01, openat 1.02)",
		"**Knee:** zero drops up to 200K events/s offered; first drops at 400K",
		"kernel/ring_full 2990, userspace/decode_error 10",
		"at the 200K step",
		"counted in **RssFile**",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if rows := strings.Count(md, "\n| 10K |") + strings.Count(md, "\n| 200K |") + strings.Count(md, "\n| 400K |"); rows != 3 {
		t.Errorf("want 3 step rows, got %d:\n%s", rows, md)
	}
}

// TestDropsQuick runs the quick curve against a real agent.
func TestDropsQuick(t *testing.T) {
	s := testSuite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := s.RunDrops(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.EventsPerOp < 1 {
		t.Fatalf("events per op %d", r.EventsPerOp)
	}
	if len(r.Steps) != len(dropRates) {
		t.Fatalf("%d steps, want %d", len(r.Steps), len(dropRates))
	}
	for _, st := range r.Steps {
		t.Logf("%s: %d ops in %.2fs, written %.0f, received %.0f; achieved %.0f/s, delivered %.0f/s, dropped %.0f (%.3f%%) %v, CPU %.0f%%, RSS %s MiB (anon %s)",
			st.Label, st.Gen.Ops, st.GenSeconds, st.Written, st.Received, st.Achieved, st.Delivered, st.Dropped, st.DropPct, st.DropsBy, st.CPUPercent,
			fmtMiB(st.Memory.RSS), fmtMiB(st.Memory.RssAnon))
		if st.Received <= 0 || st.Delivered <= 0 {
			t.Errorf("%s: nothing delivered", st.Label)
		}
		if st.Memory.RSS == 0 || st.Memory.RssAnon == 0 {
			t.Errorf("%s: no memory read: %+v", st.Label, st.Memory)
		}
		if st.CPU <= 0 {
			t.Errorf("%s: agent used no CPU", st.Label)
		}
		if st.Offered > 0 && st.Offered <= 50e3 {
			if st.Achieved < 0.9*st.Offered || st.Achieved > 1.1*st.Offered {
				t.Errorf("%s: generator achieved %.0f events/s", st.Label, st.Achieved)
			}
			// The agent saw at least the generator's events (minus losses).
			if st.Written+st.Dropped < 0.9*float64(st.Gen.Ops)*float64(r.EventsPerOp) {
				t.Errorf("%s: %.0f kernel records + %.0f dropped for %d ops", st.Label, st.Written, st.Dropped, st.Gen.Ops)
			}
		}
	}
	if r.Rings.Mappings == 0 || r.Rings.RingBytes == 0 {
		t.Errorf("ring memory not found: %+v", r.Rings)
	}
	var b bytes.Buffer
	r.markdown(&b)
	if !strings.Contains(b.String(), "**Knee:**") {
		t.Errorf("markdown lacks the knee:\n%s", b.String())
	}
	t.Log("\n" + b.String())
}
