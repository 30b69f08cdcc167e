package main

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/vigilsec/vigil/exporter"
)

func TestDropMonitor(t *testing.T) {
	type step struct {
		delivered, lost uint64
		at              time.Duration
	}
	cases := []struct {
		name       string
		cfg        dropsConfig
		steps      []step
		wantAlerts int
		wantExit   bool
	}{
		{"below threshold", dropsConfig{Threshold: 0.1, Actions: []string{"alert"}, Interval: time.Second},
			[]step{{1000, 50, time.Second}, {2000, 100, 2 * time.Second}}, 0, false},
		{"above, rate limited", dropsConfig{Threshold: 0.1, Actions: []string{"log", "alert"}, Interval: 30 * time.Second},
			[]step{{1000, 500, time.Second}, {2000, 1000, 2 * time.Second}, {3000, 1500, 40 * time.Second}}, 2, false},
		{"no loss no report", dropsConfig{Threshold: 0, Actions: []string{"alert"}, Interval: time.Second},
			[]step{{1000, 0, time.Second}, {5000, 0, 5 * time.Second}}, 0, false},
		{"exit", dropsConfig{Threshold: 0.1, Actions: []string{"exit"}, Interval: time.Second},
			[]step{{100, 900, time.Second}}, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := exporter.NewMetrics("test", "test")
			d := exporter.NewDispatcher(m, slog.New(slog.DiscardHandler))
			col := &collectOutput{}
			d.Add(col, exporter.OutputConfig{})
			d.Start()
			var cur step
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			dm := &dropMonitor{e: &env{log: slog.New(slog.DiscardHandler)}, cfg: tc.cfg, raise: &raiser{out: d, metrics: m},
				intern: newInternalRules(), stop: cancel,
				totals: func() (uint64, uint64, bool) { return cur.delivered, cur.lost, true }}
			t0 := time.Unix(1_000_000, 0)
			for _, s := range tc.steps {
				cur = s
				dm.check(t0.Add(s.at))
			}
			d.Close(context.Background())
			if got := len(col.rules()); got != tc.wantAlerts {
				t.Errorf("%d alerts, want %d", got, tc.wantAlerts)
			}
			for _, r := range col.rules() {
				if r != "Vigil Events Lost" {
					t.Errorf("alert %q", r)
				}
			}
			if exited := errors.Is(context.Cause(ctx), errTooManyDrops); exited != tc.wantExit {
				t.Errorf("exit %v, want %v", exited, tc.wantExit)
			}
		})
	}
}
