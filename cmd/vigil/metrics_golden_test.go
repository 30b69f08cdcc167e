package main

import (
	"bytes"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/common/expfmt"

	"github.com/vigilsec/vigil/collector/kernel"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/exporter"
	"github.com/vigilsec/vigil/rules"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenMetrics is the agent's /metrics as the dashboards and alert rules
// tests see it (dashboards/, deploy/): every metric name the agent exposes.
const goldenMetrics = "../../dashboards/testdata/metrics.prom"

// fakeKernel stands in for the probe: one kind emitted, a few drops, two
// rings.
type fakeKernel struct{}

func (fakeKernel) Counters() (kernel.Counters, error) {
	var c kernel.Counters
	c.Kernel[record.KindOpenat][kernel.ReasonEmitted] = 10
	c.Kernel[record.KindOpenat][kernel.ReasonRingFull] = 1
	c.Delivered = 10
	return c, nil
}
func (fakeKernel) RingUsage() []kernel.RingUsage { return []kernel.RingUsage{{Used: 0, Size: 1 << 20}} }

// TestMetricsGolden builds the agent's registry the way `vigil run` does,
// with every output kind, and compares the metric names, types and help
// texts with the golden file (values and Go runtime metrics excluded). Run
// with -update after changing a metric, then fix the dashboards, alerts and
// docs/metrics.md that the golden feeds.
func TestMetricsGolden(t *testing.T) {
	rs, err := loadRules(&env{stderr: os.Stderr, log: slog.New(slog.DiscardHandler)}, mustSources(t), ruleOptionsOrFatal(t))
	if err != nil {
		t.Fatal(err)
	}
	m := exporter.NewMetrics("golden", "golden")
	m.AddStaticRules(newInternalRules().all()...)
	m.SetRules(rs)
	m.Reload(true, 1)
	st := newState()
	registerStateMetrics(m, st)
	registerContainerMetrics(m, st.Containers, nil)
	registerKernelMetrics(m, fakeKernel{})
	for _, name := range []string{"stdout", "file", "http", "otlp"} {
		m.InitOutput(name)
		l, c := m.Queue(name)
		l.Set(0)
		c.Set(4096)
	}
	m.InitSend("otlp")
	m.Received("openat").Inc()
	m.ObserveEvaluation(1e-6)
	m.ObserveLatency(1e-3)
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		if n := mf.GetName(); len(n) < 6 || n[:6] != "vigil_" {
			continue // go_*, process_*: the client library's, not ours
		}
		if mf.GetName() == "vigil_rule_matches_total" || mf.GetName() == "vigil_rule_info" {
			mf.Metric = mf.Metric[:1] // one series is enough to name the labels
		}
		for _, mt := range mf.Metric {
			for _, lp := range mt.Label {
				if lp.GetName() == "version" || lp.GetName() == "revision" || lp.GetName() == "goversion" {
					lp.Value = new(string)
				}
			}
		}
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			t.Fatal(err)
		}
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(goldenMetrics), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenMetrics, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenMetrics)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/vigil -run MetricsGolden -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("the agent's metrics differ from %s; run go test ./cmd/vigil -run MetricsGolden -update and fix what reads them.\ngot:\n%s", goldenMetrics, buf.String())
	}
}

func ruleOptionsOrFatal(t *testing.T) rules.Options {
	t.Helper()
	o, err := ruleOptions("debug", "first")
	if err != nil {
		t.Fatal(err)
	}
	return o
}
