package dashboards

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// The tests below prove that the checks can fail: each bad query or
// dashboard must be rejected with the expected complaint.

func testChecker(t *testing.T, vars ...string) *queryChecker {
	t.Helper()
	c := &queryChecker{g: loadGolden(t), vars: map[string]bool{}}
	for _, v := range vars {
		c.vars[v] = true
	}
	return c
}

const sel = `cluster=~"$cluster",job=~"$job",instance=~"$instance"`

func TestCheckExprAccepts(t *testing.T) {
	c := testChecker(t, "datasource", "cluster", "job", "instance")
	for _, q := range []struct{ expr, legend string }{
		{`sum by (stage, reason) (rate(vigil_events_dropped_total{` + sel + `}[$__rate_interval]))`, "{{stage}}/{{reason}}"},
		{`histogram_quantile(0.99, sum by (output, le) (rate(vigil_output_send_duration_seconds_bucket{` + sel + `}[$__rate_interval])))`, "{{output}}"},
		{`count(up{` + sel + `} == 1)`, ""},
		{`rate(process_cpu_seconds_total{` + sel + `}[${__rate_interval}])`, "{{instance}}"},
		{`vigil_output_queue_length{` + sel + `,output="otlp"} / vigil_output_queue_capacity{` + sel + `}`, "{{output}}"},
		{`sum(increase(vigil_events_dropped_total{` + sel + `,stage="kernel",reason=~"ring_full|oversize"}[$__range]))`, ""},
		{`ALERTS{alertname=~"Vigil.*"}`, "{{alertname}}"},
	} {
		if _, _, errs := c.checkExpr(q.expr, q.legend); len(errs) > 0 {
			t.Errorf("%s: %v", q.expr, errs)
		}
	}
}

func TestCheckExprRejects(t *testing.T) {
	c := testChecker(t, "datasource", "cluster", "job", "instance", "priority", "rule")
	det := sel + `,priority=~"$priority",rule=~"$rule"`
	for _, tc := range []struct{ name, expr, legend, want string }{
		{"unparseable", `sum(rate(vigil_events_received_total{` + sel + `}[5m])`, "", "parse"},
		{"unknown metric", `rate(vigil_events_recieved_total{` + sel + `}[5m])`, "", "neither in the golden"},
		{"research prefix", `rtsec_rule_matches_total{` + det + `}`, "", "neither in the golden"},
		{"proposed but absent", `vigil_ruleset_info{` + sel + `}`, "", "neither in the golden"},
		{"recording rule", `instance_stage:vigil_events_dropped:ratio_rate5m{` + sel + `}`, "", "neither in the golden"},
		{"_count of a counter", `vigil_rules_loaded_count{` + sel + `}`, "", "neither in the golden"},
		{"no name", `{` + sel + `}`, "", "no metric name"},
		{"unknown label", `vigil_events_dropped_total{` + sel + `,type="x"}`, "", `no label "type"`},
		{"unknown stage", `vigil_events_dropped_total{` + sel + `,stage="bpf"}`, "", `"bpf" is not a value of stage`},
		{"numeric priority", `vigil_rule_matches_total{` + sel + `,priority="2",rule=~"$rule"}`, "", `"2" is not a value of priority`},
		{"capitalised priority", `vigil_rule_matches_total{` + sel + `,priority=~"Critical|alert",rule=~"$rule"}`, "", `"Critical" is not a value`},
		{"bad grouping", `sum by (event) (rate(vigil_events_received_total{` + sel + `}[5m]))`, "", `groups by "event"`},
		{"grouping after aggregation", `sum by (rule) (sum by (priority) (vigil_rule_matches_total{` + det + `}))`, "", `groups by "rule"`},
		{"bad on label", `vigil_rule_matches_total{` + det + `} * on (rule, tactic) group_left vigil_rule_info{` + det + `}`, "", `label "tactic" missing`},
		{"bad group_left label", `vigil_rule_matches_total{` + det + `} * on (rule) group_left (mitre) vigil_rule_info{` + det + `}`, "", `label "mitre" is not on the one side`},
		{"legend label aggregated away", `sum by (stage) (rate(vigil_events_dropped_total{` + sel + `}[5m]))`, "{{reason}}", "uses {{reason}}"},
		{"missing job filter", `vigil_rules_loaded{cluster=~"$cluster",instance=~"$instance"}`, "", `does not filter on label "job"`},
		{"job as equality", `vigil_rules_loaded{cluster=~"$cluster",job="$job",instance=~"$instance"}`, "", `must be matched as job=~"$job"`},
		{"job matched on a constant", `vigil_rules_loaded{cluster=~"$cluster",job=~"vigil",instance=~"$instance"}`, "", `must be matched as job=~"$job"`},
		{"missing rule filter", `vigil_rule_matches_total{` + sel + `,priority=~"$priority"}`, "", `does not filter on label "rule"`},
		{"undefined variable", `vigil_rules_loaded{` + sel + `,source=~"$source"}`, "", "$source is not defined"},
		{"label_replace of a missing label", `label_replace(vigil_rule_info{` + det + `}, "t", "$1", "tactic", "(.*)")`, "", `reads label "tactic"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, errs := c.checkExpr(tc.expr, tc.legend)
			for _, err := range errs {
				if strings.Contains(err.Error(), tc.want) {
					return
				}
			}
			t.Errorf("%s: errors %v, want one containing %q", tc.expr, errs, tc.want)
		})
	}
}

func TestCheckVariableQuery(t *testing.T) {
	c := testChecker(t, "cluster", "job")
	if _, _, errs := c.checkVariableQuery(`label_values(vigil_build_info{cluster=~"$cluster"}, job)`); len(errs) > 0 {
		t.Errorf("valid query rejected: %v", errs)
	}
	for _, q := range []string{
		`label_values(vigil_build_info, version2)`,
		`label_values(vigil_bulid_info, job)`,
		`query_result(vigil_build_info)`,
		`label_values(vigil_build_info{job=~"$nope"}, job)`,
	} {
		if _, _, errs := c.checkVariableQuery(q); len(errs) == 0 {
			t.Errorf("%s accepted", q)
		}
	}
}

// mutate decodes the detections dashboard as generic JSON, applies f and
// re-encodes it.
func mutate(t *testing.T, f func(d map[string]any)) []byte {
	t.Helper()
	b, err := os.ReadFile("vigil-detections.json")
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	f(d)
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func panelAt(d map[string]any, i int) map[string]any {
	return d["panels"].([]any)[i].(map[string]any)
}

func TestCheckStructureRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(d map[string]any)
		want string
	}{
		{"unknown key", func(d map[string]any) { panelAt(d, 1)["gridPosition"] = map[string]any{} }, "unknown field"},
		{"uid", func(d map[string]any) { d["uid"] = "ddwe2ug4nfi0wb" }, "uid"},
		{"schema", func(d map[string]any) { d["schemaVersion"] = 39 }, "schemaVersion"},
		{"graph panel", func(d map[string]any) { panelAt(d, 1)["type"] = "graph" }, `panel type "graph"`},
		{"duplicate id", func(d map[string]any) { panelAt(d, 2)["id"] = panelAt(d, 1)["id"] }, "id also used"},
		{"overlap", func(d map[string]any) { panelAt(d, 2)["gridPos"] = panelAt(d, 1)["gridPos"] }, "overlaps"},
		{"off grid", func(d map[string]any) {
			panelAt(d, 1)["gridPos"].(map[string]any)["x"] = 20
		}, "outside the 24-column grid"},
		{"fixed datasource", func(d map[string]any) {
			panelAt(d, 1)["datasource"] = map[string]any{"type": "prometheus", "uid": "PBFA97CFB590B2093"}
		}, "datasource"},
		{"target datasource", func(d map[string]any) {
			panelAt(d, 1)["targets"].([]any)[0].(map[string]any)["datasource"] = nil
		}, "target A: datasource"},
		{"no datasource variable", func(d map[string]any) {
			tl := d["templating"].(map[string]any)
			tl["list"] = tl["list"].([]any)[1:]
		}, "no datasource variable"},
		{"no gridPos", func(d map[string]any) { delete(panelAt(d, 1), "gridPos") }, "no gridPos"},
		{"empty expr", func(d map[string]any) {
			panelAt(d, 1)["targets"].([]any)[0].(map[string]any)["expr"] = " "
		}, "empty expr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := decodeDashboard(mutate(t, tc.f))
			var errs []error
			if err != nil {
				errs = append(errs, err)
			} else {
				errs = checkStructure("vigil-detections.json", d)
			}
			for _, err := range errs {
				if strings.Contains(err.Error(), tc.want) {
					return
				}
			}
			t.Errorf("errors %v, want one containing %q", errs, tc.want)
		})
	}
	d, err := decodeDashboard(mutate(t, func(map[string]any) {}))
	if err != nil {
		t.Fatal(err)
	}
	if errs := checkStructure("vigil-detections.json", d); len(errs) > 0 {
		t.Errorf("unchanged dashboard rejected: %v", errs)
	}
}
