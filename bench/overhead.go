package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// OverheadResult is the overhead suite: every workload under every arm,
// interleaved round by round, with ratios to the baseline of the same round.
type OverheadResult struct {
	Rounds int   `json:"rounds"`
	Quick  bool  `json:"quick"`
	Arms   []Arm `json:"arms"`
	// Order is the arms in the order each round ran them (rotated).
	Order [][]Arm `json:"order"`
	// Contaminated repeats the pre-flight's verdict: another tracer was
	// attached when the suite started, so every ratio carries its cost.
	Contaminated  bool     `json:"contaminated"`
	Contamination []string `json:"contamination,omitempty"`
	// ContaminatedRounds are the rounds in which a foreign program was
	// attached through a perf event or raw tracepoint (bpftool perf show,
	// read before and after each arm's workloads).
	ContaminatedRounds []int            `json:"contaminated_rounds,omitempty"`
	Workloads          []*WorkloadStats `json:"workloads"`
	Agents             []*AgentStats    `json:"agents"`
	Notes              []string         `json:"notes,omitempty"`
}

// WorkloadStats is one workload under every arm.
type WorkloadStats struct {
	Kind         string `json:"kind"`
	What         string `json:"what"`
	Unit         string `json:"unit"`
	HigherBetter bool   `json:"higher_better"`
	// Skipped says why the workload did not run (a missing tool).
	Skipped string      `json:"skipped,omitempty"`
	Arms    []*ArmStats `json:"arms"`
}

// ArmStats is one workload under one arm.
type ArmStats struct {
	Arm    Arm          `json:"arm"`
	Rounds []RoundValue `json:"rounds"`
	// Median is the median value over rounds, in the workload's unit.
	Median float64 `json:"median"`
	// Ratio is the median of the per-round ratios arm/baseline: a slowdown
	// factor for time per operation, a throughput fraction otherwise. Zero
	// when no round has both values.
	Ratio float64 `json:"ratio"`
	// AgentCPU is the median share of one CPU the agent used while the
	// workload ran, in percent.
	AgentCPU float64 `json:"agent_cpu_percent"`
	// EventsReceived and EventsDropped add the full arm's counters over the
	// rounds' runs of this workload.
	EventsReceived float64  `json:"events_received,omitempty"`
	EventsDropped  float64  `json:"events_dropped,omitempty"`
	Errors         []string `json:"errors,omitempty"`
}

// RoundValue is one run of a workload under an arm.
type RoundValue struct {
	Round    int                `json:"round"`
	Value    float64            `json:"value"`
	Ratio    float64            `json:"ratio,omitempty"`
	Seconds  float64            `json:"seconds"`
	AgentCPU float64            `json:"agent_cpu_percent"`
	Received float64            `json:"events_received,omitempty"`
	Dropped  float64            `json:"events_dropped,omitempty"`
	Detail   map[string]float64 `json:"detail,omitempty"`
}

// AgentStats is the agent of one arm over its whole runs (all workloads).
type AgentStats struct {
	Arm Arm `json:"arm"`
	// CPU is the median over rounds of the agent's share of one CPU while
	// the workloads ran, in percent.
	CPU float64 `json:"cpu_percent"`
	// Memory is the largest resident memory seen at the end of a round.
	Memory         Memory       `json:"memory"`
	EventsReceived float64      `json:"events_received,omitempty"`
	EventsDropped  float64      `json:"events_dropped,omitempty"`
	RuleMatches    float64      `json:"rule_matches,omitempty"`
	Rounds         []AgentRound `json:"rounds"`
}

// AgentRound is the agent of an arm in one round.
type AgentRound struct {
	Round       int     `json:"round"`
	CPUSeconds  float64 `json:"cpu_seconds"`
	WallSeconds float64 `json:"wall_seconds"`
	CPU         float64 `json:"cpu_percent"`
	Memory      Memory  `json:"memory"`
	Received    float64 `json:"events_received,omitempty"`
	Dropped     float64 `json:"events_dropped,omitempty"`
	RuleMatches float64 `json:"rule_matches,omitempty"`
}

// agentCounters are the full arm's metrics read around each workload.
type agentCounters struct{ received, dropped, matches float64 }

func readCounters(p *Process) (agentCounters, bool) {
	if p == nil || p.Metrics == "" {
		return agentCounters{}, false
	}
	m, err := p.Scrape()
	if err != nil {
		return agentCounters{}, false
	}
	return agentCounters{
		received: Sum(m, "vigil_events_received_total"),
		dropped:  Sum(m, "vigil_events_dropped_total"),
		matches:  Sum(m, "vigil_rule_matches_total"),
	}, true
}

// rotation is the order of arms in round r: it starts at arm r mod len, so
// no arm always runs first (right after a cold start) or last.
func rotation(arms []Arm, r int) []Arm {
	if len(arms) == 0 {
		return nil
	}
	k := r % len(arms)
	return append(slices.Clone(arms[k:]), arms[:k]...)
}

// setRatios fills each round's ratio to the baseline value of the same
// round and returns the ratios; rounds without a baseline get none.
func setRatios(arm, base []RoundValue) []float64 {
	byRound := map[int]float64{}
	for _, b := range base {
		byRound[b.Round] = b.Value
	}
	var ratios []float64
	for i := range arm {
		b, ok := byRound[arm[i].Round]
		if !ok || b <= 0 {
			continue
		}
		arm[i].Ratio = arm[i].Value / b
		ratios = append(ratios, arm[i].Ratio)
	}
	return ratios
}

// summarize computes medians and ratios once every round is in.
func (r *OverheadResult) summarize() {
	for _, w := range r.Workloads {
		var base []RoundValue
		for _, a := range w.Arms {
			if a.Arm == ArmBaseline {
				base = a.Rounds
			}
		}
		for _, a := range w.Arms {
			var vals, cpu []float64
			a.EventsReceived, a.EventsDropped = 0, 0
			for _, rv := range a.Rounds {
				vals = append(vals, rv.Value)
				cpu = append(cpu, rv.AgentCPU)
				a.EventsReceived += rv.Received
				a.EventsDropped += rv.Dropped
			}
			a.Median = median(vals)
			a.AgentCPU = median(cpu)
			a.Ratio = median(setRatios(a.Rounds, base))
		}
	}
	for _, ag := range r.Agents {
		var cpu []float64
		ag.EventsReceived, ag.EventsDropped, ag.RuleMatches = 0, 0, 0
		for _, rd := range ag.Rounds {
			cpu = append(cpu, rd.CPU)
			if rd.Memory.RSS > ag.Memory.RSS {
				ag.Memory = rd.Memory
			}
			ag.EventsReceived += rd.Received
			ag.EventsDropped += rd.Dropped
			ag.RuleMatches += rd.RuleMatches
		}
		ag.CPU = median(cpu)
	}
}

func (r *OverheadResult) workload(kind string) *WorkloadStats {
	for _, w := range r.Workloads {
		if w.Kind == kind {
			return w
		}
	}
	return nil
}

func (w *WorkloadStats) arm(a Arm) *ArmStats {
	if w == nil {
		return nil
	}
	for _, s := range w.Arms {
		if s.Arm == a {
			return s
		}
	}
	return nil
}

func (r *OverheadResult) agent(a Arm) *AgentStats {
	for _, s := range r.Agents {
		if s.Arm == a {
			return s
		}
	}
	return nil
}

// RunOverhead runs every workload under every arm for rounds interleaved
// rounds. It returns the result with an error when an arm failed to start
// or a workload failed; skipped workloads and arms are notes, not errors.
func (s *Suite) RunOverhead(ctx context.Context, rounds int) (*OverheadResult, error) {
	if rounds < 1 {
		return nil, fmt.Errorf("overhead: %d rounds", rounds)
	}
	res := &OverheadResult{Rounds: rounds, Quick: s.Quick}
	if pf := s.Preflight; pf != nil && pf.Contaminated {
		res.Contaminated = true
		res.Contamination = slices.Clone(pf.Reasons)
	}
	res.Arms = []Arm{ArmBaseline, ArmBpftrace, ArmCapture, ArmFull, ArmFullExitRead}
	if s.Bpftrace == "" {
		res.Arms = slices.DeleteFunc(res.Arms, func(a Arm) bool { return a == ArmBpftrace })
		res.Notes = append(res.Notes, "bpftrace arm skipped: bpftrace is not installed")
	}
	var run []workload
	for _, w := range workloads {
		ws := &WorkloadStats{Kind: w.Kind, What: w.What, Unit: w.Unit, HigherBetter: w.HigherBetter}
		for _, t := range w.Tools {
			if _, err := lookPath(t); err != nil {
				ws.Skipped = t + " is not installed"
				break
			}
		}
		if ws.Skipped == "" {
			for _, a := range res.Arms {
				ws.Arms = append(ws.Arms, &ArmStats{Arm: a})
			}
			run = append(run, w)
		} else {
			res.Notes = append(res.Notes, fmt.Sprintf("workload %s skipped: %s", w.Kind, ws.Skipped))
		}
		res.Workloads = append(res.Workloads, ws)
	}
	for _, a := range res.Arms {
		if a != ArmBaseline {
			res.Agents = append(res.Agents, &AgentStats{Arm: a})
		}
	}

	port := 0
	if slices.ContainsFunc(run, func(w workload) bool { return w.Kind == "redis" }) {
		redis, p, err := s.startRedis(ctx)
		if err != nil {
			return nil, fmt.Errorf("overhead: %w", err)
		}
		defer redis.Stop()
		port = p
	}

	var errs []error
	for r := range rounds {
		order := rotation(res.Arms, r)
		res.Order = append(res.Order, order)
		for _, a := range order {
			if ctx.Err() != nil {
				res.summarize()
				return res, ctx.Err()
			}
			if err := s.runArm(ctx, res, r, a, run, port); err != nil {
				errs = append(errs, fmt.Errorf("round %d, %s: %w", r, a, err))
				res.Notes = append(res.Notes, fmt.Sprintf("round %d, %s: %v", r, a, err))
			}
		}
	}
	res.summarize()
	return res, errors.Join(errs...)
}

// runArm starts arm a, runs every workload under it, records the agent's
// CPU, memory and counters, and stops it.
func (s *Suite) runArm(ctx context.Context, res *OverheadResult, round int, a Arm, run []workload, port int) error {
	if note := s.waitClean(ctx); note != "" {
		s.logf("overhead settle", "round", round, "arm", a, "note", note)
		res.Notes = append(res.Notes, fmt.Sprintf("round %d, %s: %s", round, a, note))
	}
	s.logf("overhead arm", "round", round, "arm", a)
	p, err := s.StartArm(ctx, a)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	var errs []error
	var agentCPU, wall float64
	var total agentCounters
	s.checkForeign(ctx, res, round, a, p)
	defer s.checkForeign(ctx, res, round, a, p)
	for _, w := range run {
		cpu0, _ := s.agentCPU(p)
		c0, ok0 := readCounters(p)
		t0 := time.Now()
		wr, err := s.runWorkload(ctx, w, port)
		dt := time.Since(t0).Seconds()
		cpu1, _ := s.agentCPU(p)
		c1, ok1 := readCounters(p)
		st := res.workload(w.Kind).arm(a)
		if err != nil {
			st.Errors = append(st.Errors, fmt.Sprintf("round %d: %v", round, err))
			errs = append(errs, fmt.Errorf("%s: %w", w.Kind, err))
			continue
		}
		rv := RoundValue{Round: round, Value: wr.Value, Seconds: wr.Seconds, Detail: wr.Detail}
		if p != nil && dt > 0 {
			rv.AgentCPU = 100 * (cpu1 - cpu0) / dt
		}
		if ok0 && ok1 {
			rv.Received = c1.received - c0.received
			rv.Dropped = c1.dropped - c0.dropped
			total.received += rv.Received
			total.dropped += rv.Dropped
			total.matches += c1.matches - c0.matches
		}
		agentCPU += cpu1 - cpu0
		wall += dt
		st.Rounds = append(st.Rounds, rv)
	}
	if p == nil {
		return errors.Join(errs...)
	}
	ar := AgentRound{Round: round, CPUSeconds: agentCPU, WallSeconds: wall,
		Received: total.received, Dropped: total.dropped, RuleMatches: total.matches}
	if wall > 0 {
		ar.CPU = 100 * agentCPU / wall
	}
	if m, err := memory(p.Pid()); err == nil {
		ar.Memory = m
	}
	if exited, err := p.Exited(); exited {
		errs = append(errs, fmt.Errorf("agent died during the workloads: %w", err))
	}
	if err := p.Stop(); err != nil {
		errs = append(errs, err)
	}
	ag := res.agent(a)
	ag.Rounds = append(ag.Rounds, ar)
	return errors.Join(errs...)
}

// foreignAttachments counts, by process, the programs attached through
// perf events and raw tracepoints (bpftool perf show names their
// processes) that do not belong to process own. Programs attached by
// fentry/LSM links are not seen here; the pre-flight covers those.
func (s *Suite) foreignAttachments(ctx context.Context, own int) (map[int]int, bool) {
	if s.Preflight == nil || s.Preflight.Bpftool == "" {
		return nil, false
	}
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(c, s.Preflight.Bpftool, "-j", "perf", "show").Output()
	if err != nil {
		return nil, false
	}
	entries, err := parseBPFPerf(out)
	if err != nil {
		return nil, false
	}
	foreign := map[int]int{}
	for _, e := range entries {
		if e.PID != own {
			foreign[e.PID]++
		}
	}
	return foreign, true
}

// checkForeign marks the round contaminated when a process other than the
// arm's agent has programs attached.
func (s *Suite) checkForeign(ctx context.Context, res *OverheadResult, round int, a Arm, p *Process) {
	own := 0
	if p != nil {
		own = p.Pid()
	}
	foreign, _ := s.foreignAttachments(ctx, own)
	if len(foreign) == 0 {
		return
	}
	res.Contaminated = true
	if !slices.Contains(res.ContaminatedRounds, round) {
		res.ContaminatedRounds = append(res.ContaminatedRounds, round)
	}
	for _, pid := range slices.Sorted(maps.Keys(foreign)) {
		why := fmt.Sprintf("round %d (%s arm): pid %d (%s) had %d programs attached", round, a, pid, commOf(pid), foreign[pid])
		if !slices.Contains(res.Contamination, why) {
			res.Contamination = append(res.Contamination, why)
		}
	}
}

// settleWait bounds how long an arm waits for a foreign tracer to go away
// before it runs anyway (and is marked contaminated).
const settleWait = 90 * time.Second

// busyLimit is the share of all CPUs (busy time over one second, before
// an arm starts) above which the machine is not quiet enough to measure.
const busyLimit = 0.25

// waitClean waits, up to settleWait (not at all in quick mode), until no
// foreign program is attached and the CPUs are mostly idle: on a shared
// machine other sessions run their own agents and benchmarks, and an arm
// that waits a little measures Vigil instead of them. It returns a note
// when it waited.
func (s *Suite) waitClean(ctx context.Context) string {
	if s.Quick {
		return ""
	}
	start := time.Now()
	why := ""
	for {
		foreign, ok := s.foreignAttachments(ctx, 0)
		busy, berr := cpuBusy(ctx, time.Second)
		switch {
		case ok && len(foreign) > 0:
			why = fmt.Sprintf("foreign tracers (pids %v)", slices.Sorted(maps.Keys(foreign)))
		case berr == nil && busy > busyLimit:
			why = fmt.Sprintf("other load (CPUs %.0f%% busy)", 100*busy)
		default:
			if why == "" {
				return ""
			}
			return fmt.Sprintf("waited %s for %s to go", time.Since(start).Round(time.Second), why)
		}
		if time.Since(start) > settleWait || ctx.Err() != nil {
			return fmt.Sprintf("%s still present after %s; ran anyway", why, settleWait)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// cpuBusy is the share of all CPUs' time that was not idle or iowait over
// the interval, from /proc/stat.
func cpuBusy(ctx context.Context, interval time.Duration) (float64, error) {
	b0, t0, err := readCPUStat()
	if err != nil {
		return 0, err
	}
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(interval):
	}
	b1, t1, err := readCPUStat()
	if err != nil {
		return 0, err
	}
	if t1 <= t0 {
		return 0, errors.New("cpu busy: no ticks")
	}
	return float64(b1-b0) / float64(t1-t0), nil
}

func readCPUStat() (busy, total uint64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	return parseCPUStat(string(b))
}

// parseCPUStat reads the aggregate "cpu" line of /proc/stat: user nice
// system idle iowait irq softirq steal ...; idle and iowait are not busy.
func parseCPUStat(s string) (busy, total uint64, err error) {
	line, _, _ := strings.Cut(s, "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("parse /proc/stat: first line %q", line)
	}
	for i, x := range f[1:] {
		if i >= 8 { // guest and guest_nice are already in user and nice
			break
		}
		v, err := strconv.ParseUint(x, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("parse /proc/stat: %q", line)
		}
		total += v
		if i != 3 && i != 4 {
			busy += v
		}
	}
	return busy, total, nil
}

func commOf(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return "exited"
	}
	return strings.TrimSpace(string(b))
}

func (s *Suite) agentCPU(p *Process) (float64, error) {
	if p == nil {
		return 0, nil
	}
	return cpuSeconds(p.Pid())
}

// runWorkload runs `Self work KIND` and parses its result line.
func (s *Suite) runWorkload(ctx context.Context, w workload, port int) (WorkResult, error) {
	args := []string{"work", w.Kind}
	if s.Quick {
		args = append(args, "-quick")
	}
	if w.Kind == "redis" {
		args = append(args, "-port", strconv.Itoa(port))
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.Self, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return WorkResult{}, fmt.Errorf("%w: %s", err, lastLines(stderr.String(), 3))
	}
	wr, err := parseWorkLine(out)
	if err == nil && wr.Kind != w.Kind {
		err = fmt.Errorf("work %s answered for %q", w.Kind, wr.Kind)
	}
	return wr, err
}

// startRedis starts the suite's redis-server on a free loopback port,
// without persistence, and waits until it answers PING.
func (s *Suite) startRedis(ctx context.Context) (*Process, int, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	_, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	p, err := Start("redis-server", nil, "redis-server", "--bind", "127.0.0.1", "--port", portStr,
		"--save", "", "--appendonly", "no", "--dir", s.WorkDir)
	if err != nil {
		return nil, 0, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if redisPing(addr) {
			return p, port, nil
		}
		if exited, err := p.Exited(); exited {
			return nil, 0, fmt.Errorf("redis-server: %w", err)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			p.Stop()
			return nil, 0, fmt.Errorf("redis-server on %s did not answer PING", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func redisPing(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 16)
	n, _ := c.Read(buf)
	return strings.HasPrefix(string(buf[:n]), "+PONG")
}

func (s *Suite) logf(msg string, args ...any) {
	if s.Log != nil {
		s.Log.Info(msg, args...)
	}
}

// Issue targets this section measures.
const (
	getpidGoal = 1.2
	redisGoal  = 0.90
	// syscallExitFloor is the upper end of what an empty program on
	// sys_exit costs getpid on the reference kernel (measured by hand).
	syscallExitFloor = 1.7
)

// targets returns the overhead targets with the other arms'
// ratios as context.
func (r *OverheadResult) targets() []Target {
	gp := r.workload("getpid")
	getpid := Target{What: "uninteresting syscall (getpid) under the full agent", Goal: fmt.Sprintf("≤ %.1f× bare getpid", getpidGoal)}
	if full := gp.arm(ArmFull); full != nil && full.Ratio > 0 {
		getpid.Measured = true
		getpid.Met = full.Ratio <= getpidGoal
		getpid.Result = fmt.Sprintf("%.2f× (%.0f ns vs %.0f ns)", full.Ratio, full.Median, gp.arm(ArmBaseline).Median)
		ctx := r.contextRatios(gp, "×")
		switch {
		case getpid.Met:
			getpid.Note = ctx
		default:
			getpid.Note = "the kernel's syscall-tracing slow path sets the floor on this kernel: any program on sys_exit costs " +
				"~1.5-1.7× getpid and an empty program on one classic per-syscall tracepoint (sys_exit_getppid) ~1.3-1.45× " +
				"(collector/kernel BenchmarkSyscallOverhead), " +
				"so ≤ 1.2× is out of reach for any agent that hooks syscall exit"
			if full.Ratio > syscallExitFloor {
				getpid.Note += fmt.Sprintf("; the measured %.2f× is above that floor: the rest is Vigil's own sys_exit program "+
					"and its user space (%.0f%% of a CPU) competing with the loop on 2 CPUs", full.Ratio, full.AgentCPU)
			}
			if ctx != "" {
				getpid.Note += "; " + ctx
			}
		}
	} else {
		getpid.Result = "not measured"
	}
	rd := r.workload("redis")
	redis := Target{What: "redis-benchmark throughput with stable rules and all outputs", Goal: fmt.Sprintf("≥ %.2f× baseline", redisGoal)}
	switch full := rd.arm(ArmFull); {
	case rd != nil && rd.Skipped != "":
		redis.Result = "not measured"
		redis.Note = rd.Skipped
	case full != nil && full.Ratio > 0:
		redis.Measured = true
		redis.Met = full.Ratio >= redisGoal
		redis.Result = fmt.Sprintf("%.2f× (%.0f vs %.0f req/s)", full.Ratio, full.Median, rd.arm(ArmBaseline).Median)
		redis.Note = r.contextRatios(rd, "× throughput")
		if !redis.Met {
			redis.Note = fmt.Sprintf("every request pays the syscall-exit hook on the server and the client, and the agent used %.0f%% of a CPU during it, "+
				"competing with redis-server and redis-benchmark for the same cores; ", full.AgentCPU) + redis.Note
		}
	default:
		redis.Result = "not measured"
	}
	if r.Contaminated {
		for _, t := range []*Target{&getpid, &redis} {
			t.Note = strings.TrimPrefix(t.Note+"; run CONTAMINATED by a foreign tracer (see the pre-flight and overhead sections)", "; ")
		}
	}
	return []Target{getpid, redis}
}

// contextRatios names the capture-only and bpftrace ratios of a workload.
func (r *OverheadResult) contextRatios(w *WorkloadStats, unit string) string {
	var parts []string
	for _, a := range []Arm{ArmFullExitRead, ArmCapture, ArmBpftrace} {
		if st := w.arm(a); st != nil && st.Ratio > 0 {
			parts = append(parts, fmt.Sprintf("%s %.2f%s", a, st.Ratio, unit))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "context: " + strings.Join(parts, ", ")
}

func (r *OverheadResult) markdown(b *bytes.Buffer) {
	b.WriteString("## Overhead\n\n")
	if r.Contaminated {
		b.WriteString("**CONTAMINATED**: another tracer was attached before or during the suite; every arm it overlapped, the baseline included, paid for it")
		if len(r.ContaminatedRounds) > 0 {
			fmt.Fprintf(b, " (rounds seen with a foreign attachment: %v)", r.ContaminatedRounds)
		}
		b.WriteString(":\n\n")
		for _, c := range r.Contamination {
			fmt.Fprintf(b, "- %s\n", c)
		}
		b.WriteString("\n")
	}
	mode := ""
	if r.Quick {
		mode = " Quick mode: short runs, not for numbers."
	}
	fmt.Fprintf(b, "%d interleaved rounds; each round runs the arms in a rotated order (round r starts at arm r mod %d), "+
		"each arm runs every workload in a fresh `bench work` process. Ratios are per round against that round's baseline, "+
		"then the median.%s\n\n", r.Rounds, len(r.Arms), mode)
	for i, o := range r.Order {
		fmt.Fprintf(b, "- round %d: %s\n", i, joinArms(o))
	}
	b.WriteString("\n")
	for _, w := range r.Workloads {
		fmt.Fprintf(b, "### %s\n\n%s.\n\n", w.Kind, w.What)
		if w.Skipped != "" {
			fmt.Fprintf(b, "Skipped: %s.\n\n", w.Skipped)
			continue
		}
		dir := "ratio = arm / baseline time per operation: **lower is better**, 1.50× means 50 % slower"
		if w.HigherBetter {
			dir = "ratio = arm / baseline throughput: **higher is better**, 0.90× means 10 % less throughput"
		}
		fmt.Fprintf(b, "%s.\n\n", dir)
		fmt.Fprintf(b, "| arm | median %s | ratio | per-round ratios | agent CPU %% | events received | dropped |\n", w.Unit)
		b.WriteString("|---|---:|---:|---|---:|---:|---:|\n")
		for _, a := range w.Arms {
			var rr []string
			for _, rv := range a.Rounds {
				if rv.Ratio > 0 {
					rr = append(rr, fmt.Sprintf("%.3f", rv.Ratio))
				} else {
					rr = append(rr, "-")
				}
			}
			ratio := "-"
			if a.Ratio > 0 {
				ratio = fmt.Sprintf("%.3f×", a.Ratio)
			}
			cpu, recv, drop := "-", "-", "-"
			if a.Arm != ArmBaseline {
				cpu = fmt.Sprintf("%.1f", a.AgentCPU)
			}
			if a.Arm.isRun() {
				recv, drop = fmt.Sprintf("%.0f", a.EventsReceived), fmt.Sprintf("%.0f", a.EventsDropped)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", a.Arm, formatValue(a.Median), ratio,
				strings.Join(rr, " "), cpu, recv, drop)
			for _, e := range a.Errors {
				fmt.Fprintf(b, "| | error: %s | | | | | |\n", strings.ReplaceAll(e, "|", "/"))
			}
		}
		b.WriteString("\n")
	}
	if len(r.Agents) > 0 {
		b.WriteString("### Agents\n\nCPU is the agent's user+system time over the wall time of all workloads of a round (percent of one CPU, median over rounds); " +
			"memory is the largest VmRSS at the end of a round (RssAnon: Go heap and runtime; RssFile+RssShmem: mapped ring buffers and binary).\n\n")
		b.WriteString("| arm | CPU % | RSS MiB | RssAnon MiB | RssFile+Shmem MiB | events received | dropped | rule matches |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, ag := range r.Agents {
			recv, drop, match := "-", "-", "-"
			if ag.Arm.isRun() {
				recv, drop, match = fmt.Sprintf("%.0f", ag.EventsReceived), fmt.Sprintf("%.0f", ag.EventsDropped), fmt.Sprintf("%.0f", ag.RuleMatches)
			}
			fmt.Fprintf(b, "| %s | %.1f | %.1f | %.1f | %.1f | %s | %s | %s |\n", ag.Arm, ag.CPU, mib(ag.Memory.RSS),
				mib(ag.Memory.RssAnon), mib(ag.Memory.RssFile+ag.Memory.RssShmem), recv, drop, match)
		}
		b.WriteString("\n")
	}
	if len(r.Notes) > 0 {
		b.WriteString("Notes:\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(b, "- %s\n", n)
		}
		b.WriteString("\n")
	}
}

func joinArms(as []Arm) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, " → ")
}

func formatValue(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}
