package main

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPacerNext(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name      string
		rate      float64
		elapsed   time.Duration
		done      int64
		limit     int64
		wantN     int64
		wantSleep time.Duration
	}{
		{"start, first op due in 1ms", 1000, 0, 0, 256, 0, ms},
		{"one op owed", 1000, ms, 0, 256, 1, 0},
		{"behind: owed ops", 1000, 10 * ms, 3, 256, 7, 0},
		{"on schedule: sleep a tick", 1000, 10 * ms, 10, 256, 0, ms},
		{"slow rate: sleep until due", 100, 0, 0, 256, 0, 10 * ms},
		{"slow rate, mid-interval", 100, 25 * ms, 2, 256, 0, 5 * ms},
		{"fast rate: sleep at least a tick", 1e6, 0, 0, 256, 0, ms},
		{"far behind: capped by limit", 1e6, time.Second, 0, 256, 256, 0},
		{"limit shrinks batches", 1000, time.Second, 0, 3, 3, 0},
		{"ahead (done > due)", 1000, 5 * ms, 8, 256, 0, 4 * ms},
		{"unthrottled", 0, 5 * ms, 1e6, 64, 64, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pacer{rate: tt.rate, tick: ms}
			n, sleep := p.next(tt.elapsed, tt.done, tt.limit)
			if n != tt.wantN || sleep != tt.wantSleep {
				t.Errorf("next(%v, %d) = %d, %v; want %d, %v", tt.elapsed, tt.done, n, sleep, tt.wantN, tt.wantSleep)
			}
		})
	}
}

// TestPacerNoDrift simulates a worker whose sleeps overshoot and whose
// operations take time: the absolute schedule must still deliver the rate
// over the run, within one tick's worth of operations.
func TestPacerNoDrift(t *testing.T) {
	tests := []struct {
		name      string
		rate      float64
		overshoot time.Duration // added to every sleep
		opCost    time.Duration
	}{
		{"exact sleeps", 10_000, 0, 0},
		{"late sleeps", 10_000, 300 * time.Microsecond, time.Microsecond},
		{"very late sleeps", 50_000, 2 * time.Millisecond, 2 * time.Microsecond},
		{"slow rate, late", 200, 700 * time.Microsecond, 50 * time.Microsecond},
		{"fractional rate", 333.3, 100 * time.Microsecond, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pacer{rate: tt.rate, tick: genTick}
			var now time.Duration
			var done int64
			limit := int64(genChunk)
			end := 3 * time.Second
			for now < end {
				n, sleep := p.next(now, done, limit)
				if n == 0 {
					now += sleep + tt.overshoot
					continue
				}
				done += n
				now += time.Duration(n) * tt.opCost
			}
			want := tt.rate * end.Seconds()
			slack := tt.rate*(genTick+tt.overshoot).Seconds() + 1
			if got := float64(done); got < want-slack || got > want+slack {
				t.Errorf("done %d ops in %v, want %.0f ± %.0f", done, end, want, slack)
			}
		})
	}
}

func TestChunkFor(t *testing.T) {
	tests := []struct {
		n    int64
		took time.Duration
		want int64
	}{
		{256, 500 * time.Microsecond, genChunk},          // fast ops: full chunk
		{100, 2 * time.Millisecond, 50},                  // 20 µs per op: 50 per tick
		{1, 1300 * time.Microsecond, 1},                  // exec: one at a time
		{4, 0, genChunk},                                 // clock did not move
		{10, 10 * time.Microsecond, genChunk},            // capped
		{genChunk, 10 * time.Millisecond, genChunk / 10}, // slow ops
	}
	for _, tt := range tests {
		if got := chunkFor(tt.n, tt.took); got != tt.want {
			t.Errorf("chunkFor(%d, %v) = %d, want %d", tt.n, tt.took, got, tt.want)
		}
	}
}

func TestGenResultLine(t *testing.T) {
	in := GenResult{Op: "open", Workers: 2, Target: 50000, Ops: 99990, Errors: 1, Seconds: 2.0001, Rate: 49992.5}
	var b bytes.Buffer
	if err := writeGenResult(&b, in); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "\n") != 1 || !strings.HasSuffix(b.String(), "\n") {
		t.Fatalf("want exactly one line, got %q", b.String())
	}
	for _, field := range []string{`"op":"open"`, `"ops":99990`, `"ops_per_s":49992.5`, `"duration_s":2.0001`, `"target_ops_per_s":50000`} {
		if !strings.Contains(b.String(), field) {
			t.Errorf("line %q lacks %s", b.String(), field)
		}
	}
	tests := []struct {
		name    string
		out     string
		wantErr bool
	}{
		{"line alone", b.String(), false},
		{"after noise, CRLF", "warming up\r\n" + strings.TrimSuffix(b.String(), "\n") + "\r\n\n", false},
		{"empty", "", true},
		{"blank lines", "\n  \n", true},
		{"not JSON", "ops=3\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseGenResult([]byte(tt.out))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != in {
				t.Errorf("got %+v, want %+v", got, in)
			}
		})
	}
}

func TestGenerateRate(t *testing.T) {
	tests := []struct {
		rate    float64
		workers int
	}{
		{2000, 1},
		{20000, 2},
	}
	for _, tt := range tests {
		var n atomic.Int64
		d := 500 * time.Millisecond
		r := generate(func() error { n.Add(1); return nil }, tt.rate, d, tt.workers)
		if r.Ops != n.Load() {
			t.Errorf("reported %d ops, did %d", r.Ops, n.Load())
		}
		if r.Seconds < d.Seconds() || r.Seconds > d.Seconds()+0.2 {
			t.Errorf("ran %.3f s, want about %v", r.Seconds, d)
		}
		if r.Rate < 0.9*tt.rate || r.Rate > 1.05*tt.rate {
			t.Errorf("rate %v with %d workers: achieved %.0f/s", tt.rate, tt.workers, r.Rate)
		}
	}
}

func TestGenOpsRun(t *testing.T) {
	r := generate(genOps["open"], 1000, 50*time.Millisecond, 1)
	if r.Ops == 0 || r.Errors != 0 {
		t.Errorf("open: %d ops, %d errors", r.Ops, r.Errors)
	}
	r = generate(genOps["exec"], 100, 50*time.Millisecond, 1)
	if r.Ops == 0 || r.Errors != 0 {
		t.Errorf("exec: %d ops, %d errors", r.Ops, r.Errors)
	}
}

func TestRunGenBadArgs(t *testing.T) {
	for _, args := range [][]string{
		{"-op", "nope", "-duration", "10ms"},
		{"-rate", "-5", "-duration", "10ms"},
		{"-workers", "0", "-duration", "10ms"},
		{"-duration", "0s"},
		{"-bogus"},
	} {
		if rc := runGen(args); rc != 2 {
			t.Errorf("runGen(%q) = %d, want 2", args, rc)
		}
	}
}
