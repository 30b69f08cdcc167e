package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// genTick is the pacing period: a paced worker sleeps at least this long
// between batches, and each batch does what the schedule owes.
const genTick = time.Millisecond

// genChunk bounds one batch so that a worker that is behind schedule (or
// unthrottled) still checks the clock often; a worker also shrinks its
// batches so that one takes about a tick (exec takes a millisecond per op).
const genChunk = 256

// GenResult is the one JSON line `bench gen` prints when it is done.
type GenResult struct {
	Op      string  `json:"op"`
	Workers int     `json:"workers"`
	Target  float64 `json:"target_ops_per_s"` // 0: unthrottled
	Ops     int64   `json:"ops"`
	Errors  int64   `json:"errors"`
	Seconds float64 `json:"duration_s"`
	Rate    float64 `json:"ops_per_s"` // achieved, Ops / Seconds
}

// genOps are the operations `bench gen` repeats. Each is a fixed sequence of
// raw syscalls, so the events one operation produces are constant; the suite
// measures that number (kernel events per op) instead of assuming it.
var genOps = map[string]func() error{
	// open: openat(AT_FDCWD, "/dev/null", O_RDONLY|O_CLOEXEC) + close.
	"open": func() error {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		return syscall.Close(fd)
	},
	// exec: fork (vfork-style clone) and exec /bin/true, then reap it.
	"exec": func() error {
		pid, err := syscall.ForkExec("/bin/true", []string{"true"}, &syscall.ProcAttr{Env: []string{}})
		if err != nil {
			return err
		}
		var ws syscall.WaitStatus
		for {
			_, err = syscall.Wait4(pid, &ws, 0, nil)
			if err != syscall.EINTR {
				return err
			}
		}
	},
}

// runGen is `bench gen -op open -rate R -duration D -workers W`: it repeats
// the operation at R operations per second in total (0: as fast as it can)
// for D and prints a GenResult.
func runGen(args []string) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	op := fs.String("op", "open", "operation: open (openat+close of /dev/null) or exec (fork+exec /bin/true)")
	rate := fs.Float64("rate", 0, "operations per second, all workers together; 0 runs unthrottled")
	d := fs.Duration("duration", 10*time.Second, "how long to run")
	workers := fs.Int("workers", 1, "concurrent workers, each paced at rate/workers")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	f, ok := genOps[*op]
	if !ok || *rate < 0 || *workers < 1 || *d <= 0 {
		fmt.Fprintf(os.Stderr, "gen: bad arguments (op %q, rate %v, workers %d, duration %v)\n", *op, *rate, *workers, *d)
		return 2
	}
	r := generate(f, *rate, *d, *workers)
	r.Op = *op
	if err := writeGenResult(os.Stdout, r); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		return 1
	}
	return 0
}

func writeGenResult(w io.Writer, r GenResult) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// parseGenResult reads the last JSON line of a `bench gen` output.
func parseGenResult(out []byte) (GenResult, error) {
	var r GenResult
	lines := genLines(out)
	if len(lines) == 0 {
		return r, fmt.Errorf("gen printed nothing")
	}
	if err := json.Unmarshal(lines[len(lines)-1], &r); err != nil {
		return r, fmt.Errorf("gen result: %w", err)
	}
	return r, nil
}

func genLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		if line := genTrim(b[:i]); len(line) > 0 {
			out = append(out, line)
		}
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return out
}

func genTrim(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// generate runs f on workers goroutines for d, paced at rate in total.
func generate(f func() error, rate float64, d time.Duration, workers int) GenResult {
	var ops, errs atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := pacer{rate: rate / float64(workers), tick: genTick}
			var done, failed int64
			limit := int64(genChunk)
			for {
				now := time.Now()
				if !now.Before(deadline) {
					break
				}
				n, sleep := p.next(now.Sub(start), done, limit)
				if n == 0 {
					time.Sleep(sleep)
					continue
				}
				for range n {
					if f() != nil {
						failed++
					}
				}
				done += n
				limit = chunkFor(n, time.Since(now))
			}
			ops.Add(done)
			errs.Add(failed)
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	return GenResult{Workers: workers, Target: rate, Ops: ops.Load(), Errors: errs.Load(), Seconds: el, Rate: float64(ops.Load()) / el}
}

// pacer is the schedule of one worker: by elapsed time t since the start,
// floor(rate*t) operations are due. The schedule is absolute (computed from
// the start, not from the previous batch), so sleeping late or running a
// slow batch never makes the rate drift: the next batch catches up.
type pacer struct {
	rate float64       // operations per second; 0: unthrottled
	tick time.Duration // least sleep between batches
}

// next says how many operations to run now (at most limit), given the
// elapsed time and the operations done so far, or, when none is due, how
// long to sleep: until the next operation is due, and at least one tick.
func (p pacer) next(elapsed time.Duration, done, limit int64) (int64, time.Duration) {
	if p.rate <= 0 {
		return limit, 0
	}
	owed := int64(p.rate*elapsed.Seconds()) - done
	if owed > 0 {
		return min(owed, limit), 0
	}
	// Operation number done+1 is due at (done+1)/rate seconds.
	due := time.Duration(float64(done+1) / p.rate * float64(time.Second))
	return 0, max(due-elapsed, p.tick)
}

// chunkFor is the batch limit after a batch of n operations took took: as
// many as fit in one tick, between 1 and genChunk.
func chunkFor(n int64, took time.Duration) int64 {
	if took <= 0 {
		return genChunk
	}
	return min(max(n*int64(genTick)/int64(took), 1), genChunk)
}
