package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vigilsec/vigil/collector"
	containerrt "github.com/vigilsec/vigil/collector/runtime"
	"github.com/vigilsec/vigil/exporter"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
)

// pipeline evaluates the rules against every event of a source and hands
// detections to the dispatcher, whose per-output queues are bounded, so a
// slow output never stalls the source (a full queue drops and counts).
type pipeline struct {
	eval    atomic.Pointer[rules.Evaluator] // swapped on reload
	metrics *exporter.Metrics
	out     *exporter.Dispatcher
	capture *exporter.EventCapture
	log     *slog.Logger

	cur      *collector.Event       // event being evaluated, for emit
	curEval  *rules.Evaluator       // evaluator of the current event
	last     *rules.Evaluator       // evaluator of the previous event, flushed when replaced
	emitFn   func(*rules.Rule) bool // p.emit, bound once so Evaluate does not allocate
	received [fields.NumEventTypes]prometheus.Counter
	matched  atomic.Uint64
	n        uint64 // events handled, for sampling the evaluation time

	// containers waits (within its budget) for the metadata of a container
	// seen for the first time; nil when container lookups are off.
	containers *containerrt.Resolver
	lastCtr    string // full id of the last container awaited
}

func newPipeline(rs *rules.Ruleset, m *exporter.Metrics, out *exporter.Dispatcher, capture *exporter.EventCapture, log *slog.Logger) *pipeline {
	p := &pipeline{metrics: m, out: out, capture: capture, log: log}
	p.eval.Store(rs.NewEvaluator())
	p.emitFn = p.emit
	return p
}

// swap installs a new rule set; the next event is evaluated with it.
func (p *pipeline) swap(rs *rules.Ruleset) { p.eval.Store(rs.NewEvaluator()) }

// evalSample is how often (in events) one evaluation is timed.
const evalSample = 64

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
	if p.containers != nil && ev.Proc != nil {
		if id := ev.Proc.Container; !id.IsHost() && id.Full != p.lastCtr {
			p.containers.Await(id)
			p.lastCtr = id.Full
		}
	}
	p.cur, p.curEval = ev, p.eval.Load()
	if p.curEval != p.last {
		if p.last != nil {
			p.last.Flush() // publish the replaced rule set's pending counts
		}
		p.last = p.curEval
	}
	p.n++
	if p.n%evalSample == 0 {
		start := time.Now()
		p.curEval.Evaluate(ev, p.emitFn)
		p.metrics.ObserveEvaluation(time.Since(start).Seconds())
	} else {
		p.curEval.Evaluate(ev, p.emitFn)
	}
	p.cur, p.curEval = nil, nil
}

// emit renders the detection of r for the current event and publishes it.
func (p *pipeline) emit(r *rules.Rule) bool {
	ev := p.cur
	p.matched.Add(1)
	p.metrics.Match(r)
	evTime := ev.Time()
	d := &exporter.Detection{Detection: p.curEval.Detect(r, ev, evTime), Event: p.capture.Capture(ev)}
	p.metrics.ObserveLatency(time.Since(evTime).Seconds())
	p.out.Publish(d)
	return true
}

// run feeds the source through the pipeline until ctx ends or the source
// is exhausted; flushes the evaluator's pending state at the end.
func (p *pipeline) run(ctx context.Context, src collector.Source) error {
	defer p.eval.Load().Flush()
	return src.Run(ctx, p.handle)
}
