package dashboards

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// goldenPath is the agent's /metrics as cmd/vigil's golden test writes it.
const goldenPath = "testdata/metrics.prom"

// goldenMetric is one metric family of the golden: its type and HELP, and
// every label name with the values the golden shows for it.
type goldenMetric struct {
	name, typ, help string
	labels          map[string][]string
}

// golden is the agent's metric set, by family name.
type golden map[string]*goldenMetric

// targetLabels are added by Prometheus (job, instance) or by relabelling
// and federation (cluster), never by the agent.
var targetLabels = []string{"cluster", "job", "instance"}

// fixedLabels are the labels whose values the agent takes from a closed
// set; a dashboard that matches them on a literal value must use one of the
// golden's values. priority is checked against priorityNames instead,
// because the golden shows only the priorities of a few rules.
var fixedLabels = []string{"stage", "reason", "result", "output", "kind"}

// priorityNames are the canonical lowercase rule priorities, most severe
// first.
var priorityNames = []string{"emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"}

// loadGolden parses the golden exposition text.
func loadGolden(t testing.TB) golden {
	t.Helper()
	f, err := os.Open(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("parse %s: %v", goldenPath, err)
	}
	g := golden{}
	for name, mf := range mfs {
		m := &goldenMetric{name: name, typ: strings.ToLower(mf.GetType().String()), help: mf.GetHelp(), labels: map[string][]string{}}
		for _, s := range mf.GetMetric() {
			for _, lp := range s.GetLabel() {
				if !slices.Contains(m.labels[lp.GetName()], lp.GetValue()) {
					m.labels[lp.GetName()] = append(m.labels[lp.GetName()], lp.GetValue())
				}
			}
		}
		g[name] = m
	}
	if len(g) == 0 {
		t.Fatalf("%s holds no metrics", goldenPath)
	}
	return g
}

// family returns the golden family a series name belongs to: the name
// itself, or a histogram's family for its _bucket, _sum and _count series.
func (g golden) family(name string) (*goldenMetric, bool) {
	if m, ok := g[name]; ok {
		return m, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if m, ok := g[base]; ok && (m.typ == "histogram" || m.typ == "summary") {
				return m, true
			}
		}
	}
	return nil, false
}

// allowedForeign reports whether name is a metric the dashboards may read
// although the agent's vigil_* golden does not list it: Prometheus' own
// series and client_golang's standard collectors.
func allowedForeign(name string) bool {
	return name == "up" || name == "ALERTS" || strings.HasPrefix(name, "process_") || strings.HasPrefix(name, "go_")
}

func TestGoldenLoads(t *testing.T) {
	g := loadGolden(t)
	for name, m := range g {
		if !strings.HasPrefix(name, "vigil_") {
			t.Errorf("golden metric %s is not vigil_*", name)
		}
		if m.help == "" {
			t.Errorf("golden metric %s has no HELP", name)
		}
		for _, l := range targetLabels {
			if _, ok := m.labels[l]; ok {
				t.Errorf("golden metric %s carries target label %q, which the agent must leave to Prometheus", name, l)
			}
		}
		for _, p := range m.labels["priority"] {
			if !slices.Contains(priorityNames, p) {
				t.Errorf("golden metric %s has priority %q, not a lowercase priority name", name, p)
			}
		}
	}
	if m, ok := g.family("vigil_detection_latency_seconds_bucket"); !ok || m.name != "vigil_detection_latency_seconds" {
		t.Errorf("family(vigil_detection_latency_seconds_bucket) = %v, %v", m, ok)
	}
	if _, ok := g.family("vigil_rules_loaded_count"); ok {
		t.Error("family(vigil_rules_loaded_count) found a gauge's _count series")
	}
}
