package helm

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestChartFilesInSync checks that the chart's copies of files kept
// elsewhere in the repository (Helm cannot read outside the chart
// directory, nor follow symlinks out of it) equal their sources. On failure
// run `make chart-sync` and commit the result.
func TestChartFilesInSync(t *testing.T) {
	tests := []struct {
		source, copy string // globs
	}{
		{"../prometheus/vigil-rules.yaml", "vigil/files/prometheus/*.yaml"},
		{"../../dashboards/*.json", "vigil/files/dashboards/*.json"},
		{"../../rules/default/*.yaml", "vigil/files/rules/default/*.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.copy, func(t *testing.T) {
			srcs := globBase(t, tt.source)
			copies := globBase(t, tt.copy)
			if !slices.Equal(keys(srcs), keys(copies)) {
				t.Fatalf("chart has %v, sources are %v: run make chart-sync", keys(copies), keys(srcs))
			}
			for name, src := range srcs {
				if !bytes.Equal(mustRead(t, src), mustRead(t, copies[name])) {
					t.Errorf("%s differs from %s: run make chart-sync", copies[name], src)
				}
			}
		})
	}
}

// globBase maps the base names of the files matching pattern to their paths.
func globBase(t *testing.T, pattern string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out[filepath.Base(p)] = p
		}
	}
	return out
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
