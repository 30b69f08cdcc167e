package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vigilsec/vigil/collector"
	"github.com/vigilsec/vigil/collector/capture"
	"github.com/vigilsec/vigil/collector/kernel"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
)

type captureCmd struct {
	Output   string        `short:"o" required:"" placeholder:"FILE" help:"Capture file to write."`
	Duration time.Duration `default:"0s" help:"Stop after this long (0: until interrupted)."`
	Rules    []string      `name:"rules" sep:"none" placeholder:"PATH" help:"Rules whose event types to capture besides the state-keeping set (default: the built-in rules)."`
	RingSize int           `name:"kernel.ring-size" default:"8388608" help:"Bytes per BPF ring buffer."`
}

// Run records kernel events, with the process state they need, so that
// `vigil run --replay` can evaluate rules on them later without root.
func (c *captureCmd) Run(e *env) error {
	srcs, err := readRuleSources(c.Rules, e.stdin)
	if err != nil {
		return err
	}
	rs, err := loadRules(e, srcs, rules.Options{})
	if err != nil {
		return err
	}
	f, err := os.Create(c.Output)
	if err != nil {
		return fmt.Errorf("create capture: %w", err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)

	st := newState()
	probe, err := openProbe(e, st, kernelConfig{RingSize: c.RingSize, EntrySnapshots: true}, rs)
	if err != nil {
		return err
	}
	defer probe.Close()

	hdr, err := capture.HostHeader("vigil " + version)
	if err != nil {
		return fmt.Errorf("capture header: %w", err)
	}
	w, err := capture.NewWriter(bw, hdr)
	if err != nil {
		return fmt.Errorf("capture header: %w", err)
	}
	bootWall, err := capture.BootTime()
	if err != nil {
		return fmt.Errorf("boot time: %w", err)
	}
	// Load the host's user database now so the snapshot carries it: replay
	// must name users without reading the replaying host's files.
	st.Users.UserName(0, 0, 0)
	snapTS := uint64(time.Now().UnixNano() - bootWall)
	if err := w.WriteSnapshot(capture.TakeSnapshot(snapTS, st.Procs, st.Users, st.Containers)); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Duration)
		defer cancel()
	}
	src := collector.NewLiveSource(probe, st, e.log)
	src.RecordTo(w)
	var events uint64
	runErr := src.Run(ctx, func(ev *collector.Event) {
		if ev.Type() != fields.EventUnknown {
			events++
		}
	})
	if cnt, err := probe.Counters(); err == nil {
		var dropped uint64
		for k := range cnt.Kernel {
			dropped += cnt.Kernel[k][kernel.ReasonRingFull]
		}
		w.AddDropped(dropped)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("close capture: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write capture: %w", err)
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) && !errors.Is(runErr, context.DeadlineExceeded) {
		return fmt.Errorf("capture: %w", runErr)
	}
	e.log.Info("capture written", "file", c.Output, "records", w.Records(), "events", events, "record_errors", src.RecordErrors())
	return nil
}
