package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Preflight is the state of the machine before any suite runs: foreign BPF
// programs and attachments, the load average, known agents. A run is
// contaminated when someone else's tracing program is attached: it sits on
// the same syscall path as the arms and the baseline alike.
type Preflight struct {
	Time    time.Time `json:"time"`
	LoadAvg *LoadAvg  `json:"load_avg,omitempty"`
	// BPFStats is kernel.bpf_stats_enabled: when on, every program run is
	// timed and every arm pays for it.
	BPFStats bool   `json:"bpf_stats_enabled"`
	Bpftool  string `json:"bpftool,omitempty"`
	// Programs, Links and Perf are bpftool's prog, link and perf listings.
	Programs []BPFProgram `json:"programs"`
	Links    []BPFLink    `json:"links"`
	Perf     []BPFPerf    `json:"perf"`
	Agents   []AgentProc  `json:"agents"`
	// Contaminated is set when a tracing-type program or link, or a known
	// agent, was present; Reasons say which.
	Contaminated bool     `json:"contaminated"`
	Reasons      []string `json:"reasons,omitempty"`
	// Warnings are conditions that make numbers noisier without another
	// tracer on the syscall path (load, bpf_stats); Notes are what could
	// not be checked.
	Warnings []string `json:"warnings,omitempty"`
	Notes    []string `json:"notes,omitempty"`
}

// LoadAvg is /proc/loadavg.
type LoadAvg struct {
	One      float64 `json:"one"`
	Five     float64 `json:"five"`
	Fifteen  float64 `json:"fifteen"`
	Runnable int     `json:"runnable"`
	Tasks    int     `json:"tasks"`
}

// BPFProgram is one entry of `bpftool -j prog show`.
type BPFProgram struct {
	ID       int       `json:"id"`
	Type     string    `json:"type"`
	Name     string    `json:"name,omitempty"`
	Tag      string    `json:"tag,omitempty"`
	LoadedAt int64     `json:"loaded_at,omitempty"`
	UID      int       `json:"uid"`
	PIDs     []BPFPIDs `json:"pids,omitempty"`
}

// BPFPIDs is a process holding a program or link, when bpftool can tell.
type BPFPIDs struct {
	PID  int    `json:"pid"`
	Comm string `json:"comm"`
}

// BPFLink is one entry of `bpftool -j link show`.
type BPFLink struct {
	ID         int       `json:"id"`
	Type       string    `json:"type"`
	ProgID     int       `json:"prog_id"`
	TPName     string    `json:"tp_name,omitempty"`
	AttachType string    `json:"attach_type,omitempty"`
	PIDs       []BPFPIDs `json:"pids,omitempty"`
}

// BPFPerf is one entry of `bpftool -j perf show`: a program attached
// through a perf event (tracepoint, kprobe, uprobe), e.g. by bpftrace.
type BPFPerf struct {
	PID        int    `json:"pid"`
	FD         int    `json:"fd"`
	ProgID     int    `json:"prog_id"`
	FDType     string `json:"fd_type"`
	Tracepoint string `json:"tracepoint,omitempty"`
	Func       string `json:"func,omitempty"`
	Filename   string `json:"filename,omitempty"`
}

// AgentProc is a running process of a known runtime-security or tracing
// agent.
type AgentProc struct {
	PID     int    `json:"pid"`
	Comm    string `json:"comm"`
	Cmdline string `json:"cmdline"`
}

// tracingTypes are program and link types that run on the kernel's event
// paths (syscalls, scheduler, functions): foreign ones tax every arm.
// cgroup, socket, XDP, TC and iterator programs do not.
var tracingTypes = []string{
	"tracing", "raw_tracepoint", "raw_tracepoint_writable", "tracepoint", "kprobe",
	"perf_event", "lsm", "kprobe_multi", "uprobe_multi",
}

// knownAgents are process names of agents that attach tracers.
var knownAgents = []string{"falco", "tetragon", "tracee", "tracee-ebpf", "tracee-rules", "bpftrace", "vigil"}

// loadWarning is the 1-minute load average above which the machine is not
// idle enough for side-by-side ratios (perf-reliability §5.1).
const loadWarning = 0.3

// RunPreflight inspects the machine before the suites run and records it
// in s.Preflight. Nothing here is fatal: what cannot be checked is a note.
func RunPreflight(ctx context.Context, s *Suite) *Preflight {
	p := &Preflight{Time: time.Now()}
	if b, err := os.ReadFile("/proc/loadavg"); err != nil {
		p.Notes = append(p.Notes, "load average: "+err.Error())
	} else if la, err := parseLoadavg(string(b)); err != nil {
		p.Notes = append(p.Notes, err.Error())
	} else {
		p.LoadAvg = &la
	}
	if b, err := os.ReadFile("/proc/sys/kernel/bpf_stats_enabled"); err == nil {
		p.BPFStats = strings.TrimSpace(string(b)) == "1"
	}
	if bpftool, err := lookPath("bpftool"); err != nil {
		p.Notes = append(p.Notes, "bpftool is not installed: foreign BPF programs were not checked")
	} else {
		p.Bpftool = bpftool
		p.readBPF(ctx, bpftool)
	}
	p.Agents = findAgents("/proc")
	p.judge()
	if s != nil {
		s.Preflight = p
		if s.Log != nil {
			s.Log.Info("pre-flight", "contaminated", p.Contaminated, "reasons", strings.Join(p.Reasons, "; "),
				"warnings", strings.Join(p.Warnings, "; "))
		}
	}
	return p
}

func (p *Preflight) readBPF(ctx context.Context, bpftool string) {
	for _, what := range []string{"prog", "link", "perf"} {
		c, cancel := context.WithTimeout(ctx, 15*time.Second)
		out, err := exec.CommandContext(c, bpftool, "-j", what, "show").Output()
		cancel()
		if err != nil {
			p.Notes = append(p.Notes, fmt.Sprintf("bpftool %s show: %v", what, err))
			continue
		}
		switch what {
		case "prog":
			p.Programs, err = parseBPFPrograms(out)
		case "link":
			p.Links, err = parseBPFLinks(out)
		case "perf":
			p.Perf, err = parseBPFPerf(out)
		}
		if err != nil {
			p.Notes = append(p.Notes, err.Error())
		}
	}
}

// judge sets Contaminated, Reasons and Warnings from what was read.
func (p *Preflight) judge() {
	p.Reasons, p.Warnings = nil, nil
	var progs []string
	for _, pr := range p.Programs {
		if isTracing(pr.Type) && !isIterator(pr) {
			progs = append(progs, fmt.Sprintf("%d %s %s", pr.ID, pr.Type, pr.Name))
		}
	}
	if len(progs) > 0 {
		p.Reasons = append(p.Reasons, fmt.Sprintf("%d foreign tracing-type BPF programs loaded (%s)",
			len(progs), abbreviate(progs, 6)))
	}
	var links []string
	for _, l := range p.Links {
		if isTracing(l.Type) {
			s := fmt.Sprintf("%d %s prog %d", l.ID, l.Type, l.ProgID)
			if l.TPName != "" {
				s += " on " + l.TPName
			}
			links = append(links, s)
		}
	}
	if len(links) > 0 {
		p.Reasons = append(p.Reasons, fmt.Sprintf("%d foreign tracing links attached (%s)", len(links), abbreviate(links, 6)))
	}
	var perf []string
	for _, e := range p.Perf {
		perf = append(perf, fmt.Sprintf("pid %d %s %s", e.PID, e.FDType, e.Tracepoint+e.Func+e.Filename))
	}
	if len(perf) > 0 {
		p.Reasons = append(p.Reasons, fmt.Sprintf("%d programs attached through perf events (%s)", len(perf), abbreviate(perf, 6)))
	}
	for _, a := range p.Agents {
		p.Reasons = append(p.Reasons, fmt.Sprintf("agent running: %s (pid %d)", a.Comm, a.PID))
	}
	p.Contaminated = len(p.Reasons) > 0
	if p.LoadAvg != nil && p.LoadAvg.One >= loadWarning {
		p.Warnings = append(p.Warnings, fmt.Sprintf("1-minute load average %.2f ≥ %.1f: the machine was not idle", p.LoadAvg.One, loadWarning))
	}
	if p.BPFStats {
		p.Warnings = append(p.Warnings, "kernel.bpf_stats_enabled=1: every BPF program run is timed, arms pay extra")
	}
}

func isTracing(typ string) bool { return slices.Contains(tracingTypes, typ) }

// isIterator tells bpftool's own pid iterator (a tracing program named
// "iter" it loads to find owners) from a program on an event path.
func isIterator(p BPFProgram) bool {
	return p.Type == "tracing" && p.Name == "iter" &&
		slices.ContainsFunc(p.PIDs, func(x BPFPIDs) bool { return x.Comm == "bpftool" })
}

func abbreviate(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(", … %d more", len(items)-n)
}

// parseBPFPrograms parses `bpftool -j prog show` (a JSON array).
func parseBPFPrograms(b []byte) ([]BPFProgram, error) {
	var out []BPFProgram
	if err := json.Unmarshal(bytes.TrimSpace(b), &out); err != nil {
		return nil, fmt.Errorf("parse bpftool prog show: %w", err)
	}
	for _, p := range out {
		if p.ID <= 0 || p.Type == "" {
			return nil, fmt.Errorf("parse bpftool prog show: entry without id or type: %+v", p)
		}
	}
	return out, nil
}

// parseBPFLinks parses `bpftool -j link show`.
func parseBPFLinks(b []byte) ([]BPFLink, error) {
	var out []BPFLink
	if err := json.Unmarshal(bytes.TrimSpace(b), &out); err != nil {
		return nil, fmt.Errorf("parse bpftool link show: %w", err)
	}
	for _, l := range out {
		if l.ID <= 0 || l.Type == "" {
			return nil, fmt.Errorf("parse bpftool link show: entry without id or type: %+v", l)
		}
	}
	return out, nil
}

// parseBPFPerf parses `bpftool -j perf show`.
func parseBPFPerf(b []byte) ([]BPFPerf, error) {
	var out []BPFPerf
	if err := json.Unmarshal(bytes.TrimSpace(b), &out); err != nil {
		return nil, fmt.Errorf("parse bpftool perf show: %w", err)
	}
	for _, e := range out {
		if e.PID <= 0 || e.ProgID <= 0 {
			return nil, fmt.Errorf("parse bpftool perf show: entry without pid or prog_id: %+v", e)
		}
	}
	return out, nil
}

// parseLoadavg parses /proc/loadavg: "0.21 0.19 0.45 2/101 25845".
func parseLoadavg(s string) (LoadAvg, error) {
	var la LoadAvg
	f := strings.Fields(s)
	if len(f) < 4 {
		return la, fmt.Errorf("parse loadavg %q: %d fields", s, len(f))
	}
	var err error
	for i, dst := range []*float64{&la.One, &la.Five, &la.Fifteen} {
		if *dst, err = strconv.ParseFloat(f[i], 64); err != nil || *dst < 0 {
			return LoadAvg{}, fmt.Errorf("parse loadavg %q: field %d", s, i+1)
		}
	}
	run, tasks, ok := strings.Cut(f[3], "/")
	if la.Runnable, err = strconv.Atoi(run); !ok || err != nil {
		return LoadAvg{}, fmt.Errorf("parse loadavg %q: runnable/tasks", s)
	}
	if la.Tasks, err = strconv.Atoi(tasks); err != nil {
		return LoadAvg{}, fmt.Errorf("parse loadavg %q: runnable/tasks", s)
	}
	return la, nil
}

// findAgents lists processes under procDir whose command name is a known
// agent's.
func findAgents(procDir string) []AgentProc {
	ents, err := os.ReadDir(procDir)
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var out []AgentProc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		comm, err := os.ReadFile(filepath.Join(procDir, e.Name(), "comm"))
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(comm))
		if !slices.Contains(knownAgents, name) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(procDir, e.Name(), "cmdline"))
		out = append(out, AgentProc{PID: pid, Comm: name,
			Cmdline: strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))})
	}
	return out
}

// targets: the pre-flight measures no target of the issue; its verdict
// qualifies the others (see OverheadResult.targets).
func (p *Preflight) targets() []Target { return nil }

func (p *Preflight) markdown(b *bytes.Buffer) {
	b.WriteString("## Pre-flight\n\n")
	if p.Contaminated {
		b.WriteString("**CONTAMINATED**: another tracer was on the machine when the suite started; it taxes every arm, the baseline included, so ratios understate Vigil's own cost and absolute times are inflated.\n\n")
		for _, r := range p.Reasons {
			fmt.Fprintf(b, "- %s\n", r)
		}
		b.WriteString("\n")
	} else {
		b.WriteString("Clean: no foreign tracing-type BPF program, link or perf attachment and no known agent running.\n\n")
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(b, "- warning: %s\n", w)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(b, "- note: %s\n", n)
	}
	if len(p.Warnings)+len(p.Notes) > 0 {
		b.WriteString("\n")
	}
	if la := p.LoadAvg; la != nil {
		fmt.Fprintf(b, "Load average %.2f %.2f %.2f (%d runnable of %d tasks); kernel.bpf_stats_enabled=%t.\n\n",
			la.One, la.Five, la.Fifteen, la.Runnable, la.Tasks, p.BPFStats)
	}
	if p.Bpftool == "" {
		return
	}
	fmt.Fprintf(b, "BPF programs loaded: %d; links: %d; perf-event attachments: %d.\n\n", len(p.Programs), len(p.Links), len(p.Perf))
	if len(p.Programs) > 0 {
		b.WriteString("| prog id | type | name | uid | tracing |\n|---:|---|---|---:|---|\n")
		for _, pr := range p.Programs {
			fmt.Fprintf(b, "| %d | %s | %s | %d | %s |\n", pr.ID, pr.Type, pr.Name, pr.UID, yesNo(isTracing(pr.Type)))
		}
		b.WriteString("\n")
	}
	if len(p.Links) > 0 {
		b.WriteString("| link id | type | prog id | attached to |\n|---:|---|---:|---|\n")
		for _, l := range p.Links {
			fmt.Fprintf(b, "| %d | %s | %d | %s |\n", l.ID, l.Type, l.ProgID, l.TPName+l.AttachType)
		}
		b.WriteString("\n")
	}
	if len(p.Perf) > 0 {
		b.WriteString("| pid | fd | prog id | kind | attached to |\n|---:|---:|---:|---|---|\n")
		for _, e := range p.Perf {
			fmt.Fprintf(b, "| %d | %d | %d | %s | %s |\n", e.PID, e.FD, e.ProgID, e.FDType, e.Tracepoint+e.Func+e.Filename)
		}
		b.WriteString("\n")
	}
	if len(p.Agents) > 0 {
		b.WriteString("| agent pid | name | command line |\n|---:|---|---|\n")
		for _, a := range p.Agents {
			fmt.Fprintf(b, "| %d | %s | `%s` |\n", a.PID, a.Comm, strings.ReplaceAll(a.Cmdline, "|", "/"))
		}
		b.WriteString("\n")
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
