package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestOverheadMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{3, 1}, 2},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{1.2, 1.2, 9, 1.1, 1.3}, 1.2},
	}
	for _, tt := range tests {
		in := slices.Clone(tt.in)
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
		if !slices.Equal(in, tt.in) {
			t.Errorf("median reordered its input: %v", tt.in)
		}
	}
}

func TestOverheadRotation(t *testing.T) {
	arms := []Arm{ArmBaseline, ArmBpftrace, ArmCapture, ArmFull}
	tests := []struct {
		arms  []Arm
		round int
		want  []Arm
	}{
		{arms, 0, []Arm{ArmBaseline, ArmBpftrace, ArmCapture, ArmFull}},
		{arms, 1, []Arm{ArmBpftrace, ArmCapture, ArmFull, ArmBaseline}},
		{arms, 3, []Arm{ArmFull, ArmBaseline, ArmBpftrace, ArmCapture}},
		{arms, 4, []Arm{ArmBaseline, ArmBpftrace, ArmCapture, ArmFull}},
		{arms[:3], 2, []Arm{ArmCapture, ArmBaseline, ArmBpftrace}},
		{nil, 1, nil},
	}
	for _, tt := range tests {
		got := rotation(tt.arms, tt.round)
		if !slices.Equal(got, tt.want) {
			t.Errorf("rotation(%v, %d) = %v, want %v", tt.arms, tt.round, got, tt.want)
		}
	}
	// Over len(arms) rounds every arm runs first exactly once.
	first := map[Arm]int{}
	for r := range len(arms) {
		first[rotation(arms, r)[0]]++
	}
	for _, a := range arms {
		if first[a] != 1 {
			t.Errorf("%s first %d times in %d rounds", a, first[a], len(arms))
		}
	}
	if arms[0] != ArmBaseline {
		t.Error("rotation modified its input")
	}
}

func TestOverheadRatios(t *testing.T) {
	rv := func(round int, v float64) RoundValue { return RoundValue{Round: round, Value: v} }
	tests := []struct {
		name       string
		arm, base  []RoundValue
		wantRatios []float64
		wantMedian float64
	}{
		{name: "same round only", arm: []RoundValue{rv(0, 200), rv(1, 150), rv(2, 300)},
			base: []RoundValue{rv(0, 100), rv(1, 100), rv(2, 100)}, wantRatios: []float64{2, 1.5, 3}, wantMedian: 2},
		{name: "median of ratios, not ratio of medians", arm: []RoundValue{rv(0, 110), rv(1, 300), rv(2, 60)},
			base: []RoundValue{rv(0, 100), rv(1, 200), rv(2, 50)}, wantRatios: []float64{1.1, 1.5, 1.2}, wantMedian: 1.2},
		{name: "round without baseline has no ratio", arm: []RoundValue{rv(0, 2), rv(1, 3)},
			base: []RoundValue{rv(1, 1)}, wantRatios: []float64{3}, wantMedian: 3},
		{name: "baseline against itself", arm: []RoundValue{rv(0, 7), rv(1, 9)},
			base: []RoundValue{rv(0, 7), rv(1, 9)}, wantRatios: []float64{1, 1}, wantMedian: 1},
		{name: "no baseline", arm: []RoundValue{rv(0, 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := setRatios(tt.arm, tt.base)
			if len(got) != len(tt.wantRatios) {
				t.Fatalf("ratios %v, want %v", got, tt.wantRatios)
			}
			for i := range got {
				if math.Abs(got[i]-tt.wantRatios[i]) > 1e-12 {
					t.Errorf("ratio %d = %v, want %v", i, got[i], tt.wantRatios[i])
				}
			}
			if m := median(got); math.Abs(m-tt.wantMedian) > 1e-12 {
				t.Errorf("median %v, want %v", m, tt.wantMedian)
			}
		})
	}
}

// syntheticResult is a two-round result with known numbers.
func syntheticResult(getpidFull, redisFull float64) *OverheadResult {
	arms := []Arm{ArmBaseline, ArmBpftrace, ArmCapture, ArmFull}
	r := &OverheadResult{Rounds: 2, Arms: arms, Order: [][]Arm{rotation(arms, 0), rotation(arms, 1)}}
	mk := func(kind, unit string, higher bool, vals map[Arm]float64) *WorkloadStats {
		w := &WorkloadStats{Kind: kind, Unit: unit, HigherBetter: higher, What: kind}
		for _, a := range arms {
			st := &ArmStats{Arm: a}
			for round := range 2 {
				st.Rounds = append(st.Rounds, RoundValue{Round: round, Value: vals[a] * (1 + float64(round)), AgentCPU: 10})
			}
			w.Arms = append(w.Arms, st)
		}
		return w
	}
	r.Workloads = []*WorkloadStats{
		mk("getpid", "ns/op", false, map[Arm]float64{ArmBaseline: 100, ArmBpftrace: 190, ArmCapture: 165, ArmFull: 100 * getpidFull}),
		mk("redis", "req/s", true, map[Arm]float64{ArmBaseline: 80000, ArmBpftrace: 60000, ArmCapture: 70000, ArmFull: 80000 * redisFull}),
		{Kind: "exec", Unit: "exec/s", HigherBetter: true, Skipped: "stress-ng is not installed"},
	}
	for _, a := range arms[1:] {
		r.Agents = append(r.Agents, &AgentStats{Arm: a, Rounds: []AgentRound{
			{Round: 0, CPU: 20, Memory: Memory{RSS: 30 << 20}, Received: 10, Dropped: 1},
			{Round: 1, CPU: 40, Memory: Memory{RSS: 50 << 20}, Received: 5},
		}})
	}
	r.summarize()
	return r
}

func TestOverheadSummarizeAndTargets(t *testing.T) {
	tests := []struct {
		name                 string
		getpidFull, redisFul float64
		contaminated         bool
		wantMet              [2]bool
		wantNote             [2]string
	}{
		{name: "both met", getpidFull: 1.1, redisFul: 0.95, wantMet: [2]bool{true, true},
			wantNote: [2]string{"context: vigil-capture 1.65×, bpftrace 1.90×", "vigil-capture 0.88× throughput"}},
		{name: "getpid missed, redis missed", getpidFull: 1.7, redisFul: 0.8,
			wantNote: [2]string{"syscall-tracing slow path", "agent used 10% of a CPU"}},
		{name: "exactly at the goals", getpidFull: 1.2, redisFul: 0.9, wantMet: [2]bool{true, true}},
		{name: "contaminated", getpidFull: 1.1, redisFul: 0.95, contaminated: true, wantMet: [2]bool{true, true},
			wantNote: [2]string{"CONTAMINATED", "CONTAMINATED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := syntheticResult(tt.getpidFull, tt.redisFul)
			r.Contaminated = tt.contaminated
			gp := r.workload("getpid")
			if b := gp.arm(ArmBaseline); b.Ratio != 1 || b.Median != 150 {
				t.Errorf("baseline ratio %v median %v", b.Ratio, b.Median)
			}
			for _, rv := range gp.arm(ArmFull).Rounds {
				if math.Abs(rv.Ratio-tt.getpidFull) > 1e-9 {
					t.Errorf("round %d ratio %v", rv.Round, rv.Ratio)
				}
			}
			ag := r.agent(ArmFull)
			if ag.CPU != 30 || ag.Memory.RSS != 50<<20 || ag.EventsReceived != 15 || ag.EventsDropped != 1 {
				t.Errorf("agent summary %+v", ag)
			}
			tg := r.targets()
			if len(tg) != 2 {
				t.Fatalf("targets %+v", tg)
			}
			for i := range tg {
				if !tg[i].Measured || tg[i].Met != tt.wantMet[i] {
					t.Errorf("target %q: measured %t met %t, want met %t", tg[i].What, tg[i].Measured, tg[i].Met, tt.wantMet[i])
				}
				if !strings.Contains(tg[i].Note, tt.wantNote[i]) {
					t.Errorf("target %q note %q lacks %q", tg[i].What, tg[i].Note, tt.wantNote[i])
				}
			}
		})
	}
}

func TestOverheadTargetsNotMeasured(t *testing.T) {
	r := &OverheadResult{Workloads: []*WorkloadStats{
		{Kind: "getpid", Arms: []*ArmStats{{Arm: ArmBaseline, Ratio: 1}}},
		{Kind: "redis", Skipped: "redis-benchmark is not installed"},
	}}
	for _, tg := range r.targets() {
		if tg.Measured || tg.Met {
			t.Errorf("target %q measured %t met %t without the full arm", tg.What, tg.Measured, tg.Met)
		}
	}
}

func TestOverheadMarkdown(t *testing.T) {
	r := syntheticResult(1.7, 0.8)
	r.Contaminated = true
	r.Contamination = []string{"agent running: falco (pid 1)"}
	var b bytes.Buffer
	r.markdown(&b)
	md := b.String()
	for _, want := range []string{
		"**CONTAMINATED**", "agent running: falco",
		"round 1: bpftrace → vigil-capture → vigil-full → baseline",
		"### getpid", "**lower is better**", "| vigil-full | 255.0 | 1.700× | 1.700 1.700 | 10.0 |",
		"| baseline | 150.0 | 1.000× | 1.000 1.000 | - |",
		"### redis", "**higher is better**", "| vigil-full | 96000 | 0.800× |",
		"Skipped: stress-ng is not installed.",
		"| vigil-full | 30.0 | 50.0 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

// TestOverheadQuick runs the whole suite in quick mode, one round, every
// arm and workload on this machine.
func TestOverheadQuick(t *testing.T) {
	s := testSuite(t)
	if s.Bpftrace == "" {
		requireTool(t, "bpftrace")
	}
	for _, w := range workloads {
		for _, tool := range w.Tools {
			requireTool(t, tool)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pf := RunPreflight(ctx, s)
	start := time.Now()
	r, err := s.RunOverhead(ctx, 1)
	if err != nil {
		t.Fatalf("overhead: %v", err)
	}
	t.Logf("quick overhead suite took %s", time.Since(start).Round(time.Millisecond))
	if pf.Contaminated && !r.Contaminated {
		t.Errorf("pre-flight contaminated, result not")
	}
	wantArms := []Arm{ArmBaseline, ArmBpftrace, ArmCapture, ArmFull, ArmFullExitRead}
	if !slices.Equal(r.Arms, wantArms) || len(r.Order) != 1 || !slices.Equal(r.Order[0], wantArms) {
		t.Fatalf("arms %v order %v", r.Arms, r.Order)
	}
	if len(r.Workloads) != len(workloads) {
		t.Fatalf("%d workloads, want %d", len(r.Workloads), len(workloads))
	}
	for _, w := range r.Workloads {
		if w.Skipped != "" {
			t.Errorf("%s skipped: %s", w.Kind, w.Skipped)
			continue
		}
		if len(w.Arms) != len(wantArms) {
			t.Fatalf("%s: %d arms", w.Kind, len(w.Arms))
		}
		for i, a := range w.Arms {
			if a.Arm != wantArms[i] || len(a.Rounds) != 1 || len(a.Errors) != 0 {
				t.Errorf("%s/%s: %d rounds, errors %q", w.Kind, a.Arm, len(a.Rounds), a.Errors)
				continue
			}
			if a.Median <= 0 || a.Ratio <= 0 || a.Rounds[0].Seconds <= 0 {
				t.Errorf("%s/%s: median %v ratio %v", w.Kind, a.Arm, a.Median, a.Ratio)
			}
			if a.Arm == ArmBaseline && (a.Ratio != 1 || a.AgentCPU != 0) {
				t.Errorf("%s baseline ratio %v agent CPU %v", w.Kind, a.Ratio, a.AgentCPU)
			}
		}
		t.Logf("%-6s %s: baseline %.1f, bpftrace %.2f×, capture %.2f×, full %.2f× (full agent CPU %.0f%%)", w.Kind, w.Unit,
			w.arm(ArmBaseline).Median, w.arm(ArmBpftrace).Ratio, w.arm(ArmCapture).Ratio, w.arm(ArmFull).Ratio, w.arm(ArmFull).AgentCPU)
	}
	// Every syscall of the openat loop passes the full agent's capture:
	// it must have received events and spent CPU on them.
	full := r.agent(ArmFull)
	if full == nil || len(full.Rounds) != 1 || full.CPU <= 0 || full.Memory.RSS == 0 {
		t.Fatalf("full agent %+v", full)
	}
	if op := r.workload("openat").arm(ArmFull); op.EventsReceived < 60_000 {
		t.Errorf("full agent received %.0f events during %d openat calls", op.EventsReceived, workloads[1].QuickN)
	}
	if gp := r.workload("getpid").arm(ArmFull); gp.Median <= 0 {
		t.Errorf("getpid under the full agent: %v ns", gp.Median)
	}
	for _, a := range []Arm{ArmBpftrace, ArmCapture} {
		if ag := r.agent(a); ag == nil || len(ag.Rounds) != 1 || ag.Memory.RSS == 0 {
			t.Errorf("%s agent %+v", a, ag)
		}
	}
	tg := r.targets()
	if len(tg) != 2 || !tg[0].Measured || !tg[1].Measured {
		t.Errorf("targets not measured: %+v", tg)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("result does not encode: %v", err)
	}
	var b bytes.Buffer
	r.markdown(&b)
	t.Logf("\n%s", b.String())
}

// TestOverheadForeignCheck attaches bpftrace (through the arm, which also
// proves its readiness detection) and checks that the mid-run check calls
// it foreign unless it is the arm's own agent.
func TestOverheadForeignCheck(t *testing.T) {
	requireRoot(t)
	s := &Suite{Bpftrace: requireTool(t, "bpftrace"), Preflight: &Preflight{Bpftool: requireTool(t, "bpftool")}}
	ctx := context.Background()
	p, err := s.StartArm(ctx, ArmBpftrace)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if n := bpfLinks(p.Pid()); n < 1 {
		t.Fatalf("bpftrace attached but %d attachments counted", n)
	}
	mine := fmt.Sprintf("pid %d (bpftrace)", p.Pid())
	var r OverheadResult
	s.checkForeign(ctx, &r, 3, ArmCapture, nil)
	if !r.Contaminated || !slices.Equal(r.ContaminatedRounds, []int{3}) || !strings.Contains(strings.Join(r.Contamination, "\n"), mine) {
		t.Errorf("bpftrace not seen as foreign: %+v", r)
	}
	var own OverheadResult
	s.checkForeign(ctx, &own, 0, ArmBpftrace, p)
	if strings.Contains(strings.Join(own.Contamination, "\n"), mine) {
		t.Errorf("the arm's own agent counted as foreign: %q", own.Contamination)
	}
}

func TestOverheadParseCPUStat(t *testing.T) {
	tests := []struct {
		in          string
		busy, total uint64
		wantErr     bool
	}{
		{in: "cpu  100 5 50 800 20 3 2 1 0 0\ncpu0 50 2 25 400 10 1 1 0 0 0\n", busy: 161, total: 981},
		{in: "cpu  100 5 50 800 20\n", busy: 155, total: 975},
		{in: "cpu  100 5 50 800 20 3 2 1 40 7\n", busy: 161, total: 981}, // guest counted once, in user
		{in: "cpu0 1 2 3 4 5\n", wantErr: true},
		{in: "cpu  1 2 x 4 5\n", wantErr: true},
		{in: "cpu 1 2\n", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		busy, total, err := parseCPUStat(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%q: want error, got %d/%d", tt.in, busy, total)
			}
			continue
		}
		if err != nil || busy != tt.busy || total != tt.total {
			t.Errorf("%q: got %d/%d %v, want %d/%d", tt.in, busy, total, err, tt.busy, tt.total)
		}
	}
}
