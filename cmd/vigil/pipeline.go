package main

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vigilsec/vigil/collector"
	"github.com/vigilsec/vigil/exporter"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
)

// pipeline evaluates the rules against every event of a source and hands
// detections to the outputs through a bounded queue, so a slow output never
// stalls the source (a full queue drops and counts).
type pipeline struct {
	eval     *rules.Evaluator
	metrics  *exporter.Metrics
	out      *exporter.JSONWriter
	bootWall int64 // wall-clock ns at boot, to place kernel timestamps in time
	log      *slog.Logger

	cur      *collector.Event       // event being evaluated, for emit
	emitFn   func(*rules.Rule) bool // p.emit, bound once so Evaluate does not allocate
	queue    chan rules.Detection
	qlen     prometheus.Gauge
	received [fields.NumEventTypes]prometheus.Counter
	matched  atomic.Uint64
	wg       sync.WaitGroup
}

func newPipeline(rs *rules.Ruleset, m *exporter.Metrics, out *exporter.JSONWriter, queueSize int, bootWall int64, log *slog.Logger) *pipeline {
	p := &pipeline{
		eval: rs.NewEvaluator(), metrics: m, out: out, bootWall: bootWall, log: log,
		queue: make(chan rules.Detection, queueSize),
	}
	p.emitFn = p.emit
	var qcap prometheus.Gauge
	p.qlen, qcap = m.Queue("stdout")
	qcap.Set(float64(queueSize))
	return p
}

// start runs the output goroutine until the queue is closed by stop.
func (p *pipeline) start() {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for d := range p.queue {
			p.qlen.Set(float64(len(p.queue)))
			if err := p.out.Write(&d); err != nil {
				p.metrics.OutputResult("stdout", "failed")
				p.log.Warn("write detection", "err", err)
				continue
			}
			p.metrics.OutputResult("stdout", "sent")
		}
	}()
}

// stop drains the queue and waits for the output goroutine.
func (p *pipeline) stop() {
	p.eval.Flush()
	close(p.queue)
	p.wg.Wait()
}

// handle evaluates one event; it runs on the source's goroutine.
func (p *pipeline) handle(ev *collector.Event) {
	t := ev.Type()
	if t != fields.EventUnknown {
		c := p.received[t]
		if c == nil {
			c = p.metrics.Received(t.String())
			p.received[t] = c
		}
		c.Inc()
	}
	p.cur = ev
	p.eval.Evaluate(ev, p.emitFn)
	p.cur = nil
}

// emit renders and queues the detection of r for the current event.
func (p *pipeline) emit(r *rules.Rule) bool {
	ev := p.cur
	p.matched.Add(1)
	p.metrics.Match(r)
	evTime := time.Unix(0, p.bootWall+int64(ev.Rec.TS))
	d := p.eval.Detect(r, ev, evTime)
	p.metrics.ObserveLatency(time.Since(evTime).Seconds())
	select {
	case p.queue <- d:
	default:
		p.metrics.DetectionDropped("queue_full")
	}
	return true
}

// run feeds the source through the pipeline until ctx ends or the source
// is exhausted.
func (p *pipeline) run(ctx context.Context, src collector.Source) error {
	p.start()
	defer p.stop()
	return src.Run(ctx, p.handle)
}
