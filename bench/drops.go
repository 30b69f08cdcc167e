package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// dropRates are the offered rates of the drop-rate curve in captured
// events per second; 0 is the unthrottled last step.
var dropRates = []float64{10_000, 50_000, 100_000, 200_000, 400_000, 0}

// dropTargetRate is the target: no drops at this captured rate.
const dropTargetRate = 200_000

// genOpSyscalls are the event types one `gen -op open` operation makes:
// the suite checks which of them the agent captures.
var genOpSyscalls = []string{"openat", "close"}

// DropCurve is the drop-rate curve: one agent (stable rules, every output
// on) under a generator of captured syscalls stepped from 10K events/s to
// unthrottled.
type DropCurve struct {
	StepSeconds float64 `json:"step_seconds"`
	// EventsPerOp is how many captured events one generator operation
	// (openat + close of /dev/null) makes, from the calibration step: the
	// number of its syscalls whose kernel record count grew by at least the
	// operations done.
	EventsPerOp int `json:"events_per_op"`
	// CalibrationRatio is each syscall's kernel records per operation in
	// the calibration step (above 1 by the machine's own activity).
	CalibrationRatio map[string]float64 `json:"calibration_ratio"`
	// Background is what the agent received with no generator running.
	Background DropStep   `json:"background"`
	Steps      []DropStep `json:"steps"`
	Knee       Knee       `json:"knee"`
	// Rings is how the mmapped BPF maps (ring buffers) show in the
	// agent's memory.
	Rings RingMemory `json:"rings"`
}

// DropStep is one step of the curve. Counts are deltas over the step's
// window: the generator's run plus the settling time that lets the agent
// drain its rings.
type DropStep struct {
	Label string `json:"label"`
	// Offered is the target in captured events/s; 0 is unthrottled.
	Offered float64   `json:"offered_events_per_s"`
	Workers int       `json:"workers"`
	Gen     GenResult `json:"gen"`
	// Achieved is the generator's achieved rate in captured events/s
	// (operations/s times EventsPerOp).
	Achieved      float64 `json:"achieved_events_per_s"`
	GenSeconds    float64 `json:"gen_seconds"`
	WindowSeconds float64 `json:"window_seconds"`
	Counts
	// RunWritten and RunReceived are the kernel records and received
	// events during the generator's run only (the window without drain).
	RunWritten  float64 `json:"run_kernel_written"`
	RunReceived float64 `json:"run_received"`
	// Delivered is events received per second during the generator's run
	// (all sources on the machine, not only the generator).
	Delivered float64 `json:"delivered_events_per_s"`
	DropPct   float64 `json:"drop_pct"` // 100 * dropped / (dropped + received), whole window
	// CPUPercent is the agent's CPU time over the generator's run, in
	// percent of one core.
	CPUPercent float64 `json:"cpu_percent"`
	// CPUPerMillion is agent CPU-seconds per million received events over
	// the whole window; EventsPerCore is its inverse in events/s per core.
	CPUPerMillion float64 `json:"cpu_s_per_million_events"`
	EventsPerCore float64 `json:"events_per_s_per_core"`
	Memory        Memory  `json:"memory"` // at the end of the generator's run
	// RSSNoRings is VmRSS without the mmapped BPF maps (ring buffers).
	RSSNoRings uint64 `json:"rss_no_rings_bytes"`
}

// Counts are the agent's counters the curve and the soak read, or their
// deltas.
type Counts struct {
	Written  float64 `json:"kernel_written"` // vigil_kernel_events_total
	Received float64 `json:"received"`       // vigil_events_received_total
	Dropped  float64 `json:"dropped"`        // vigil_events_dropped_total, all stages
	// DropsBy is vigil_events_dropped_total by "stage/reason", non-zero only.
	DropsBy map[string]float64 `json:"drops_by,omitempty"`
	// Detections are rule matches of the rules files (source="syscall");
	// Internal are the agent's own (e.g. Vigil Events Lost).
	Detections float64 `json:"detections"`
	Internal   float64 `json:"internal_detections"`
	CPU        float64 `json:"cpu_seconds"` // agent CPU time
}

// countsOf reads Counts from one scrape.
func countsOf(m map[string]float64, cpu float64) Counts {
	c := Counts{
		Written:    Sum(m, "vigil_kernel_events_total"),
		Received:   Sum(m, "vigil_events_received_total"),
		Dropped:    Sum(m, "vigil_events_dropped_total"),
		Detections: Sum(m, "vigil_rule_matches_total", `source="syscall"`),
		Internal:   Sum(m, "vigil_rule_matches_total", `source="internal"`),
		CPU:        cpu,
		DropsBy:    map[string]float64{},
	}
	for k, v := range m {
		name, labels, _ := strings.Cut(k, "{")
		if name != "vigil_events_dropped_total" || v == 0 {
			continue
		}
		c.DropsBy[labelValue(labels, "stage")+"/"+labelValue(labels, "reason")] += v
	}
	return c
}

// label returns the value of key in a series' label text (a="x",b="y"}).
func labelValue(labels, key string) string {
	_, rest, ok := strings.Cut(labels, key+`="`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// sub is c minus before, counter by counter.
func (c Counts) sub(before Counts) Counts {
	d := Counts{
		Written:    c.Written - before.Written,
		Received:   c.Received - before.Received,
		Dropped:    c.Dropped - before.Dropped,
		Detections: c.Detections - before.Detections,
		Internal:   c.Internal - before.Internal,
		CPU:        c.CPU - before.CPU,
	}
	for k, v := range c.DropsBy {
		if dv := v - before.DropsBy[k]; dv != 0 {
			if d.DropsBy == nil {
				d.DropsBy = map[string]float64{}
			}
			d.DropsBy[k] = dv
		}
	}
	return d
}

// dropPct is the share of events lost: dropped / (dropped + delivered).
func dropPct(dropped, delivered float64) float64 {
	if dropped+delivered <= 0 {
		return 0
	}
	return 100 * dropped / (dropped + delivered)
}

// Knee is where the curve starts dropping.
type Knee struct {
	// ZeroDropsUpTo is the offered rate of the last step before the first
	// step with drops (-1 when even the first step dropped; 0 means the
	// unthrottled step).
	ZeroDropsUpTo float64 `json:"zero_drops_up_to"`
	// FirstDrops is the label of the first step with any drop, and Over01
	// and Over1 of the first with more than 0.1 % and 1 %; empty when none.
	FirstDrops string `json:"first_drops"`
	Over01     string `json:"first_over_0_1_pct"`
	Over1      string `json:"first_over_1_pct"`
	// MaxDelivered is the highest delivered events/s of any step.
	MaxDelivered float64 `json:"max_delivered_events_per_s"`
}

// findKnee locates the knee of steps in the order they ran.
func findKnee(steps []DropStep) Knee {
	k := Knee{ZeroDropsUpTo: -1}
	for _, s := range steps {
		k.MaxDelivered = max(k.MaxDelivered, s.Delivered)
		if s.Dropped > 0 && k.FirstDrops == "" {
			k.FirstDrops = s.Label
		}
		if s.Dropped == 0 && k.FirstDrops == "" {
			k.ZeroDropsUpTo = s.Offered
		}
		if s.DropPct > 0.1 && k.Over01 == "" {
			k.Over01 = s.Label
		}
		if s.DropPct > 1 && k.Over1 == "" {
			k.Over1 = s.Label
		}
	}
	return k
}

// rateLabel names an offered rate: 10K, 1.5M, unthrottled.
func rateLabel(r float64) string {
	switch {
	case r <= 0:
		return "unthrottled"
	case r >= 1e6:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", r/1e6), ".0") + "M"
	case r >= 1e3:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", r/1e3), ".0") + "K"
	}
	return fmt.Sprintf("%.0f", r)
}

// probe is the agent under test seen from outside: its counters, CPU
// time and memory.
type probe struct{ p *Process }

func (a probe) counts() (Counts, map[string]float64, error) {
	m, err := a.p.Scrape()
	if err != nil {
		return Counts{}, nil, err
	}
	cpu, err := cpuSeconds(a.p.Pid())
	if err != nil {
		return Counts{}, nil, err
	}
	return countsOf(m, cpu), m, nil
}

// settlePending is the ring backlog settle accepts as drained: the agent
// reads in batches, so under the machine's own load a few KiB are always
// pending.
const settlePending = 64 << 10

// settle waits until the agent's rings are drained (and a little longer,
// for events between the ring and rule evaluation), at most limit.
func (a probe) settle(ctx context.Context, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		m, err := a.p.Scrape()
		if err == nil && Sum(m, "vigil_ringbuf_pending_bytes") <= settlePending {
			sleepCtx(ctx, 300*time.Millisecond)
			return
		}
		sleepCtx(ctx, 100*time.Millisecond)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// runGenProcess runs `Self gen` and returns its result.
func (s *Suite) runGenProcess(ctx context.Context, op string, rate float64, d time.Duration, workers int) (GenResult, error) {
	cmd := exec.CommandContext(ctx, s.Self, "gen", "-op", op,
		"-rate", fmt.Sprint(rate), "-duration", d.String(), "-workers", fmt.Sprint(workers))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return GenResult{}, fmt.Errorf("gen %s at %v/s: %w: %s", op, rate, err, strings.TrimSpace(stderr.String()))
	}
	return parseGenResult(out)
}

// RunDrops measures the drop-rate curve.
func (s *Suite) RunDrops(ctx context.Context) (*DropCurve, error) {
	step, settle, calib := 10*time.Second, 5*time.Second, 2*time.Second
	if s.Quick {
		step, settle, calib = time.Second, 2*time.Second, 500*time.Millisecond
	}
	p, err := s.StartArm(ctx, ArmFull)
	if err != nil {
		return nil, fmt.Errorf("drops: %w", err)
	}
	defer p.Stop()
	a := probe{p}
	r := &DropCurve{StepSeconds: step.Seconds(), CalibrationRatio: map[string]float64{}}

	// Let start-up work (the /proc walk, first container lookups) finish.
	a.settle(ctx, settle)
	sleepCtx(ctx, calib)

	// Background: what the machine makes on its own.
	bg, err := s.dropWindow(ctx, a, "background", 0, 0, calib, settle, nil)
	if err != nil {
		return nil, fmt.Errorf("drops: background: %w", err)
	}
	// With no generator the window is the whole quiet time.
	bg.Delivered = bg.Received / max(bg.WindowSeconds, 1e-9)
	r.Background = bg

	// Calibration: which of the operation's syscalls are captured.
	_, mb, err := a.counts()
	if err != nil {
		return nil, fmt.Errorf("drops: %w", err)
	}
	g, err := s.runGenProcess(ctx, "open", 5000, calib, 1)
	if err != nil {
		return nil, fmt.Errorf("drops: calibrate: %w", err)
	}
	a.settle(ctx, settle)
	_, ma, err := a.counts()
	if err != nil {
		return nil, fmt.Errorf("drops: %w", err)
	}
	r.EventsPerOp, r.CalibrationRatio = eventsPerOp(mb, ma, g.Ops)
	if r.EventsPerOp == 0 {
		return nil, fmt.Errorf("drops: the agent captured none of %v of the generator (%d ops, ratios %v)", genOpSyscalls, g.Ops, r.CalibrationRatio)
	}

	for _, rate := range dropRates {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		ops := rate / float64(r.EventsPerOp)
		workers := 1
		if rate == 0 || ops > 50_000 {
			workers = 2
		}
		st, err := s.dropWindow(ctx, a, rateLabel(rate), rate, workers, step, settle, func(ctx context.Context) (GenResult, error) {
			return s.runGenProcess(ctx, "open", ops, step, workers)
		})
		if err != nil {
			return r, fmt.Errorf("drops: step %s: %w", rateLabel(rate), err)
		}
		st.Achieved = st.Gen.Rate * float64(r.EventsPerOp)
		r.Steps = append(r.Steps, st)
		if s.Log != nil {
			s.Log.Info("drops step", "offered", st.Label, "achieved", int(st.Achieved), "delivered", int(st.Delivered),
				"drop_pct", fmt.Sprintf("%.3f", st.DropPct), "cpu_pct", fmt.Sprintf("%.0f", st.CPUPercent),
				"rss_mib", st.Memory.RSS>>20)
		}
	}
	r.Knee = findKnee(r.Steps)
	if rm, err := ringMemory(p.Pid()); err == nil {
		m, _ := p.Scrape()
		rm.RingBytes = uint64(Sum(m, "vigil_ringbuf_size_bytes"))
		rm.Rings = countSeries(m, "vigil_ringbuf_size_bytes")
		r.Rings = rm
	}
	return r, nil
}

// eventsPerOp compares two scrapes around a calibration run of ops
// operations: a syscall of the operation counts as captured when its kernel
// records grew by at least 90 % of ops.
func eventsPerOp(before, after map[string]float64, ops int64) (int, map[string]float64) {
	ratio := map[string]float64{}
	n := 0
	if ops <= 0 {
		return 0, ratio
	}
	for _, sc := range genOpSyscalls {
		sel := fmt.Sprintf(`event_type=%q`, sc)
		d := Sum(after, "vigil_kernel_events_total", sel) - Sum(before, "vigil_kernel_events_total", sel)
		ratio[sc] = d / float64(ops)
		if d >= 0.9*float64(ops) {
			n++
		}
	}
	return n, ratio
}

func countSeries(m map[string]float64, name string) int {
	n := 0
	for k := range m {
		if base, _, _ := strings.Cut(k, "{"); base == name {
			n++
		}
	}
	return n
}

// dropWindow measures one step: counters before, the generator (or a quiet
// wait of d when gen is nil), counters at its end, settling, counters after.
func (s *Suite) dropWindow(ctx context.Context, a probe, lbl string, rate float64, workers int, d, settle time.Duration,
	gen func(context.Context) (GenResult, error)) (DropStep, error) {
	st := DropStep{Label: lbl, Offered: rate, Workers: workers}
	c0, _, err := a.counts()
	if err != nil {
		return st, err
	}
	t0 := time.Now()
	if gen != nil {
		if st.Gen, err = gen(ctx); err != nil {
			return st, err
		}
	} else {
		sleepCtx(ctx, d)
	}
	c1, _, err := a.counts()
	if err != nil {
		return st, err
	}
	t1 := time.Now()
	if st.Memory, err = memory(a.p.Pid()); err != nil {
		return st, err
	}
	if rm, err := ringMemory(a.p.Pid()); err == nil {
		st.RSSNoRings = st.Memory.RSS - min(rm.Rss, st.Memory.RSS)
	}
	a.settle(ctx, settle)
	c2, _, err := a.counts()
	if err != nil {
		return st, err
	}
	t2 := time.Now()
	// Rates are per second of the generator's own run: starting it (a
	// race-instrumented test binary takes a second) is not load.
	run := t1.Sub(t0)
	if st.Gen.Seconds > 0 {
		run = time.Duration(st.Gen.Seconds * float64(time.Second))
	}
	fillStep(&st, c0, c1, c2, run, t2.Sub(t0))
	return st, nil
}

// fillStep derives a step's numbers from the counters at its start (c0),
// at the end of the generator's run (c1, gen long) and after settling (c2,
// window after the start).
func fillStep(st *DropStep, c0, c1, c2 Counts, gen, window time.Duration) {
	st.GenSeconds, st.WindowSeconds = gen.Seconds(), window.Seconds()
	st.Counts = c2.sub(c0)
	during := c1.sub(c0)
	st.RunWritten, st.RunReceived = during.Written, during.Received
	if gen > 0 {
		st.Delivered = during.Received / gen.Seconds()
		st.CPUPercent = 100 * during.CPU / gen.Seconds()
	}
	st.DropPct = dropPct(st.Dropped, st.Received)
	if st.Received > 0 {
		st.CPUPerMillion = st.CPU / st.Received * 1e6
	}
	if st.CPU > 0 {
		st.EventsPerCore = st.Received / st.CPU
	}
}

func (r *DropCurve) markdown(b *bytes.Buffer) {
	b.WriteString("## Drop-rate curve\n\n")
	fmt.Fprintf(b, "One `vigil run` with the upstream stable rules and every output on; `bench gen -op open` repeats "+
		"openat+close of /dev/null paced in 1 ms batches against an absolute schedule. Calibration: %d captured events "+
		"per operation (kernel records per op: %s). Offered and achieved rates are the generator's, in captured events/s; "+
		"delivered counts every event the agent received during the step, including the rest of the machine "+
		"(\"of which others\" = delivered − achieved; background before the steps, with no generator: %s/s received, %s/s kernel records). Steps of %.0f s, then the agent drains its rings; "+
		"drop %% = dropped / (dropped + received) over the step and its drain. CPU is the agent's, in %% of one core.\n\n",
		r.EventsPerOp, fmtRatios(r.CalibrationRatio), fmtSI(r.Background.Delivered), fmtSI(r.Background.Written/max(r.Background.WindowSeconds, 1e-9)),
		r.StepSeconds)
	b.WriteString("| offered ev/s | achieved ev/s | delivered ev/s | of which others | dropped | drop % | drops by stage/reason | agent CPU % | CPU s per M events | ev/s per core | RSS MiB | w/o rings | anon | file w/o rings | shmem | detections |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Steps {
		file := s.Memory.RssFile - min(r.Rings.Rss, s.Memory.RssFile)
		if r.Rings.In != "RssFile" {
			file = s.Memory.RssFile
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %.0f | %.3f | %s | %.0f | %.2f | %s | %s | %s | %s | %s | %s | %.0f (+%.0f internal) |\n",
			s.Label, fmtSI(s.Achieved), fmtSI(s.Delivered), fmtSI(max(s.Delivered-s.Achieved, 0)), s.Dropped, s.DropPct, fmtDrops(s.DropsBy), s.CPUPercent,
			s.CPUPerMillion, fmtSI(s.EventsPerCore), fmtMiB(s.Memory.RSS), fmtMiB(s.RSSNoRings), fmtMiB(s.Memory.RssAnon), fmtMiB(file), fmtMiB(s.Memory.RssShmem),
			s.Detections, s.Internal)
	}
	b.WriteString("\n")
	b.WriteString(r.kneeSentence())
	b.WriteString("\n\n")
	if c, ok := r.costStep(); ok {
		fmt.Fprintf(b, "Live user-space cost: %.2f agent CPU-seconds per million delivered events at the %s step "+
			"(%s events/s per core, decode + state + stable rules + outputs).\n\n", c.CPUPerMillion, c.Label, fmtSI(c.EventsPerCore))
	}
	r.Rings.markdown(b)
}

// costStep is the step whose CPU cost per event is most representative:
// the busiest step without drops, else the busiest step.
func (r *DropCurve) costStep() (DropStep, bool) {
	var best DropStep
	found := false
	for _, s := range r.Steps {
		if s.Received == 0 {
			continue
		}
		if !found || (s.Dropped == 0 && (best.Dropped > 0 || s.Delivered > best.Delivered)) {
			best, found = s, true
		}
	}
	return best, found
}

func (r *DropCurve) kneeSentence() string {
	k := r.Knee
	var b strings.Builder
	switch {
	case k.FirstDrops == "":
		fmt.Fprintf(&b, "**Knee:** no step dropped an event, up to and including the unthrottled generator")
	case k.ZeroDropsUpTo < 0:
		fmt.Fprintf(&b, "**Knee:** events were dropped from the first step (%s offered)", k.FirstDrops)
	default:
		fmt.Fprintf(&b, "**Knee:** zero drops up to %s events/s offered; first drops at %s", rateLabel(k.ZeroDropsUpTo), k.FirstDrops)
	}
	if k.FirstDrops != "" {
		fmt.Fprintf(&b, "; first step above 0.1 %%: %s; above 1 %%: %s", orNone(k.Over01), orNone(k.Over1))
	}
	fmt.Fprintf(&b, ". Highest delivered rate: %s events/s.", fmtSI(k.MaxDelivered))
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func fmtDrops(m map[string]float64) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.0f", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func fmtRatios(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.2f", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// targets returns the targets this section measures. The RSS
// target is judged by the soak (steady state); the curve only reports RSS.
func (r *DropCurve) targets() []Target {
	t := Target{What: "drops at 200K captured events/s", Goal: "zero drops at 200K captured events/s"}
	for _, s := range r.Steps {
		if s.Offered != dropTargetRate {
			continue
		}
		t.Measured = true
		t.Result = fmt.Sprintf("%.0f dropped (%.3f %%), generator achieved %s events/s", s.Dropped, s.DropPct, fmtSI(s.Achieved))
		t.Met = s.Dropped == 0 && s.Achieved >= 0.9*dropTargetRate
		if s.Achieved < 0.9*dropTargetRate {
			t.Note = "the generator did not reach the offered rate on this machine"
		}
	}
	return []Target{t}
}
