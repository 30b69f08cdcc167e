package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// wantDashboards are the dashboards this directory must hold, by file
// name, with their stable uid and title. Grafana links and provisioning
// rely on the uids; never change them.
var wantDashboards = map[string]struct{ uid, title string }{
	"vigil-detections.json": {"vigil-detections", "Vigil / Detections"},
	"vigil-agent.json":      {"vigil-agent", "Vigil / Agent health"},
}

// panelTypes are the current Grafana panel types the dashboards may use;
// graph, singlestat and table-old are gone from Grafana.
var panelTypes = []string{"row", "timeseries", "stat", "table", "barchart", "bargauge", "heatmap"}

// datasourceUID is how every panel and target names its data source: the
// dashboard's datasource variable, so that the JSON imports anywhere.
const datasourceUID = "${datasource}"

// The types below are the dashboard JSON as far as the tests read it;
// decoding is strict, so an unknown or misspelt key is an error. Free-form
// parts (options, field config) stay raw.
type dashboardJSON struct {
	Annotations          json.RawMessage `json:"annotations"`
	Description          string          `json:"description"`
	Editable             bool            `json:"editable"`
	FiscalYearStartMonth int             `json:"fiscalYearStartMonth"`
	GraphTooltip         int             `json:"graphTooltip"`
	ID                   *int            `json:"id"`
	Links                json.RawMessage `json:"links"`
	Panels               []panelJSON     `json:"panels"`
	Refresh              string          `json:"refresh"`
	SchemaVersion        int             `json:"schemaVersion"`
	Tags                 []string        `json:"tags"`
	Templating           struct {
		List []variableJSON `json:"list"`
	} `json:"templating"`
	Time       struct{ From, To string } `json:"time"`
	Timepicker json.RawMessage           `json:"timepicker"`
	Timezone   string                    `json:"timezone"`
	Title      string                    `json:"title"`
	UID        string                    `json:"uid"`
	Version    int                       `json:"version"`
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type gridPos struct{ H, W, X, Y int }

type panelJSON struct {
	Collapsed       *bool           `json:"collapsed"`
	Datasource      *datasourceRef  `json:"datasource"`
	Description     string          `json:"description"`
	FieldConfig     json.RawMessage `json:"fieldConfig"`
	GridPos         *gridPos        `json:"gridPos"`
	ID              int             `json:"id"`
	Options         json.RawMessage `json:"options"`
	Panels          []panelJSON     `json:"panels"`
	Targets         []targetJSON    `json:"targets"`
	Title           string          `json:"title"`
	Transformations json.RawMessage `json:"transformations"`
	Type            string          `json:"type"`
}

type targetJSON struct {
	Datasource   *datasourceRef `json:"datasource"`
	EditorMode   string         `json:"editorMode"`
	Expr         string         `json:"expr"`
	Format       string         `json:"format"`
	Instant      bool           `json:"instant"`
	LegendFormat string         `json:"legendFormat"`
	Range        bool           `json:"range"`
	RefID        string         `json:"refId"`
}

type variableJSON struct {
	AllValue    *string         `json:"allValue"`
	Current     json.RawMessage `json:"current"`
	Datasource  *datasourceRef  `json:"datasource"`
	Definition  string          `json:"definition"`
	Description string          `json:"description"`
	Hide        int             `json:"hide"`
	IncludeAll  bool            `json:"includeAll"`
	Label       string          `json:"label"`
	Multi       bool            `json:"multi"`
	Name        string          `json:"name"`
	Options     json.RawMessage `json:"options"`
	Query       string          `json:"query"`
	Refresh     int             `json:"refresh"`
	Regex       string          `json:"regex"`
	Sort        int             `json:"sort"`
	Type        string          `json:"type"`
}

// loadedDashboard is one dashboard file, decoded.
type loadedDashboard struct {
	file string
	d    dashboardJSON
}

// shortName is the dashboard title without the "Vigil / " prefix, as
// docs/metrics.md names it.
func (l loadedDashboard) shortName() string { return strings.TrimPrefix(l.d.Title, "Vigil / ") }

// decodeDashboard decodes one dashboard strictly.
func decodeDashboard(b []byte) (dashboardJSON, error) {
	var d dashboardJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, err
	}
	if dec.More() {
		return d, fmt.Errorf("trailing data after the dashboard object")
	}
	return d, nil
}

// loadDashboards decodes every *.json in the directory and requires exactly
// the files of wantDashboards.
func loadDashboards(t *testing.T) []loadedDashboard {
	t.Helper()
	files, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []loadedDashboard
	for _, f := range files {
		if _, ok := wantDashboards[f]; !ok {
			t.Errorf("%s: unexpected dashboard file (add it to wantDashboards with a stable uid)", f)
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, err := decodeDashboard(b)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		out = append(out, loadedDashboard{file: f, d: d})
	}
	for f := range wantDashboards {
		if !slices.ContainsFunc(out, func(l loadedDashboard) bool { return l.file == f }) {
			t.Errorf("dashboard %s missing or undecodable", f)
		}
	}
	return out
}

// allPanels flattens rows' nested panels.
func allPanels(ps []panelJSON) []panelJSON {
	var out []panelJSON
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// checkStructure returns the structural problems of one dashboard.
func checkStructure(file string, d dashboardJSON) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	want := wantDashboards[file]
	if d.UID != want.uid {
		bad("uid %q, want %q", d.UID, want.uid)
	}
	if d.Title != want.title {
		bad("title %q, want %q", d.Title, want.title)
	}
	if d.SchemaVersion != 40 {
		bad("schemaVersion %d, want 40", d.SchemaVersion)
	}
	if d.ID != nil {
		bad("id %d set; leave it null so that Grafana assigns one on import", *d.ID)
	}
	if d.Description == "" {
		bad("no description")
	}
	for _, tag := range []string{"vigil", "security"} {
		if !slices.Contains(d.Tags, tag) {
			bad("tag %q missing", tag)
		}
	}
	if d.Time.From == "" || d.Time.To == "" {
		bad("no default time range")
	}

	vars := map[string]variableJSON{}
	for i, v := range d.Templating.List {
		if v.Name == "" {
			bad("variable %d has no name", i)
			continue
		}
		if _, dup := vars[v.Name]; dup {
			bad("variable %q defined twice", v.Name)
		}
		vars[v.Name] = v
		switch v.Type {
		case "datasource":
			if v.Query != "prometheus" {
				bad("datasource variable %q selects %q, want prometheus", v.Name, v.Query)
			}
		case "query":
			if v.Datasource == nil || v.Datasource.Type != "prometheus" || v.Datasource.UID != datasourceUID {
				bad("variable %q: datasource %+v, want prometheus %s", v.Name, v.Datasource, datasourceUID)
			}
			if v.Definition != v.Query {
				bad("variable %q: definition %q differs from query %q", v.Name, v.Definition, v.Query)
			}
		case "custom":
			if v.Query == "" {
				bad("custom variable %q has no values", v.Name)
			}
		default:
			bad("variable %q has type %q (want datasource, query or custom)", v.Name, v.Type)
		}
		if v.IncludeAll && v.AllValue != nil && *v.AllValue != ".*" {
			bad("variable %q: allValue %q, want .* or Grafana's own list", v.Name, *v.AllValue)
		}
	}
	if v, ok := vars["datasource"]; !ok || v.Type != "datasource" {
		bad("no datasource variable of type datasource")
	}
	for _, name := range []string{"job", "instance"} {
		if v, ok := vars[name]; !ok || v.Type != "query" || !v.Multi || !v.IncludeAll {
			bad("no multi-value query variable %q with All", name)
		}
	}
	if v, ok := vars["priority"]; ok {
		if v.Type != "custom" || v.Query != strings.Join(priorityNames, ",") {
			bad("priority variable must be the custom list %q, most severe first", strings.Join(priorityNames, ","))
		}
	}

	ids := map[int]string{}
	titles := map[string]bool{}
	var boxes []panelJSON
	panels := allPanels(d.Panels)
	if len(panels) == 0 {
		bad("no panels")
	}
	for _, p := range panels {
		where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if p.ID <= 0 {
			bad("%s: id must be > 0", where)
		} else if other, dup := ids[p.ID]; dup {
			bad("%s: id also used by %q", where, other)
		}
		ids[p.ID] = p.Title
		if p.Title == "" {
			bad("%s: no title", where)
		} else if titles[p.Title] {
			bad("%s: title used twice", where)
		}
		titles[p.Title] = true
		if !slices.Contains(panelTypes, p.Type) {
			bad("%s: panel type %q is not one of %v", where, p.Type, panelTypes)
		}
		if g := p.GridPos; g == nil {
			bad("%s: no gridPos", where)
		} else {
			if g.W < 1 || g.H < 1 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
				bad("%s: gridPos %+v outside the 24-column grid", where, *g)
			}
			if p.Type == "row" && (g.W != 24 || g.H != 1 || g.X != 0) {
				bad("%s: row gridPos %+v, want full width, height 1", where, *g)
			}
			for _, o := range boxes {
				if overlap(*g, *o.GridPos) {
					bad("%s: gridPos %+v overlaps panel %d %q", where, *g, o.ID, o.Title)
				}
			}
			boxes = append(boxes, p)
		}
		if p.Type == "row" {
			if len(p.Targets) > 0 || p.Datasource != nil {
				bad("%s: a row has no queries", where)
			}
			if p.Collapsed == nil || (!*p.Collapsed && len(p.Panels) > 0) {
				bad("%s: an expanded row keeps its panels at top level", where)
			}
			continue
		}
		if p.Description == "" {
			bad("%s: no description (the panel's i tooltip)", where)
		}
		if p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != datasourceUID {
			bad("%s: datasource %+v, want prometheus %s", where, p.Datasource, datasourceUID)
		}
		if len(p.Targets) == 0 {
			bad("%s: no targets", where)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.Datasource == nil || tg.Datasource.Type != "prometheus" || tg.Datasource.UID != datasourceUID {
				bad("%s target %s: datasource %+v, want prometheus %s", where, tg.RefID, tg.Datasource, datasourceUID)
			}
			if tg.RefID == "" || refs[tg.RefID] {
				bad("%s: refId %q empty or repeated", where, tg.RefID)
			}
			refs[tg.RefID] = true
			if strings.TrimSpace(tg.Expr) == "" {
				bad("%s target %s: empty expr", where, tg.RefID)
			}
			if tg.Instant == tg.Range {
				bad("%s target %s: exactly one of instant and range", where, tg.RefID)
			}
			if !slices.Contains([]string{"time_series", "table", "heatmap"}, tg.Format) {
				bad("%s target %s: format %q", where, tg.RefID, tg.Format)
			}
			if p.Type == "timeseries" && !tg.Range {
				bad("%s target %s: a timeseries panel needs a range query", where, tg.RefID)
			}
			if (p.Type == "table" || p.Type == "barchart") && !tg.Instant {
				bad("%s target %s: a %s panel reads an instant query", where, tg.RefID, p.Type)
			}
		}
	}
	return errs
}

// overlap reports whether two grid rectangles share a cell.
func overlap(a, b gridPos) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

func TestDashboardStructure(t *testing.T) {
	for _, l := range loadDashboards(t) {
		for _, err := range checkStructure(l.file, l.d) {
			t.Errorf("%s: %v", l.file, err)
		}
	}
}

// panelRef names a panel as docs/metrics.md does: "Agent health › CPU".
type panelRef struct{ dashboard, title string }

func (p panelRef) String() string { return p.dashboard + " › " + p.title }

// checkQueries checks every variable query and panel query of a dashboard
// and returns, per metric family read, the panels that read it.
func checkQueries(l loadedDashboard, g golden) (map[string][]panelRef, []error) {
	var errs []error
	c := &queryChecker{g: g, vars: map[string]bool{}}
	for _, v := range l.d.Templating.List {
		c.vars[v.Name] = true
	}
	used := map[string]bool{}
	for _, v := range l.d.Templating.List {
		if v.Type != "query" {
			continue
		}
		_, u, es := c.checkVariableQuery(v.Query)
		for _, e := range es {
			errs = append(errs, fmt.Errorf("variable %q: %w", v.Name, e))
		}
		for _, name := range u {
			used[name] = true
		}
	}
	readers := map[string][]panelRef{}
	for _, p := range allPanels(l.d.Panels) {
		if p.Datasource != nil {
			used["datasource"] = true
		}
		for _, tg := range p.Targets {
			metrics, u, es := c.checkExpr(tg.Expr, tg.LegendFormat)
			for _, e := range es {
				errs = append(errs, fmt.Errorf("panel %d %q target %s: %w", p.ID, p.Title, tg.RefID, e))
			}
			for _, name := range u {
				used[name] = true
			}
			for _, m := range metrics {
				ref := panelRef{l.shortName(), p.Title}
				if !slices.Contains(readers[m], ref) {
					readers[m] = append(readers[m], ref)
				}
			}
		}
	}
	for name := range c.vars {
		if !used[name] {
			errs = append(errs, fmt.Errorf("variable $%s is defined but no query uses it", name))
		}
	}
	return readers, errs
}

// metricReaders checks all dashboards' queries and returns which panels
// read each metric family.
func metricReaders(t *testing.T, g golden) map[string][]panelRef {
	t.Helper()
	all := map[string][]panelRef{}
	for _, l := range loadDashboards(t) {
		readers, errs := checkQueries(l, g)
		for _, err := range errs {
			t.Errorf("%s: %v", l.file, err)
		}
		for m, refs := range readers {
			all[m] = append(all[m], refs...)
		}
	}
	return all
}

func TestDashboardQueries(t *testing.T) {
	g := loadGolden(t)
	readers := metricReaders(t, g)
	if len(readers["vigil_rule_matches_total"]) == 0 {
		t.Error("no panel reads vigil_rule_matches_total")
	}
	var unread []string
	for name := range g {
		if len(readers[name]) == 0 {
			unread = append(unread, name)
		}
	}
	slices.Sort(unread)
	for _, name := range unread {
		t.Logf("no panel reads %s", name)
	}
	t.Logf("%d metric families read by the dashboards, %d of the golden's %d unread", len(readers), len(unread), len(g))
}
