package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/collector/proc"
)

// soakExecRate is the process churn of the soak: fork+exec of /bin/true
// per second, by `bench gen -op exec` with soakWorkers workers.
const (
	soakExecRate = 500
	soakWorkers  = 2
)

// rssTarget is the memory target: agent RSS in steady state with
// the stable rules, ring buffers excluded.
const rssTarget = 64 << 20

// Flatness thresholds (documented in the report). Warm-up is the first
// warmupFrac of the soak, and at least proc.DefaultExitGrace: the agent keeps
// an exited process that long for late events, so under churn the process
// cache (and the heap) fills for that long, to about exec rate × grace
// entries, before it can be flat.
//   - RssAnon may grow from the first to the last quarter after warm-up by
//     at most anonGrowthFrac of the first quarter, or anonGrowthAbs,
//     whichever is larger;
//   - the process cache may grow by at most cacheGrowthFrac of the first
//     quarter, or cacheGrowthAbs entries, whichever is larger: the cache
//     holds every live process of the machine, whose own population moves
//     by a few hundred while other sessions build and test.
const (
	warmupFrac      = 0.2
	anonGrowthFrac  = 0.10
	anonGrowthAbs   = 4 << 20
	cacheGrowthFrac = 0.10
	cacheGrowthAbs  = 256
	minPostSamples  = 4
)

// SoakResult is the process-churn soak: one agent (stable rules, every
// output on) while the machine forks and execs /bin/true at a steady rate.
type SoakResult struct {
	Seconds         float64 `json:"seconds"`
	IntervalSeconds float64 `json:"interval_seconds"`
	// Churn is the generator's result: op exec, achieved execs/s.
	Churn   GenResult    `json:"churn"`
	Samples []SoakSample `json:"samples"`
	// Totals are counter deltas over the churn.
	Totals  Counts     `json:"totals"`
	Rings   RingMemory `json:"rings"`
	Verdict Flatness   `json:"verdict"`
}

// SoakSample is the agent's state at T seconds after the churn started.
// Counters (Received, Dropped, Evictions, CPU) are cumulative since then.
type SoakSample struct {
	T float64 `json:"t_s"`
	Memory
	RSSNoRings     uint64  `json:"rss_no_rings_bytes"`
	ProcessCache   float64 `json:"process_cache_entries"`
	ContainerCache float64 `json:"container_cache_entries"`
	// Goroutines is go_goroutines, -1 when the agent does not expose it.
	Goroutines float64 `json:"goroutines"`
	HeapInuse  float64 `json:"go_heap_inuse_bytes,omitempty"`
	Received   float64 `json:"received"`
	Dropped    float64 `json:"dropped"`
	Evictions  float64 `json:"process_cache_evictions"`
	CPU        float64 `json:"cpu_seconds"`
}

// Flatness is the soak's verdict: the first and last quarter of the
// samples after warm-up, compared by their medians.
type Flatness struct {
	WarmupSeconds float64 `json:"warmup_seconds"`
	Quarter       int     `json:"quarter_samples"`
	AnonFirst     uint64  `json:"anon_first_bytes"`
	AnonLast      uint64  `json:"anon_last_bytes"`
	AnonAllowed   uint64  `json:"anon_allowed_growth_bytes"`
	CacheFirst    float64 `json:"process_cache_first"`
	CacheLast     float64 `json:"process_cache_last"`
	CacheAllowed  float64 `json:"process_cache_allowed_growth"`
	// SteadyRSS is the median VmRSS without the rings in the last quarter.
	SteadyRSS  uint64 `json:"steady_rss_no_rings_bytes"`
	SteadyAnon uint64 `json:"steady_anon_bytes"`
	// AnonSlope is the least-squares slope of RssAnon after warm-up, MiB
	// per minute (information; the verdict uses the quarters).
	AnonSlope float64 `json:"anon_slope_mib_per_min"`
	Judged    bool    `json:"judged"` // enough samples after warm-up
	Flat      bool    `json:"flat"`
	Reason    string  `json:"reason"`
}

// judgeFlat applies the flatness rules to samples of a soak of length d.
func judgeFlat(samples []SoakSample, d time.Duration) Flatness {
	f := Flatness{WarmupSeconds: max(warmupFrac*d.Seconds(), proc.DefaultExitGrace.Seconds())}
	var post []SoakSample
	for _, s := range samples {
		if s.T >= f.WarmupSeconds {
			post = append(post, s)
		}
	}
	if len(post) < minPostSamples {
		f.Reason = fmt.Sprintf("%d samples after warm-up, %d needed", len(post), minPostSamples)
		return f
	}
	q := len(post) / 4
	first, last := post[:q], post[len(post)-q:]
	f.Quarter = q
	f.Judged = true
	anon := func(s SoakSample) float64 { return float64(s.RssAnon) }
	cache := func(s SoakSample) float64 { return s.ProcessCache }
	f.AnonFirst, f.AnonLast = uint64(medianBy(first, anon)), uint64(medianBy(last, anon))
	f.AnonAllowed = max(uint64(anonGrowthFrac*float64(f.AnonFirst)), anonGrowthAbs)
	f.CacheFirst, f.CacheLast = medianBy(first, cache), medianBy(last, cache)
	f.CacheAllowed = max(cacheGrowthFrac*f.CacheFirst, cacheGrowthAbs)
	f.SteadyRSS = uint64(medianBy(last, func(s SoakSample) float64 { return float64(s.RSSNoRings) }))
	f.SteadyAnon = f.AnonLast
	f.AnonSlope = slopeBy(post, anon) * 60 / (1 << 20)

	var why []string
	if f.AnonLast > f.AnonFirst+f.AnonAllowed {
		why = append(why, fmt.Sprintf("RssAnon grew %s MiB (allowed %s)", fmtMiB(f.AnonLast-f.AnonFirst), fmtMiB(f.AnonAllowed)))
	}
	if f.CacheLast > f.CacheFirst+f.CacheAllowed {
		why = append(why, fmt.Sprintf("process cache grew %.0f entries (allowed %.0f)", f.CacheLast-f.CacheFirst, f.CacheAllowed))
	}
	f.Flat = len(why) == 0
	if f.Flat {
		f.Reason = "flat"
	} else {
		f.Reason = strings.Join(why, "; ")
	}
	return f
}

func medianBy(s []SoakSample, v func(SoakSample) float64) float64 {
	xs := make([]float64, len(s))
	for i := range s {
		xs[i] = v(s[i])
	}
	return median(xs)
}

// slope is the least-squares slope of v over T, per second.
func slopeBy(s []SoakSample, v func(SoakSample) float64) float64 {
	n := float64(len(s))
	if n < 2 {
		return 0
	}
	var st, sv, stt, stv float64
	for _, x := range s {
		st += x.T
		sv += v(x)
		stt += x.T * x.T
		stv += x.T * v(x)
	}
	den := n*stt - st*st
	if den == 0 {
		return 0
	}
	return (n*stv - st*sv) / den
}

// RunSoak runs the agent under process churn for d and samples it.
func (s *Suite) RunSoak(ctx context.Context, d time.Duration) (*SoakResult, error) {
	interval := 10 * time.Second
	if s.Quick {
		interval = time.Second
	}
	p, err := s.StartArm(ctx, ArmFull)
	if err != nil {
		return nil, fmt.Errorf("soak: %w", err)
	}
	defer p.Stop()
	a := probe{p}
	a.settle(ctx, 5*time.Second)

	r := &SoakResult{Seconds: d.Seconds(), IntervalSeconds: interval.Seconds()}
	c0, _, err := a.counts()
	if err != nil {
		return nil, fmt.Errorf("soak: %w", err)
	}
	evict0 := 0.0
	type genDone struct {
		g   GenResult
		err error
	}
	done := make(chan genDone, 1)
	start := time.Now()
	go func() {
		g, err := s.runGenProcess(ctx, "exec", soakExecRate, d, soakWorkers)
		done <- genDone{g, err}
	}()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var sampleErr error
	sample := func() {
		smp, err := a.sample(time.Since(start), c0, evict0)
		if err != nil {
			sampleErr = err
			return
		}
		r.Samples = append(r.Samples, smp)
	}
	if m, err := p.Scrape(); err == nil {
		evict0 = Sum(m, "vigil_process_cache_evictions_total")
	}
	sample()
	var gd genDone
loop:
	for {
		select {
		case gd = <-done:
			break loop
		case <-tick.C:
			sample()
			if sampleErr != nil {
				// The agent is gone or not answering: stop the churn.
				gd = <-done
				break loop
			}
		}
	}
	if sampleErr != nil {
		return r, fmt.Errorf("soak: sample: %w", sampleErr)
	}
	if gd.err != nil {
		return r, fmt.Errorf("soak: churn: %w", gd.err)
	}
	sample()
	r.Churn = gd.g
	c1, m, err := a.counts()
	if err != nil {
		return r, fmt.Errorf("soak: %w", err)
	}
	r.Totals = c1.sub(c0)
	if rm, err := ringMemory(p.Pid()); err == nil {
		rm.RingBytes = uint64(Sum(m, "vigil_ringbuf_size_bytes"))
		rm.Rings = countSeries(m, "vigil_ringbuf_size_bytes")
		r.Rings = rm
	}
	r.Verdict = judgeFlat(r.Samples, d)
	if s.Log != nil {
		s.Log.Info("soak done", "execs_per_s", int(r.Churn.Rate), "samples", len(r.Samples),
			"verdict", r.Verdict.Reason, "steady_rss_mib", r.Verdict.SteadyRSS>>20)
	}
	return r, nil
}

// sample reads one SoakSample at t.
func (a probe) sample(t time.Duration, c0 Counts, evict0 float64) (SoakSample, error) {
	smp := SoakSample{T: t.Seconds(), Goroutines: -1}
	c, m, err := a.counts()
	if err != nil {
		return smp, err
	}
	if smp.Memory, err = memory(a.p.Pid()); err != nil {
		return smp, err
	}
	smp.RSSNoRings = smp.RSS
	if rm, err := ringMemory(a.p.Pid()); err == nil {
		smp.RSSNoRings = smp.RSS - min(rm.Rss, smp.RSS)
	}
	smp.ProcessCache = Sum(m, "vigil_process_cache_entries")
	smp.ContainerCache = Sum(m, "vigil_container_cache_entries")
	if countSeries(m, "go_goroutines") > 0 {
		smp.Goroutines = Sum(m, "go_goroutines")
	}
	smp.HeapInuse = Sum(m, "go_memstats_heap_inuse_bytes")
	d := c.sub(c0)
	smp.Received, smp.Dropped, smp.CPU = d.Received, d.Dropped, d.CPU
	smp.Evictions = Sum(m, "vigil_process_cache_evictions_total") - evict0
	return smp, nil
}

// RingMemory is how the agent's mmapped BPF maps (the ring buffers, and
// the small global-data maps) show in its memory accounting.
type RingMemory struct {
	// Mappings, Rss and Pss are summed over the anon_inode:bpf-map (and
	// bpf-ringbuf) mappings of /proc/PID/smaps. A ring's data pages are
	// mapped twice (so records can wrap), so Rss counts them twice and
	// Pss about once.
	Mappings int    `json:"mappings"`
	Rss      uint64 `json:"rss_bytes"`
	Pss      uint64 `json:"pss_bytes"`
	// In names the /proc/PID/status field that contains them (RssFile,
	// RssShmem or "none"), inferred by comparing sizes.
	In string `json:"counted_in"`
	// RingBytes is the sum of vigil_ringbuf_size_bytes over Rings rings.
	RingBytes uint64 `json:"ring_bytes"`
	Rings     int    `json:"rings"`
}

// ringMemory reads the BPF mappings of pid.
func ringMemory(pid int) (RingMemory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return RingMemory{}, fmt.Errorf("read smaps: %w", err)
	}
	defer f.Close()
	rm, err := parseSmaps(f)
	if err != nil {
		return rm, err
	}
	m, err := memory(pid)
	if err != nil {
		return rm, err
	}
	rm.In = countedIn(rm, m)
	return rm, nil
}

// countedIn says which status field can hold the BPF mappings' Rss.
func countedIn(rm RingMemory, m Memory) string {
	switch {
	case rm.Rss == 0:
		return "none"
	case m.RssShmem >= rm.Rss:
		return "RssShmem"
	case m.RssFile >= rm.Rss:
		return "RssFile"
	}
	return "none"
}

// parseSmaps sums Rss and Pss of the BPF map mappings in an smaps file.
func parseSmaps(r io.Reader) (RingMemory, error) {
	var rm RingMemory
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	inBPF := false
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if !strings.HasSuffix(f[0], ":") {
			// A mapping header: range perms offset dev inode [name].
			inBPF = len(f) >= 6 && (f[5] == "anon_inode:bpf-map" || f[5] == "anon_inode:bpf-ringbuf" || f[5] == "anon_inode:[bpf-map]")
			if inBPF {
				rm.Mappings++
			}
			continue
		}
		if !inBPF || len(f) < 2 || (f[0] != "Rss:" && f[0] != "Pss:") {
			continue
		}
		kb, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return rm, fmt.Errorf("parse smaps %s: %w", f[0], err)
		}
		if f[0] == "Rss:" {
			rm.Rss += kb << 10
		} else {
			rm.Pss += kb << 10
		}
	}
	return rm, sc.Err()
}

func (rm RingMemory) markdown(b *bytes.Buffer) {
	if rm.Mappings == 0 {
		return
	}
	fmt.Fprintf(b, "Ring buffers in the agent's memory: %d rings, %s MiB in total (vigil_ringbuf_size_bytes). Its %d mmapped BPF "+
		"mappings (anon_inode:bpf-map: each ring's producer and data pages, with the data mapped twice so records can wrap, "+
		"its consumer page, and global-data maps) have %s MiB Rss and %s MiB Pss in /proc/PID/smaps; on this kernel "+
		"they are counted in **%s** of /proc/PID/status (not RssAnon), and only once user space has touched them. "+
		"\"RSS without rings\" below subtracts their Rss from VmRSS.\n\n",
		rm.Rings, fmtMiB(rm.RingBytes), rm.Mappings, fmtMiB(rm.Rss), fmtMiB(rm.Pss), rm.In)
}

func (r *SoakResult) markdown(b *bytes.Buffer) {
	b.WriteString("## Process-churn soak\n\n")
	fmt.Fprintf(b, "One `vigil run` with the upstream stable rules and every output on, while `bench gen -op exec` forks and "+
		"execs /bin/true (%d workers, target %d/s): %d execs in %.0f s, **%.0f execs/s achieved**. Sampled every %.0f s. "+
		"Over the churn the agent received %.0f events, dropped %.0f (%.3f %%), used %.1f CPU-seconds (%.0f %% of one core), "+
		"and the rules matched %.0f times (%.0f internal detections).\n\n",
		r.Churn.Workers, soakExecRate, r.Churn.Ops, r.Churn.Seconds, r.Churn.Rate, r.IntervalSeconds,
		r.Totals.Received, r.Totals.Dropped, dropPct(r.Totals.Dropped, r.Totals.Received), r.Totals.CPU,
		100*r.Totals.CPU/max(r.Churn.Seconds, 1e-9), r.Totals.Detections, r.Totals.Internal)
	b.WriteString("| t s | RSS MiB | RSS w/o rings | anon | file | shmem | process cache | container cache | goroutines | received | dropped | evictions |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, i := range pickRows(len(r.Samples), 10) {
		s := r.Samples[i]
		g := "-"
		if s.Goroutines >= 0 {
			g = fmt.Sprintf("%.0f", s.Goroutines)
		}
		fmt.Fprintf(b, "| %.0f | %s | %s | %s | %s | %s | %.0f | %.0f | %s | %.0f | %.0f | %.0f |\n",
			s.T, fmtMiB(s.RSS), fmtMiB(s.RSSNoRings), fmtMiB(s.RssAnon), fmtMiB(s.RssFile), fmtMiB(s.RssShmem),
			s.ProcessCache, s.ContainerCache, g, s.Received, s.Dropped, s.Evictions)
	}
	b.WriteString("\n")
	v := r.Verdict
	fmt.Fprintf(b, "Flatness rule: samples of the first %.0f s (20 %% of the soak, at least the agent's %s exit grace: "+
		"an exited process stays in the cache that long, so under churn the cache fills to about exec rate × grace first) "+
		"are warm-up; of the rest, the medians of the first and the "+
		"last quarter are compared. Flat when RssAnon grows by at most 10 %% of the first quarter's median or 4 MiB, "+
		"whichever is larger, and the process cache (vigil_process_cache_entries) by at most 10 %% or 256 entries, "+
		"whichever is larger (it holds every live process of the machine, whose own population moves).\n\n",
		v.WarmupSeconds, proc.DefaultExitGrace)
	if !v.Judged {
		fmt.Fprintf(b, "**Verdict: not judged** (%s).\n\n", v.Reason)
	} else {
		verdict := "flat"
		if !v.Flat {
			verdict = "growing: " + v.Reason
		}
		fmt.Fprintf(b, "**Verdict: %s.** RssAnon %s → %s MiB (allowed +%s), slope %+.2f MiB/min; process cache %.0f → %.0f "+
			"(allowed +%.0f); steady RSS without rings %s MiB (medians of %d samples per quarter).\n\n",
			verdict, fmtMiB(v.AnonFirst), fmtMiB(v.AnonLast), fmtMiB(v.AnonAllowed), v.AnonSlope, v.CacheFirst, v.CacheLast,
			v.CacheAllowed, fmtMiB(v.SteadyRSS), v.Quarter)
	}
	r.Rings.markdown(b)
}

// pickRows returns up to k indexes spread evenly over n, first and last
// included.
func pickRows(n, k int) []int {
	if n <= k {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, 0, k)
	for i := range k {
		idx := i * (n - 1) / (k - 1)
		if len(out) == 0 || out[len(out)-1] != idx {
			out = append(out, idx)
		}
	}
	return out
}

// targets returns the targets this section measures: the steady
// RSS (owned here, not by the drop curve) and flatness under churn.
func (r *SoakResult) targets() []Target {
	v := r.Verdict
	rss := Target{
		What:     "agent RSS, steady state, stable rules",
		Goal:     "≤ 64 MiB, ring buffers excluded (reported separately)",
		Measured: v.Judged,
		Met:      v.Judged && v.SteadyRSS <= rssTarget,
		Result: fmt.Sprintf("%s MiB without rings (RssAnon %s MiB); rings %s MiB (%s MiB Rss as mapped)",
			fmtMiB(v.SteadyRSS), fmtMiB(v.SteadyAnon), fmtMiB(r.Rings.RingBytes), fmtMiB(r.Rings.Rss)),
	}
	flat := Target{
		What:     "memory under process churn",
		Goal:     "flat under the churn soak",
		Measured: v.Judged,
		Met:      v.Judged && v.Flat,
		Result: fmt.Sprintf("%s over %.0f s at %.0f execs/s (RssAnon %s → %s MiB, process cache %.0f → %.0f)",
			v.Reason, r.Seconds, r.Churn.Rate, fmtMiB(v.AnonFirst), fmtMiB(v.AnonLast), v.CacheFirst, v.CacheLast),
	}
	if !v.Judged {
		rss.Result, flat.Result = v.Reason, v.Reason
	}
	return []Target{rss, flat}
}
