package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// workload is one measured program of the overhead suite. Every arm runs it
// as `bench work KIND` so each arm times exactly the same code in a fresh
// process, away from the harness's goroutines.
type workload struct {
	Kind string
	// Unit of Value; HigherBetter says whether a larger value is a faster
	// machine (throughput) or a slower one (time per operation).
	Unit         string
	HigherBetter bool
	// Tools are the external programs the workload runs; a missing one
	// skips the workload with a note.
	Tools []string
	// N and QuickN are the operations per run: about 1-2 s on the 2-vCPU
	// reference box with no agent, 0.1-0.3 s in quick mode.
	N, QuickN int
	What      string
}

// workloads is the overhead suite's table, in the order each arm runs them.
var workloads = []workload{
	{Kind: "getpid", Unit: "ns/op", N: 8_000_000, QuickN: 1_000_000,
		What: "raw getpid(2) loop on one locked thread: a syscall no rule asks for"},
	{Kind: "openat", Unit: "ns/op", N: 500_000, QuickN: 60_000,
		What: `openat("/dev/null", O_RDONLY|O_CLOEXEC) + close loop: a syscall the rules capture`},
	{Kind: "dd", Unit: "MB/s", HigherBetter: true, Tools: []string{"dd"}, N: 2_000_000, QuickN: 300_000,
		What: "dd if=/dev/zero of=/dev/null bs=500: two syscalls per 500 bytes, wall clock"},
	{Kind: "redis", Unit: "req/s", HigherBetter: true, Tools: []string{"redis-server", "redis-benchmark"},
		N: 60_000, QuickN: 8_000,
		What: "redis-benchmark -t set,get -q --csv against a local redis-server: mean of SET and GET requests/s"},
	{Kind: "exec", Unit: "exec/s", HigherBetter: true, Tools: []string{"stress-ng"}, N: 400, QuickN: 64,
		What: "stress-ng --exec 2 (as nobody: it refuses root): process churn, bogo execs per wall-clock second"},
}

func workloadByKind(kind string) (workload, bool) {
	for _, w := range workloads {
		if w.Kind == kind {
			return w, true
		}
	}
	return workload{}, false
}

// WorkResult is the one JSON line `bench work` prints.
type WorkResult struct {
	Kind    string  `json:"kind"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	Ops     int64   `json:"ops"`
	Seconds float64 `json:"seconds"`
	// Detail holds secondary numbers (redis: set_rps, get_rps).
	Detail map[string]float64 `json:"detail,omitempty"`
}

// runWork is `bench work KIND [-n N] [-quick] [-port P]`.
func runWork(args []string) int {
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "usage: bench work KIND [-n N] [-quick] [-port PORT]")
		return 2
	}
	w, ok := workloadByKind(args[0])
	if !ok {
		fmt.Fprintf(os.Stderr, "bench work: unknown workload %q\n", args[0])
		return 2
	}
	fs := flag.NewFlagSet("work", flag.ContinueOnError)
	n := fs.Int("n", 0, "operations (0: the workload's default)")
	quick := fs.Bool("quick", false, "the quick size")
	port := fs.Int("port", 0, "redis-server port on 127.0.0.1")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *n <= 0 {
		*n = w.N
		if *quick {
			*n = w.QuickN
		}
	}
	res, err := w.run(context.Background(), *n, *port)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench work %s: %v\n", w.Kind, err)
		return 1
	}
	b, err := json.Marshal(res)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench work %s: %v\n", w.Kind, err)
		return 1
	}
	fmt.Printf("%s\n", b)
	return 0
}

func (w workload) run(ctx context.Context, n, port int) (WorkResult, error) {
	r := WorkResult{Kind: w.Kind, Unit: w.Unit, Ops: int64(n)}
	var err error
	switch w.Kind {
	case "getpid":
		r.Seconds = loopGetpid(n).Seconds()
		r.Value = r.Seconds * 1e9 / float64(n)
	case "openat":
		var d time.Duration
		d, err = loopOpenat(n)
		r.Seconds = d.Seconds()
		r.Value = r.Seconds * 1e9 / float64(n)
	case "dd":
		var d time.Duration
		d, err = runDD(ctx, n)
		r.Seconds = d.Seconds()
		r.Value = float64(n) * 500 / 1e6 / r.Seconds
	case "redis":
		err = runRedisBenchmark(ctx, n, port, &r)
	case "exec":
		err = runExecChurn(ctx, n, &r)
	default:
		err = fmt.Errorf("no runner for %q", w.Kind)
	}
	return r, err
}

// loopGetpid times n raw getpid system calls on a locked OS thread.
func loopGetpid(n int) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	for range n {
		syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	}
	return time.Since(start)
}

// loopOpenat times n openat+close pairs of /dev/null on a locked OS thread.
func loopOpenat(n int) (time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	for range n {
		fd, err := unix.Openat(unix.AT_FDCWD, "/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return 0, fmt.Errorf("open /dev/null: %w", err)
		}
		unix.Close(fd)
	}
	return time.Since(start), nil
}

func runDD(ctx context.Context, n int) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, "dd", "if=/dev/zero", "of=/dev/null", "bs=500", "count="+strconv.Itoa(n))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("dd: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return time.Since(start), nil
}

func runRedisBenchmark(ctx context.Context, n, port int, r *WorkResult) error {
	if port == 0 {
		return errors.New("redis needs -port")
	}
	cmd := exec.CommandContext(ctx, "redis-benchmark", "-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-t", "set,get", "-n", strconv.Itoa(n), "-q", "--csv")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("redis-benchmark: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	r.Seconds = time.Since(start).Seconds()
	rps, err := parseRedisCSV(bytes.NewReader(out))
	if err != nil {
		return err
	}
	set, okSet := rps["SET"]
	get, okGet := rps["GET"]
	if !okSet || !okGet {
		return fmt.Errorf("redis-benchmark: no SET and GET rows in %q", out)
	}
	r.Ops = 2 * int64(n)
	r.Value = (set + get) / 2
	r.Detail = map[string]float64{"set_rps": set, "get_rps": get}
	return nil
}

// parseRedisCSV reads `redis-benchmark --csv` output: a header row naming
// the columns ("test","rps",...) and one row per test. It returns requests/s
// by test name.
func parseRedisCSV(r io.Reader) (map[string]float64, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("parse redis-benchmark csv: %w", err)
	}
	col := -1
	out := map[string]float64{}
	for _, row := range rows {
		if len(row) < 2 {
			continue
		}
		if row[0] == "test" {
			for i, h := range row {
				if h == "rps" {
					col = i
				}
			}
			continue
		}
		c := col
		if c < 0 {
			c = 1 // older redis-benchmark: no header, "TEST","rps"
		}
		if c >= len(row) {
			return nil, fmt.Errorf("parse redis-benchmark csv: row %q has no rps column", row)
		}
		v, err := strconv.ParseFloat(row[c], 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("parse redis-benchmark csv: rps of %s: %q", row[0], row[c])
		}
		out[row[0]] = v
	}
	if len(out) == 0 {
		return nil, errors.New("parse redis-benchmark csv: no rows")
	}
	return out, nil
}

// nobody is the user stress-ng's exec stressor runs as: it refuses root.
const nobody = 65534

func runExecChurn(ctx context.Context, n int, r *WorkResult) error {
	dir, err := os.MkdirTemp("", "vigil-bench-exec-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// --exec-max bounds the children per batch: the op limit is checked
	// between batches, so the default (4096) overshoots small -n by far.
	cmd := exec.CommandContext(ctx, "stress-ng", "--exec", "2", "--exec-ops", strconv.Itoa(n),
		"--exec-max", "16", "--metrics-brief", "--temp-path", dir, "--timeout", "300")
	cmd.Dir = dir
	if os.Geteuid() == 0 {
		if err := os.Chmod(dir, 0o777); err != nil {
			return err
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("stress-ng: %w: %s", err, lastLines(out.String(), 3))
	}
	r.Seconds = time.Since(start).Seconds()
	ops, err := parseStressNGOps(&out, "exec")
	if err != nil {
		return err
	}
	r.Ops = ops
	r.Value = float64(ops) / r.Seconds
	return nil
}

// parseStressNGOps finds the bogo-ops count of a stressor in stress-ng's
// --metrics-brief output, a line such as
// "stress-ng: metrc: [123] exec   512   2.29   1.16   1.26   223.98   211.54".
func parseStressNGOps(r io.Reader, stressor string) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		_, rest, ok := strings.Cut(line, "] ")
		if !ok || !strings.Contains(line, "metrc:") && !strings.Contains(line, "info:") {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 2 || f[0] != stressor {
			continue
		}
		ops, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		if ops <= 0 {
			return 0, fmt.Errorf("stress-ng %s: %d bogo ops", stressor, ops)
		}
		return ops, nil
	}
	return 0, fmt.Errorf("stress-ng: no metrics line for %s", stressor)
}

// parseWorkLine reads the result line of `bench work`: the last non-empty
// line of its stdout.
func parseWorkLine(out []byte) (WorkResult, error) {
	var r WorkResult
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if last == "" {
		return r, errors.New("work: no result line")
	}
	if err := json.Unmarshal([]byte(last), &r); err != nil {
		return r, fmt.Errorf("work: result line %q: %w", last, err)
	}
	if r.Kind == "" || !(r.Value > 0) || !(r.Seconds > 0) {
		return r, fmt.Errorf("work: result line %q: no kind, value or time", last)
	}
	return r, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
