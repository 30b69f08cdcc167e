package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// agent is a `vigil run` child process.
type agent struct {
	cmd     *exec.Cmd
	addr    string // metrics address
	mu      sync.Mutex
	lines   []string // stdout lines
	stderr  strings.Builder
	stdoutC chan string
	done    chan error
}

// startAgent starts the test binary as `vigil ARGS...` with metrics on a
// free loopback port, and waits until /readyz answers 200.
func startAgent(t *testing.T, args ...string) *agent {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	a := &agent{addr: addr, stdoutC: make(chan string, 1024), done: make(chan error, 1)}
	a.cmd = exec.Command(os.Args[0], append(args, "--web.listen-address", addr)...)
	a.cmd.Env = append(os.Environ(), runMainEnv+"=1")
	a.cmd.Stderr = &lockedWriter{b: &a.stderr, mu: &a.mu}
	out, err := a.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			a.mu.Lock()
			a.lines = append(a.lines, sc.Text())
			a.mu.Unlock()
			select {
			case a.stdoutC <- sc.Text():
			default:
			}
		}
		a.done <- a.cmd.Wait()
	}()
	t.Cleanup(func() {
		if a.cmd.ProcessState == nil {
			a.cmd.Process.Kill()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return a
			}
		}
		select {
		case err := <-a.done:
			t.Fatalf("agent exited before it was ready: %v\n%s", err, a.stderrText())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("agent not ready after 30s:\n%s", a.stderrText())
	return nil
}

type lockedWriter struct {
	b  *strings.Builder
	mu *sync.Mutex
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (a *agent) stderrText() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stderr.String()
}

// detection is the part of a Falco JSON alert the tests look at.
type detection struct {
	Rule     string         `json:"rule"`
	Priority string         `json:"priority"`
	Output   string         `json:"output"`
	Source   string         `json:"source"`
	Fields   map[string]any `json:"output_fields"`
	Hostname string         `json:"hostname"`
}

// waitDetection waits for a detection of rule on stdout that satisfies ok.
func (a *agent) waitDetection(t *testing.T, rule string, ok func(d detection) bool) detection {
	t.Helper()
	deadline := time.After(20 * time.Second)
	check := func(line string) (detection, bool) {
		var d detection
		if json.Unmarshal([]byte(line), &d) != nil || d.Rule != rule {
			return d, false
		}
		return d, ok(d)
	}
	a.mu.Lock()
	seen := append([]string(nil), a.lines...)
	a.mu.Unlock()
	for _, l := range seen {
		if d, ok := check(l); ok {
			return d
		}
	}
	for {
		select {
		case l := <-a.stdoutC:
			if d, ok := check(l); ok {
				return d
			}
		case <-deadline:
			a.mu.Lock()
			defer a.mu.Unlock()
			t.Fatalf("no %q detection within 20s; stdout:\n%s\nstderr:\n%s", rule, strings.Join(a.lines, "\n"), a.stderr.String())
		}
	}
}

// metric returns the value of the sample whose line starts with series on
// /metrics, or -1.
func (a *agent) metric(t *testing.T, series string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + a.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			var v float64
			fmt.Sscan(rest, &v)
			return v
		}
	}
	return -1
}

// stop sends SIGTERM and waits for a clean exit.
func (a *agent) stop(t *testing.T) {
	t.Helper()
	a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-a.done:
		if err != nil {
			t.Fatalf("agent exit: %v\n%s", err, a.stderrText())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("agent did not stop within 20s of SIGTERM")
	}
}

const e2eRules = `
- rule: E2E Marker Read
  desc: a test process opened the marker file
  condition: evt.type in (open, openat, openat2) and fd.name startswith %q and evt.is_open_read = true
  output: marker read (file=%%fd.name process=%%proc.name cmdline=%%proc.cmdline parent=%%proc.pname user=%%user.name)
  priority: CRITICAL
  tags: [test, mitre_discovery]
- rule: E2E Marker Exec
  desc: the marker program ran
  condition: evt.type in (execve, execveat) and proc.args contains %q
  output: marker exec (process=%%proc.name args=%%proc.args parent=%%proc.pname)
  priority: NOTICE
`

// TestAgentEndToEnd runs the agent against the real kernel with a test
// rules file, performs real actions, and checks the JSON detections, the
// per-rule counter on /metrics, a hot reload through SIGHUP with a broken
// file, and a clean SIGTERM shutdown. A capture recorded at the same time
// and replayed must give the same detections.
func TestAgentEndToEnd(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	mdir := filepath.Join(dir, "m") // only the test's actions touch it
	if err := os.Mkdir(mdir, 0o700); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(mdir, "marker")
	if err := os.WriteFile(marker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tag := "e2e-" + filepath.Base(dir)
	rulesFile := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rulesFile, []byte(fmt.Sprintf(e2eRules, mdir+"/", tag)), 0o600); err != nil {
		t.Fatal(err)
	}
	captureFile := filepath.Join(dir, "live.vcap")

	sink := newGRPCSink(t)
	a := startAgent(t, "run", "--rules", rulesFile, "--rules.watch-interval", "0s",
		"--otlp.endpoint", sink.addr, "--otlp.protocol", "grpc", "--otlp.insecure", "--otlp.min-priority", "critical")
	capCmd := exec.Command(os.Args[0], "capture", "-o", captureFile, "--rules", rulesFile)
	capCmd.Env = append(os.Environ(), runMainEnv+"=1")
	var capErr strings.Builder
	capCmd.Stderr = &capErr
	if err := capCmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if capCmd.ProcessState == nil {
			capCmd.Process.Kill()
		}
	})
	time.Sleep(2 * time.Second) // the capture's probe attaches

	if got := a.metric(t, `vigil_rule_matches_total{priority="critical",rule="E2E Marker Read",source="syscall"}`); got != 0 {
		t.Fatalf("matches before any action: %v, want a 0 series", got)
	}
	if out, err := exec.Command("/bin/sh", "-c", "cat "+marker+" >/dev/null; /bin/true "+tag).CombinedOutput(); err != nil {
		t.Fatalf("actions: %v %s", err, out)
	}

	d := a.waitDetection(t, "E2E Marker Read", func(d detection) bool { return d.Fields["proc.name"] == "cat" })
	if d.Priority != "Critical" || d.Source != "syscall" || d.Fields["fd.name"] != marker || d.Fields["proc.pname"] != "sh" ||
		d.Fields["proc.cmdline"] != "cat "+marker || d.Fields["user.name"] != "root" {
		t.Errorf("read detection %+v", d)
	}
	x := a.waitDetection(t, "E2E Marker Exec", func(d detection) bool { return d.Fields["proc.name"] == "true" })
	if x.Priority != "Notice" || x.Fields["proc.args"] != tag {
		t.Errorf("exec detection %+v", x)
	}
	deadline := time.Now().Add(5 * time.Second)
	for a.metric(t, `vigil_rule_matches_total{priority="critical",rule="E2E Marker Read",source="syscall"}`) < 1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if got := a.metric(t, `vigil_rule_matches_total{priority="critical",rule="E2E Marker Read",source="syscall"}`); got < 1 {
		t.Errorf("vigil_rule_matches_total for the rule = %v after a detection", got)
	}

	promtoolCheck(t, a)

	// The same detection as an OTLP log record (the notice-level exec one
	// is below --otlp.min-priority).
	r := sink.wait(t, func(r plog.LogRecord) bool {
		v, ok := r.Attributes().Get("security_rule.name")
		return ok && v.Str() == "E2E Marker Read"
	})
	if r.rec.EventName() != "vigil.detection" || r.rec.SeverityNumber() != plog.SeverityNumberError2 || r.rec.SeverityText() != "Critical" {
		t.Errorf("OTLP record event %q severity %v %q", r.rec.EventName(), r.rec.SeverityNumber(), r.rec.SeverityText())
	}
	attrs := r.rec.Attributes().AsRaw()
	if attrs["file.path"] != marker || attrs["process.executable.name"] != "cat" || attrs["process.user.name"] != "root" ||
		attrs["vigil.rule.priority"] != "critical" || !strings.Contains(r.rec.Body().Str(), "marker read") {
		t.Errorf("OTLP attributes %v body %q", attrs, r.rec.Body().Str())
	}
	if sn, _ := r.res.Resource().Attributes().Get("service.name"); sn.Str() != "vigil" {
		t.Errorf("OTLP resource %v", r.res.Resource().Attributes().AsRaw())
	}
	if got := a.metric(t, `vigil_output_records_total{output="otlp",result="sent"}`); got < 1 {
		t.Errorf("otlp sent = %v", got)
	}
	sink.mu.Lock()
	for _, x := range sink.recs {
		if v, _ := x.rec.Attributes().Get("security_rule.name"); v.Str() == "E2E Marker Exec" {
			t.Error("a notice detection passed --otlp.min-priority critical")
		}
	}
	sink.mu.Unlock()

	// A broken rules file on SIGHUP: the old rules keep matching.
	if err := os.WriteFile(rulesFile, []byte("- rule: broken\n  condition: (\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a.cmd.Process.Signal(syscall.SIGHUP)
	a.waitDetection(t, "Vigil Rules Reload Failed", func(detection) bool { return true })
	if got := a.metric(t, "vigil_config_last_reload_successful"); got != 0 {
		t.Errorf("vigil_config_last_reload_successful = %v after a broken reload", got)
	}
	if out, err := exec.Command("/bin/sh", "-c", "cat "+marker+" >/dev/null; head -c1 "+marker+" >/dev/null").CombinedOutput(); err != nil {
		t.Fatalf("actions: %v %s", err, out)
	}
	a.waitDetection(t, "E2E Marker Read", func(d detection) bool { return d.Fields["proc.name"] == "head" })

	time.Sleep(500 * time.Millisecond) // let the capture read the last records
	capCmd.Process.Signal(syscall.SIGTERM)
	if err := capCmd.Wait(); err != nil {
		t.Fatalf("capture: %v\n%s", err, capErr.String())
	}
	a.stop(t)

	// Replay: the same detections for the marker, no root needed.
	if err := os.WriteFile(rulesFile, []byte(fmt.Sprintf(e2eRules, mdir+"/", tag)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "run", "--replay", captureFile, "--rules", rulesFile, "--web.listen-address", "127.0.0.1:0")
	if code != 0 {
		t.Fatalf("replay exit %d: %s", code, stderr)
	}
	key := func(line string) string {
		var d detection
		if json.Unmarshal([]byte(line), &d) != nil || !strings.HasPrefix(d.Rule, "E2E") {
			return ""
		}
		return fmt.Sprintf("%s|%s|%v|%v|%v", d.Rule, d.Priority, d.Fields["proc.name"], d.Fields["fd.name"], d.Fields["proc.pname"])
	}
	var live, replay []string
	a.mu.Lock()
	for _, l := range a.lines {
		if k := key(l); k != "" {
			live = append(live, k)
		}
	}
	a.mu.Unlock()
	for _, l := range strings.Split(stdout, "\n") {
		if k := key(l); k != "" {
			replay = append(replay, k)
		}
	}
	if strings.Join(live, "\n") != strings.Join(replay, "\n") {
		t.Errorf("replay differs from the live run\nlive:\n%s\nreplay:\n%s", strings.Join(live, "\n"), strings.Join(replay, "\n"))
	}
}

// promtoolCheck lints the agent's /metrics with `promtool check metrics`
// (Debian's prometheus package; .ci/run installs it).
func promtoolCheck(t *testing.T, a *agent) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("VIGIL_REQUIRE_BPF") == "1" {
			t.Error("promtool not installed (apt-get install prometheus); CI must lint /metrics")
		} else {
			t.Log("promtool not installed: /metrics lint skipped")
		}
		return
	}
	resp, err := http.Get("http://" + a.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = resp.Body
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
