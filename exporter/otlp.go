package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// OTLP protocols.
const (
	OTLPProtocolGRPC = "grpc"
	OTLPProtocolHTTP = "http/protobuf"
)

// otlpOutputName is the OTLP output's label in metrics.
const otlpOutputName = "otlp"

// otlpScopeName is the instrumentation scope of the records: this package.
const otlpScopeName = "github.com/vigilsec/vigil/exporter"

// defaultOTLPTimeout is how long Write waits for room in the pipeline when
// OTLPConfig.Timeout is 0 (the SDK's default export timeout).
const defaultOTLPTimeout = 10 * time.Second

// Errors Write returns for a detection it dropped (and counted).
var (
	// ErrOTLPQueueFull: the export pipeline stayed full for the whole
	// timeout.
	ErrOTLPQueueFull = errors.New("otlp: export queue full")
	// ErrOTLPClosed: the output was closed.
	ErrOTLPClosed = errors.New("otlp: output closed")
)

// OTLPConfig configures the OTLP logs output. Empty fields leave the
// setting to the OpenTelemetry SDK, which reads the standard environment
// variables (the LOGS-specific one first, then the generic one) and then
// falls back to its default, as noted per field.
type OTLPConfig struct {
	// Endpoint is host:port, or a URL http://host:port[/path] or
	// https://... (http:// implies Insecure). For http/protobuf a URL path
	// replaces the default /v1/logs; gRPC ignores paths. Empty:
	// OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT, then
	// localhost:4317 (grpc) or localhost:4318 (http/protobuf).
	Endpoint string
	// Protocol is "grpc" or "http/protobuf". Empty:
	// OTEL_EXPORTER_OTLP_LOGS_PROTOCOL, OTEL_EXPORTER_OTLP_PROTOCOL, then
	// http/protobuf (the OTLP specification's default).
	Protocol string
	// Insecure sends in plaintext. False leaves it to the endpoint's scheme
	// and OTEL_EXPORTER_OTLP_(LOGS_)INSECURE; TLS otherwise, with
	// OTEL_EXPORTER_OTLP_(LOGS_)CERTIFICATE and CLIENT_CERTIFICATE/KEY.
	Insecure bool
	// Headers are sent with every request (authentication). Empty:
	// OTEL_EXPORTER_OTLP_(LOGS_)HEADERS.
	Headers map[string]string
	// Timeout bounds one export, retries included, and how long Write
	// waits for room in a full pipeline. 0: the exporter uses
	// OTEL_EXPORTER_OTLP_(LOGS_)TIMEOUT, then 10s, and Write waits 10s.
	Timeout time.Duration
	// ExportInterval is the longest a record waits for its batch to be
	// sent. 0: OTEL_BLRP_SCHEDULE_DELAY, then 1s.
	ExportInterval time.Duration
	// QueueSize bounds the records accepted by Write and not yet exported
	// (the SDK's batch queue plus the batch being sent). 0:
	// DefaultQueueSize. OTEL_BLRP_MAX_QUEUE_SIZE is not used: the queue is
	// always this size, so the SDK never drops a record itself.
	QueueSize int
	// Resource holds resource attributes (service.version, host.name,
	// k8s.node.name, k8s.cluster.name...). They take precedence over
	// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME, which take precedence
	// over the defaults: service.name=vigil, a random service.instance.id,
	// the detected host.name, host.id, host.arch, os.type, os.description
	// and the SDK's telemetry.sdk.*.
	Resource map[string]string
	// RuleDescription adds security_rule.description (the rule's desc,
	// often long) to every record.
	RuleDescription bool
	// OmitOutputFields leaves out vigil.output_fields, the map of the
	// rule's output fields.
	OmitOutputFields bool
}

// OTLPOutput exports detections as OTLP log records (see otlpRecord for the
// mapping) through the OpenTelemetry SDK: a LoggerProvider with a
// BatchProcessor in front of the OTLP gRPC or HTTP exporter.
//
// Write only builds the record and hands it to the SDK; the SDK exports in
// batches from its own goroutine. Delivery is counted per record when its
// export ends, in vigil_output_records_total{output="otlp"} (sent or
// failed), with vigil_output_send_duration_seconds and
// vigil_output_last_success_timestamp_seconds per export request.
//
// Memory is bounded by QueueSize: every record holds a slot from Write until
// its export ends, and the SDK queue is as large as the slots, so the SDK
// never overwrites a record. When no slot frees within Timeout, Write drops
// the detection and counts it in vigil_detections_dropped_total
// {reason="queue_full"}. Records still unexported when Close gives up are
// counted with reason "shutdown".
type OTLPOutput struct {
	name     string
	metrics  *Metrics
	log      *slog.Logger
	provider *sdklog.LoggerProvider
	logger   otellog.Logger
	opts     recordOptions
	wait     time.Duration // longest Write waits for a slot

	// slots holds one token per record between Write and the end of its
	// export.
	slots chan struct{}
	done  chan struct{} // closed by Close

	// mu orders Emit (read-locked) before Close (locked), so that nothing
	// reaches the SDK after its shutdown begins.
	mu     sync.RWMutex
	closed bool

	// acct guards the delivery accounting shared by Write, the SDK's
	// export goroutine and Close.
	acct      sync.Mutex
	pending   int       // emitted, export not ended
	failed    uint64    // records counted failed
	abandoned bool      // Close has counted what is pending as dropped
	lastErr   error     // error of the last export when it delivered nothing
	lastWarn  time.Time // last failure logged
}

// NewOTLPOutput builds the OTLP output. It does not connect: an unreachable
// endpoint shows up as failed records, not as an error here. Errors are
// for invalid configuration.
func NewOTLPOutput(ctx context.Context, cfg OTLPConfig, m *Metrics, log *slog.Logger) (*OTLPOutput, error) {
	queue := cfg.QueueSize
	if queue <= 0 {
		queue = DefaultQueueSize
	}
	wait := cfg.Timeout
	if wait <= 0 {
		wait = defaultOTLPTimeout
	}
	o := &OTLPOutput{
		name:    otlpOutputName,
		metrics: m,
		log:     log,
		opts:    recordOptions{ruleDescription: cfg.RuleDescription, omitOutputs: cfg.OmitOutputFields},
		wait:    wait,
		slots:   make(chan struct{}, queue),
		done:    make(chan struct{}),
	}
	exp, err := newOTLPExporter(ctx, cfg)
	if err != nil {
		return nil, err
	}
	res, err := otlpResource(ctx, cfg.Resource)
	if err != nil {
		// Detection is best effort; what was detected is kept.
		log.Warn("otlp resource detection incomplete", "err", err)
	}
	bopts := []sdklog.BatchProcessorOption{sdklog.WithMaxQueueSize(queue)}
	if cfg.Timeout > 0 {
		bopts = append(bopts, sdklog.WithExportTimeout(cfg.Timeout))
	}
	if cfg.ExportInterval > 0 {
		bopts = append(bopts, sdklog.WithExportInterval(cfg.ExportInterval))
	}
	o.provider = sdklog.NewLoggerProvider(
		sdklog.WithResource(res),
		sdklog.WithProcessor(sdklog.NewBatchProcessor(&countingExporter{next: exp, out: o}, bopts...)),
	)
	// The schema URL pins the semantic conventions the attributes follow.
	o.logger = o.provider.Logger(otlpScopeName, logVersion(cfg.Resource), otellog.WithSchemaURL(semconv.SchemaURL))
	m.InitOutput(o.name)
	m.InitSend(o.name)
	return o, nil
}

// Name returns the output's metric label, "otlp".
func (o *OTLPOutput) Name() string { return o.name }

// CountsRecords marks the output as SelfCounting: it counts each record
// when its export ends, not when Write queues it.
func (o *OTLPOutput) CountsRecords() {}

// Write maps d to a log record and hands it to the SDK. It waits for a free
// slot at most the configured timeout; a detection it cannot hand over is
// counted as dropped and reported with ErrOTLPQueueFull or ErrOTLPClosed.
// A nil error means accepted, not delivered: delivery is counted when the
// export ends.
func (o *OTLPOutput) Write(ctx context.Context, d *Detection) error {
	rec := otlpRecord(d, o.opts)
	if id, err := uuid.NewV7(); err == nil {
		rec.AddAttributes(attribute.String(string(semconv.LogRecordUIDKey), id.String()))
	}
	if err := o.acquire(ctx); err != nil {
		return err
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.closed {
		o.release(1)
		o.metrics.DetectionDropped(o.name, "shutdown")
		return ErrOTLPClosed
	}
	o.acct.Lock()
	o.pending++
	o.acct.Unlock()
	o.logger.Emit(ctx, rec)
	return nil
}

// acquire takes a slot, waiting at most o.wait.
func (o *OTLPOutput) acquire(ctx context.Context) error {
	select {
	case o.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(o.wait)
	defer t.Stop()
	select {
	case o.slots <- struct{}{}:
		return nil
	case <-t.C:
		o.metrics.DetectionDropped(o.name, "queue_full")
		return ErrOTLPQueueFull
	case <-o.done:
		o.metrics.DetectionDropped(o.name, "shutdown")
		return ErrOTLPClosed
	case <-ctx.Done():
		o.metrics.DetectionDropped(o.name, "shutdown")
		return fmt.Errorf("otlp: %w", ctx.Err())
	}
}

// closing reports whether Close has begun.
func (o *OTLPOutput) closing() bool {
	select {
	case <-o.done:
		return true
	default:
		return false
	}
}

// release frees n slots.
func (o *OTLPOutput) release(n int) {
	for range n {
		<-o.slots
	}
}

// settle accounts for the end of one export of n records, rejected of
// which failed (all of them when the request failed), and frees their
// slots. An export cut short by a context while Close runs is Close giving
// up: its records stay pending, so Close counts them as shutdown drops
// whether the cut export or Close's own deadline is seen first.
func (o *OTLPOutput) settle(n, rejected int, err error, took time.Duration) {
	now := time.Now()
	o.acct.Lock()
	if !o.abandoned && !(o.closing() && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled))) {
		o.pending -= n
		if sent := n - rejected; sent > 0 {
			o.metrics.OutputResults(o.name, "sent", sent)
		}
		if rejected > 0 {
			o.metrics.OutputResults(o.name, "failed", rejected)
			o.failed += uint64(rejected)
		}
		o.metrics.ObserveSend(o.name, took.Seconds(), rejected < n, float64(now.UnixNano())/1e9)
		o.logResult(err, n, rejected, now)
	}
	o.acct.Unlock()
	o.release(n)
}

// logResult logs export failures and partial rejections at most every
// 10s, and the first full success after a failure; it keeps the error of an
// export that delivered nothing for Healthy. Called with acct held.
func (o *OTLPOutput) logResult(err error, n, rejected int, now time.Time) {
	if err == nil {
		if o.lastErr != nil {
			o.log.Info("otlp export recovered")
		}
		o.lastErr = nil
		return
	}
	if rejected == n {
		o.lastErr = err
	} else {
		o.lastErr = nil
	}
	if now.Sub(o.lastWarn) >= 10*time.Second {
		o.lastWarn = now
		msg := "otlp export failed"
		if rejected < n {
			msg = "otlp receiver rejected records"
		}
		o.log.Warn(msg, "records", n, "rejected", rejected, "err", err)
	}
}

// Healthy returns the error of the last export when it delivered nothing,
// or nil when it delivered records (or none happened yet).
func (o *OTLPOutput) Healthy() error {
	o.acct.Lock()
	defer o.acct.Unlock()
	if o.lastErr != nil {
		return fmt.Errorf("otlp export: %w", o.lastErr)
	}
	return nil
}

// Close stops accepting records, exports what the SDK holds and shuts the
// exporter down, giving up when ctx ends: records not exported by then are
// counted as dropped (reason "shutdown"). It reports records that failed
// during the final flush. Close is safe to call more than once and
// concurrently with Write.
func (o *OTLPOutput) Close(ctx context.Context) error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	close(o.done)
	o.mu.Unlock()

	o.acct.Lock()
	failedBefore := o.failed
	o.acct.Unlock()

	err := o.provider.Shutdown(ctx)

	o.acct.Lock()
	o.abandoned = true
	lost, failed, lastErr := o.pending, o.failed-failedBefore, o.lastErr
	o.pending = 0
	o.acct.Unlock()
	for range lost {
		o.metrics.DetectionDropped(o.name, "shutdown")
	}
	var errs []error
	if err != nil {
		errs = append(errs, fmt.Errorf("otlp shutdown: %w", err))
	}
	if lost > 0 {
		errs = append(errs, fmt.Errorf("otlp: %d records not exported before shutdown", lost))
	}
	if failed > 0 {
		err := fmt.Errorf("otlp: %d records failed in the final export", failed)
		if lastErr != nil {
			err = fmt.Errorf("%w: %w", err, lastErr)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// logVersion returns the scope version option: the service.version given
// in the resource attributes.
func logVersion(res map[string]string) otellog.LoggerOption {
	return otellog.WithInstrumentationVersion(res[string(semconv.ServiceVersionKey)])
}
