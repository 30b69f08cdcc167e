package prometheus

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

const (
	rulesFile      = "vigil-rules.yaml"
	rulesTestFile  = "vigil-rules.test.yaml"
	goldenMetrics  = "../../dashboards/testdata/metrics.prom"
	amConfig       = "../alertmanager/alertmanager.yml"
	amRoutesTests  = "../alertmanager/routes-test.txt"
	runbooksDoc    = "../../docs/runbooks.md"
	requireEnv     = "VIGIL_REQUIRE_BPF"
	runbookURLBase = "https://github.com/vigilsec/vigil/blob/main/docs/runbooks.md#"
)

// requireTool returns the path of the first of names found on PATH; none
// found skips the test, or fails it under VIGIL_REQUIRE_BPF=1.
func requireTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv(requireEnv) == "1" {
		t.Fatalf("%s not found on PATH and %s=1 (apt-get install prometheus prometheus-alertmanager)", strings.Join(names, " or "), requireEnv)
	}
	t.Skipf("%s not found on PATH (Debian: apt-get install prometheus prometheus-alertmanager; %s=1 makes this a failure)", strings.Join(names, " or "), requireEnv)
	return ""
}

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// ruleFile is the part of a Prometheus rules file the tests read.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Record        string            `yaml:"record"`
	Alert         string            `yaml:"alert"`
	Expr          string            `yaml:"expr"`
	For           string            `yaml:"for"`
	KeepFiringFor string            `yaml:"keep_firing_for"`
	Labels        map[string]string `yaml:"labels"`
	Annotations   map[string]string `yaml:"annotations"`
}

func loadRules(t *testing.T) []rule {
	t.Helper()
	b, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("parse %s: %v", rulesFile, err)
	}
	var rs []rule
	for _, g := range f.Groups {
		rs = append(rs, g.Rules...)
	}
	if len(rs) == 0 {
		t.Fatalf("%s has no rules", rulesFile)
	}
	return rs
}

// golden is the agent's series names -> label names -> values seen.
type golden map[string]map[string]map[string]bool

var (
	goldenTypeLine   = regexp.MustCompile(`^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$`)
	goldenSampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$`)
	goldenLabel      = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// loadGolden reads metrics.prom: every series name the agent exposes
// (histograms as _bucket, _sum and _count) and the labels of each.
func loadGolden(t *testing.T) golden {
	t.Helper()
	f, err := os.Open(goldenMetrics)
	if err != nil {
		t.Fatalf("golden metrics: %v", err)
	}
	defer f.Close()
	g := golden{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := goldenTypeLine.FindStringSubmatch(line); m != nil {
			if m[2] != "histogram" {
				g[m[1]] = map[string]map[string]bool{}
			}
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		m := goldenSampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("golden metrics: unparsable line %q", line)
		}
		if g[m[1]] == nil {
			g[m[1]] = map[string]map[string]bool{}
		}
		for _, l := range goldenLabel.FindAllStringSubmatch(m[2], -1) {
			if g[m[1]][l[1]] == nil {
				g[m[1]][l[1]] = map[string]bool{}
			}
			g[m[1]][l[1]][l[2]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(g) < 10 {
		t.Fatalf("golden metrics: only %d series names parsed", len(g))
	}
	return g
}

// targetLabels are attached by Prometheus to every scraped series.
var targetLabels = map[string]bool{"job": true, "instance": true}

// openLabels take values the golden cannot list (rule names and sources
// come from rules files); priorities are checked against their fixed set.
var openLabels = map[string]bool{"rule": true, "source": true, "priority": true}

// priorities are the values of the priority label (lowercase, as the agent
// writes them).
var priorities = map[string]bool{"emergency": true, "alert": true, "critical": true, "error": true,
	"warning": true, "notice": true, "informational": true, "debug": true}

// simpleAlternation matches a regexp that is a plain a|b|c list.
var simpleAlternation = regexp.MustCompile(`^[a-z_]+(\|[a-z_]+)*$`)

// selectors returns every vector selector of a PromQL expression.
func selectors(expr string) ([]*parser.VectorSelector, error) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	var vs []*parser.VectorSelector
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if v, ok := n.(*parser.VectorSelector); ok {
			vs = append(vs, v)
		}
		return nil
	})
	return vs, nil
}

// checkMetricNames reports every selector of expr that reads a metric the
// agent does not expose, or matches a label the metric does not have.
// records are the recording rules' names (their labels are not checked).
func checkMetricNames(g golden, records map[string]bool, expr string) []string {
	vs, err := selectors(expr)
	if err != nil {
		return []string{fmt.Sprintf("parse: %v", err)}
	}
	var problems []string
	for _, v := range vs {
		name := v.Name
		if name == "" {
			problems = append(problems, fmt.Sprintf("selector %s has no metric name", v))
			continue
		}
		if name == "up" || records[name] {
			continue
		}
		known, ok := g[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("metric %s is not in the golden /metrics", name))
			continue
		}
		for _, m := range v.LabelMatchers {
			if m.Name == "__name__" || targetLabels[m.Name] {
				continue
			}
			values, ok := known[m.Name]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s has no label %q", name, m.Name))
				continue
			}
			// Values of closed label sets must exist; for regexps that are
			// plain alternations, each alternative must.
			var want []string
			switch {
			case m.Type == labels.MatchEqual || m.Type == labels.MatchNotEqual:
				want = []string{m.Value}
			case simpleAlternation.MatchString(m.Value):
				want = strings.Split(m.Value, "|")
			}
			for _, v := range want {
				switch {
				case m.Name == "priority" && !priorities[v]:
					problems = append(problems, fmt.Sprintf("%s: %q is not a priority", name, v))
				case !openLabels[m.Name] && !values[v]:
					problems = append(problems, fmt.Sprintf("%s{%s=%q}: value not in the golden /metrics", name, m.Name, v))
				}
			}
		}
	}
	return problems
}

// TestRulesUseOnlyGoldenMetrics parses every rule expression with the
// PromQL parser and checks its metric names and matcher labels against
// the golden /metrics of the agent.
func TestRulesUseOnlyGoldenMetrics(t *testing.T) {
	g := loadGolden(t)
	rs := loadRules(t)
	records := map[string]bool{}
	for _, r := range rs {
		if r.Record != "" {
			records[r.Record] = true
		}
	}
	used := map[string]bool{}
	for _, r := range rs {
		name := r.Alert + r.Record
		for _, p := range checkMetricNames(g, records, r.Expr) {
			t.Errorf("%s: %s", name, p)
		}
		vs, _ := selectors(r.Expr)
		for _, v := range vs {
			used[v.Name] = true
		}
	}
	// The check itself must catch a wrong name and a wrong label.
	if p := checkMetricNames(g, records, `rate(vigil_rule_match_total[5m])`); len(p) != 1 {
		t.Errorf("misspelled metric not reported: %v", p)
	}
	for _, bad := range []string{
		`vigil_output_queue_length{queue="otlp"}`,
		`vigil_output_records_total{result="failure"}`,
		`vigil_events_dropped_total{stage=~"kernel|user"}`,
		`vigil_rule_matches_total{priority=~"critical|info"}`,
	} {
		if p := checkMetricNames(g, records, bad); len(p) != 1 {
			t.Errorf("%s: want one problem, got %v", bad, p)
		}
	}
	for _, want := range []string{"up", "vigil_rule_matches_total", "vigil_events_dropped_total", "vigil_events_received_total",
		"vigil_config_last_reload_successful", "vigil_output_records_total", "vigil_output_queue_length",
		"vigil_output_queue_capacity", "vigil_detections_dropped_total"} {
		if !used[want] {
			t.Errorf("no rule reads %s", want)
		}
	}
}

// TestAlertConventions checks labels, annotations and runbooks of every
// alert.
func TestAlertConventions(t *testing.T) {
	runbooks, err := os.ReadFile(runbooksDoc)
	if err != nil {
		t.Fatalf("runbooks: %v", err)
	}
	anchors := map[string]bool{}
	for _, line := range strings.Split(string(runbooks), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			anchors[strings.ToLower(strings.TrimSpace(h))] = true
		}
	}
	seen := map[string]bool{}
	for _, r := range loadRules(t) {
		if r.Alert == "" {
			continue
		}
		if !strings.HasPrefix(r.Alert, "Vigil") {
			t.Errorf("alert %s: name must start with Vigil", r.Alert)
		}
		if seen[r.Alert] {
			t.Errorf("alert %s defined twice", r.Alert)
		}
		seen[r.Alert] = true
		if s := r.Labels["severity"]; s != "critical" && s != "warning" && s != "info" {
			t.Errorf("alert %s: severity %q, want critical, warning or info", r.Alert, s)
		}
		for _, a := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("alert %s: no %s annotation", r.Alert, a)
			}
		}
		anchor, ok := strings.CutPrefix(r.Annotations["runbook_url"], runbookURLBase)
		if !ok || anchor != strings.ToLower(r.Alert) {
			t.Errorf("alert %s: runbook_url %q, want %s%s", r.Alert, r.Annotations["runbook_url"], runbookURLBase, strings.ToLower(r.Alert))
		} else if !anchors[anchor] {
			t.Errorf("alert %s: %s has no section \"## %s\"", r.Alert, runbooksDoc, r.Alert)
		}
		// Detection alerts fire on the first match and do not flap.
		if strings.Contains(r.Expr, "vigil_rule_matches_total") {
			if !strings.Contains(r.Expr, "increase(vigil_rule_matches_total") {
				t.Errorf("alert %s: detections must use increase() so a single match fires", r.Alert)
			}
			if (r.For != "" && r.For != "0m" && r.For != "0s") || r.KeepFiringFor == "" {
				t.Errorf("alert %s: for %q keep_firing_for %q, want for 0m and a keep_firing_for", r.Alert, r.For, r.KeepFiringFor)
			}
		}
	}
	if len(seen) < 10 {
		t.Errorf("only %d alerts", len(seen))
	}
}

// unitTests is the part of a promtool test file the tests read.
type unitTests struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name       string `yaml:"name"`
		AlertTests []struct {
			Alertname string           `yaml:"alertname"`
			ExpAlerts []map[string]any `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
		ExprTests []struct {
			Expr string `yaml:"expr"`
		} `yaml:"promql_expr_test"`
	} `yaml:"tests"`
}

// TestEveryAlertHasUnitTests: each alert is expected to fire in one case
// and to stay silent in another; each recording rule has an expression
// test.
func TestEveryAlertHasUnitTests(t *testing.T) {
	b, err := os.ReadFile(rulesTestFile)
	if err != nil {
		t.Fatal(err)
	}
	var ut unitTests
	if err := yaml.Unmarshal(b, &ut); err != nil {
		t.Fatalf("parse %s: %v", rulesTestFile, err)
	}
	if !slices.Equal(ut.RuleFiles, []string{rulesFile}) {
		t.Errorf("%s tests %v, want [%s]", rulesTestFile, ut.RuleFiles, rulesFile)
	}
	fires, silent, exprs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, tc := range ut.Tests {
		for _, a := range tc.AlertTests {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				silent[a.Alertname] = true
			}
		}
		for _, e := range tc.ExprTests {
			exprs[e.Expr] = true
		}
	}
	for _, r := range loadRules(t) {
		switch {
		case r.Alert != "":
			if !fires[r.Alert] {
				t.Errorf("alert %s: no unit test where it fires", r.Alert)
			}
			if !silent[r.Alert] {
				t.Errorf("alert %s: no unit test where it stays silent", r.Alert)
			}
		case !exprs[r.Record]:
			t.Errorf("recording rule %s: no promql_expr_test", r.Record)
		}
	}
}

// TestPromtoolCheckRules runs `promtool check rules`.
func TestPromtoolCheckRules(t *testing.T) {
	promtool := requireTool(t, "promtool")
	out := runTool(t, promtool, "check", "rules", rulesFile)
	want := fmt.Sprintf("SUCCESS: %d rules found", len(loadRules(t)))
	if !strings.Contains(out, want) {
		t.Errorf("promtool check rules: want %q in\n%s", want, out)
	}
}

// TestPromtoolTestRules runs the unit tests of vigil-rules.test.yaml.
func TestPromtoolTestRules(t *testing.T) {
	promtool := requireTool(t, "promtool")
	out := runTool(t, promtool, "test", "rules", rulesTestFile)
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules:\n%s", out)
	}
}

// TestAlertmanagerConfig runs `amtool check-config` on the example.
func TestAlertmanagerConfig(t *testing.T) {
	amtool := requireTool(t, "amtool")
	out := runTool(t, amtool, "check-config", amConfig)
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("amtool check-config:\n%s", out)
	}
}

type routeCase struct {
	line      int
	receivers string
	labels    []string
}

func loadRouteCases(t *testing.T) []routeCase {
	t.Helper()
	b, err := os.ReadFile(amRoutesTests)
	if err != nil {
		t.Fatal(err)
	}
	var cs []routeCase
	for i, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) < 2 {
			t.Fatalf("%s:%d: want <receivers> <label=value>...", amRoutesTests, i+1)
		}
		cs = append(cs, routeCase{line: i + 1, receivers: f[0], labels: f[1:]})
	}
	return cs
}

// TestAlertmanagerRoutes runs every case of routes-test.txt through
// `amtool config routes test`, and requires a case for every alert with
// its severity, sent to a receiver other than the default.
func TestAlertmanagerRoutes(t *testing.T) {
	cases := loadRouteCases(t)
	covered := map[string]bool{}
	for _, c := range cases {
		var name, sev string
		for _, l := range c.labels {
			if v, ok := strings.CutPrefix(l, "alertname="); ok {
				name = v
			}
			if v, ok := strings.CutPrefix(l, "severity="); ok {
				sev = v
			}
		}
		if c.receivers != "default" {
			covered[name+"/"+sev] = true
		}
	}
	for _, r := range loadRules(t) {
		if r.Alert != "" && !covered[r.Alert+"/"+r.Labels["severity"]] {
			t.Errorf("%s: no case routes %s (severity %s) to a receiver", amRoutesTests, r.Alert, r.Labels["severity"])
		}
	}

	amtool := requireTool(t, "amtool")
	for _, c := range cases {
		args := append([]string{"config", "routes", "test", "--config.file=" + amConfig, "--verify.receivers=" + c.receivers}, c.labels...)
		out, err := exec.Command(amtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("%s:%d: want %s: %v\n%s", amRoutesTests, c.line, c.receivers, err, out)
		}
	}
	// A wrong expectation must fail, or the loop above proves nothing.
	args := append([]string{"config", "routes", "test", "--config.file=" + amConfig, "--verify.receivers=nobody"}, cases[0].labels...)
	if err := exec.Command(amtool, args...).Run(); err == nil {
		t.Error("amtool config routes test accepted a wrong receiver")
	}
}
