package exporter

import (
	"context"
	"time"

	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// Detection is a rule match ready for the outputs: the rendered detection
// plus a fixed set of event fields captured when it matched, which outputs
// map to their own schema (OTLP attributes) whatever the rule's output
// names. It owns all its data.
type Detection struct {
	rules.Detection
	// Event maps field names (ContextFields) to JSON-style values, nil when
	// the event has no value; fields outside the set are absent.
	Event map[string]any
	// Internal marks detections Vigil raises about itself (drops, reload
	// failures, output failures): source "internal", no event.
	Internal bool
}

// Priority returns the detection's rule priority.
func (d *Detection) Priority() rulefile.Priority { return d.Rule.Priority }

// Output delivers detections to one destination. The Dispatcher calls
// Write and Close from the output's own goroutine, never from the
// detection path, so Write may block up to its own timeout.
type Output interface {
	// Name is the output's label in metrics: stdout, file, http, otlp.
	Name() string
	// Write delivers one detection; an error counts it as failed.
	Write(ctx context.Context, d *Detection) error
	// Close flushes what is buffered and releases resources, giving up
	// when ctx ends.
	Close(ctx context.Context) error
}

// SelfCounting is implemented by outputs that deliver asynchronously (in
// batches) and therefore count their own sent, failed and dropped records
// and judge their own health. The Dispatcher then counts only what its
// queue drops, and asks Healthy instead of looking at Write's error.
type SelfCounting interface {
	Output
	// Healthy returns why the output is not delivering, or nil.
	Healthy() error
	// CountsRecords marks the output as counting its own records.
	CountsRecords()
}

// OutputConfig says which detections an output receives and how many may
// wait for it.
type OutputConfig struct {
	// MinPriority is the least severe priority delivered.
	MinPriority rulefile.Priority
	// QueueSize bounds the detections waiting for the output; beyond it
	// they are dropped and counted.
	QueueSize int
}

// DefaultQueueSize is the queue bound when OutputConfig.QueueSize is 0.
const DefaultQueueSize = 4096

// closeGrace bounds how long Close waits for an output after its queue is
// drained, when the caller's context has no earlier deadline.
const closeGrace = 10 * time.Second
