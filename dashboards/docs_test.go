package dashboards

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// metricsDoc is the reference of every metric the agent exposes.
const metricsDoc = "../docs/metrics.md"

// docSection matches the heading of one metric's section: ### `vigil_x`.
var docSection = regexp.MustCompile("^### `(vigil_[a-z0-9_]+)`\\s*$")

// docMetricName finds vigil_ metric names in running text; names inside
// recording-rule names (level:metric:operations) are not metric names.
var docMetricName = regexp.MustCompile(`(?:^|[^A-Za-z0-9_:])(vigil_[a-z0-9_]+)`)

// docPanels is the line of a section that lists the panels reading it.
const docPanels = "**Panels:** "

// parseMetricsDoc returns the text of each metric section by name, and
// every vigil_ name the document mentions anywhere.
func parseMetricsDoc(text string) (sections map[string]string, mentioned []string, errs []error) {
	sections = map[string]string{}
	var cur string
	var body strings.Builder
	flush := func() {
		if cur != "" {
			sections[cur] = body.String()
		}
		cur = ""
		body.Reset()
	}
	for line := range strings.SplitSeq(text, "\n") {
		if m := docSection.FindStringSubmatch(line); m != nil {
			flush()
			if _, dup := sections[m[1]]; dup {
				errs = append(errs, fmt.Errorf("%s documented twice", m[1]))
			}
			cur = m[1]
			continue
		}
		if strings.HasPrefix(line, "#") {
			flush()
			continue
		}
		if cur != "" {
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	flush()
	for _, m := range docMetricName.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(mentioned, m[1]) {
			mentioned = append(mentioned, m[1])
		}
	}
	return sections, mentioned, errs
}

// checkMetricsDoc compares the document with the golden and with the
// panels that read each metric.
func checkMetricsDoc(text string, g golden, readers map[string][]panelRef) []error {
	sections, mentioned, errs := parseMetricsDoc(text)
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, name := range mentioned {
		if _, ok := g.family(name); !ok {
			bad("names %s, which the agent does not expose (not in %s)", name, goldenPath)
		}
	}
	names := make([]string, 0, len(g))
	for name := range g {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		m := g[name]
		body, ok := sections[name]
		if !ok {
			bad("no section \"### `%s`\"", name)
			continue
		}
		if !strings.Contains(body, "**Type:** "+m.typ) {
			bad("%s: no \"**Type:** %s\"", name, m.typ)
		}
		if !strings.Contains(body, "> "+m.help) {
			bad("%s: HELP not quoted as \"> %s\"", name, m.help)
		}
		for l, values := range m.labels {
			if !strings.Contains(body, "`"+l+"`") {
				bad("%s: label `%s` not documented", name, l)
			}
			if slices.Contains(fixedLabels, l) {
				for _, v := range values {
					if !strings.Contains(body, "`"+v+"`") {
						bad("%s: value `%s` of label %s not documented", name, v, l)
					}
				}
			}
		}
		if len(m.labels) == 0 && !strings.Contains(body, "**Labels:** none") {
			bad("%s: has no labels; say \"**Labels:** none\"", name)
		}
		want := "none"
		if refs := readers[name]; len(refs) > 0 {
			s := make([]string, len(refs))
			for i, r := range refs {
				s[i] = r.String()
			}
			slices.Sort(s)
			want = strings.Join(s, "; ")
		}
		var got string
		for line := range strings.SplitSeq(body, "\n") {
			if rest, ok := strings.CutPrefix(line, docPanels); ok {
				parts := strings.Split(strings.TrimSpace(rest), ";")
				for i := range parts {
					parts[i] = strings.TrimSpace(parts[i])
				}
				slices.Sort(parts)
				got = strings.Join(parts, "; ")
			}
		}
		if got != want {
			bad("%s: panels line %q, want \"%s%s\"", name, got, docPanels, want)
		}
	}
	return errs
}

func TestMetricsDoc(t *testing.T) {
	b, err := os.ReadFile(metricsDoc)
	if err != nil {
		t.Fatal(err)
	}
	g := loadGolden(t)
	readers := metricReaders(t, g)
	for _, err := range checkMetricsDoc(string(b), g, readers) {
		t.Errorf("%s: %v", metricsDoc, err)
	}
}

func TestCheckMetricsDocRejects(t *testing.T) {
	g := golden{"vigil_x_total": {name: "vigil_x_total", typ: "counter", help: "Xs seen, by stage.",
		labels: map[string][]string{"stage": {"kernel", "userspace"}}}}
	readers := map[string][]panelRef{"vigil_x_total": {{"Agent health", "Xs"}}}
	good := "# Metrics\n\n### `vigil_x_total`\n\n**Type:** counter · **Labels:** `stage` (`kernel`, `userspace`)\n\n" +
		"> Xs seen, by stage.\n\n**Panels:** Agent health › Xs\n"
	if errs := checkMetricsDoc(good, g, readers); len(errs) > 0 {
		t.Fatalf("good document rejected: %v", errs)
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"missing section", "# Metrics\n", "no section"},
		{"unknown metric", good + "\nAlert on vigil_y_total.\n", "vigil_y_total, which the agent does not expose"},
		{"wrong type", strings.Replace(good, "counter", "gauge", 1), "no \"**Type:** counter\""},
		{"stale help", strings.Replace(good, "Xs seen", "X seen", 1), "HELP not quoted"},
		{"label value missing", strings.Replace(good, ", `userspace`", "", 1), "value `userspace`"},
		{"panels differ", strings.Replace(good, "› Xs", "› Ys", 1), "panels line"},
		{"twice", good + good[len("# Metrics\n"):], "documented twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, err := range checkMetricsDoc(tc.doc, g, readers) {
				if strings.Contains(err.Error(), tc.want) {
					return
				}
			}
			t.Errorf("want an error containing %q", tc.want)
		})
	}
	// A recording rule's name contains a metric name but is not one.
	if errs := checkMetricsDoc(good+"\ninstance_stage:vigil_y:ratio_rate5m\n", g, readers); len(errs) > 0 {
		t.Errorf("recording rule name taken for a metric: %v", errs)
	}
}
