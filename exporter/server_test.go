package exporter

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vigilsec/vigil/rules"
)

// TestServerWebConfig: an exporter-toolkit web configuration with basic
// auth protects every endpoint; a broken one fails NewServer.
func TestServerWebConfig(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "web.yml")
	if err := os.WriteFile(good, []byte("basic_auth_users:\n  alice: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := NewMetrics("test", "abc")
	srv, err := NewServer("127.0.0.1:0", good, m, func() error { return nil }, "test", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	defer srv.Shutdown(context.Background())
	url := "http://" + srv.Addr().String() + "/metrics"
	for _, tc := range []struct {
		user, pass string
		want       int
	}{{"", "", 401}, {"alice", "wrong", 401}, {"alice", "s3cret", 200}} {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("user %q: status %d, want %d", tc.user, resp.StatusCode, tc.want)
		}
	}

	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("tls_server_config:\n  cert_file: /nonexistent.pem\n  key_file: /nonexistent.key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewServer("127.0.0.1:0", bad, m, func() error { return nil }, "test", slog.New(slog.DiscardHandler)); err == nil ||
		!strings.Contains(err.Error(), "bad.yml") {
		t.Errorf("broken web config: %v", err)
	}
}

// failingOutput fails every write until healed.
type failingOutput struct{ healed chan struct{} }

func (f *failingOutput) Name() string { return "flaky" }
func (f *failingOutput) Write(context.Context, *Detection) error {
	select {
	case <-f.healed:
		return nil
	default:
		return os.ErrDeadlineExceeded
	}
}
func (f *failingOutput) Close(context.Context) error { return nil }

// TestDispatcherOnFailure: OnFailure fires once when a healthy output
// starts failing, not on every failed write, and again after it recovered
// and failed anew; Healthy follows.
func TestDispatcherOnFailure(t *testing.T) {
	m := NewMetrics("test", "abc")
	d := NewDispatcher(m, slog.New(slog.DiscardHandler))
	out := &failingOutput{healed: make(chan struct{})}
	d.Add(out, OutputConfig{})
	calls := make(chan string, 10)
	d.OnFailure = func(name string, err error) { calls <- name }
	d.Start()
	det := &Detection{Detection: testDetection(t)}
	for range 3 {
		d.Publish(det)
	}
	waitFor(t, func() bool { return d.Healthy() != nil })
	close(out.healed)
	d.Publish(det)
	waitFor(t, func() bool { return d.Healthy() == nil })
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(calls)
	var n int
	for name := range calls {
		n++
		if name != "flaky" {
			t.Errorf("OnFailure(%q)", name)
		}
	}
	if n != 1 {
		t.Errorf("OnFailure called %d times for one failure episode, want 1", n)
	}
}

// testDetection is a detection of the test rules' Shadow Read rule.
func testDetection(t *testing.T) rules.Detection {
	t.Helper()
	r := loadTestRules(t, testRules).Lookup("Shadow Read")
	return rules.Detection{Rule: r, Time: time.Now(), Output: "shadow read"}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
