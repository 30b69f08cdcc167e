package helm

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// vigilBinary builds cmd/vigil from this repository once per test run.
var vigilBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "vigil-chart-test-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "vigil")
	cmd := exec.Command(goTool(), "build", "-o", bin, "./cmd/vigil")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", errors.New("go build ./cmd/vigil: " + err.Error() + "\n" + string(out))
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := vigilBinary(); err == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// checkAgentConfig runs `vigil run --config FILE` on a configuration file.
// The replay file does not exist, so a configuration the agent accepts
// ends with status 1 at the first step that needs the environment (rules
// files under /etc/vigil, the capture); an invalid one ends with status 2
// and "invalid configuration" before that.
func checkAgentConfig(t *testing.T, config string) (accepted bool, stderr string) {
	t.Helper()
	bin, err := vigilBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd := exec.Command(bin, "run", "--config", cfg, "--replay", filepath.Join(dir, "absent.vcap"))
	cmd.Stderr = &errb
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("vigil run: %v (want exit status 1 or 2)\n%s", err, errb.String())
	}
	switch ee.ExitCode() {
	case 1:
		if strings.Contains(errb.String(), "invalid configuration") {
			t.Fatalf("status 1 but stderr says invalid configuration:\n%s", errb.String())
		}
		return true, errb.String()
	case 2:
		return false, errb.String()
	}
	t.Fatalf("vigil run: exit status %d\n%s", ee.ExitCode(), errb.String())
	return false, ""
}

// TestAgentAcceptsChartConfig checks the configuration file of every chart
// case with the agent itself, and that the check can fail.
func TestAgentAcceptsChartConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/vigil")
	}
	for _, c := range chartCases(t) {
		t.Run(c.name, func(t *testing.T) {
			r := renderCase(t, c)
			if ok, stderr := checkAgentConfig(t, agentConfigText(t, r)); !ok {
				t.Errorf("the agent rejects the chart's configuration:\n%s\n%s", agentConfigText(t, r), stderr)
			}
		})
	}
	t.Run("control", func(t *testing.T) {
		ok, stderr := checkAgentConfig(t, "web:\n  listen_adress: \":7493\"\n")
		if ok || !strings.Contains(stderr, "listen_adress") {
			t.Errorf("a misspelt key was accepted (ok=%v):\n%s", ok, stderr)
		}
	})
}

// TestAgentLoadsChartRules loads the rules files the chart mounts, in the
// order the configuration lists them, with `vigil rules validate`.
func TestAgentLoadsChartRules(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/vigil")
	}
	bin, err := vigilBinary()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, c := range chartCases(t) {
		r := renderCase(t, c)
		rules, _ := agentConfig(t, r)["rules"].(map[string]any)
		files, _ := rules["files"].([]any)
		if len(files) == 0 {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			// Materialise each rules ConfigMap the chart renders as the
			// directory it is mounted as; ConfigMaps the user brings are
			// not ours to check.
			mounts := rulesMounts(t, r)
			dir := t.TempDir()
			var args []string
			for _, f := range files {
				data, ok := mounts[f.(string)]
				if !ok {
					continue
				}
				sub := filepath.Join(dir, filepath.Base(f.(string)))
				if err := os.Mkdir(sub, 0o755); err != nil {
					t.Fatal(err)
				}
				var names []string
				for name, content := range data {
					if err := os.WriteFile(filepath.Join(sub, name), []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
					names = append(names, name)
				}
				slices.Sort(names)
				for _, n := range names {
					args = append(args, filepath.Join(sub, n))
				}
			}
			if len(args) == 0 {
				t.Fatal("rules files configured but none rendered")
			}
			out, err := exec.Command(bin, append([]string{"rules", "validate"}, args...)...).CombinedOutput()
			if err != nil {
				t.Errorf("vigil rules validate: %v\n%s", err, out)
			}
			checked++
		})
	}
	if checked == 0 {
		t.Error("no chart case renders rules files: the test checks nothing")
	}
}

// rulesMounts maps each rules directory of the agent's container to the
// data of the ConfigMap the chart renders for it.
func rulesMounts(t *testing.T, r *rendered) map[string]map[string]string {
	t.Helper()
	cms := map[string]map[string]string{}
	var spec corev1.PodSpec
	for _, o := range r.objects {
		switch v := o.Obj.(type) {
		case *corev1.ConfigMap:
			cms[v.Name] = v.Data
		case *appsv1.DaemonSet:
			spec = v.Spec.Template.Spec
		}
	}
	vols := map[string]string{}
	for _, v := range spec.Volumes {
		if v.ConfigMap != nil {
			vols[v.Name] = v.ConfigMap.Name
		}
	}
	out := map[string]map[string]string{}
	for _, m := range spec.Containers[0].VolumeMounts {
		if data, ok := cms[vols[m.Name]]; ok && strings.HasPrefix(m.MountPath, "/etc/vigil/rules.d/") {
			out[m.MountPath] = data
		}
	}
	return out
}
