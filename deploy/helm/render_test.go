package helm

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/yaml"
)

const (
	chartDir    = "vigil"
	releaseName = "vigil"
	releaseNS   = "security"
)

// manifest is one rendered Kubernetes object and the template it came from.
type manifest struct {
	Source string // "vigil/templates/daemonset.yaml"
	Body   string
}

// docSeparator splits a template's output into YAML documents.
var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// loadChart loads the chart from disk, plus extra files (as if they were in
// the chart directory).
func loadChart(t *testing.T, extra ...*chart.File) *chart.Chart {
	t.Helper()
	c, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	c.Files = append(c.Files, extra...)
	return c
}

// render renders the chart like `helm template vigil helm/vigil -n security
// -f values`: values given as YAML override the chart's values.yaml. It
// returns the non-empty documents in template-name order.
func render(t *testing.T, c *chart.Chart, valuesYAML string) ([]manifest, error) {
	t.Helper()
	vals := map[string]any{}
	if err := yaml.Unmarshal([]byte(valuesYAML), &vals); err != nil {
		t.Fatalf("test values: %v", err)
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = chartutil.KubeVersion{Version: "v1.34.0", Major: "1", Minor: "34"}
	if ok := chartutil.IsCompatibleRange(c.Metadata.KubeVersion, caps.KubeVersion.String()); !ok {
		t.Fatalf("chart kubeVersion %q excludes %s", c.Metadata.KubeVersion, caps.KubeVersion)
	}
	rv, err := chartutil.ToRenderValues(c, vals, chartutil.ReleaseOptions{
		Name: releaseName, Namespace: releaseNS, Revision: 1, IsInstall: true,
	}, caps)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	files, err := engine.Render(c, rv)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		if strings.HasSuffix(name, "NOTES.txt") || strings.HasPrefix(path.Base(name), "_") {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var out []manifest
	for _, name := range names {
		for _, doc := range docSeparator.Split(files[name], -1) {
			if isBlankYAML(doc) {
				continue
			}
			out = append(out, manifest{Source: name, Body: strings.Trim(doc, "\n") + "\n"})
		}
	}
	return out, nil
}

// isBlankYAML reports whether a document holds only comments and blanks.
func isBlankYAML(doc string) bool {
	for _, line := range strings.Split(doc, "\n") {
		l := strings.TrimSpace(line)
		if l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

// joinManifests prints manifests the way `helm template` does.
func joinManifests(ms []manifest) []byte {
	var b bytes.Buffer
	for _, m := range ms {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s", m.Source, m.Body)
	}
	return b.Bytes()
}

// mustRead reads a file of the repository or fails the test.
func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
