package helm

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const (
	collectorConfig = "../otelcol/collector.yaml"
	scrapeConfig    = "../prometheus/scrape.yaml"
	// requireEnv turns skips for missing tools into failures (CI sets it).
	requireEnv = "VIGIL_REQUIRE_BPF"
)

// collectorFile is the part of a Collector configuration this test
// understands; unknown top-level keys are errors.
type collectorFile struct {
	Receivers  map[string]map[string]any `json:"receivers"`
	Processors map[string]map[string]any `json:"processors"`
	Exporters  map[string]map[string]any `json:"exporters"`
	Extensions map[string]map[string]any `json:"extensions"`
	Connectors map[string]map[string]any `json:"connectors"`
	Service    struct {
		Extensions []string `json:"extensions"`
		Pipelines  map[string]struct {
			Receivers  []string `json:"receivers"`
			Processors []string `json:"processors"`
			Exporters  []string `json:"exporters"`
		} `json:"pipelines"`
		Telemetry map[string]any `json:"telemetry"`
	} `json:"service"`
}

// TestCollectorConfig checks the example Collector configuration: every
// component a pipeline names is defined, every defined one is used, the
// OTLP receiver listens on all interfaces on the standard ports, and the
// memory limiter comes first. With VIGIL_OTELCOL set to a collector binary
// (make e2e-collector builds one) it also runs `otelcol validate`.
func TestCollectorConfig(t *testing.T) {
	var c collectorFile
	if err := yaml.UnmarshalStrict(mustRead(t, collectorConfig), &c); err != nil {
		t.Fatalf("%s: %v", collectorConfig, err)
	}
	used := map[string]bool{}
	for name, p := range c.Service.Pipelines {
		if !strings.HasPrefix(name, "logs") {
			t.Errorf("pipeline %s: Vigil sends logs only", name)
		}
		if len(p.Receivers) == 0 || len(p.Exporters) == 0 {
			t.Errorf("pipeline %s needs receivers and exporters", name)
		}
		for kind, ids := range map[string][]string{"receivers": p.Receivers, "processors": p.Processors, "exporters": p.Exporters} {
			defs := map[string]map[string]map[string]any{"receivers": c.Receivers, "processors": c.Processors, "exporters": c.Exporters}[kind]
			for _, id := range ids {
				if _, ok := defs[id]; !ok {
					t.Errorf("pipeline %s uses %s %q, which is not defined", name, kind, id)
				}
				used[kind+"/"+id] = true
			}
		}
		if len(p.Processors) > 0 && p.Processors[0] != "memory_limiter" {
			t.Errorf("pipeline %s: memory_limiter must come first, got %v", name, p.Processors)
		}
	}
	for kind, defs := range map[string]map[string]map[string]any{"receivers": c.Receivers, "processors": c.Processors, "exporters": c.Exporters} {
		for id := range defs {
			if !used[kind+"/"+id] {
				t.Errorf("%s %q is defined but in no pipeline (the collector would ignore it)", kind, id)
			}
		}
	}
	protos, _ := c.Receivers["otlp"]["protocols"].(map[string]any)
	for proto, want := range map[string]string{"grpc": "0.0.0.0:4317", "http": "0.0.0.0:4318"} {
		p, _ := protos[proto].(map[string]any)
		if p["endpoint"] != want {
			t.Errorf("otlp receiver %s endpoint %v, want %s", proto, p["endpoint"], want)
		}
	}

	bin := os.Getenv("VIGIL_OTELCOL")
	if bin == "" {
		t.Log("VIGIL_OTELCOL not set: `otelcol validate` not run")
		return
	}
	if out, err := exec.Command(bin, "validate", "--config", collectorConfig).CombinedOutput(); err != nil {
		t.Errorf("%s validate: %v\n%s", bin, err, out)
	}
}

// TestScrapeConfig checks the plain-host scrape configuration with
// promtool, which also loads the rules file it names, and that its job is
// the one the alert rules select.
func TestScrapeConfig(t *testing.T) {
	var cfg struct {
		ScrapeConfigs []struct {
			JobName string `json:"job_name"`
		} `json:"scrape_configs"`
	}
	if err := yaml.Unmarshal(mustRead(t, scrapeConfig), &cfg); err != nil {
		t.Fatalf("%s: %v", scrapeConfig, err)
	}
	var jobs []string
	for _, s := range cfg.ScrapeConfigs {
		jobs = append(jobs, s.JobName)
	}
	if !slices.Contains(jobs, "vigil") || !strings.Contains(string(mustRead(t, "../prometheus/vigil-rules.yaml")), `job="vigil"`) {
		t.Errorf("scrape jobs %v: the alert rules select job=\"vigil\"", jobs)
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("promtool not found and %s=1", requireEnv)
		}
		t.Skipf("promtool not found (%s=1 makes this a failure)", requireEnv)
	}
	if out, err := exec.Command(promtool, "check", "config", scrapeConfig).CombinedOutput(); err != nil {
		t.Errorf("promtool check config: %v\n%s", err, out)
	}
}
