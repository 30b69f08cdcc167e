package otelcol

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

const (
	// otelcolEnv names the collector binary built from builder-config.yaml.
	otelcolEnv = "VIGIL_OTELCOL"
	// requireEnv=1 makes a missing otelcolEnv a failure instead of a skip.
	requireEnv = "VIGIL_REQUIRE_OTELCOL"

	startTimeout    = 30 * time.Second // collector start to "ready"
	agentTimeout    = 60 * time.Second // one replay run of the agent
	deliveryTimeout = 30 * time.Second // agent exit to the record in the sink
	// settle is how long the test keeps listening after the first record
	// of a run, to catch duplicates (the batch processor flushes every
	// 200ms).
	settle = time.Second

	// readyLine is what the collector logs once every pipeline runs.
	readyLine = "Everything is ready"
	// runAttr is the resource attribute (set through
	// OTEL_RESOURCE_ATTRIBUTES) that tells the agent runs apart.
	runAttr = "vigil.test.run"
)

// TestCollectorForwardsDetections sends the agent's detection of a
// replayed `cat /etc/shadow` through a real collector (otlp receiver ->
// batch -> otlp_http exporter) to an in-process sink, over each OTLP
// protocol the agent speaks, and checks that what arrives is the detection
// the agent printed as JSON, field for field.
func TestCollectorForwardsDetections(t *testing.T) {
	bin := collectorBinary(t)
	sink := newHTTPSink(t)
	col := startCollector(t, bin, sink.url)
	vigil := buildVigil(t)
	capFile := writeShadowCapture(t)

	for _, proto := range []struct{ name, addr string }{
		{"grpc", col.grpcAddr},
		{"http/protobuf", col.httpAddr},
	} {
		t.Run(proto.name, func(t *testing.T) {
			run := "otelcol-" + strings.ReplaceAll(proto.name, "/", "-")
			det := runAgent(t, vigil, capFile, proto.name, proto.addr, run)
			ofRun := func(r sinkRecord) bool {
				v, ok := r.res.Resource().Attributes().Get(runAttr)
				return ok && v.Str() == run
			}
			sink.wait(t, deliveryTimeout, ofRun)
			time.Sleep(settle)
			recs := sink.matching(ofRun)
			if len(recs) != 1 {
				t.Fatalf("%d records of run %s reached the sink, want exactly 1 (the /etc/shadow read)", len(recs), run)
			}
			checkRecord(t, recs[0], det)
		})
	}
}

// collectorBinary returns the collector named by VIGIL_OTELCOL, or skips.
func collectorBinary(t *testing.T) string {
	t.Helper()
	p := os.Getenv(otelcolEnv)
	if p == "" {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("%s=1 but %s is unset", requireEnv, otelcolEnv)
		}
		t.Skipf("%s is unset: run `make e2e-collector`, which builds the collector from builder-config.yaml and runs this test", otelcolEnv)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatalf("%s: %v", otelcolEnv, err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		t.Fatalf("%s=%s is not an executable file", otelcolEnv, p)
	}
	return p
}

// detection is the agent's JSON line for a detection (Falco's format).
type detection struct {
	Time         string         `json:"time"`
	Rule         string         `json:"rule"`
	Priority     string         `json:"priority"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
	Tags         []string       `json:"tags"`
	Hostname     string         `json:"hostname"`
}

// checkRecord compares the record that crossed the collector with the
// detection the agent printed.
func checkRecord(t *testing.T, r sinkRecord, det detection) {
	t.Helper()
	rec := r.rec
	attrs := rec.Attributes()

	if det.Rule != shadowRule || det.Priority != "Warning" || det.OutputFields["fd.name"] != shadowPath {
		t.Fatalf("the agent's own detection is not the expected one: %+v", det)
	}
	if got := rec.EventName(); got != "vigil.detection" {
		t.Errorf("EventName %q, want vigil.detection", got)
	}
	if rec.SeverityNumber() != plog.SeverityNumberWarn || rec.SeverityText() != det.Priority {
		t.Errorf("severity %d %q, want %d (WARN) %q", rec.SeverityNumber(), rec.SeverityText(),
			plog.SeverityNumberWarn, det.Priority)
	}
	if want, err := time.Parse(time.RFC3339Nano, det.Time); err != nil {
		t.Errorf("agent time %q: %v", det.Time, err)
	} else if got := rec.Timestamp().AsTime(); !got.Equal(want) {
		t.Errorf("Timestamp %v, want the detection time %v", got, want)
	}
	// The JSON output is "<time>: <Priority> <rendered output>"; the
	// record's body is the rendered output alone.
	body := rec.Body()
	if body.Type() != pcommon.ValueTypeStr || !strings.Contains(body.Str(), shadowPath) ||
		det.Output != det.Time+": "+det.Priority+" "+body.Str() {
		t.Errorf("body %s %q does not match the agent's output %q", body.Type(), body.AsString(), det.Output)
	}

	for key, want := range map[string]string{
		"security_rule.name":      det.Rule,
		"vigil.rule.priority":     strings.ToLower(det.Priority),
		"file.path":               shadowPath,
		"process.executable.name": shadowProc,
		"vigil.process.cmdline":   shadowProc + " " + shadowPath,
	} {
		if v, ok := attrs.Get(key); !ok || v.Type() != pcommon.ValueTypeStr || v.Str() != want {
			t.Errorf("attribute %s = %v (present %v), want %q", key, v.AsRaw(), ok, want)
		}
	}
	if v, ok := attrs.Get("log.record.uid"); !ok || v.Type() != pcommon.ValueTypeStr || v.Str() == "" {
		t.Errorf("attribute log.record.uid = %v (present %v), want a non-empty string", v.AsRaw(), ok)
	}
	if v, ok := attrs.Get("process.pid"); !ok || v.Type() != pcommon.ValueTypeInt || v.Int() != 101 {
		t.Errorf("attribute process.pid = %v (present %v), want int 101", v.AsRaw(), ok)
	}
	if v, ok := attrs.Get("vigil.rule.tags"); !ok || v.Type() != pcommon.ValueTypeSlice ||
		!reflect.DeepEqual(sliceStrings(v.Slice()), det.Tags) {
		t.Errorf("attribute vigil.rule.tags = %v (present %v), want the slice %q", v.AsRaw(), ok, det.Tags)
	}
	if v, ok := attrs.Get("vigil.output_fields"); !ok || v.Type() != pcommon.ValueTypeMap {
		t.Errorf("attribute vigil.output_fields = %v (present %v), want a map", v.AsRaw(), ok)
	} else {
		if fd, ok := v.Map().Get("fd.name"); !ok || fd.Str() != shadowPath {
			t.Errorf("vigil.output_fields[fd.name] = %v, want %q", fd.AsRaw(), shadowPath)
		}
		if got, want := jsonNormal(t, v.Map().AsRaw()), jsonNormal(t, det.OutputFields); !reflect.DeepEqual(got, want) {
			t.Errorf("vigil.output_fields differ from the agent's output_fields:\n got  %v\n want %v", got, want)
		}
	}

	res := r.res.Resource().Attributes()
	if v, ok := res.Get("service.name"); !ok || v.Str() != "vigil" {
		t.Errorf("resource service.name = %v (present %v), want vigil", v.AsRaw(), ok)
	}
	if v, ok := res.Get("host.name"); !ok || v.Str() != det.Hostname {
		t.Errorf("resource host.name = %v (present %v), want the agent's hostname %q", v.AsRaw(), ok, det.Hostname)
	}
	t.Logf("record through the collector: event %s, severity %d %s, time %v, body %q\n  attributes %v\n  resource %v",
		rec.EventName(), rec.SeverityNumber(), rec.SeverityText(), rec.Timestamp(), body.AsString(),
		attrs.AsRaw(), res.AsRaw())
}

func sliceStrings(s pcommon.Slice) []string {
	out := make([]string, 0, s.Len())
	for i := range s.Len() {
		out = append(out, s.At(i).AsString())
	}
	return out
}

// jsonNormal round-trips v through JSON so that OTLP values (int64, nil
// for an empty value) and decoded JSON (float64, nil) compare equal when
// they encode the same.
func jsonNormal(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// collector is a running collector process.
type collector struct {
	grpcAddr, httpAddr string
}

// startCollector runs the collector with collector.yaml on free loopback
// ports, forwarding to sinkURL, and waits until it is ready. It is stopped
// in t.Cleanup, and its log is printed if the test failed.
func startCollector(t *testing.T, bin, sinkURL string) *collector {
	t.Helper()
	conf, err := filepath.Abs("collector.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// A free port can be taken between its probe and the collector's
	// bind; try again with new ports then.
	for attempt := 1; ; attempt++ {
		c := &collector{grpcAddr: freeAddr(t), httpAddr: freeAddr(t)}
		out := &lockedBuffer{}
		cmd := exec.Command(bin, "--config", "file:"+conf)
		cmd.Env = append(os.Environ(),
			"VIGIL_OTELCOL_GRPC="+c.grpcAddr,
			"VIGIL_OTELCOL_HTTP="+c.httpAddr,
			"VIGIL_OTELCOL_SINK="+sinkURL)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatalf("start collector: %v", err)
		}
		proc := &process{cmd: cmd, done: make(chan struct{})}
		go func() {
			proc.err = cmd.Wait()
			close(proc.done)
		}()
		t.Cleanup(func() {
			proc.stop()
			if t.Failed() {
				t.Logf("collector log (%s):\n%s", bin, out.String())
			}
		})
		err := waitReady(c, out, proc)
		if err == nil {
			t.Logf("collector ready: otlp grpc %s, http %s -> %s", c.grpcAddr, c.httpAddr, sinkURL)
			return c
		}
		if attempt < 3 && strings.Contains(out.String(), "address already in use") {
			t.Logf("collector start attempt %d: %v; retrying on other ports", attempt, err)
			continue
		}
		t.Fatalf("collector not ready: %v\ncollector log:\n%s", err, out.String())
	}
}

// waitReady waits for the collector's ready line and both receiver ports.
func waitReady(c *collector, out *lockedBuffer, proc *process) error {
	deadline := time.After(startTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-proc.done:
			return errors.Join(errors.New("collector exited"), proc.err)
		case <-deadline:
			return errors.New("timed out after " + startTimeout.String())
		case <-tick.C:
		}
		if !strings.Contains(out.String(), readyLine) {
			continue
		}
		if dialable(c.grpcAddr) && dialable(c.httpAddr) {
			return nil
		}
	}
}

func dialable(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// process is a started command; done is closed when it has exited, err
// is then what Wait returned.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// stop asks the process to stop (SIGTERM) and kills it if it has not
// exited within 10s.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// buildVigil builds the agent from this tree.
func buildVigil(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vigil")
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", bin, "github.com/vigilsec/vigil/cmd/vigil")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build vigil: %v\n%s", err, out)
	}
	t.Logf("built vigil in %v", time.Since(start).Round(time.Millisecond))
	return bin
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// runAgent replays capFile through the agent with the OTLP output pointed
// at addr over proto, the resource tagged with run, and returns the one
// detection it printed on standard output.
func runAgent(t *testing.T, vigil, capFile, proto, addr, run string) detection {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), agentTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, vigil, "run", "--replay", capFile,
		"--web.listen-address", "127.0.0.1:0",
		"--otlp.endpoint", addr, "--otlp.protocol", proto, "--otlp.insecure")
	// Only the flags configure OTLP: no OTEL_* variable of the caller.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTEL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "OTEL_RESOURCE_ATTRIBUTES="+runAttr+"="+run)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("vigil run (%s): %v\nstderr:\n%s\nstdout:\n%s", proto, err, stderr.String(), stdout.String())
	}
	t.Logf("vigil replay with OTLP %s to %s took %v", proto, addr, time.Since(start).Round(time.Millisecond))

	var dets []detection
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var d detection
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("agent stdout line is not a JSON detection: %q: %v", sc.Text(), err)
		}
		dets = append(dets, d)
	}
	if len(dets) != 1 {
		t.Fatalf("agent printed %d detections, want 1\nstdout:\n%s\nstderr:\n%s", len(dets), stdout.String(), stderr.String())
	}
	return dets[0]
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// lockedBuffer collects a process's output, written from exec's copying
// goroutines and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
