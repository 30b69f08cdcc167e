package prometheus

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// stackRule is the agent's only rule in the stack test: a critical match
// for any open of a file in the test's marker directory.
const stackRule = `- rule: Stack Marker Opened
  desc: the stack test opened its marker file
  condition: evt.type in (open, openat, openat2) and fd.name startswith %q
  output: stack marker opened (file=%%fd.name process=%%proc.name)
  priority: CRITICAL
  tags: [test]
`

const (
	stackRuleName = "Stack Marker Opened"
	// alertDeadline bounds the time from the marker open to the alert in
	// Alertmanager (1s scrape and evaluation intervals).
	alertDeadline = 60 * time.Second
)

// TestStackEndToEnd runs a live agent, Debian's prometheus with
// vigil-rules.yaml and alertmanager with the example configuration, all on
// loopback. Opening the marker file once must make VigilCriticalDetection
// reach Alertmanager for the security-oncall receiver, and its webhook.
// Then every rule must evaluate without error and every query of
// dashboards/*.json must evaluate against the live data.
func TestStackEndToEnd(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("%s=1 but not running as root", requireEnv)
		}
		t.Skipf("needs root to run the agent's BPF programs (%s=1 makes this a failure)", requireEnv)
	}
	promBin := requireTool(t, "prometheus")
	amBin := requireTool(t, "prometheus-alertmanager", "alertmanager")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	logs := &stackLogs{dir: dir}
	t.Cleanup(func() {
		if t.Failed() {
			logs.dump(t)
		}
	})

	// The agent, built from this tree.
	vigil := filepath.Join(dir, "vigil")
	start := time.Now()
	build := exec.Command(goTool(), "build", "-o", vigil, "./cmd/vigil")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build vigil: %v\n%s", err, out)
	}
	t.Logf("built vigil in %v", time.Since(start).Round(time.Millisecond))

	mdir := filepath.Join(dir, "m")
	if err := os.Mkdir(mdir, 0o700); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(mdir, "marker")
	if err := os.WriteFile(marker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	agentRules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(agentRules, fmt.Appendf(nil, stackRule, mdir+"/"), 0o600); err != nil {
		t.Fatal(err)
	}
	agentAddr := freeAddr(t)
	start = time.Now()
	logs.start(t, "vigil", vigil, "run", "--rules", agentRules, "--rules.watch-interval", "0s", "--web.listen-address", agentAddr)
	waitReady(t, "http://"+agentAddr+"/readyz", 30*time.Second)
	t.Logf("agent ready in %v", time.Since(start).Round(time.Millisecond))

	// Alertmanager with the example configuration, webhooks to a local sink.
	hooks := newWebhookSink(t)
	amCfg, err := os.ReadFile(amConfig)
	if err != nil {
		t.Fatal(err)
	}
	const exampleHook = "http://127.0.0.1:5001"
	if !strings.Contains(string(amCfg), exampleHook) {
		t.Fatalf("%s: no webhook URL %s to redirect", amConfig, exampleHook)
	}
	amFile := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(amFile, []byte(strings.ReplaceAll(string(amCfg), exampleHook, hooks.srv.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	amAddr := freeAddr(t)
	logs.start(t, "alertmanager", amBin, "--config.file="+amFile, "--storage.path="+filepath.Join(dir, "am"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")

	// Prometheus with the shipped rules, 1s scrape and evaluation.
	rulesPath, err := filepath.Abs(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	promCfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
alerting:
  alertmanagers:
    - static_configs: [{targets: [%q]}]
scrape_configs:
  - job_name: vigil
    static_configs: [{targets: [%q]}]
`, rulesPath, amAddr, agentAddr)
	promFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(promFile, []byte(promCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	promAddr := freeAddr(t)
	logs.start(t, "prometheus", promBin, "--config.file="+promFile, "--storage.tsdb.path="+filepath.Join(dir, "prom"),
		"--web.listen-address="+promAddr)
	waitReady(t, "http://"+amAddr+"/-/ready", 30*time.Second)
	waitReady(t, "http://"+promAddr+"/-/ready", 30*time.Second)
	prom := promAPI{base: "http://" + promAddr}

	// The rule's series must be scraped at 0 before the match, as it is on
	// a real agent that has been running for a while.
	selector := fmt.Sprintf(`vigil_rule_matches_total{job="vigil",rule=%q}`, stackRuleName)
	start = time.Now()
	for {
		res, err := prom.query(selector)
		if err == nil && len(res) == 1 && res[0].Value[1] == "0" {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("%s not scraped at 0 within 30s: %v %v", selector, res, err)
		}
		time.Sleep(250 * time.Millisecond)
	}

	if out, err := exec.Command("cat", marker).CombinedOutput(); err != nil {
		t.Fatalf("cat marker: %v %s", err, out)
	}
	opened := time.Now()

	// The alert in Alertmanager, routed to security-oncall.
	var alert amAlert
	for {
		alerts, err := getAlerts("http://" + amAddr)
		if err == nil {
			if i := slices.IndexFunc(alerts, func(a amAlert) bool {
				return a.Labels["alertname"] == "VigilCriticalDetection" && a.Labels["rule"] == stackRuleName
			}); i >= 0 {
				alert = alerts[i]
				break
			}
		}
		if time.Since(opened) > alertDeadline {
			t.Fatalf("VigilCriticalDetection not in Alertmanager %v after the marker open (last error %v, alerts %+v)", alertDeadline, err, alerts)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("VigilCriticalDetection in Alertmanager %v after the open", time.Since(opened).Round(time.Millisecond))
	want := map[string]string{"severity": "critical", "priority": "critical", "source": "syscall", "job": "vigil", "instance": agentAddr}
	for k, v := range want {
		if alert.Labels[k] != v {
			t.Errorf("alert label %s = %q, want %q (labels %v)", k, alert.Labels[k], v, alert.Labels)
		}
	}
	var receivers []string
	for _, r := range alert.Receivers {
		receivers = append(receivers, r.Name)
	}
	if !slices.Equal(receivers, []string{"security-oncall"}) {
		t.Errorf("alert receivers %v, want [security-oncall]", receivers)
	}
	if alert.Status.State != "active" {
		t.Errorf("alert state %q, want active", alert.Status.State)
	}
	if !strings.Contains(alert.Annotations["summary"], stackRuleName) || alert.Annotations["runbook_url"] == "" {
		t.Errorf("alert annotations %v", alert.Annotations)
	}

	// The notification itself, after the route's group_wait.
	n := hooks.wait(t, "/security-oncall", alertDeadline)
	t.Logf("security-oncall webhook %v after the open", time.Since(opened).Round(time.Millisecond))
	if n.Status != "firing" || n.Receiver != "security-oncall" || len(n.Alerts) != 1 ||
		n.Alerts[0].Labels["alertname"] != "VigilCriticalDetection" || n.Alerts[0].Labels["rule"] != stackRuleName {
		t.Errorf("webhook notification %+v", n)
	}

	checkRuleHealth(t, prom)
	// The dashboard check on a known dashboard first: one detection panel
	// with data, one health panel, Grafana variables in both.
	t.Run("dashboards-selfcheck", func(t *testing.T) {
		d := filepath.Join(dir, "dashboards")
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		doc := `{"panels":[{"targets":[{"expr":"sum by (rule) (increase(vigil_rule_matches_total{job=~\"$job\",priority=~\"${priority:regex}\"}[$__range]))"}]},
			{"targets":[{"expr":"max by (instance) (vigil_rules_loaded{instance=~\"$instance\"})"}]}]}`
		if err := os.WriteFile(filepath.Join(d, "selfcheck.json"), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		checkDashboardQueries(t, prom, d)
	})
	t.Run("dashboards", func(t *testing.T) { checkDashboardQueries(t, prom, filepath.Join(root, "dashboards")) })
}

// checkRuleHealth requires every rule of vigil-rules.yaml to be loaded and
// to have evaluated without error against the live agent.
func checkRuleHealth(t *testing.T, prom promAPI) {
	t.Helper()
	var body struct {
		Data struct {
			Groups []struct {
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := getJSON(prom.base+"/api/v1/rules", &body); err != nil {
		t.Fatalf("rules API: %v", err)
	}
	n := 0
	for _, g := range body.Data.Groups {
		for _, r := range g.Rules {
			n++
			if r.Health != "ok" {
				t.Errorf("rule %s: health %q %s", r.Name, r.Health, r.LastError)
			}
		}
	}
	if want := len(loadRules(t)); n != want {
		t.Errorf("prometheus loaded %d rules, want %d", n, want)
	}
}

// goTool is the go command that runs this test.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
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

func waitReady(t *testing.T, u string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready within %v (last: %v)", u, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stackLogs starts the stack's processes with their output in files, kills
// them when the test ends, and prints the end of each file on failure.
type stackLogs struct {
	dir   string
	files []string
}

func (l *stackLogs) start(t *testing.T, name, bin string, args ...string) {
	t.Helper()
	path := filepath.Join(l.dir, name+".log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = l.dir
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	l.files = append(l.files, path)
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		f.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
}

func (l *stackLogs) dump(t *testing.T) {
	for _, p := range l.files {
		b, _ := os.ReadFile(p)
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		t.Logf("--- end of %s:\n%s", filepath.Base(p), b)
	}
}

// promAPI queries Prometheus' HTTP API.
type promAPI struct{ base string }

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// query runs an instant query and returns its vector result; scalars and
// strings come back as one sample without labels.
func (p promAPI) query(q string) ([]promSample, error) {
	var body struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := getJSON(p.base+"/api/v1/query?query="+url.QueryEscape(q), &body); err != nil && body.Status == "" {
		return nil, err
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("%s: %s", body.ErrorType, body.Error)
	}
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body.Data, &data); err != nil {
		return nil, err
	}
	switch data.ResultType {
	case "vector":
		var v []promSample
		err := json.Unmarshal(data.Result, &v)
		return v, err
	case "scalar", "string":
		var s promSample
		err := json.Unmarshal(data.Result, &s.Value)
		return []promSample{s}, err
	}
	return nil, fmt.Errorf("result type %q", data.ResultType)
}

// getJSON decodes the JSON body of a GET into v, also on an error status
// (Prometheus explains errors in the body).
func getJSON(u string, v any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %s: %w", resp.Status, b, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", resp.Status)
	}
	return nil
}

// amAlert is the part of an Alertmanager API v2 alert the test reads.
type amAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Receivers   []struct {
		Name string `json:"name"`
	} `json:"receivers"`
	Status struct {
		State string `json:"state"`
	} `json:"status"`
}

func getAlerts(base string) ([]amAlert, error) {
	var alerts []amAlert
	err := getJSON(base+"/api/v2/alerts", &alerts)
	return alerts, err
}

// webhookSink receives Alertmanager webhook notifications.
type webhookSink struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string][]webhookMsg
	new chan struct{}
}

type webhookMsg struct {
	Receiver string `json:"receiver"`
	Status   string `json:"status"`
	Alerts   []struct {
		Labels map[string]string `json:"labels"`
	} `json:"alerts"`
}

func newWebhookSink(t *testing.T) *webhookSink {
	s := &webhookSink{got: map[string][]webhookMsg{}, new: make(chan struct{}, 1)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m webhookMsg
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.got[r.URL.Path] = append(s.got[r.URL.Path], m)
		s.mu.Unlock()
		select {
		case s.new <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// wait returns the first notification posted to path.
func (s *webhookSink) wait(t *testing.T, path string, timeout time.Duration) webhookMsg {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		msgs := s.got[path]
		s.mu.Unlock()
		if len(msgs) > 0 {
			return msgs[0]
		}
		select {
		case <-s.new:
		case <-deadline:
			s.mu.Lock()
			defer s.mu.Unlock()
			t.Fatalf("no notification on %s within %v; got %+v", path, timeout, s.got)
		}
	}
}
