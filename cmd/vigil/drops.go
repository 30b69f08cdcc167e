package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vigilsec/vigil/collector/kernel"
	"github.com/vigilsec/vigil/collector/record"
)

// dropMonitor watches the share of events lost before rule evaluation
// (kernel ring full or oversize, user-space decode errors) and, above the
// threshold, logs, raises an internal detection and/or stops the agent, at
// most once per interval.
type dropMonitor struct {
	e   *env
	cfg dropsConfig
	// totals returns the events delivered and lost so far.
	totals func() (delivered, lost uint64, ok bool)
	raise  *raiser
	intern *internalRules
	stop   context.CancelCauseFunc // the agent's run context, for the exit action

	lastDelivered, lastLost uint64
	lastReport              time.Time
}

// errTooManyDrops ends the agent when the exit action is configured.
var errTooManyDrops = errors.New("events lost above the drops threshold")

// probeTotals returns a totals function over the probe's counters: records
// delivered, and those lost in the kernel (ring full, oversize) or not
// decoded.
func probeTotals(probe *kernel.Probe) func() (delivered, lost uint64, ok bool) {
	return func() (delivered, lost uint64, ok bool) {
		c, err := probe.Counters()
		if err != nil {
			return 0, 0, false
		}
		for _, k := range record.Kinds() {
			lost += c.Kernel[k][kernel.ReasonRingFull] + c.Kernel[k][kernel.ReasonOversize]
		}
		return c.Delivered, lost + c.DecodeErrors, true
	}
}

// run checks once a second until ctx ends.
func (d *dropMonitor) run(ctx context.Context) {
	d.lastDelivered, d.lastLost, _ = d.totals()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			d.check(now)
		}
	}
}

func (d *dropMonitor) check(now time.Time) {
	delivered, lost, ok := d.totals()
	if !ok {
		return
	}
	dd, dl := delivered-d.lastDelivered, lost-d.lastLost
	d.lastDelivered, d.lastLost = delivered, lost
	if dl == 0 {
		return
	}
	ratio := float64(dl) / float64(dd+dl)
	if ratio <= d.cfg.Threshold || now.Sub(d.lastReport) < d.cfg.Interval {
		return
	}
	d.lastReport = now
	text := fmt.Sprintf("%d of %d events lost in the last second (%.1f%% > %.1f%% threshold): detections may be missing",
		dl, dd+dl, 100*ratio, 100*d.cfg.Threshold)
	if slices.Contains(d.cfg.Actions, "log") {
		d.e.log.Warn("events lost", "lost", dl, "total", dd+dl, "ratio", ratio)
	}
	if slices.Contains(d.cfg.Actions, "alert") {
		d.raise.raise(d.intern.eventsLost, text, map[string]any{"lost": dl, "total": dd + dl, "ratio": ratio})
	}
	if slices.Contains(d.cfg.Actions, "exit") {
		d.stop(errTooManyDrops)
	}
}
