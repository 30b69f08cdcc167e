package exporter

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

const testRules = `
- rule: Shadow Read
  desc: reads of /etc/shadow
  condition: evt.type = openat and fd.name = /etc/shadow
  output: "shadow read by %proc.name (file=%fd.name parent=%proc.pname)"
  priority: CRITICAL
  tags: [filesystem, mitre_credential_access, T1003]
- rule: Exec Seen
  desc: any exec
  condition: evt.type = execve and proc.name exists
  output: "exec %proc.name"
  priority: INFO
`

func loadTestRules(t *testing.T, text string) *rules.Ruleset {
	t.Helper()
	rs, problems := rules.Load(fields.NewRegistry(), rules.Options{}, rulefile.Source{Name: "test.yaml", Data: []byte(text)})
	for _, p := range problems {
		if p.Severity == rulefile.SeverityError {
			t.Fatalf("load: %s", p)
		}
	}
	return rs
}

func TestFalcoJSON(t *testing.T) {
	rs := loadTestRules(t, testRules)
	ev, err := fields.NewMapEvent(fields.NewRegistry(), mustType(t, "openat"), map[string]string{
		"fd.name": "/etc/shadow", "proc.name": "cat",
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rs.Lookup("Shadow Read")
	d := r.Detect(ev, time.Date(2026, 11, 23, 8, 0, 0, 123, time.UTC))
	line, err := AppendFalcoJSON(nil, &d, "node-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(line), "\n") || strings.Count(string(line), "\n") != 1 {
		t.Fatalf("not one line: %q", line)
	}
	var got map[string]any
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"time":     "2026-11-23T08:00:00.000000123Z",
		"rule":     "Shadow Read",
		"priority": "Critical",
		"output":   "2026-11-23T08:00:00.000000123Z: Critical shadow read by cat (file=/etc/shadow parent=<NA>)",
		"source":   "syscall",
		"hostname": "node-1",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	of := got["output_fields"].(map[string]any)
	if of["proc.name"] != "cat" || of["fd.name"] != "/etc/shadow" {
		t.Errorf("output_fields %v", of)
	}
	if v, ok := of["proc.pname"]; !ok || v != nil {
		t.Errorf("missing field must be null, got %v (present %v)", v, ok)
	}
	tags := got["tags"].([]any)
	if len(tags) != 3 {
		t.Errorf("tags %v", tags)
	}
}

func mustType(t *testing.T, name string) fields.EventType {
	t.Helper()
	et, ok := fields.LookupEventType(name)
	if !ok {
		t.Fatalf("no event type %s", name)
	}
	return et
}

func TestRuleSeriesPreinitialisedAndRemoved(t *testing.T) {
	m := NewMetrics("test", "abc")
	m.SetRules(loadTestRules(t, testRules))
	const name = "vigil_rule_matches_total"
	if n := testutil.CollectAndCount(m.ruleMatches, name); n != 2 {
		t.Fatalf("%d match series, want 2 (pre-initialised)", n)
	}
	if v := testutil.ToFloat64(m.ruleMatches.WithLabelValues("Shadow Read", "critical", "syscall")); v != 0 {
		t.Fatalf("initial value %v", v)
	}
	m.Match(loadTestRules(t, testRules).Lookup("Shadow Read"))
	if v := testutil.ToFloat64(m.ruleMatches.WithLabelValues("Shadow Read", "critical", "syscall")); v != 1 {
		t.Fatalf("after match %v", v)
	}
	info := testutil.ToFloat64(m.ruleInfo.WithLabelValues("Shadow Read", "critical", "syscall", ",T1003,filesystem,mitre_credential_access,", "credential_access"))
	if info != 1 {
		t.Fatalf("rule_info %v", info)
	}

	// Reload with only the second rule: the first rule's series go away.
	only := testRules[strings.Index(testRules, "- rule: Exec Seen"):]
	m.SetRules(loadTestRules(t, only))
	if n := testutil.CollectAndCount(m.ruleMatches, name); n != 1 {
		t.Fatalf("%d match series after reload, want 1", n)
	}
	if n := testutil.CollectAndCount(m.ruleInfo, "vigil_rule_info"); n != 1 {
		t.Fatalf("%d info series after reload, want 1", n)
	}
}

func TestMetricsLint(t *testing.T) {
	m := NewMetrics("test", "abc")
	m.SetRules(loadTestRules(t, testRules))
	m.Registry.MustRegister(NewCounterFunc("vigil_test_total", "A test counter.", []string{"kind"},
		func(emit func(float64, ...string)) { emit(3, "a") }))
	problems, err := testutil.GatherAndLint(m.Registry)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "vigil_") {
			t.Errorf("lint %s: %s", p.Metric, p.Text)
		}
	}
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(`# HELP vigil_test_total A test counter.
# TYPE vigil_test_total counter
vigil_test_total{kind="a"} 3
`), "vigil_test_total"); err != nil {
		t.Fatal(err)
	}
}

func TestServerEndpoints(t *testing.T) {
	m := NewMetrics("test", "abc")
	m.SetRules(loadTestRules(t, testRules))
	ready := errors.New("programs not attached")
	srv, err := NewServer("127.0.0.1:0", "", m, func() error { return ready }, "test", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	defer srv.Shutdown(context.Background())
	base := "http://" + srv.Addr().String()
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz %d", code)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "not attached") {
		t.Errorf("/readyz %d %q", code, body)
	}
	ready = nil
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz after ready %d", code)
	}
	code, body := get("/metrics")
	if code != 200 || !strings.Contains(body, `vigil_rule_matches_total{priority="critical",rule="Shadow Read",source="syscall"} 0`) ||
		!strings.Contains(body, "vigil_build_info") {
		t.Errorf("/metrics %d:\n%s", code, body)
	}
	if code, body := get("/"); code != 200 || !strings.Contains(body, "/metrics") {
		t.Errorf("/ %d %q", code, body)
	}
	if code, _ := get("/nope"); code != 404 {
		t.Errorf("/nope %d", code)
	}
}
