package main

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilsec/vigil/exporter"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// collectOutput keeps what it is given.
type collectOutput struct {
	mu   sync.Mutex
	dets []*exporter.Detection
}

func (c *collectOutput) Name() string { return "test" }
func (c *collectOutput) Write(_ context.Context, d *exporter.Detection) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dets = append(c.dets, d)
	return nil
}
func (c *collectOutput) Close(context.Context) error { return nil }
func (c *collectOutput) rules() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var names []string
	for _, d := range c.dets {
		names = append(names, d.Rule.Name)
	}
	return names
}

func ruleYAML(name, procName string) string {
	return "- rule: " + name + "\n  desc: d\n  condition: evt.type = openat and proc.name = " + procName +
		"\n  output: opened %fd.name\n  priority: WARNING\n"
}

// matching returns the rules the pipeline's current evaluator reports for
// an openat by a process called procName.
func matching(t *testing.T, p *pipeline, procName string) []string {
	t.Helper()
	ev, err := fields.NewMapEvent(fields.NewRegistry(), mustEventType(t, "openat"), map[string]string{"proc.name": procName})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	p.eval.Load().Evaluate(ev, func(r *rules.Rule) bool { got = append(got, r.Name); return true })
	return got
}

func mustEventType(t *testing.T, name string) fields.EventType {
	et, ok := fields.LookupEventType(name)
	if !ok {
		t.Fatalf("no event type %s", name)
	}
	return et
}

// TestReload: a good reload swaps the rules; a broken file keeps the old
// ones, zeroes the reload gauge and raises an internal detection; the
// watcher notices edits by itself.
func TestReload(t *testing.T) {
	file := writeFile(t, "rules.yaml", ruleYAML("R1", "cat"))
	e := &env{stderr: os.Stderr, log: slog.New(slog.DiscardHandler)}
	rs, err := loadRules(e, mustSources(t, file), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := exporter.NewMetrics("test", "test")
	intern := newInternalRules()
	m.AddStaticRules(intern.all()...)
	m.SetRules(rs)
	d := exporter.NewDispatcher(m, e.log)
	col := &collectOutput{}
	d.Add(col, exporter.OutputConfig{})
	d.Start()
	capt, err := exporter.NewEventCapture(fields.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	p := newPipeline(rs, m, d, capt, e.log)
	rl := &reloader{e: e, files: []string{file}, metrics: m, pipe: p, raise: &raiser{out: d, metrics: m}, rule: intern.reloadFailed}
	rl.stamp = filesStamp(rl.files)
	gauge := func() float64 {
		return metricValue(t, m, "vigil_config_last_reload_successful")
	}

	if got := matching(t, p, "cat"); len(got) != 1 || got[0] != "R1" {
		t.Fatalf("before reload: %v", got)
	}
	if err := os.WriteFile(file, []byte("- rule: broken\n  condition: proc.nam = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if rl.reload("test") {
		t.Fatal("broken rules reported as loaded")
	}
	if got := matching(t, p, "cat"); len(got) != 1 || got[0] != "R1" {
		t.Fatalf("old rules lost after a failed reload: %v", got)
	}
	if gauge() != 0 {
		t.Error("reload gauge not 0 after a failure")
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rl.watch(ctx, 20*time.Millisecond); close(done) }()
	time.Sleep(50 * time.Millisecond)
	if err := os.WriteFile(file, []byte(ruleYAML("R2", "dd")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(matching(t, p, "dd")) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if got := matching(t, p, "dd"); len(got) != 1 || got[0] != "R2" {
		t.Fatalf("after the edit: %v", got)
	}
	if got := matching(t, p, "cat"); len(got) != 0 {
		t.Fatalf("R1 still active: %v", got)
	}
	if gauge() != 1 {
		t.Error("reload gauge not 1 after a good reload")
	}
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := col.rules(); len(got) != 1 || got[0] != "Vigil Rules Reload Failed" {
		t.Fatalf("internal detections %v", got)
	}
	if !strings.Contains(col.dets[0].Output, "rules.yaml:1:") || !col.dets[0].Internal || col.dets[0].Rule.Source != "internal" {
		t.Errorf("internal detection %+v", col.dets[0])
	}
}

func mustSources(t *testing.T, paths ...string) []rulefile.Source {
	t.Helper()
	srcs, err := readRuleSources(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srcs
}

// metricValue returns the value of the unlabelled gauge or counter name.
func metricValue(t *testing.T, m *exporter.Metrics, name string) float64 {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name || len(mf.GetMetric()) != 1 {
			continue
		}
		mt := mf.GetMetric()[0]
		if g := mt.GetGauge(); g != nil {
			return g.GetValue()
		}
		return mt.GetCounter().GetValue()
	}
	t.Fatalf("no single series %s", name)
	return 0
}
