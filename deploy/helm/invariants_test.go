package helm

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	monv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// allowedHostPaths are the only host paths the agent may mount, all
// read-only.
var allowedHostPaths = []string{
	"/sys/kernel/btf", "/sys/kernel/tracing", "/sys/fs/cgroup",
	"/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/var/run/docker.sock",
}

// checkInvariants checks what must hold for every value combination.
func checkInvariants(t *testing.T, r *rendered) {
	t.Helper()
	var dss []*appsv1.DaemonSet
	configMaps := map[string]bool{}
	for _, o := range r.objects {
		switch v := o.Obj.(type) {
		case *appsv1.DaemonSet:
			dss = append(dss, v)
		case *corev1.ConfigMap:
			configMaps[v.Name] = true
		}
		if ns := o.Obj.(interface{ GetNamespace() string }).GetNamespace(); ns == "" {
			t.Errorf("%s %s has no namespace", o.Kind, o.Name)
		}
	}
	for _, o := range r.objects {
		checkNames(t, o)
	}
	if len(dss) != 1 {
		t.Fatalf("%d DaemonSets rendered, want 1", len(dss))
	}
	ds := dss[0]
	pod := ds.Spec.Template
	sel, err := metaSelector(ds)
	if err != nil || !sel.Matches(labels.Set(pod.Labels)) {
		t.Errorf("DaemonSet selector %v does not select its pods %v (%v)", ds.Spec.Selector, pod.Labels, err)
	}
	if !pod.Spec.HostPID {
		t.Error("hostPID is off: the agent would see only its own pid namespace")
	}
	if pod.Spec.AutomountServiceAccountToken == nil || *pod.Spec.AutomountServiceAccountToken {
		t.Error("service account token mounted: the agent does not use the API")
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	checkSecurityContext(t, c.SecurityContext)
	if len(c.Args) < 2 || c.Args[0] != "run" || c.Args[1] != "--config=/etc/vigil/config.yaml" {
		t.Errorf("args %v, want run --config=/etc/vigil/config.yaml first", c.Args)
	}

	// Ports and probes.
	port := containerPort(c, "metrics")
	if port == 0 {
		t.Fatal("no container port named metrics")
	}
	for name, p := range map[string]*corev1.Probe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != name || p.HTTPGet.Port.String() != "metrics" {
			t.Errorf("probe for %s: %+v", name, p)
		}
	}

	// Environment: NODE_NAME first, so $(NODE_NAME) expands after it.
	if len(c.Env) < 2 || c.Env[0].Name != "NODE_NAME" || c.Env[0].ValueFrom == nil ||
		c.Env[0].ValueFrom.FieldRef == nil || c.Env[0].ValueFrom.FieldRef.FieldPath != "spec.nodeName" {
		t.Errorf("env[0] is not NODE_NAME from spec.nodeName: %+v", c.Env)
	}
	if !strings.HasPrefix(envValue(c, "OTEL_RESOURCE_ATTRIBUTES"), "k8s.node.name=$(NODE_NAME)") {
		t.Errorf("OTEL_RESOURCE_ATTRIBUTES = %q", envValue(c, "OTEL_RESOURCE_ATTRIBUTES"))
	}

	// Volumes: every mount has a volume, every mount is read-only, host
	// paths are the allowed ones, ConfigMaps exist (or are the user's).
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v
	}
	for _, m := range c.VolumeMounts {
		v, ok := vols[m.Name]
		if !ok {
			t.Errorf("mount %s has no volume", m.Name)
			continue
		}
		if !m.ReadOnly {
			t.Errorf("mount %s at %s is writable", m.Name, m.MountPath)
		}
		if v.HostPath != nil && !slices.Contains(allowedHostPaths, v.HostPath.Path) {
			t.Errorf("unexpected host path %s", v.HostPath.Path)
		}
		if v.ConfigMap != nil && !configMaps[v.ConfigMap.Name] && !strings.HasPrefix(m.Name, "rules-extra-") {
			t.Errorf("volume %s refers to ConfigMap %s, which the chart does not render", v.Name, v.ConfigMap.Name)
		}
	}
	if len(vols) != len(c.VolumeMounts) {
		t.Errorf("%d volumes for %d mounts", len(vols), len(c.VolumeMounts))
	}

	// The agent listens where the pod says it does.
	cfg := agentConfig(t, r)
	if got := cfg["web"].(map[string]any)["listen_address"]; got != ":"+strconv.Itoa(int(port)) {
		t.Errorf("web.listen_address %v, container port %d", got, port)
	}

	for _, o := range r.objects {
		switch v := o.Obj.(type) {
		case *corev1.Service:
			if v.Spec.ClusterIP != corev1.ClusterIPNone {
				t.Errorf("Service %s is not headless", v.Name)
			}
			if !labels.SelectorFromSet(v.Spec.Selector).Matches(labels.Set(pod.Labels)) {
				t.Errorf("Service selector %v does not select the agents", v.Spec.Selector)
			}
			if len(v.Spec.Ports) != 1 || v.Spec.Ports[0].Name != "metrics" || v.Spec.Ports[0].TargetPort.String() != "metrics" || v.Spec.Ports[0].Port != port {
				t.Errorf("Service ports %+v", v.Spec.Ports)
			}
		case *monv1.ServiceMonitor:
			svc := serviceOf(r)
			if svc == nil || !labels.SelectorFromSet(v.Spec.Selector.MatchLabels).Matches(labels.Set(svc.Labels)) {
				t.Errorf("ServiceMonitor selector %v does not select the Service", v.Spec.Selector.MatchLabels)
			}
			if len(v.Spec.Endpoints) != 1 || v.Spec.Endpoints[0].Port != "metrics" || v.Spec.Endpoints[0].Path != "/metrics" {
				t.Errorf("ServiceMonitor endpoints %+v", v.Spec.Endpoints)
			}
		case *monv1.PodMonitor:
			if !labels.SelectorFromSet(v.Spec.Selector.MatchLabels).Matches(labels.Set(pod.Labels)) {
				t.Errorf("PodMonitor selector %v does not select the agents", v.Spec.Selector.MatchLabels)
			}
			eps := v.Spec.PodMetricsEndpoints
			if len(eps) != 1 || eps[0].Port == nil || *eps[0].Port != "metrics" || eps[0].Path != "/metrics" {
				t.Errorf("PodMonitor endpoints %+v", eps)
			}
		}
	}
}

// checkSecurityContext checks the least-privilege settings, or the
// documented privileged fallback.
func checkSecurityContext(t *testing.T, sc *corev1.SecurityContext) {
	t.Helper()
	if sc == nil {
		t.Fatal("no securityContext")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("root filesystem writable")
	}
	if sc.RunAsUser == nil || *sc.RunAsUser != 0 {
		t.Error("not uid 0: Kubernetes grants added capabilities to root only")
	}
	if sc.Privileged != nil && *sc.Privileged {
		// The API server rejects privileged with allowPrivilegeEscalation=false.
		if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
			t.Error("privileged with allowPrivilegeEscalation=false is invalid")
		}
		return
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation not false")
	}
	if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("capabilities do not drop ALL: %+v", sc.Capabilities)
	}
	for _, c := range sc.Capabilities.Add {
		if c == "SYS_ADMIN" || strings.HasPrefix(string(c), "CAP_") {
			t.Errorf("capability %s: SYS_ADMIN is what privileged: true is for; names carry no CAP_ prefix", c)
		}
	}
}

func metaSelector(ds *appsv1.DaemonSet) (labels.Selector, error) {
	return labels.ValidatedSelectorFromSet(ds.Spec.Selector.MatchLabels)
}

func serviceOf(r *rendered) *corev1.Service {
	for _, o := range r.objects {
		if s, ok := o.Obj.(*corev1.Service); ok {
			return s
		}
	}
	return nil
}

func containerPort(c corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

func envValue(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func hasHostPath(ds *appsv1.DaemonSet, path string) bool {
	for _, v := range ds.Spec.Template.Spec.Volumes {
		if v.HostPath != nil && v.HostPath.Path == path {
			return true
		}
	}
	return false
}

// agentConfigText returns the agent's configuration file as rendered.
func agentConfigText(t *testing.T, r *rendered) string {
	t.Helper()
	for _, o := range r.objects {
		if cm, ok := o.Obj.(*corev1.ConfigMap); ok && strings.HasSuffix(cm.Name, "-config") {
			if s, ok := cm.Data["config.yaml"]; ok {
				return s
			}
		}
	}
	t.Fatal("no ConfigMap with the agent's config.yaml")
	return ""
}

// agentConfig returns the agent's configuration file, decoded.
func agentConfig(t *testing.T, r *rendered) map[string]any {
	t.Helper()
	cfg := map[string]any{}
	if err := yaml.Unmarshal([]byte(agentConfigText(t, r)), &cfg); err != nil {
		t.Fatalf("agent config: %v", err)
	}
	return cfg
}

// checkJobRelabel checks that a monitor sets the job label the alert rules
// select.
func checkJobRelabel(t *testing.T, kind string, rcs []monv1.RelabelConfig, job string) {
	t.Helper()
	for _, rc := range rcs {
		if rc.TargetLabel == "job" && rc.Replacement != nil && *rc.Replacement == job {
			return
		}
	}
	t.Errorf("%s does not set job=%q: %+v", kind, job, rcs)
}

// checkPrometheusRule checks that the PrometheusRule holds every group and
// rule of deploy/prometheus/vigil-rules.yaml, selecting the given job.
func checkPrometheusRule(t *testing.T, pr *monv1.PrometheusRule, job string) {
	t.Helper()
	var src monv1.PrometheusRuleSpec
	if err := yaml.UnmarshalStrict(mustRead(t, "../prometheus/vigil-rules.yaml"), &src); err != nil {
		t.Fatalf("prometheus/vigil-rules.yaml: %v", err)
	}
	if len(src.Groups) == 0 {
		t.Fatal("prometheus/vigil-rules.yaml has no groups")
	}
	got, want := groupSummary(pr.Spec.Groups), groupSummary(src.Groups)
	if !maps.Equal(got, want) {
		t.Errorf("PrometheusRule groups %v, source %v", got, want)
	}
	for _, g := range pr.Spec.Groups {
		for _, rule := range g.Rules {
			e := rule.Expr.String()
			if job != "vigil" && strings.Contains(e, `job="vigil"`) {
				t.Errorf("%s%s still selects job=\"vigil\": %s", rule.Alert, rule.Record, e)
			}
		}
	}
	n := 0
	for _, g := range src.Groups {
		for _, rule := range g.Rules {
			n += strings.Count(rule.Expr.String(), `job="vigil"`)
		}
	}
	m := 0
	for _, g := range pr.Spec.Groups {
		for _, rule := range g.Rules {
			m += strings.Count(rule.Expr.String(), `job="`+job+`"`)
		}
	}
	if n != m {
		t.Errorf("source selects job=\"vigil\" %d times, the PrometheusRule job=%q %d times", n, job, m)
	}
}

// groupSummary maps group name to its alert and record names.
func groupSummary(gs []monv1.RuleGroup) map[string]string {
	out := map[string]string{}
	for _, g := range gs {
		var names []string
		for _, r := range g.Rules {
			names = append(names, r.Alert+r.Record)
		}
		out[g.Name] = strings.Join(names, ",")
	}
	return out
}

// checkNames applies the API server's name rules the chart can break:
// object names, label keys and values, ConfigMap keys, and in the pod the
// names of volumes, ports and environment variables.
func checkNames(t *testing.T, o object) {
	t.Helper()
	bad := func(what string, errs []string) {
		if len(errs) > 0 {
			t.Errorf("%s %s: %s: %s", o.Kind, o.Name, what, strings.Join(errs, "; "))
		}
	}
	meta := o.Obj.(metav1.Object)
	if o.Kind == "Service" {
		bad("name", validation.IsDNS1035Label(o.Name))
	} else {
		bad("name", validation.IsDNS1123Subdomain(o.Name))
	}
	for k, v := range meta.GetLabels() {
		bad("label key "+k, validation.IsQualifiedName(k))
		bad("label value "+v, validation.IsValidLabelValue(v))
	}
	switch v := o.Obj.(type) {
	case *corev1.ConfigMap:
		for k := range v.Data {
			bad("data key "+k, validation.IsConfigMapKey(k))
		}
	case *appsv1.DaemonSet:
		spec := v.Spec.Template.Spec
		for _, vol := range spec.Volumes {
			bad("volume "+vol.Name, validation.IsDNS1123Label(vol.Name))
		}
		for _, c := range spec.Containers {
			for _, p := range c.Ports {
				bad("port "+p.Name, validation.IsValidPortName(p.Name))
			}
			for _, e := range c.Env {
				bad("env "+e.Name, validation.IsEnvVarName(e.Name))
			}
		}
	}
}
