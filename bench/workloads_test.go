package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestWorkloadParseRedisCSV(t *testing.T) {
	fixture, err := os.ReadFile("testdata/overhead/redis_csv.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      string
		want    map[string]float64
		wantErr bool
	}{
		{name: "redis 7 csv with header (real output)", in: string(fixture),
			want: map[string]float64{"SET": 60606.06, "GET": 60150.38}},
		{name: "rps column found by header, not position",
			in:   "\"test\",\"avg_latency_ms\",\"rps\"\n\"SET\",\"0.3\",\"1000.5\"\n",
			want: map[string]float64{"SET": 1000.5}},
		{name: "old format without header", in: "\"SET\",\"81234.56\"\n\"GET\",\"82000.00\"\n",
			want: map[string]float64{"SET": 81234.56, "GET": 82000}},
		{name: "empty", in: "", wantErr: true},
		{name: "header only", in: "\"test\",\"rps\"\n", wantErr: true},
		{name: "rps not a number", in: "\"test\",\"rps\"\n\"SET\",\"fast\"\n", wantErr: true},
		{name: "zero rps", in: "\"test\",\"rps\"\n\"SET\",\"0\"\n", wantErr: true},
		{name: "row shorter than header", in: "\"test\",\"x\",\"rps\"\n\"SET\",\"1\"\n", wantErr: true},
		{name: "not csv", in: "\"SET,1\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRedisCSV(strings.NewReader(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want error, got %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestWorkloadParseStressNG(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		in      string
		want    int64
		wantErr bool
	}{
		{name: "metrics-brief as nobody (real output)", file: "stressng_exec.txt", want: 64},
		{name: "root refused (real output)", file: "stressng_exec_root.txt", wantErr: true},
		{name: "older info: prefix", in: "stress-ng: info:  [1] exec   512   2.29   1.16   1.26   223.98   211.54\n", want: 512},
		{name: "other stressor only", in: "stress-ng: metrc: [1] fork   512   2.29   1.16   1.26   223.98   211.54\n", wantErr: true},
		{name: "zero ops", in: "stress-ng: metrc: [1] exec   0   2.29   1.16   1.26   0   0\n", wantErr: true},
		{name: "header line only", in: "stress-ng: metrc: [1] stressor       bogo ops real time\n", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if tt.file != "" {
				b, err := os.ReadFile("testdata/overhead/" + tt.file)
				if err != nil {
					t.Fatal(err)
				}
				in = string(b)
			}
			got, err := parseStressNGOps(strings.NewReader(in), "exec")
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want error, got %d", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestWorkloadParseLine(t *testing.T) {
	fixture, err := os.ReadFile("testdata/overhead/work_getpid.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		in       string
		wantKind string
		wantOps  int64
		wantErr  bool
	}{
		{name: "real getpid line", in: string(fixture), wantKind: "getpid", wantOps: 1_000_000},
		{name: "last line wins over noise", in: "warming up\n{\"kind\":\"dd\",\"value\":800,\"unit\":\"MB/s\",\"ops\":5,\"seconds\":0.2}\n\n",
			wantKind: "dd", wantOps: 5},
		{name: "with detail", in: `{"kind":"redis","value":7e4,"unit":"req/s","ops":2,"seconds":1,"detail":{"set_rps":1}}`,
			wantKind: "redis", wantOps: 2},
		{name: "empty", in: "", wantErr: true},
		{name: "not json", in: "getpid 83ns", wantErr: true},
		{name: "zero value", in: `{"kind":"getpid","value":0,"seconds":1}`, wantErr: true},
		{name: "no kind", in: `{"value":1,"seconds":1}`, wantErr: true},
		{name: "no time", in: `{"kind":"getpid","value":1}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWorkLine([]byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tt.wantKind || got.Ops != tt.wantOps {
				t.Errorf("got %+v, want kind %s ops %d", got, tt.wantKind, tt.wantOps)
			}
		})
	}
}

// TestWorkloadSubcommand runs `work KIND` through the test binary, as the
// suite does, for the workloads that need no external tool, and the ones
// whose tools are installed.
func TestWorkloadSubcommand(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args     []string
		tool     string
		wantCode int
	}{
		{args: []string{"work", "getpid", "-n", "200000"}},
		{args: []string{"work", "openat", "-n", "20000"}},
		{args: []string{"work", "dd", "-n", "20000"}, tool: "dd"},
		{args: []string{"work", "nope"}, wantCode: 2},
		{args: []string{"work"}, wantCode: 2},
		{args: []string{"work", "getpid", "-bogus"}, wantCode: 2},
		{args: []string{"work", "redis", "-n", "10"}, wantCode: 1}, // no -port
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			if tt.tool != "" {
				requireTool(t, tt.tool)
			}
			cmd := exec.Command(self, tt.args...)
			out, err := cmd.Output()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stdout %q", code, tt.wantCode, out)
			}
			if code != 0 {
				return
			}
			r, err := parseWorkLine(out)
			if err != nil {
				t.Fatal(err)
			}
			w, _ := workloadByKind(tt.args[1])
			if r.Kind != w.Kind || r.Unit != w.Unit || r.Value <= 0 {
				t.Errorf("result %+v for %s", r, w.Kind)
			}
			if w.Kind == "getpid" && (r.Value < 1 || r.Value > 1e6) {
				t.Errorf("getpid %.1f ns/op is not a syscall's cost", r.Value)
			}
		})
	}
}

func TestWorkloadTable(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range workloads {
		if seen[w.Kind] {
			t.Errorf("workload %s twice", w.Kind)
		}
		seen[w.Kind] = true
		if w.N <= w.QuickN || w.QuickN <= 0 || w.Unit == "" || w.What == "" {
			t.Errorf("workload %s: sizes %d/%d, unit %q", w.Kind, w.N, w.QuickN, w.Unit)
		}
		if strings.HasPrefix(w.Unit, "ns/") == w.HigherBetter {
			t.Errorf("workload %s: unit %s with higher-better %t", w.Kind, w.Unit, w.HigherBetter)
		}
	}
}
