package exporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/otel"
	"google.golang.org/grpc"

	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// otlpSink is an in-process OTLP logs receiver, over gRPC or HTTP, that
// can be stopped and restarted on the same address, made to hang, or made
// to reject records (partial success).
type otlpSink struct {
	plogotlp.UnimplementedGRPCServer
	t     testing.TB
	proto string
	addr  string

	mu       sync.Mutex
	requests int
	logs     []plog.Logs
	reject   int64         // records rejected per request (partial success)
	hang     chan struct{} // when set, requests block until it is closed
	stopFn   func()
}

func newOTLPSink(t *testing.T, proto string) *otlpSink {
	s := &otlpSink{t: t, proto: proto}
	s.start("127.0.0.1:0")
	t.Cleanup(s.stop)
	return s
}

// endpoint returns the address OTLPConfig.Endpoint takes for the sink.
func (s *otlpSink) endpoint() string {
	if s.proto == OTLPProtocolHTTP {
		return "http://" + s.addr
	}
	return s.addr
}

func (s *otlpSink) start(addr string) {
	s.t.Helper()
	var l net.Listener
	var err error
	for range 50 { // the port of a stopped sink may take a moment to free
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	s.addr = l.Addr().String()
	var stop func()
	switch s.proto {
	case OTLPProtocolGRPC:
		srv := grpc.NewServer()
		plogotlp.RegisterGRPCServer(srv, s)
		go func() { _ = srv.Serve(l) }()
		stop = srv.Stop
	default:
		srv := &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(l) }()
		stop = func() { _ = srv.Close() }
	}
	s.mu.Lock()
	s.stopFn = stop
	s.mu.Unlock()
}

func (s *otlpSink) stop() {
	s.mu.Lock()
	stop := s.stopFn
	s.stopFn = nil
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
}

func (s *otlpSink) restart() { s.start(s.addr) }

// Export receives one gRPC request.
func (s *otlpSink) Export(ctx context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	return s.accept(ctx, req), nil
}

func (s *otlpSink) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/logs" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		http.Error(w, "content type "+ct, http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := plogotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp := s.accept(r.Context(), req)
	b, err := resp.MarshalProto()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(b)
}

func (s *otlpSink) accept(ctx context.Context, req plogotlp.ExportRequest) plogotlp.ExportResponse {
	s.mu.Lock()
	hang := s.hang
	s.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-ctx.Done():
		}
	}
	ld := plog.NewLogs()
	req.Logs().CopyTo(ld)
	resp := plogotlp.NewExportResponse()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.logs = append(s.logs, ld)
	if s.reject > 0 {
		resp.PartialSuccess().SetRejectedLogRecords(s.reject)
		resp.PartialSuccess().SetErrorMessage("test rejection")
	}
	return resp
}

// otlpSunkRecord is one received record with its resource and scope.
type otlpSunkRecord struct {
	res   pcommon.Map
	scope pcommon.InstrumentationScope
	rec   plog.LogRecord
}

func (s *otlpSink) records() []otlpSunkRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []otlpSunkRecord
	for _, ld := range s.logs {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					out = append(out, otlpSunkRecord{res: rl.Resource().Attributes(), scope: sl.Scope(), rec: lr})
				}
			}
		}
	}
	return out
}

func (s *otlpSink) count() int { return len(s.records()) }

// otlpWaitFor polls cond until it holds or the timeout ends.
func otlpWaitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func otlpOutCount(m *Metrics, result string) int {
	return int(testutil.ToFloat64(m.outRecords.WithLabelValues(otlpOutputName, result)))
}

func otlpDropCount(m *Metrics, reason string) int {
	return int(testutil.ToFloat64(m.detDropped.WithLabelValues(otlpOutputName, reason)))
}

func otlpTestLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(otlpTestWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type otlpTestWriter struct{ t *testing.T }

func (w otlpTestWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func otlpTestDetection(i int) *Detection {
	return &Detection{
		Detection: rules.Detection{
			Rule: &rules.Rule{Name: "Terminal Shell", Desc: "shell with a tty", Priority: rulefile.PriorityCritical,
				Source: "syscall", Tags: []string{"container", "mitre_execution", "T1059"}},
			Time:         time.Date(2026, 3, 1, 5, 28, 17, 622953272+i, time.UTC),
			Output:       "A shell was spawned in a container with an attached terminal (user=root process=sh)",
			OutputFields: map[string]any{"proc.name": "sh", "proc.tty": uint64(34816), "proc.aname[2]": nil},
		},
		Event: map[string]any{
			"evt.type": "execve", "proc.pid": int64(4242 + i), "proc.name": "sh", "proc.exepath": "/bin/sh",
			"proc.tty": uint64(34816), "user.name": "root", "container.id": "ee97d9c4186f",
			"container.image.repository": "docker.io/library/alpine", "k8s.ns.name": "default", "k8s.pod.name": "kubecon",
		},
	}
}

func newTestOTLP(t *testing.T, cfg OTLPConfig) (*OTLPOutput, *Metrics) {
	t.Helper()
	m := NewMetrics("test", "abc")
	o, err := NewOTLPOutput(context.Background(), cfg, m, otlpTestLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = o.Close(ctx)
	})
	return o, m
}

var otlpProtocols = []string{OTLPProtocolGRPC, OTLPProtocolHTTP}

func TestOTLPDelivery(t *testing.T) {
	for _, proto := range otlpProtocols {
		t.Run(proto, func(t *testing.T) {
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=ci,host.name=from-env")
			sink := newOTLPSink(t, proto)
			o, m := newTestOTLP(t, OTLPConfig{
				Endpoint: sink.endpoint(), Protocol: proto, Insecure: true, Timeout: 2 * time.Second,
				ExportInterval: 20 * time.Millisecond, QueueSize: 16,
				Resource: map[string]string{"service.version": "1.2.3", "host.name": "node-a"},
			})
			d := otlpTestDetection(0)
			if err := o.Write(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			otlpWaitFor(t, 5*time.Second, "the record at the sink", func() bool { return sink.count() == 1 })
			otlpWaitFor(t, time.Second, "the sent count", func() bool { return otlpOutCount(m, "sent") == 1 })

			got := sink.records()[0]
			lr := got.rec
			if lr.EventName() != "vigil.detection" {
				t.Errorf("event name %q", lr.EventName())
			}
			if lr.SeverityNumber() != plog.SeverityNumberError2 || lr.SeverityText() != "Critical" {
				t.Errorf("severity %v %q", lr.SeverityNumber(), lr.SeverityText())
			}
			if lr.Body().Str() != d.Output {
				t.Errorf("body %q", lr.Body().Str())
			}
			if !lr.Timestamp().AsTime().Equal(d.Time) {
				t.Errorf("timestamp %v, want %v", lr.Timestamp().AsTime(), d.Time)
			}
			if lr.ObservedTimestamp() == 0 {
				t.Error("no observed timestamp")
			}
			attrs := lr.Attributes().AsRaw()
			for k, want := range map[string]any{
				"security_rule.name": "Terminal Shell", "vigil.rule.priority": "critical", "vigil.rule.source": "syscall",
				"process.pid": int64(4242), "process.executable.path": "/bin/sh", "process.interactive": true,
				"container.id": "ee97d9c4186f", "container.image.name": "docker.io/library/alpine",
				"k8s.namespace.name": "default", "k8s.pod.name": "kubecon",
			} {
				if attrs[k] != want {
					t.Errorf("attribute %s = %#v, want %#v", k, attrs[k], want)
				}
			}
			if tags, _ := attrs["vigil.rule.tags"].([]any); len(tags) != 3 || tags[2] != "T1059" {
				t.Errorf("tags %#v", attrs["vigil.rule.tags"])
			}
			of, _ := attrs["vigil.output_fields"].(map[string]any)
			if of["proc.name"] != "sh" || of["proc.tty"] != int64(34816) {
				t.Errorf("output fields %#v", attrs["vigil.output_fields"])
			}
			if v, ok := of["proc.aname[2]"]; !ok || v != nil {
				t.Errorf("missing output field: %#v, present %v; want an empty value", v, ok)
			}
			if uid, _ := attrs["log.record.uid"].(string); len(uid) != 36 {
				t.Errorf("log.record.uid %q", uid)
			}
			res := got.res.AsRaw()
			for k, want := range map[string]any{
				"service.name": "vigil", "service.version": "1.2.3", "host.name": "node-a",
				"deployment.environment.name": "ci", "os.type": "linux",
			} {
				if res[k] != want {
					t.Errorf("resource %s = %#v, want %#v", k, res[k], want)
				}
			}
			if id, _ := res["service.instance.id"].(string); len(id) != 36 {
				t.Errorf("service.instance.id %q", id)
			}
			if got.scope.Name() != "github.com/vigilsec/vigil/exporter" || got.scope.Version() != "1.2.3" {
				t.Errorf("scope %q %q", got.scope.Name(), got.scope.Version())
			}
			if n := otlpOutCount(m, "failed"); n != 0 {
				t.Errorf("%d failed", n)
			}
			if n := testutil.CollectAndCount(m.sendDuration); n != 1 {
				t.Errorf("%d send duration series", n)
			}
			if ts := testutil.ToFloat64(m.lastSuccess.WithLabelValues(otlpOutputName)); ts < float64(time.Now().Add(-time.Minute).Unix()) {
				t.Errorf("last success %v", ts)
			}
			if err := o.Healthy(); err != nil {
				t.Error(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := o.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOTLPEnvConfig leaves Endpoint and Protocol empty: the standard
// environment variables choose them.
func TestOTLPEnvConfig(t *testing.T) {
	sink := newOTLPSink(t, OTLPProtocolGRPC)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	t.Setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://"+sink.addr)
	o, m := newTestOTLP(t, OTLPConfig{Timeout: 2 * time.Second, ExportInterval: 20 * time.Millisecond})
	if err := o.Write(context.Background(), otlpTestDetection(0)); err != nil {
		t.Fatal(err)
	}
	otlpWaitFor(t, 5*time.Second, "the record at the sink", func() bool { return sink.count() == 1 })
	otlpWaitFor(t, time.Second, "the sent count", func() bool { return otlpOutCount(m, "sent") == 1 })
}

// TestOTLPEndpointDown starts with nothing listening: no error from the
// constructor, every record counted as failed, Close returns.
func TestOTLPEndpointDown(t *testing.T) {
	for _, proto := range otlpProtocols {
		t.Run(proto, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close()
			if proto == OTLPProtocolHTTP {
				addr = "http://" + addr
			}
			o, m := newTestOTLP(t, OTLPConfig{Endpoint: addr, Protocol: proto, Insecure: true,
				Timeout: 200 * time.Millisecond, ExportInterval: 10 * time.Millisecond, QueueSize: 8})
			for i := range 5 {
				if err := o.Write(context.Background(), otlpTestDetection(i)); err != nil {
					t.Fatal(err)
				}
			}
			otlpWaitFor(t, 5*time.Second, "5 failed records", func() bool { return otlpOutCount(m, "failed") == 5 })
			if n := otlpOutCount(m, "sent"); n != 0 {
				t.Errorf("%d sent", n)
			}
			if err := o.Healthy(); err == nil {
				t.Error("healthy with the endpoint down")
			}
			if ts := testutil.ToFloat64(m.lastSuccess.WithLabelValues(otlpOutputName)); ts != 0 {
				t.Errorf("last success %v", ts)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := o.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOTLPSinkRestart takes the receiver away mid-run and brings it back
// on the same address: records sent meanwhile fail and are counted, later
// ones arrive.
func TestOTLPSinkRestart(t *testing.T) {
	for _, proto := range otlpProtocols {
		t.Run(proto, func(t *testing.T) {
			sink := newOTLPSink(t, proto)
			o, m := newTestOTLP(t, OTLPConfig{Endpoint: sink.endpoint(), Protocol: proto, Insecure: true,
				Timeout: 300 * time.Millisecond, ExportInterval: 10 * time.Millisecond, QueueSize: 8})
			written := 0
			write := func() {
				t.Helper()
				if err := o.Write(context.Background(), otlpTestDetection(written)); err != nil {
					t.Fatal(err)
				}
				written++
			}
			write()
			otlpWaitFor(t, 5*time.Second, "the first record", func() bool { return otlpOutCount(m, "sent") == 1 })

			sink.stop()
			for range 3 {
				write()
			}
			otlpWaitFor(t, 5*time.Second, "3 failed records", func() bool { return otlpOutCount(m, "failed") == 3 })
			if o.Healthy() == nil {
				t.Error("healthy with the sink gone")
			}

			sink.restart()
			before := sink.count()
			// gRPC reconnects after its backoff: keep writing until a
			// record gets through.
			otlpWaitFor(t, 15*time.Second, "a record after the restart", func() bool {
				write()
				time.Sleep(50 * time.Millisecond)
				return sink.count() > before
			})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := o.Close(ctx); err != nil {
				t.Logf("close: %v", err) // records written during the reconnect may still fail
			}
			sent, failed := otlpOutCount(m, "sent"), otlpOutCount(m, "failed")
			if sent+failed+otlpDropCount(m, "shutdown") != written {
				t.Errorf("sent %d + failed %d + dropped %d != written %d", sent, failed, otlpDropCount(m, "shutdown"), written)
			}
			if sent < 2 || failed < 3 {
				t.Errorf("sent %d failed %d", sent, failed)
			}
			if got := sink.count(); got != sent {
				t.Errorf("sink holds %d records, %d counted sent", got, sent)
			}
			t.Logf("written %d, sent %d, failed %d", written, sent, failed)
		})
	}
}

// otlpCaptureSDKLog routes the OpenTelemetry SDK's internal log, where the
// BatchProcessor reports records it overwrote, to the returned buffer for
// the duration of the test.
func otlpCaptureSDKLog(t *testing.T) func() string {
	var mu sync.Mutex
	var b strings.Builder
	otel.SetLogger(funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		b.WriteString(prefix + " " + args + "\n")
	}, funcr.Options{Verbosity: 8}))
	t.Cleanup(func() { otel.SetLogger(funcr.New(func(string, string) {}, funcr.Options{})) })
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return b.String()
	}
}

// TestOTLPQueueOverflow fills a tiny pipeline against a receiver that
// hangs: Write drops and counts what does not fit, the SDK never drops
// anything itself, and every record is accounted for.
func TestOTLPQueueOverflow(t *testing.T) {
	sdkLog := otlpCaptureSDKLog(t)
	sink := newOTLPSink(t, OTLPProtocolGRPC)
	hang := make(chan struct{})
	sink.mu.Lock()
	sink.hang = hang
	sink.mu.Unlock()
	const queue = 4
	o, m := newTestOTLP(t, OTLPConfig{Endpoint: sink.endpoint(), Protocol: OTLPProtocolGRPC, Insecure: true,
		Timeout: 5 * time.Second, ExportInterval: 10 * time.Millisecond, QueueSize: queue})
	o.wait = 20 * time.Millisecond // how long Write waits for a slot; Timeout would make the test slow

	var full int
	for i := range 10 {
		err := o.Write(context.Background(), otlpTestDetection(i))
		switch {
		case errors.Is(err, ErrOTLPQueueFull):
			full++
		case err != nil:
			t.Fatal(err)
		}
		o.acct.Lock()
		pending := o.pending
		o.acct.Unlock()
		if pending > queue {
			t.Fatalf("%d records in flight, bound %d", pending, queue)
		}
	}
	if full != 10-queue {
		t.Errorf("%d writes refused, want %d", full, 10-queue)
	}
	if n := otlpDropCount(m, "queue_full"); n != full {
		t.Errorf("queue_full drops %d, want %d", n, full)
	}
	close(hang)
	otlpWaitFor(t, 5*time.Second, "the queued records", func() bool { return otlpOutCount(m, "sent") == queue })
	// Room again once the export ended.
	if err := o.Write(context.Background(), otlpTestDetection(10)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := o.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if sent, failed := otlpOutCount(m, "sent"), otlpOutCount(m, "failed"); sent != queue+1 || failed != 0 {
		t.Errorf("sent %d failed %d", sent, failed)
	}
	if n := sink.count(); n != queue+1 {
		t.Errorf("sink got %d records", n)
	}
	if s := sdkLog(); strings.Contains(s, "dropped") {
		t.Errorf("the SDK dropped records:\n%s", s)
	}
}

// TestOTLPCloseDeadline closes while the receiver hangs: Close gives up at
// its deadline and counts what was never exported as dropped.
func TestOTLPCloseDeadline(t *testing.T) {
	sink := newOTLPSink(t, OTLPProtocolHTTP)
	hang := make(chan struct{})
	defer close(hang)
	sink.mu.Lock()
	sink.hang = hang
	sink.mu.Unlock()
	o, m := newTestOTLP(t, OTLPConfig{Endpoint: sink.endpoint(), Protocol: OTLPProtocolHTTP,
		Timeout: 5 * time.Second, ExportInterval: time.Hour, QueueSize: 100})
	for i := range 3 {
		if err := o.Write(context.Background(), otlpTestDetection(i)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := o.Close(ctx)
	if err == nil {
		t.Fatal("close reported nothing lost")
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("close took %v past its 200ms deadline", took)
	}
	if n := otlpDropCount(m, "shutdown"); n != 3 {
		t.Errorf("shutdown drops %d, want 3 (close: %v)", n, err)
	}
	if err := o.Write(context.Background(), otlpTestDetection(9)); !errors.Is(err, ErrOTLPClosed) {
		t.Errorf("write after close: %v", err)
	}
	if n := otlpDropCount(m, "shutdown"); n != 4 {
		t.Errorf("shutdown drops %d after a late write, want 4", n)
	}
	if err := o.Close(context.Background()); err != nil {
		t.Errorf("second close: %v", err)
	}
	if s, f := otlpOutCount(m, "sent"), otlpOutCount(m, "failed"); s != 0 || f != 0 {
		t.Errorf("sent %d failed %d after abandoning", s, f)
	}
}

// TestOTLPPartialSuccess has the receiver reject one record of a request
// of three: the rejected record counts as failed, the others as sent.
func TestOTLPPartialSuccess(t *testing.T) {
	for _, proto := range otlpProtocols {
		t.Run(proto, func(t *testing.T) {
			sink := newOTLPSink(t, proto)
			sink.mu.Lock()
			sink.reject = 1
			sink.mu.Unlock()
			// No export before Close: the three records go in one request.
			o, m := newTestOTLP(t, OTLPConfig{Endpoint: sink.endpoint(), Protocol: proto, Insecure: true,
				Timeout: 2 * time.Second, ExportInterval: time.Hour})
			for i := range 3 {
				if err := o.Write(context.Background(), otlpTestDetection(i)); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := o.Close(ctx); err == nil || !strings.Contains(err.Error(), "1 records failed") {
				t.Errorf("close: %v, want the rejected record reported", err)
			}
			sink.mu.Lock()
			reqs := sink.requests
			sink.mu.Unlock()
			if reqs != 1 {
				t.Fatalf("%d requests, want 1", reqs)
			}
			if s, f := otlpOutCount(m, "sent"), otlpOutCount(m, "failed"); s != 2 || f != 1 {
				t.Errorf("sent %d failed %d, want 2 and 1", s, f)
			}
			if err := o.Healthy(); err != nil {
				t.Errorf("a partly delivered export reported unhealthy: %v", err)
			}
		})
	}
}

func TestOTLPConfigErrors(t *testing.T) {
	m := NewMetrics("test", "abc")
	for _, cfg := range []OTLPConfig{
		{Protocol: "http/json"},
		{Protocol: "grpc", Endpoint: "ftp://collector:4317"},
	} {
		if _, err := NewOTLPOutput(context.Background(), cfg, m, slog.New(slog.DiscardHandler)); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift")
	if _, err := NewOTLPOutput(context.Background(), OTLPConfig{}, m, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("bad protocol in the environment: no error")
	}
}

func TestOTLPEndpoint(t *testing.T) {
	tests := []struct {
		in, host, path string
		plaintext, err bool
	}{
		{in: ""},
		{in: "collector:4317", host: "collector:4317"},
		{in: "127.0.0.1:4318", host: "127.0.0.1:4318"},
		{in: "http://collector:4318", host: "collector:4318", plaintext: true},
		{in: "http://collector:4318/custom/logs", host: "collector:4318", path: "/custom/logs", plaintext: true},
		{in: "https://collector.example:443", host: "collector.example:443"},
		{in: "unix:///run/otel.sock", err: true},
	}
	for _, tt := range tests {
		host, path, plain, err := otlpEndpoint(tt.in)
		if (err != nil) != tt.err || host != tt.host || path != tt.path || plain != tt.plaintext {
			t.Errorf("otlpEndpoint(%q) = %q %q %v %v", tt.in, host, path, plain, err)
		}
	}
}

// PartialSuccess mimics the exporters' internal partial-success error,
// which partialRejected reads by its type name and RejectedItems field.
type PartialSuccess struct {
	ErrorMessage  string
	RejectedItems int64
}

func (p PartialSuccess) Error() string { return "partial success: " + p.ErrorMessage }

// TestPartialRejected checks the error shapes the exporters return.
func TestPartialRejected(t *testing.T) {
	p := func(n int64) error { return PartialSuccess{RejectedItems: n} }
	tests := []struct {
		name string
		err  error
		n    int64
		ok   bool
	}{
		{"nil", nil, 0, false},
		{"transport", errors.New("unavailable"), 0, false},
		{"partial", p(2), 2, true},
		{"pointer", &PartialSuccess{RejectedItems: 4}, 4, true},
		{"nil pointer", (*PartialSuccess)(nil), 0, false},
		{"joined", errors.Join(p(1)), 1, true},
		{"two partials", errors.Join(p(1), p(2)), 3, true},
		{"wrapped", fmt.Errorf("export: %w", p(3)), 3, true},
		{"with a failure", errors.Join(p(1), errors.New("unavailable")), 0, false},
		{"retry wrapping", fmt.Errorf("%w: %w", context.DeadlineExceeded, p(1)), 0, false},
	}
	for _, tt := range tests {
		n, ok := partialRejected(tt.err)
		if n != tt.n || ok != tt.ok {
			t.Errorf("%s: got %d %v, want %d %v", tt.name, n, ok, tt.n, tt.ok)
		}
	}
}

// BenchmarkOTLPWrite measures Write (mapping, record id, hand-over to the
// SDK) with the SDK exporting to an in-process gRPC receiver.
func BenchmarkOTLPWrite(b *testing.B) {
	sink := &otlpSink{t: b, proto: OTLPProtocolGRPC}
	sink.start("127.0.0.1:0")
	defer sink.stop()
	m := NewMetrics("test", "abc")
	o, err := NewOTLPOutput(context.Background(), OTLPConfig{Endpoint: sink.endpoint(), Protocol: OTLPProtocolGRPC,
		Insecure: true, Timeout: 5 * time.Second}, m, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	d := otlpTestDetection(0)
	b.ReportAllocs()
	for b.Loop() {
		if err := o.Write(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := o.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	if sent := otlpOutCount(m, "sent"); sent != b.N {
		b.Fatalf("sent %d of %d", sent, b.N)
	}
}
