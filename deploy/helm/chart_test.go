package helm

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	monv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v3/pkg/chart"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// chartCase is one set of values the chart is rendered with.
type chartCase struct {
	name   string
	values string
	// extra files added to the chart before rendering.
	extra []*chart.File
	// check makes the case's own assertions on top of the invariants.
	check func(t *testing.T, r *rendered)
}

// rendered is a rendered chart, decoded.
type rendered struct {
	manifests []manifest
	objects   []object
}

// get returns the object of a kind and name, failing the test if absent.
func get[T any](t *testing.T, r *rendered, kind, name string) *T {
	t.Helper()
	for _, o := range r.objects {
		if o.Kind == kind && o.Name == name {
			return o.Obj.(*T)
		}
	}
	t.Fatalf("no %s %q rendered", kind, name)
	return nil
}

// count returns how many objects of a kind were rendered.
func (r *rendered) count(kind string) int {
	n := 0
	for _, o := range r.objects {
		if o.Kind == kind {
			n++
		}
	}
	return n
}

func fixtureDashboard(t *testing.T) *chart.File {
	return &chart.File{Name: "files/dashboards/fixture.json", Data: mustRead(t, "testdata/dashboard-fixture.json")}
}

// chartCases are the value combinations every test renders. Their golden
// files are testdata/<name>.golden.yaml.
func chartCases(t *testing.T) []chartCase {
	return []chartCase{
		{
			name:   "default",
			values: ``,
			check: func(t *testing.T, r *rendered) {
				for _, kind := range []string{"ServiceMonitor", "PodMonitor", "PrometheusRule"} {
					if n := r.count(kind); n != 0 {
						t.Errorf("%d %s rendered by default; the CRDs may be absent", n, kind)
					}
				}
				ds := get[appsv1.DaemonSet](t, r, "DaemonSet", "vigil")
				c := ds.Spec.Template.Spec.Containers[0]
				if got, want := c.SecurityContext.Capabilities.Add, []corev1.Capability{"BPF", "PERFMON", "SYS_RESOURCE", "SYS_PTRACE", "DAC_READ_SEARCH"}; !slices.Equal(got, want) {
					t.Errorf("capabilities %v, want %v", got, want)
				}
				if *c.SecurityContext.Privileged {
					t.Error("privileged by default")
				}
				for _, path := range []string{"/sys/kernel/btf", "/sys/kernel/tracing", "/sys/fs/cgroup", "/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/var/run/docker.sock"} {
					if !hasHostPath(ds, path) {
						t.Errorf("host path %s not mounted", path)
					}
				}
				cfg := agentConfig(t, r)
				if _, ok := cfg["rules"].(map[string]any)["files"]; ok {
					t.Errorf("default config lists rules files (want the built-in rules): %v", cfg["rules"])
				}
				if _, ok := cfg["otlp"]; ok {
					t.Errorf("default config has an otlp section: %v", cfg["otlp"])
				}
				dashboards, _ := filepath.Glob("vigil/files/dashboards/*.json")
				if n := r.count("ConfigMap"); n != 1+len(dashboards) {
					t.Errorf("%d ConfigMaps, want the agent config and %d dashboards", n, len(dashboards))
				}
				for _, d := range dashboards {
					name := "vigil-dashboard-" + strings.TrimSuffix(filepath.Base(d), ".json")
					cm := get[corev1.ConfigMap](t, r, "ConfigMap", name)
					if cm.Labels["grafana_dashboard"] != "1" || cm.Data[filepath.Base(d)] != string(mustRead(t, d)) {
						t.Errorf("dashboard ConfigMap %s: labels %v, data unchanged: %v", name, cm.Labels, cm.Data[filepath.Base(d)] == string(mustRead(t, d)))
					}
				}
			},
		},
		{
			name: "otlp-custom-rules",
			values: `
clusterName: prod-eu
otlp:
  endpoint: http://otel-collector.observability:4317
  headers: {x-tenant: security}
  minPriority: notice
  resourceAttributes: {deployment.environment: prod}
rules:
  custom:
    50-payments.yaml: |
      - rule: Netcat In Container
        desc: A netcat binary started inside a container.
        condition: process_started and in_container and proc.name in (nc, ncat)
        output: Netcat started in a container (command=%proc.cmdline container=%container.id)
        priority: WARNING
        tags: [network, container]
  existingConfigMaps: [team-rules, platform.rules]
config:
  rules:
    min_priority: notice
    matching: all
  output:
    http:
      url: http://falcosidekick.security:2801/
      min_priority: warning
env:
  - name: OTEL_EXPORTER_OTLP_LOGS_HEADERS
    valueFrom:
      secretKeyRef: {name: otlp-auth, key: headers}
extraArgs: [--log.format=json]
hostNetwork: true
image:
  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
`,
			check: func(t *testing.T, r *rendered) {
				cfg := agentConfig(t, r)
				files := cfg["rules"].(map[string]any)["files"]
				want := []any{"/etc/vigil/rules.d/builtin", "/etc/vigil/rules.d/custom", "/etc/vigil/rules.d/team-rules", "/etc/vigil/rules.d/platform.rules"}
				if !slices.Equal(files.([]any), want) {
					t.Errorf("rules.files = %v, want %v", files, want)
				}
				if m := cfg["rules"].(map[string]any)["min_priority"]; m != "notice" {
					t.Errorf("rules.min_priority = %v: values.config not merged", m)
				}
				otlp := cfg["otlp"].(map[string]any)
				if otlp["endpoint"] != "http://otel-collector.observability:4317" || otlp["protocol"] != "grpc" || otlp["insecure"] != true || otlp["min_priority"] != "notice" {
					t.Errorf("otlp section %v", otlp)
				}
				ds := get[appsv1.DaemonSet](t, r, "DaemonSet", "vigil")
				c := ds.Spec.Template.Spec.Containers[0]
				if got := envValue(c, "OTEL_RESOURCE_ATTRIBUTES"); got != "k8s.node.name=$(NODE_NAME),k8s.cluster.name=prod-eu,deployment.environment=prod" {
					t.Errorf("OTEL_RESOURCE_ATTRIBUTES = %q", got)
				}
				if !strings.HasSuffix(c.Image, "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef") {
					t.Errorf("image %q not pinned by digest", c.Image)
				}
				if !ds.Spec.Template.Spec.HostNetwork || ds.Spec.Template.Spec.DNSPolicy != corev1.DNSClusterFirstWithHostNet {
					t.Error("hostNetwork without ClusterFirstWithHostNet")
				}
				if c.Args[len(c.Args)-1] != "--log.format=json" {
					t.Errorf("extraArgs not passed: %v", c.Args)
				}
				builtin := get[corev1.ConfigMap](t, r, "ConfigMap", "vigil-rules-builtin")
				srcs, _ := filepath.Glob("../../rules/default/*.yaml")
				if len(builtin.Data) != len(srcs) || len(srcs) == 0 {
					t.Errorf("built-in rules ConfigMap has %d files, rules/default has %d", len(builtin.Data), len(srcs))
				}
				for _, s := range srcs {
					if builtin.Data[filepath.Base(s)] != string(mustRead(t, s)) {
						t.Errorf("built-in rules ConfigMap: %s differs from its source", filepath.Base(s))
					}
				}
				custom := get[corev1.ConfigMap](t, r, "ConfigMap", "vigil-rules-custom")
				if !strings.Contains(custom.Data["50-payments.yaml"], "rule: Netcat In Container") {
					t.Errorf("custom rules ConfigMap: %v", custom.Data)
				}
				for _, m := range c.VolumeMounts {
					if strings.HasPrefix(m.MountPath, "/etc/vigil/rules.d/") && m.SubPath != "" {
						t.Errorf("rules mount %s uses subPath: ConfigMap updates would never reach the agent", m.MountPath)
					}
				}
			},
		},
		{
			name:  "privileged-monitors",
			extra: []*chart.File{fixtureDashboard(t)},
			values: `
privileged: true
metrics:
  job: vigil-agents
serviceMonitor:
  enabled: true
  labels: {release: kube-prometheus-stack}
  metricRelabelings:
    - action: drop
      sourceLabels: [__name__]
      regex: go_gc_.*
podMonitor:
  enabled: true
prometheusRule:
  enabled: true
  labels: {release: kube-prometheus-stack}
dashboards:
  namespace: monitoring
  annotations: {grafana_folder: Security}
tolerations: []
priorityClassName: system-node-critical
`,
			check: func(t *testing.T, r *rendered) {
				ds := get[appsv1.DaemonSet](t, r, "DaemonSet", "vigil")
				sc := ds.Spec.Template.Spec.Containers[0].SecurityContext
				if sc.Privileged == nil || !*sc.Privileged || sc.Capabilities != nil {
					t.Errorf("privileged fallback: %+v", sc)
				}
				if ds.Spec.Template.Spec.Tolerations != nil {
					t.Errorf("tolerations: [] rendered %v", ds.Spec.Template.Spec.Tolerations)
				}
				sm := get[monv1.ServiceMonitor](t, r, "ServiceMonitor", "vigil")
				if sm.Labels["release"] != "kube-prometheus-stack" || len(sm.Spec.Endpoints[0].MetricRelabelConfigs) != 1 {
					t.Errorf("ServiceMonitor labels %v, metric relabelings %v", sm.Labels, sm.Spec.Endpoints[0].MetricRelabelConfigs)
				}
				checkJobRelabel(t, "ServiceMonitor", sm.Spec.Endpoints[0].RelabelConfigs, "vigil-agents")
				pm := get[monv1.PodMonitor](t, r, "PodMonitor", "vigil")
				checkJobRelabel(t, "PodMonitor", pm.Spec.PodMetricsEndpoints[0].RelabelConfigs, "vigil-agents")
				pr := get[monv1.PrometheusRule](t, r, "PrometheusRule", "vigil")
				checkPrometheusRule(t, pr, "vigil-agents")
				cm := get[corev1.ConfigMap](t, r, "ConfigMap", "vigil-dashboard-fixture")
				if cm.Namespace != "monitoring" || cm.Labels["grafana_dashboard"] != "1" || cm.Annotations["grafana_folder"] != "Security" {
					t.Errorf("dashboard ConfigMap metadata %+v", cm.ObjectMeta)
				}
				if cm.Data["fixture.json"] != string(mustRead(t, "testdata/dashboard-fixture.json")) {
					t.Error("dashboard ConfigMap does not hold the file unchanged")
				}
			},
		},
		{
			name:  "minimal",
			extra: []*chart.File{fixtureDashboard(t)},
			values: `
fullnameOverride: node-agent
serviceAccount:
  create: false
  name: restricted
metrics:
  port: 9090
  service:
    enabled: false
podMonitor:
  enabled: true
dashboards:
  enabled: false
hostMounts:
  cgroup: false
  runtimeSockets: []
seccompProfile: null
appArmorProfile: null
capabilities: [BPF, PERFMON, SYS_PTRACE, DAC_READ_SEARCH]
resources: {}
`,
			check: func(t *testing.T, r *rendered) {
				for _, kind := range []string{"Service", "ServiceAccount", "ServiceMonitor"} {
					if n := r.count(kind); n != 0 {
						t.Errorf("%d %s rendered although disabled", n, kind)
					}
				}
				if n := r.count("ConfigMap"); n != 1 {
					t.Errorf("%d ConfigMaps with dashboards disabled, want 1", n)
				}
				ds := get[appsv1.DaemonSet](t, r, "DaemonSet", "node-agent")
				spec := ds.Spec.Template.Spec
				if spec.ServiceAccountName != "restricted" {
					t.Errorf("serviceAccountName %q", spec.ServiceAccountName)
				}
				sc := spec.Containers[0].SecurityContext
				if sc.SeccompProfile != nil || sc.AppArmorProfile != nil {
					t.Errorf("null profiles rendered: %+v %+v", sc.SeccompProfile, sc.AppArmorProfile)
				}
				if hasHostPath(ds, "/sys/fs/cgroup") || hasHostPath(ds, "/run/containerd/containerd.sock") {
					t.Error("disabled host mounts rendered")
				}
				if spec.Containers[0].Ports[0].ContainerPort != 9090 {
					t.Errorf("port %d", spec.Containers[0].Ports[0].ContainerPort)
				}
				if got := agentConfig(t, r)["web"].(map[string]any)["listen_address"]; got != ":9090" {
					t.Errorf("web.listen_address %v", got)
				}
			},
		},
	}
}

// renderCase renders and decodes one case, checking the invariants every
// rendering must hold.
func renderCase(t *testing.T, c chartCase) *rendered {
	t.Helper()
	ms, err := render(t, loadChart(t, c.extra...), c.values)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	r := &rendered{manifests: ms}
	for _, m := range ms {
		o, err := decodeStrict(m)
		if err != nil {
			t.Errorf("strict decode: %v", err)
			continue
		}
		r.objects = append(r.objects, o)
	}
	checkInvariants(t, r)
	return r
}

func TestChartRenders(t *testing.T) {
	for _, c := range chartCases(t) {
		t.Run(c.name, func(t *testing.T) {
			r := renderCase(t, c)
			if !t.Failed() {
				c.check(t, r)
			}
		})
	}
}

func TestChartGolden(t *testing.T) {
	for _, c := range chartCases(t) {
		t.Run(c.name, func(t *testing.T) {
			ms, err := render(t, goldenChart(t, loadChart(t, c.extra...)), c.values)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			got := joinManifests(ms)
			golden := filepath.Join("testdata", c.name+".golden.yaml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestChartGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("rendering differs from %s; review and run go test -run TestChartGolden -update\n%s", golden, firstDiff(string(want), string(got)))
			}
		})
	}
}

// goldenChart replaces the files the chart copies from elsewhere in the
// repository with stand-ins: the golden files show what the templates make
// of them without changing with every dashboard or rule edit.
// TestChartFilesInSync and TestChartRenders check the real contents.
func goldenChart(t *testing.T, c *chart.Chart) *chart.Chart {
	t.Helper()
	for _, f := range c.Files {
		switch {
		case f.Name == "files/prometheus/vigil-rules.yaml":
			f.Data = mustRead(t, "testdata/vigil-rules-fixture.yaml")
		case strings.HasPrefix(f.Name, "files/dashboards/"), strings.HasPrefix(f.Name, "files/rules/"):
			f.Data = []byte("contents of " + f.Name + "\n")
		}
	}
	return c
}

// TestChartRejects checks values the chart refuses with a message instead
// of rendering something the agent or the operator would reject later.
func TestChartRejects(t *testing.T) {
	tests := []struct {
		name, values, want string
	}{
		{"rules file without yaml suffix", "rules: {custom: {my-rules.txt: '- list: a\n  items: []'}}", "my-rules.txt"},
		{"service monitor without service", "serviceMonitor: {enabled: true}\nmetrics: {service: {enabled: false}}", "needs metrics.service.enabled"},
		{"misspelt value", "serviceMonitor: {enable: true}", "enable"},
		{"misspelt top-level value", "privileged_mode: true", "privileged_mode"},
		{"capability with CAP_ prefix", "capabilities: [CAP_BPF]", "capabilities"},
		{"unknown OTLP protocol", "otlp: {protocol: http}", "protocol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := render(t, loadChart(t), tt.values)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("render error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  golden:   " + wl + "\n  rendered: " + gl
		}
	}
	return ""
}
