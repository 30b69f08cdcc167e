package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Report is everything one `make bench` run measured. Its JSON form is the
// machine-readable report; Markdown renders the human one. A section is nil
// when its suite did not run.
type Report struct {
	Started   time.Time       `json:"started"`
	Duration  string          `json:"duration"`
	Machine   Machine         `json:"machine"`
	Preflight *Preflight      `json:"preflight,omitempty"`
	Overhead  *OverheadResult `json:"overhead,omitempty"`
	Drops     *DropCurve      `json:"drops,omitempty"`
	Engine    *EngineResult   `json:"engine,omitempty"`
	Soak      *SoakResult     `json:"soak,omitempty"`
	Targets   []Target        `json:"targets"`
}

// Machine identifies where the numbers come from.
type Machine struct {
	Kernel    string `json:"kernel"`
	CPU       string `json:"cpu"`
	CPUs      int    `json:"cpus"`
	MemoryGiB int    `json:"memory_gib"`
	Go        string `json:"go"`
	Vigil     string `json:"vigil"`
	Commit    string `json:"commit"`
}

// Target is one of the performance issue's targets and whether this run
// met it.
type Target struct {
	What   string `json:"what"`
	Result string `json:"result"`
	Goal   string `json:"goal"`
	Met    bool   `json:"met"`
	// Measured is false when the suite that measures it did not run.
	Measured bool   `json:"measured"`
	Note     string `json:"note,omitempty"`
}

func readMachine(vigil string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		fmt.Sscanf(string(b), "MemTotal: %d kB", &kb)
		m.MemoryGiB = (kb + 1<<19) >> 20
	}
	if out, err := exec.Command(vigil, "version").Output(); err == nil {
		m.Vigil = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
	}
	return m
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Markdown renders the report.
func (r *Report) Markdown() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Vigil benchmark report\n\n")
	fmt.Fprintf(&b, "Run %s, %s. Machine: %s, %d CPUs, %d GiB, Linux %s, %s. Vigil %s (commit %s).\n\n",
		r.Started.UTC().Format(time.RFC3339), r.Duration, r.Machine.CPU, r.Machine.CPUs, r.Machine.MemoryGiB,
		r.Machine.Kernel, r.Machine.Go, r.Machine.Vigil, r.Machine.Commit)
	b.WriteString("Produced by `make bench` (`go run ./bench`); the same numbers are in the JSON report beside this file. " +
		"Every ratio compares arms measured in this run, interleaved round by round; absolute times are not comparable across runs.\n\n")
	b.WriteString("## Targets\n\n| what | result | target | |\n|---|---|---|---|\n")
	for _, t := range r.Targets {
		verdict := "met"
		switch {
		case !t.Measured:
			verdict = "not measured"
		case !t.Met:
			verdict = "**missed**"
		}
		if t.Note != "" {
			verdict += ": " + t.Note
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.What, t.Result, t.Goal, verdict)
	}
	b.WriteString("\n")
	if r.Preflight != nil {
		r.Preflight.markdown(&b)
	}
	if r.Overhead != nil {
		r.Overhead.markdown(&b)
	}
	if r.Drops != nil {
		r.Drops.markdown(&b)
	}
	if r.Engine != nil {
		r.Engine.markdown(&b)
	}
	if r.Soak != nil {
		r.Soak.markdown(&b)
	}
	return b.Bytes()
}
