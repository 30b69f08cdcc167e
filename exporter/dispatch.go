package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// Dispatcher fans detections out to outputs. Each output has its own
// bounded queue and goroutine: Publish never blocks, a slow or failing
// output only fills (and then overflows, counted) its own queue.
type Dispatcher struct {
	// OnFailure, when set before Start, is called from the output's
	// goroutine when an output that was healthy fails a write.
	OnFailure func(output string, err error)

	metrics *Metrics
	log     *slog.Logger
	outs    []*outputQueue
	closed  atomic.Bool
	wg      sync.WaitGroup
}

type outputQueue struct {
	out     Output
	cfg     OutputConfig
	q       chan *Detection
	qlen    prometheus.Gauge
	failing atomic.Bool // the last write failed
	lastErr time.Time   // last failure logged (owned by the output goroutine)
}

// NewDispatcher returns a dispatcher with no outputs.
func NewDispatcher(m *Metrics, log *slog.Logger) *Dispatcher {
	return &Dispatcher{metrics: m, log: log}
}

// Add registers an output. Call Add for every output before Start.
func (d *Dispatcher) Add(out Output, cfg OutputConfig) {
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if !cfg.MinPriority.Valid() {
		cfg.MinPriority = rulefile.PriorityDebug
	}
	qlen, qcap := d.metrics.Queue(out.Name())
	qcap.Set(float64(cfg.QueueSize))
	d.metrics.InitOutput(out.Name())
	d.outs = append(d.outs, &outputQueue{out: out, cfg: cfg, q: make(chan *Detection, cfg.QueueSize), qlen: qlen})
}

// Start runs one goroutine per output until Close.
func (d *Dispatcher) Start() {
	for _, o := range d.outs {
		d.wg.Add(1)
		go d.run(o)
	}
}

// Publish queues det for every output whose priority filter admits it. It
// never blocks: a full queue drops the detection for that output and counts
// it. det must not be modified afterwards.
func (d *Dispatcher) Publish(det *Detection) {
	for _, o := range d.outs {
		if !det.Priority().AtLeast(o.cfg.MinPriority) {
			continue
		}
		select {
		case o.q <- det:
			o.qlen.Set(float64(len(o.q)))
		default:
			d.metrics.DetectionDropped(o.out.Name(), "queue_full")
		}
	}
}

// Healthy reports the outputs that are not delivering, or nil.
func (d *Dispatcher) Healthy() error {
	var errs []error
	for _, o := range d.outs {
		if sc, ok := o.out.(SelfCounting); ok {
			if err := sc.Healthy(); err != nil {
				errs = append(errs, fmt.Errorf("output %s: %w", o.out.Name(), err))
			}
		} else if o.failing.Load() {
			errs = append(errs, fmt.Errorf("output %s failing", o.out.Name()))
		}
	}
	return errors.Join(errs...)
}

// run delivers one output's queue.
func (d *Dispatcher) run(o *outputQueue) {
	defer d.wg.Done()
	name := o.out.Name()
	sc, self := o.out.(SelfCounting)
	for det := range o.q {
		o.qlen.Set(float64(len(o.q)))
		err := o.out.Write(context.Background(), det)
		if self {
			err = sc.Healthy() // Write only queued; the export's outcome is what counts
		} else if err != nil {
			d.metrics.OutputResult(name, "failed")
		} else {
			d.metrics.OutputResult(name, "sent")
		}
		if err != nil {
			if !o.failing.Swap(true) && d.OnFailure != nil {
				d.OnFailure(name, err)
			}
			if now := time.Now(); now.Sub(o.lastErr) >= 10*time.Second {
				o.lastErr = now
				d.log.Warn("output failed", "output", name, "err", err)
			}
			continue
		}
		o.failing.Store(false)
	}
}

// Close lets every output drain its queue and closes the outputs, giving up
// when ctx ends (what is still queued then is counted as dropped). It must
// not run concurrently with Publish: call it once the source has stopped.
func (d *Dispatcher) Close(ctx context.Context) error {
	if d.closed.Swap(true) {
		return nil
	}
	for _, o := range d.outs {
		close(o.q)
	}
	drained := make(chan struct{})
	go func() { d.wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-ctx.Done():
		for _, o := range d.outs {
			for range len(o.q) {
				d.metrics.DetectionDropped(o.out.Name(), "shutdown")
			}
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, closeGrace)
		defer cancel()
	}
	var errs []error
	for _, o := range d.outs {
		if err := o.out.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("close output %s: %w", o.out.Name(), err))
		}
	}
	return errors.Join(errs...)
}
