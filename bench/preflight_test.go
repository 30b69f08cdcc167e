package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/preflight", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPreflightParseBpftool(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		in        string
		parse     func([]byte) (int, []string, error)
		wantN     int
		wantTypes []string // distinct types in order of first appearance
		wantErr   bool
	}{
		{name: "prog none (real)", file: "prog_none.json", parse: progs, wantN: 0},
		{name: "prog: vigil and bpftrace attached (real)", file: "prog_vigil_bpftrace.json", parse: progs,
			wantN: 26, wantTypes: []string{"tracing", "tracepoint"}},
		{name: "prog: foreign vigil mid-attach (real)", file: "prog_foreign_vigil_attaching.json", parse: progs,
			wantN: 25, wantTypes: []string{"tracepoint", "tracing"}},
		{name: "prog: cgroup program with pids", parse: progs,
			in:    `[{"id":7,"type":"cgroup_device","name":"sd_devices","tag":"ab","gpl_compatible":true,"uid":0,"pids":[{"pid":1,"comm":"systemd"}]}]`,
			wantN: 1, wantTypes: []string{"cgroup_device"}},
		{name: "prog: not json", in: "Error: can't get next program", parse: progs, wantErr: true},
		{name: "prog: object, not array", in: `{"error":"x"}`, parse: progs, wantErr: true},
		{name: "prog: entry without type", in: `[{"id":3}]`, parse: progs, wantErr: true},
		{name: "link none (real)", file: "link_none.json", parse: links, wantN: 0},
		{name: "link: vigil (real)", file: "link_vigil_bpftrace.json", parse: links,
			wantN: 11, wantTypes: []string{"raw_tracepoint", "perf_event"}},
		{name: "link: foreign vigil mid-attach (real)", file: "link_foreign_vigil_attaching.json", parse: links,
			wantN: 4, wantTypes: []string{"raw_tracepoint"}},
		{name: "link: cgroup", parse: links, in: `[{"id":1,"type":"cgroup","prog_id":7,"cgroup_id":1,"attach_type":"cgroup_device"}]`,
			wantN: 1, wantTypes: []string{"cgroup"}},
		{name: "link: bad", in: `[{"id":0,"type":""}]`, parse: links, wantErr: true},
		{name: "perf: vigil and bpftrace (real)", file: "perf_vigil_bpftrace.json", parse: perfs,
			wantN: 12, wantTypes: []string{"tracepoint", "raw_tracepoint"}},
		{name: "perf: empty", in: "[]\n", parse: perfs, wantN: 0},
		{name: "perf: truncated", in: `[{"pid":1,`, parse: perfs, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			if tt.file != "" {
				in = readFixture(t, tt.file)
			}
			n, types, err := tt.parse(in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want error, got %d entries", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.wantN || strings.Join(types, ",") != strings.Join(tt.wantTypes, ",") {
				t.Errorf("got %d entries of %v, want %d of %v", n, types, tt.wantN, tt.wantTypes)
			}
		})
	}
}

func progs(b []byte) (int, []string, error) {
	p, err := parseBPFPrograms(b)
	var ts []string
	for _, x := range p {
		ts = appendNew(ts, x.Type)
	}
	return len(p), ts, err
}

func links(b []byte) (int, []string, error) {
	l, err := parseBPFLinks(b)
	var ts []string
	for _, x := range l {
		ts = appendNew(ts, x.Type)
	}
	return len(l), ts, err
}

func perfs(b []byte) (int, []string, error) {
	l, err := parseBPFPerf(b)
	var ts []string
	for _, x := range l {
		ts = appendNew(ts, x.FDType)
	}
	return len(l), ts, err
}

func appendNew(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

func TestPreflightParseLoadavg(t *testing.T) {
	tests := []struct {
		in      string
		want    LoadAvg
		wantErr bool
	}{
		{in: "0.21 0.19 0.45 2/101 25845\n", want: LoadAvg{One: 0.21, Five: 0.19, Fifteen: 0.45, Runnable: 2, Tasks: 101}},
		{in: "12.00 8.50 4.25 17/3000 1", want: LoadAvg{One: 12, Five: 8.5, Fifteen: 4.25, Runnable: 17, Tasks: 3000}},
		{in: "", wantErr: true},
		{in: "0.21 0.19 0.45", wantErr: true},
		{in: "x 0.19 0.45 2/101 1", wantErr: true},
		{in: "0.1 0.19 -1 2/101 1", wantErr: true},
		{in: "0.1 0.19 0.45 2 1", wantErr: true},
		{in: "0.1 0.19 0.45 2/x 1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseLoadavg(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPreflightJudge(t *testing.T) {
	mustProgs := func(file string) []BPFProgram {
		p, err := parseBPFPrograms(readFixture(t, file))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	mustLinks := func(file string) []BPFLink {
		l, err := parseBPFLinks(readFixture(t, file))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	mustPerf := func(file string) []BPFPerf {
		l, err := parseBPFPerf(readFixture(t, file))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	tests := []struct {
		name         string
		p            Preflight
		contaminated bool
		reasons      []string // substrings, one per reason, in order
		warnings     int
	}{
		{name: "clean idle machine", p: Preflight{LoadAvg: &LoadAvg{One: 0.05}}},
		{name: "systemd cgroup programs are normal", p: Preflight{
			Programs: []BPFProgram{{ID: 7, Type: "cgroup_device", Name: "sd_devices"}, {ID: 8, Type: "cgroup_skb", Name: "sd_fw_egress"}},
			Links:    []BPFLink{{ID: 1, Type: "cgroup", ProgID: 7, AttachType: "cgroup_device"}},
		}},
		{name: "bpftool's own pid iterator is not a tracer", p: Preflight{
			Programs: []BPFProgram{{ID: 9, Type: "tracing", Name: "iter", PIDs: []BPFPIDs{{PID: 5, Comm: "bpftool"}}}},
		}},
		{name: "a tracing program named iter owned by someone else is", contaminated: true,
			p:       Preflight{Programs: []BPFProgram{{ID: 9, Type: "tracing", Name: "iter"}}},
			reasons: []string{"1 foreign tracing-type BPF programs loaded (9 tracing iter)"}},
		{name: "foreign vigil mid-attach (real)", contaminated: true,
			p: Preflight{Programs: mustProgs("prog_foreign_vigil_attaching.json"), Links: mustLinks("link_foreign_vigil_attaching.json")},
			reasons: []string{"25 foreign tracing-type BPF programs loaded (19771 tracepoint enter_creat,", "… 19 more",
				"4 foreign tracing links attached (12741 raw_tracepoint prog 19785 on sys_exit,"}},
		{name: "bpftrace and vigil with agents (real)", contaminated: true,
			p: Preflight{Programs: mustProgs("prog_vigil_bpftrace.json"), Links: mustLinks("link_vigil_bpftrace.json"),
				Perf:   mustPerf("perf_vigil_bpftrace.json"),
				Agents: []AgentProc{{PID: 22796, Comm: "bpftrace"}}},
			reasons: []string{"26 foreign tracing-type", "11 foreign tracing links", "12 programs attached through perf events (pid 22796 tracepoint sys_exit",
				"agent running: bpftrace (pid 22796)"}},
		{name: "busy and bpf_stats: warnings, not contamination",
			p: Preflight{LoadAvg: &LoadAvg{One: 1.5}, BPFStats: true}, warnings: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			p.judge()
			if p.Contaminated != tt.contaminated {
				t.Fatalf("contaminated %t, want %t; reasons %q", p.Contaminated, tt.contaminated, p.Reasons)
			}
			if tt.contaminated {
				joined := strings.Join(p.Reasons, "\n")
				for _, r := range tt.reasons {
					if !strings.Contains(joined, r) {
						t.Errorf("reasons %q lack %q", p.Reasons, r)
					}
				}
			} else if len(p.Reasons) != 0 {
				t.Errorf("reasons %q on a clean machine", p.Reasons)
			}
			if len(p.Warnings) != tt.warnings {
				t.Errorf("warnings %q, want %d", p.Warnings, tt.warnings)
			}
			var b bytes.Buffer
			p.markdown(&b)
			md := b.String()
			if tt.contaminated != strings.Contains(md, "**CONTAMINATED**") {
				t.Errorf("markdown verdict wrong:\n%s", md)
			}
		})
	}
}

func TestPreflightFindAgents(t *testing.T) {
	proc := t.TempDir()
	for pid, comm := range map[string]string{"10": "falco", "11": "bash", "12": "bpftrace", "13": "tracee-ebpf", "self": "vigil", "14": "vigil-helper"} {
		if err := os.MkdirAll(filepath.Join(proc, pid), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(proc, pid, "comm"), []byte(comm+"\n"), 0o644)
		os.WriteFile(filepath.Join(proc, pid, "cmdline"), []byte(comm+"\x00-e\x00prog\x00"), 0o644)
	}
	got := findAgents(proc)
	var names []string
	for _, a := range got {
		names = append(names, a.Comm)
		if a.Cmdline != a.Comm+" -e prog" {
			t.Errorf("cmdline %q", a.Cmdline)
		}
	}
	if strings.Join(names, ",") != "falco,bpftrace,tracee-ebpf" {
		t.Errorf("agents %v", names)
	}
}

// TestPreflightLive runs the pre-flight on this machine: it must read the
// load average and, as root with bpftool installed, list BPF state without
// notes.
func TestPreflightLive(t *testing.T) {
	p := RunPreflight(context.Background(), nil)
	if p.LoadAvg == nil || p.LoadAvg.Tasks <= 0 {
		t.Fatalf("load average not read: %+v (notes %q)", p.LoadAvg, p.Notes)
	}
	if os.Geteuid() != 0 {
		return
	}
	if p.Bpftool == "" {
		requireTool(t, "bpftool")
	}
	if len(p.Notes) != 0 {
		t.Errorf("notes as root with bpftool: %q", p.Notes)
	}
	var b bytes.Buffer
	p.markdown(&b)
	if !strings.Contains(b.String(), "BPF programs loaded:") {
		t.Errorf("markdown without BPF listing:\n%s", b.String())
	}
}
