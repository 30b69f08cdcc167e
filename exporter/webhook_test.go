package exporter

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// webhookEndpoint is a test receiver answering with a status sequence.
type webhookEndpoint struct {
	srv      *httptest.Server
	attempts atomic.Int64
	statuses []int         // status of attempt i; the last one repeats
	hold     chan struct{} // when set, requests wait for it or for the client to give up
	release  func()        // closes hold, once
	arrived  chan struct{} // receives a value as each request arrives (non-blocking)

	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	methods  []string
	uris     []string
	statusOf atomic.Pointer[[]int] // replaces statuses when set
}

// newWebhookEndpoint starts a receiver answering statuses in turn. With
// held, each request waits until e.release is called (at the latest when
// the test ends) or the client gives up, then answers.
func newWebhookEndpoint(t *testing.T, held bool, statuses ...int) *webhookEndpoint {
	t.Helper()
	if len(statuses) == 0 {
		statuses = []int{http.StatusOK}
	}
	e := &webhookEndpoint{statuses: statuses, arrived: make(chan struct{}, 64), release: func() {}}
	if held {
		e.hold = make(chan struct{})
		e.release = sync.OnceFunc(func() { close(e.hold) })
	}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.srv.Close)
	t.Cleanup(e.release) // runs before srv.Close, which waits for handlers
	return e
}

func (e *webhookEndpoint) serve(w http.ResponseWriter, r *http.Request) {
	n := e.attempts.Add(1)
	body, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	e.bodies = append(e.bodies, body)
	e.headers = append(e.headers, r.Header.Clone())
	e.methods = append(e.methods, r.Method)
	e.uris = append(e.uris, r.RequestURI)
	e.mu.Unlock()
	select {
	case e.arrived <- struct{}{}:
	default:
	}
	if e.hold != nil {
		select {
		case <-r.Context().Done():
		case <-e.hold:
		}
	}
	statuses := e.statuses
	if p := e.statusOf.Load(); p != nil {
		statuses = *p
	}
	status := statuses[min(int(n)-1, len(statuses)-1)]
	if status >= 300 && status < 400 {
		w.Header().Set("Location", "/redirected")
	}
	w.WriteHeader(status)
	if status >= 400 {
		io.WriteString(w, "  something went wrong\n")
	}
}

// setStatus makes every later request answer status.
func (e *webhookEndpoint) setStatus(status int) {
	e.attempts.Store(0)
	e.statusOf.Store(&[]int{status})
}

// newTestWebhook returns a webhook output with a 1ms backoff.
func newTestWebhook(t *testing.T, cfg WebhookConfig) *WebhookOutput {
	t.Helper()
	w, err := NewWebhookOutput(cfg, "node-1", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w.backoff = time.Millisecond
	t.Cleanup(func() { w.Close(context.Background()) })
	return w
}

func TestWebhookDeliversFalcoJSON(t *testing.T) {
	e := newWebhookEndpoint(t, false, http.StatusOK)
	w := newTestWebhook(t, WebhookConfig{
		URL:     e.srv.URL + "/falco?team=sec",
		Headers: map[string]string{"Authorization": "Bearer t0k3n", "x-scope": "prod"},
		Timeout: 2 * time.Second,
	})
	if w.Name() != "http" {
		t.Errorf("Name() = %q", w.Name())
	}
	d := outputTestDetection(t, 3)
	if err := w.Write(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if n := e.attempts.Load(); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	e.mu.Lock()
	body, h, method, uri := e.bodies[0], e.headers[0], e.methods[0], e.uris[0]
	e.mu.Unlock()

	if method != http.MethodPost || uri != "/falco?team=sec" {
		t.Errorf("request %s %s, want POST /falco?team=sec", method, uri)
	}
	for k, want := range map[string]string{
		"Content-Type":  "application/json",
		"User-Agent":    "vigil",
		"Authorization": "Bearer t0k3n",
		"X-Scope":       "prod",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}

	var got, want map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body is not one JSON document: %v\n%s", err, body)
	}
	if err := json.Unmarshal([]byte(falcoLine(t, d)), &want); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(got))
	wantKeys := []string{"hostname", "output", "output_fields", "priority", "rule", "source", "tags", "time"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("keys %v, want %v", keys, wantKeys)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body\n got %v\nwant %v", got, want)
	}
	if got["hostname"] != "node-1" || got["rule"] != "Shadow Read" || got["priority"] != "Critical" {
		t.Errorf("hostname/rule/priority: %v %v %v", got["hostname"], got["rule"], got["priority"])
	}
}

func TestWebhookStatusHandling(t *testing.T) {
	tests := []struct {
		name       string
		statuses   []int
		retries    int
		attempts   int64
		errHas     string // "" = success
		errMissing string // must not be in the error
	}{
		{name: "200", statuses: []int{200}, retries: 2, attempts: 1},
		{name: "204", statuses: []int{204}, retries: 2, attempts: 1},
		{name: "500 retried then fails", statuses: []int{500}, retries: 2, attempts: 3, errHas: "gave up after 3 attempts: status 500"},
		{name: "503 without retries", statuses: []int{503}, retries: 0, attempts: 1, errHas: "status 503", errMissing: "attempts"},
		{name: "500 then 200", statuses: []int{500, 502, 200}, retries: 2, attempts: 3},
		{name: "400 not retried", statuses: []int{400}, retries: 3, attempts: 1, errHas: "status 400 Bad Request", errMissing: "attempts"},
		{name: "404 not retried", statuses: []int{404}, retries: 3, attempts: 1, errHas: "status 404"},
		{name: "429 not retried", statuses: []int{429}, retries: 3, attempts: 1, errHas: "status 429"},
		{name: "redirect not followed", statuses: []int{307}, retries: 3, attempts: 1, errHas: "status 307"},
		{name: "response body quoted", statuses: []int{422}, retries: 0, attempts: 1, errHas: `"something went wrong"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newWebhookEndpoint(t, false, tt.statuses...)
			w := newTestWebhook(t, WebhookConfig{URL: e.srv.URL, Timeout: 2 * time.Second, MaxRetries: tt.retries})
			err := w.Write(context.Background(), outputTestDetection(t, 0))
			if n := e.attempts.Load(); n != tt.attempts {
				t.Errorf("%d attempts, want %d", n, tt.attempts)
			}
			switch {
			case tt.errHas == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)):
				t.Errorf("error %v, want one containing %q", err, tt.errHas)
			case tt.errMissing != "" && err != nil && strings.Contains(err.Error(), tt.errMissing):
				t.Errorf("error %v contains %q", err, tt.errMissing)
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			for _, u := range e.uris {
				if u != "/" {
					t.Errorf("request to %s (followed a redirect?)", u)
				}
			}
		})
	}
}

// countingTransport counts round trips, to see attempts that never reach
// a server.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestWebhookNetworkErrorRetriedAndRedacted(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more: connection refused

	tests := []struct {
		retries  int
		attempts int64
	}{{0, 1}, {2, 3}}
	for _, tt := range tests {
		w := newTestWebhook(t, WebhookConfig{URL: base + "/hooks/SECRET-PATH?token=SECRET-QUERY", Timeout: time.Second, MaxRetries: tt.retries})
		ct := &countingTransport{next: w.client.Transport}
		w.client.Transport = ct
		err := w.Write(context.Background(), outputTestDetection(t, 0))
		if err == nil {
			t.Fatal("write to a closed port succeeded")
		}
		t.Logf("retries %d: %v", tt.retries, err)
		if ct.n.Load() != tt.attempts {
			t.Errorf("retries %d: %d attempts, want %d", tt.retries, ct.n.Load(), tt.attempts)
		}
		if strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), base) {
			t.Errorf("error %q must name %s and nothing of the path or query", err, base)
		}
	}
}

func TestWebhookHangingEndpointTimesOut(t *testing.T) {
	const timeout = 200 * time.Millisecond
	tests := []struct {
		retries  int
		attempts int64
	}{{0, 1}, {1, 2}}
	for _, tt := range tests {
		e := newWebhookEndpoint(t, true)
		w := newTestWebhook(t, WebhookConfig{URL: e.srv.URL, Timeout: timeout, MaxRetries: tt.retries})
		start := time.Now()
		err := w.Write(context.Background(), outputTestDetection(t, 0))
		elapsed := time.Since(start)
		if err == nil {
			t.Fatal("write to a hanging endpoint succeeded")
		}
		t.Logf("retries %d: %v after %v", tt.retries, err, elapsed)
		if n := e.attempts.Load(); n != tt.attempts {
			t.Errorf("retries %d: %d attempts, want %d", tt.retries, n, tt.attempts)
		}
		// Each attempt ends at its timeout; allow generous slack for a
		// loaded machine, far below an unbounded wait.
		lower := time.Duration(tt.attempts) * timeout
		upper := lower + time.Duration(tt.retries)*webhookMaxBackoff + time.Second
		if elapsed < lower || elapsed > upper {
			t.Errorf("retries %d: failed after %v, want %v to %v (%v)", tt.retries, elapsed, lower, upper, err)
		}
	}
}

// TestWebhookDegradedSingleAttempt: after a detection fails all its
// retries, the next ones get one attempt until the endpoint recovers.
func TestWebhookDegradedSingleAttempt(t *testing.T) {
	e := newWebhookEndpoint(t, false, 500)
	w := newTestWebhook(t, WebhookConfig{URL: e.srv.URL, Timeout: time.Second, MaxRetries: 2})
	d := outputTestDetection(t, 0)
	steps := []struct {
		status   int
		attempts int64
		fails    bool
	}{
		{500, 3, true}, // healthy: full retries, then degraded
		{500, 1, true}, // degraded: one attempt
		{500, 1, true},
		{200, 1, false}, // recovers
		{500, 3, true},  // healthy again: full retries
	}
	for i, s := range steps {
		e.setStatus(s.status)
		err := w.Write(context.Background(), d)
		if (err != nil) != s.fails {
			t.Errorf("step %d: error %v, want failure %v", i, err, s.fails)
		}
		if n := e.attempts.Load(); n != s.attempts {
			t.Errorf("step %d: %d attempts, want %d", i, n, s.attempts)
		}
	}
}

func TestWebhookCloseAbortsWrite(t *testing.T) {
	e := newWebhookEndpoint(t, true)
	w := newTestWebhook(t, WebhookConfig{URL: e.srv.URL, Timeout: 30 * time.Second, MaxRetries: 2})
	errc := make(chan error, 1)
	go func() { errc <- w.Write(context.Background(), outputTestDetection(t, 0)) }()
	select {
	case <-e.arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("request never arrived")
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("aborted write reported success")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not abort the write")
	}
	if n := e.attempts.Load(); n != 1 {
		t.Errorf("%d attempts, want 1 (an aborted write is not retried)", n)
	}
	if err := w.Write(context.Background(), outputTestDetection(t, 0)); err == nil {
		t.Error("write after Close succeeded")
	}
	if n := e.attempts.Load(); n != 1 {
		t.Errorf("write after Close reached the endpoint")
	}
}

func TestWebhookConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		cfg    WebhookConfig
		errHas string
	}{
		{"empty url", WebhookConfig{}, "scheme"},
		{"ftp", WebhookConfig{URL: "ftp://example.com/"}, `scheme "ftp"`},
		{"no host", WebhookConfig{URL: "http:///path"}, "no host"},
		{"unparsable keeps secrets out", WebhookConfig{URL: "http://user:SECRET@[::1/x"}, "webhook url"},
		{"negative timeout", WebhookConfig{URL: "http://h/", Timeout: -time.Second}, "negative"},
		{"negative retries", WebhookConfig{URL: "http://h/", MaxRetries: -1}, "max retries -1"},
		{"too many retries", WebhookConfig{URL: "http://h/", MaxRetries: MaxWebhookRetries + 1}, "max retries"},
		{"bad header name", WebhookConfig{URL: "http://h/", Headers: map[string]string{"X Bad": "v"}}, "invalid name"},
		{"empty header name", WebhookConfig{URL: "http://h/", Headers: map[string]string{"": "v"}}, "empty name"},
		{"header injection", WebhookConfig{URL: "http://h/", Headers: map[string]string{"X-A": "v\r\nX-B: w"}}, "line break"},
		{"host header", WebhookConfig{URL: "http://h/", Headers: map[string]string{"host": "other"}}, "set by the client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := NewWebhookOutput(tt.cfg, "node-1", slog.New(slog.DiscardHandler))
			if err == nil {
				w.Close(context.Background())
				t.Fatalf("accepted %+v", tt.cfg)
			}
			if !strings.Contains(err.Error(), tt.errHas) || strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error %q, want one containing %q and no secret", err, tt.errHas)
			}
		})
	}
	w, err := NewWebhookOutput(WebhookConfig{URL: "https://h:8443/x"}, "n", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	if w.client.Timeout != DefaultWebhookTimeout {
		t.Errorf("default timeout %v, want %v", w.client.Timeout, DefaultWebhookTimeout)
	}
}

// TestDispatcherWebhookFailing: a failing, slow webhook with a tiny queue
// loses detections to queue_full and counts failures, and Publish does not
// wait for it.
func TestDispatcherWebhookFailing(t *testing.T) {
	// Requests are held until the detections are published, so that the
	// queue is certainly full.
	e := newWebhookEndpoint(t, true, 500)
	m := NewMetrics("test", "abc")
	disp := NewDispatcher(m, slog.New(slog.DiscardHandler))
	w := newTestWebhook(t, WebhookConfig{URL: e.srv.URL, Timeout: 10 * time.Second, MaxRetries: 1})
	disp.Add(w, OutputConfig{QueueSize: 1})
	disp.Start()

	const n = 50
	d := outputTestDetection(t, 0)
	// The first detection is taken by the output and stuck in its Write;
	// of the rest, one fits in the queue and the others are dropped.
	disp.Publish(d)
	select {
	case <-e.arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("first detection never reached the endpoint")
	}
	published := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		for range n - 1 {
			disp.Publish(d)
		}
		published <- time.Since(start)
	}()
	select {
	case took := <-published:
		t.Logf("%d publishes with the output stuck took %v", n-1, took)
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on a stuck output")
	}
	e.release()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := disp.Close(ctx); err != nil {
		t.Fatal(err)
	}

	dropped := testutil.ToFloat64(m.detDropped.WithLabelValues("http", "queue_full"))
	failed := testutil.ToFloat64(m.outRecords.WithLabelValues("http", "failed"))
	sent := testutil.ToFloat64(m.outRecords.WithLabelValues("http", "sent"))
	t.Logf("dropped %v failed %v sent %v", dropped, failed, sent)
	if dropped != n-2 || failed != 2 || sent != 0 {
		t.Errorf("dropped %v failed %v sent %v, want %d, 2, 0", dropped, failed, sent, n-2)
	}
	// The first failure exhausts its retry, the second is degraded to a
	// single attempt.
	if got := e.attempts.Load(); got != 3 {
		t.Errorf("%d attempts, want 3", got)
	}
	if err := disp.Healthy(); err == nil {
		t.Error("Healthy() = nil after failures")
	}
}
