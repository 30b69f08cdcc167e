package prometheus

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
)

// grafanaVar matches Grafana's variable syntaxes: $name, ${name},
// ${name:format} and [[name]].
var grafanaVar = regexp.MustCompile(`\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\]`)

// grafanaMacros are the values given to Grafana's built-in interval
// variables; any other variable becomes the regexp ".*" (all values).
var grafanaMacros = map[string]string{
	"__rate_interval": "1m",
	"__interval":      "1m",
	"__range":         "5m",
	"__interval_ms":   "60000",
	"__range_s":       "300",
	"__range_ms":      "300000",
}

// substituteGrafana turns a dashboard query into plain PromQL.
func substituteGrafana(q string) string {
	return grafanaVar.ReplaceAllStringFunc(q, func(m string) string {
		sub := grafanaVar.FindStringSubmatch(m)
		name := sub[1] + sub[2] + sub[3]
		if v, ok := grafanaMacros[name]; ok {
			return v
		}
		return ".*"
	})
}

func TestSubstituteGrafana(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`sum(rate(vigil_rule_matches_total{instance=~"$instance"}[$__rate_interval]))`, `sum(rate(vigil_rule_matches_total{instance=~".*"}[1m]))`},
		{`increase(x{job=~"${job:regex}",priority=~"${priority}"}[$__range])`, `increase(x{job=~".*",priority=~".*"}[5m])`},
		{`rate(x{rule=~"[[rule]]"}[$__interval])`, `rate(x{rule=~".*"}[1m])`},
		{`x{cluster=~"$cluster"} offset $__range_s`, `x{cluster=~".*"} offset 300`},
		{`vigil_output_queue_length`, `vigil_output_queue_length`},
	} {
		got := substituteGrafana(c.in)
		if got != c.want {
			t.Errorf("substituteGrafana(%q) = %q, want %q", c.in, got, c.want)
		}
		if _, err := parser.NewParser(parser.Options{}).ParseExpr(got); err != nil {
			t.Errorf("%q does not parse: %v", got, err)
		}
	}
}

// dashboardExprs returns the PromQL of every "expr" field in a Grafana
// dashboard JSON document, in document order.
func dashboardExprs(v any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if s, ok := x[k].(string); ok && k == "expr" && strings.TrimSpace(s) != "" {
					out = append(out, s)
					continue
				}
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func TestDashboardExprs(t *testing.T) {
	doc := `{"panels":[{"targets":[{"expr":"up"},{"expr":""}]},{"type":"row","panels":[{"targets":[{"expr":"vigil_rules_loaded"}]}]}],
	"templating":{"list":[{"query":"label_values(up, instance)"}]}}`
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	got := dashboardExprs(v)
	if !slices.Equal(got, []string{"up", "vigil_rules_loaded"}) {
		t.Errorf("dashboardExprs = %q", got)
	}
}

// checkDashboardQueries runs every query of dir/*.json against the live
// Prometheus: each must evaluate without error, and the detection panels
// (queries of vigil_rule_matches_total) and the alert panels (ALERTS; the
// caller has an alert firing) must return data.
func checkDashboardQueries(t *testing.T, prom promAPI, dir string) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("no dashboards in %s", dir)
	}
	detections, withData := 0, 0
	alerts, alertsWithData := 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		exprs := dashboardExprs(doc)
		if len(exprs) == 0 {
			t.Errorf("%s: no queries", filepath.Base(f))
		}
		for _, e := range exprs {
			q := substituteGrafana(e)
			res, err := prom.query(q)
			if err != nil {
				t.Errorf("%s: query %q: %v", filepath.Base(f), q, err)
				continue
			}
			if strings.Contains(q, "vigil_rule_matches_total") {
				detections++
				if len(res) > 0 {
					withData++
				} else {
					t.Logf("%s: detection query returned nothing: %s", filepath.Base(f), q)
				}
			}
			if strings.Contains(q, "ALERTS") {
				alerts++
				if len(res) > 0 {
					alertsWithData++
				} else {
					t.Errorf("%s: alerts query %q returned nothing while VigilCriticalDetection fires", filepath.Base(f), q)
				}
			}
		}
		t.Logf("%s: %d queries evaluated", filepath.Base(f), len(exprs))
	}
	if detections == 0 {
		t.Error("no dashboard query reads vigil_rule_matches_total")
	} else if withData == 0 {
		t.Errorf("none of the %d detection queries returned data", detections)
	} else {
		t.Logf("%d of %d detection queries returned data", withData, detections)
	}
	if alerts > 0 {
		t.Logf("%d of %d alert queries returned data", alertsWithData, alerts)
	}
}
