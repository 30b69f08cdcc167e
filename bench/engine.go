package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// benchstatModule is the pinned benchstat used when none is installed.
const benchstatModule = "golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"

// minEventsPerCore is the target for decode + state + stable rules.
const minEventsPerCore = 1_000_000

// EngineResult is the offline engine throughput: Go benchmarks of decode,
// state and the stable rules on one core, one of them replaying a capture
// recorded during this run.
type EngineResult struct {
	Capture     CaptureInfo    `json:"capture"`
	Command     string         `json:"command"`
	Benchmarks  []BenchSummary `json:"benchmarks"`
	Raw         string         `json:"raw"`                 // go test output, benchstat's input next time
	Benchstat   string         `json:"benchstat,omitempty"` // against the previous report
	BaselineRef string         `json:"baseline_ref,omitempty"`
	Note        string         `json:"note,omitempty"`
}

// CaptureInfo describes the capture the replay benchmark ran on.
type CaptureInfo struct {
	Records  int    `json:"records"`
	Bytes    int64  `json:"bytes"`
	Duration string `json:"duration"`
	Workload string `json:"workload"`
}

// BenchSummary is the median of every metric of one benchmark over its runs.
type BenchSummary struct {
	Name    string             `json:"name"`
	Runs    int                `json:"runs"`
	Metrics map[string]float64 `json:"metrics"` // unit → median
}

// RunEngine records a capture of a mixed workload, replays it (and the
// synthetic and rules-only benchmarks) through `go test -bench`, and
// compares with the previous report's raw output using benchstat.
func (s *Suite) RunEngine(ctx context.Context, previous *Report) (*EngineResult, error) {
	res := &EngineResult{}
	path := filepath.Join(s.WorkDir, "engine.vcap")
	info, err := s.recordCapture(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	res.Capture = info

	count, benchtime := "6", "2s"
	if s.Quick {
		count, benchtime = "1", "200ms"
	}
	runs := [][]string{
		{"./cmd/vigil/", "^BenchmarkReplay(Capture|Pipeline)$"},
		{"./rules/", "^BenchmarkEvaluate$"},
	}
	var raw bytes.Buffer
	var cmds []string
	for _, r := range runs {
		args := []string{"test", r[0], "-run", "^$", "-bench", r[1], "-benchmem", "-count", count, "-benchtime", benchtime}
		cmds = append(cmds, "go "+strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Env = append(os.Environ(), "VIGIL_BENCH_CAPTURE="+path)
		cmd.Dir = s.RepoDir
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &raw, &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("engine: go test %s: %w: %s", r[0], err, stderr.String())
		}
	}
	res.Command = "VIGIL_BENCH_CAPTURE=<capture> " + strings.Join(cmds, " && ")
	res.Raw = raw.String()
	res.Benchmarks = summarize(parseBench(res.Raw))
	if len(res.Benchmarks) == 0 {
		return nil, fmt.Errorf("engine: no benchmark results in the go test output")
	}
	if previous != nil && previous.Engine != nil && previous.Engine.Raw != "" {
		res.BaselineRef = previous.Started.UTC().Format(time.RFC3339) + " " + previous.Machine.Commit
		out, err := s.benchstat(ctx, previous.Engine.Raw, res.Raw)
		if err != nil {
			res.Note = "benchstat: " + err.Error()
		} else {
			res.Benchstat = out
		}
	} else {
		res.Note = "no previous report: no benchstat comparison"
	}
	return res, nil
}

// recordCapture runs `vigil capture` with the stable rules' event types
// while a shell churns processes (redirections, pipes, execs) and a
// goroutine opens files and connects over loopback.
func (s *Suite) recordCapture(ctx context.Context, path string) (CaptureInfo, error) {
	d := 8 * time.Second
	if s.Quick {
		d = 2 * time.Second
	}
	p, err := Start("vigil-capture", nil, s.Vigil, "capture", "--output", path, "--rules", s.StableRules,
		"--duration", (d + 2*time.Second).String()) // info level: the final line carries the record count
	if err != nil {
		return CaptureInfo{}, err
	}
	if err := p.WaitAttached(ctx, 4); err != nil {
		p.Stop()
		return CaptureInfo{}, err
	}
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	const script = `while :; do cat /etc/hostname > /dev/null; ls /usr/bin | grep -c a > /dev/null; ` +
		`sh -c 'id -u; uname -r' > /dev/null 2>&1; done`
	sh := exec.CommandContext(wctx, "/bin/sh", "-c", script)
	if err := sh.Start(); err != nil {
		p.Stop()
		return CaptureInfo{}, fmt.Errorf("start shell workload: %w", err)
	}
	fileAndNetLoop(wctx)
	sh.Wait()
	select {
	case <-p.done:
	case <-time.After(d + 10*time.Second):
		p.Stop()
	}
	if p.waitErr != nil {
		return CaptureInfo{}, fmt.Errorf("vigil capture: %v: %s", p.waitErr, p.stderr.String())
	}
	st, err := os.Stat(path)
	if err != nil {
		return CaptureInfo{}, fmt.Errorf("capture: %w", err)
	}
	n, err := captureRecords(p.stderr.String())
	if err != nil {
		return CaptureInfo{}, err
	}
	return CaptureInfo{Records: n, Bytes: st.Size(), Duration: d.String(),
		Workload: "a shell loop (cat, ls | grep, sh -c 'id; uname' with redirections), file opens under /etc, /usr/lib and /proc, loopback TCP connects, plus whatever else the machine ran"}, nil
}

// captureRecords reads the record count from `vigil capture`'s final log
// line (records=N).
func captureRecords(log string) (int, error) {
	i := strings.LastIndex(log, "records=")
	if i < 0 {
		return 0, fmt.Errorf("capture: no record count in its log: %q", log)
	}
	f := strings.Fields(log[i+len("records="):])
	if len(f) == 0 {
		return 0, fmt.Errorf("capture: no record count in its log: %q", log)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n == 0 {
		return 0, fmt.Errorf("capture: %q records", f[0])
	}
	return n, nil
}

// fileAndNetLoop opens ordinary files and connects to a loopback listener
// until ctx ends.
func fileAndNetLoop(ctx context.Context) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err == nil {
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	files := []string{"/etc/passwd", "/etc/hosts", "/proc/self/stat", "/usr/lib/os-release", "/etc/nonexistent"}
	for i := 0; ctx.Err() == nil; i++ {
		if f, err := os.Open(files[i%len(files)]); err == nil {
			f.Close()
		}
		if l != nil && i%10 == 0 {
			if c, err := net.Dial("tcp", l.Addr().String()); err == nil {
				c.Close()
			}
		}
		if i%100 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

// benchLine is one result line of `go test -bench`.
type benchLine struct {
	name    string
	metrics map[string]float64
}

// parseBench reads result lines: "BenchmarkX-2  N  v unit  v unit ...".
func parseBench(out string) []benchLine {
	var lines []benchLine
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.ParseUint(f[1], 10, 64); err != nil {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		m := map[string]float64{}
		ok := true
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				ok = false
				break
			}
			m[f[i+1]] = v
		}
		if ok {
			lines = append(lines, benchLine{name: strings.TrimPrefix(name, "Benchmark"), metrics: m})
		}
	}
	return lines
}

// summarize groups lines by benchmark and takes the median of each metric.
func summarize(lines []benchLine) []BenchSummary {
	by := map[string][]benchLine{}
	var order []string
	for _, l := range lines {
		if _, ok := by[l.name]; !ok {
			order = append(order, l.name)
		}
		by[l.name] = append(by[l.name], l)
	}
	var out []BenchSummary
	for _, name := range order {
		vals := map[string][]float64{}
		for _, l := range by[name] {
			for u, v := range l.metrics {
				vals[u] = append(vals[u], v)
			}
		}
		s := BenchSummary{Name: name, Runs: len(by[name]), Metrics: map[string]float64{}}
		for u, v := range vals {
			s.Metrics[u] = median(v)
		}
		out = append(out, s)
	}
	return out
}

// benchstat compares two go test outputs.
func (s *Suite) benchstat(ctx context.Context, old, cur string) (string, error) {
	dir, err := os.MkdirTemp(s.WorkDir, "benchstat-")
	if err != nil {
		return "", err
	}
	oldf, curf := filepath.Join(dir, "previous"), filepath.Join(dir, "this-run")
	if err := os.WriteFile(oldf, []byte(old), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(curf, []byte(cur), 0o644); err != nil {
		return "", err
	}
	argv := []string{"go", "run", benchstatModule}
	if p, err := exec.LookPath("benchstat"); err == nil {
		argv = []string{p}
	}
	// Relative names: benchstat uses them as column headers.
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], filepath.Base(oldf), filepath.Base(curf))...)
	cmd.Dir = dir // outside the module: go run resolves the pinned version itself
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%v: %s", err, out)
	}
	return string(out), nil
}

func (r *EngineResult) find(name string) (BenchSummary, bool) {
	for _, b := range r.Benchmarks {
		if b.Name == name {
			return b, true
		}
	}
	return BenchSummary{}, false
}

func (r *EngineResult) markdown(b *bytes.Buffer) {
	b.WriteString("## Offline engine throughput\n\n")
	fmt.Fprintf(b, "Decode + state + the upstream stable rules (`falco_rules.yaml`, unmodified), single-threaded. "+
		"`ReplayCapture` replays a capture recorded in this run (%d records, %s, %s of %s); "+
		"`ReplayPipeline` a synthetic steady state; `Evaluate/*` the rules alone on prepared events. Medians of %s.\n\n",
		r.Capture.Records, byteSize(r.Capture.Bytes), r.Capture.Duration, r.Capture.Workload, runsText(r.Benchmarks))
	fmt.Fprintf(b, "```sh\n%s\n```\n\n", r.Command)
	b.WriteString("| benchmark | ns/event | events/s | B/op | allocs/op | candidate rate | matches/1k |\n|---|---|---|---|---|---|---|\n")
	for _, s := range r.Benchmarks {
		ns := s.Metrics["ns/op"]
		eps := s.Metrics["events/s"]
		if eps == 0 && ns > 0 {
			eps = 1e9 / ns
		}
		fmt.Fprintf(b, "| %s | %.1f | %s | %.0f | %.0f | %s | %s |\n", s.Name, ns, fmtSI(eps),
			s.Metrics["B/op"], s.Metrics["allocs/op"], optional(s.Metrics, "candidate-rate", "%.3f"), optional(s.Metrics, "matches/1k", "%.2f"))
	}
	b.WriteString("\n")
	if r.Benchstat != "" {
		fmt.Fprintf(b, "benchstat against the previous report (%s):\n\n```\n%s```\n\n", r.BaselineRef, r.Benchstat)
	}
	if r.Note != "" {
		fmt.Fprintf(b, "Note: %s.\n\n", r.Note)
	}
}

func (r *EngineResult) targets() []Target {
	t := Target{What: "user space: decode + state + stable rules on one core (recorded capture)",
		Goal: "≥ 1,000,000 events/s per core"}
	s, ok := r.find("ReplayCapture")
	if !ok {
		t.Result = "ReplayCapture did not run"
		return []Target{t}
	}
	eps := s.Metrics["events/s"]
	t.Measured = true
	t.Result = fmt.Sprintf("%s events/s (%.0f ns/event), %.0f B/event", fmtSI(eps), s.Metrics["ns/op"], s.Metrics["B/op"])
	t.Met = eps >= minEventsPerCore
	if a := s.Metrics["allocs/op"]; a >= 1 {
		t.Note = fmt.Sprintf("%.0f allocations per event: a hot-path regression", a)
	} else if s.Metrics["B/op"] > 0 {
		t.Note = "the bytes per event are state kept, not garbage: paths of opened fds and new processes (under one allocation per event)"
	}
	return []Target{t}
}

func runsText(bs []BenchSummary) string {
	if len(bs) == 0 {
		return "no runs"
	}
	return fmt.Sprintf("%d runs each", bs[0].Runs)
}

func optional(m map[string]float64, k, format string) string {
	v, ok := m[k]
	if !ok {
		return ""
	}
	return fmt.Sprintf(format, v)
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}
