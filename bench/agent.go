package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/sys/unix"
)

// Process is a program under test started by the suite: an agent arm
// (vigil run, vigil capture, bpftrace) or a server (redis-server).
type Process struct {
	Name    string
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	stderr  *tail
	// Metrics is the address of the agent's /metrics, empty when it has none.
	Metrics string
}

// Start runs argv with stdout discarded (or written to stdout when not
// nil) and stderr kept (last lines, for errors).
func Start(name string, stdout io.Writer, argv ...string) (*Process, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	p := &Process{Name: name, cmd: cmd, done: make(chan struct{}), stderr: &tail{max: 8192}}
	if stdout == nil {
		stdout = io.Discard
	}
	cmd.Stdout, cmd.Stderr = stdout, p.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { p.waitErr = cmd.Wait(); close(p.done) }()
	return p, nil
}

// Pid is the process id of the started program.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the program has exited, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, fmt.Errorf("%s exited: %v: %s", p.Name, p.waitErr, p.stderr.String())
	default:
		return false, nil
	}
}

// Stop sends SIGTERM and waits up to 15 s, then kills the process group.
func (p *Process) Stop() error {
	if ok, _ := p.Exited(); ok {
		return nil
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(15 * time.Second):
		syscall.Kill(-p.Pid(), syscall.SIGKILL)
		<-p.done
		return fmt.Errorf("stop %s: killed after 15s", p.Name)
	}
}

// WaitAttached waits until the process holds at least n BPF links (its
// programs are attached) and, when it serves metrics, /readyz answers 200.
func (p *Process) WaitAttached(ctx context.Context, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		if ok, err := p.Exited(); ok {
			return err
		}
		links := bpfLinks(p.Pid())
		ready := links >= n
		if ready && p.Metrics != "" {
			ready = httpOK("http://" + p.Metrics + "/readyz")
		}
		if ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not attached after 60s (%d BPF links): %s", p.Name, links, p.stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// bpfLinks counts the attachments a process holds: BPF link file
// descriptors, and perf event descriptors with a BPF program attached
// (bpftrace 0.17 attaches tracepoints with PERF_EVENT_IOC_SET_BPF and holds
// no bpf_link; the kernel's task-fd query says whether a program is on it).
func bpfLinks(pid int) int {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		switch target {
		case "anon_inode:bpf_link":
			n++
		case "anon_inode:[perf_event]":
			if fd, err := strconv.Atoi(e.Name()); err == nil && perfHasProgram(pid, fd) {
				n++
			}
		}
	}
	return n
}

// perfHasProgram asks the kernel (BPF_TASK_FD_QUERY) whether the perf event
// descriptor fd of process pid has a BPF program attached.
func perfHasProgram(pid, fd int) bool {
	// struct bpf_attr.task_fd_query: pid, fd, flags, buf_len (u32), buf
	// (u64), prog_id, fd_type (u32), probe_offset, probe_addr (u64).
	var attr struct {
		pid, fd, flags, bufLen uint32
		buf                    uint64
		progID, fdType         uint32
		probeOffset, probeAddr uint64
	}
	attr.pid, attr.fd = uint32(pid), uint32(fd)
	_, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_TASK_FD_QUERY,
		uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	return errno == 0 && attr.progID != 0
}

func httpOK(url string) bool {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Scrape reads the agent's /metrics and returns every sample keyed by its
// series (name{label="value",...} in Prometheus text order).
func (p *Process) Scrape() (map[string]float64, error) {
	if p.Metrics == "" {
		return nil, errors.New("no metrics endpoint")
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + p.Metrics + "/metrics")
	if err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	defer resp.Body.Close()
	return parseMetrics(resp.Body)
}

func parseMetrics(r io.Reader) (map[string]float64, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			var b strings.Builder
			b.WriteString(name)
			if len(m.GetLabel()) > 0 {
				b.WriteByte('{')
				for i, l := range m.GetLabel() {
					if i > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(&b, "%s=%q", l.GetName(), l.GetValue())
				}
				b.WriteByte('}')
			}
			var v float64
			switch {
			case m.Counter != nil:
				v = m.Counter.GetValue()
			case m.Gauge != nil:
				v = m.Gauge.GetValue()
			case m.Untyped != nil:
				v = m.Untyped.GetValue()
			default:
				continue
			}
			out[b.String()] = v
		}
	}
	return out, nil
}

// Sum adds every series of the metric name whose labels contain all of
// match (each `key="value"`).
func Sum(samples map[string]float64, name string, match ...string) float64 {
	var s float64
	for k, v := range samples {
		n, labels, _ := strings.Cut(k, "{")
		if n != name {
			continue
		}
		ok := true
		for _, m := range match {
			if !strings.Contains(labels, m) {
				ok = false
				break
			}
		}
		if ok {
			s += v
		}
	}
	return s
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	sc := bufio.NewScanner(strings.NewReader(string(t.b)))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}
