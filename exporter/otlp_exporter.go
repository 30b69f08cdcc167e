package exporter

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// otlpReconnect bounds the gRPC reconnection backoff (gRPC's default grows
// to 2 minutes), so that a collector back from a restart gets records
// again within seconds.
var otlpReconnect = grpc.ConnectParams{
	Backoff:           backoff.Config{BaseDelay: time.Second, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 10 * time.Second},
	MinConnectTimeout: 10 * time.Second,
}

// otlpProtocol resolves the protocol: cfg, then the standard environment
// variables, then http/protobuf.
func otlpProtocol(cfg OTLPConfig) (string, error) {
	p := cfg.Protocol
	for _, env := range []string{"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p != "" {
			break
		}
		p = os.Getenv(env)
	}
	switch p {
	case "":
		return OTLPProtocolHTTP, nil
	case OTLPProtocolGRPC, OTLPProtocolHTTP:
		return p, nil
	}
	return "", fmt.Errorf("otlp protocol %q: want %s or %s", p, OTLPProtocolGRPC, OTLPProtocolHTTP)
}

// otlpEndpoint splits cfg.Endpoint into host:port, URL path and whether the
// scheme asks for plaintext. An empty endpoint gives empty results.
func otlpEndpoint(ep string) (host, path string, plaintext bool, err error) {
	if ep == "" {
		return "", "", false, nil
	}
	if !strings.Contains(ep, "://") {
		return ep, "", false, nil
	}
	u, err := url.Parse(ep)
	if err != nil {
		return "", "", false, fmt.Errorf("otlp endpoint: %w", err)
	}
	switch u.Scheme {
	case "http":
		plaintext = true
	case "https":
	default:
		return "", "", false, fmt.Errorf("otlp endpoint %q: scheme must be http or https", ep)
	}
	if u.Host == "" {
		return "", "", false, fmt.Errorf("otlp endpoint %q: no host", ep)
	}
	return u.Host, u.Path, plaintext, nil
}

// newOTLPExporter builds the SDK's OTLP exporter for cfg. Options are
// passed only for the fields that are set, so the SDK's environment
// variables apply to the others.
func newOTLPExporter(ctx context.Context, cfg OTLPConfig) (sdklog.Exporter, error) {
	proto, err := otlpProtocol(cfg)
	if err != nil {
		return nil, err
	}
	host, path, plaintext, err := otlpEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	insecure := cfg.Insecure || plaintext
	switch proto {
	case OTLPProtocolGRPC:
		opts := []otlploggrpc.Option{otlploggrpc.WithDialOption(grpc.WithConnectParams(otlpReconnect))}
		if host != "" {
			opts = append(opts, otlploggrpc.WithEndpoint(host))
		}
		if insecure {
			opts = append(opts, otlploggrpc.WithInsecure())
		}
		if len(cfg.Headers) > 0 {
			opts = append(opts, otlploggrpc.WithHeaders(cfg.Headers))
		}
		if cfg.Timeout > 0 {
			opts = append(opts, otlploggrpc.WithTimeout(cfg.Timeout))
		}
		exp, err := otlploggrpc.New(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("otlp grpc exporter: %w", err)
		}
		return exp, nil
	default:
		var opts []otlploghttp.Option
		if host != "" {
			opts = append(opts, otlploghttp.WithEndpoint(host))
		}
		if path != "" && path != "/" {
			opts = append(opts, otlploghttp.WithURLPath(path))
		}
		if insecure {
			opts = append(opts, otlploghttp.WithInsecure())
		}
		if len(cfg.Headers) > 0 {
			opts = append(opts, otlploghttp.WithHeaders(cfg.Headers))
		}
		if cfg.Timeout > 0 {
			opts = append(opts, otlploghttp.WithTimeout(cfg.Timeout))
		}
		exp, err := otlploghttp.New(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("otlp http exporter: %w", err)
		}
		return exp, nil
	}
}

// countingExporter wraps the SDK exporter to account for every record
// whose export ends. It returns nil to the BatchProcessor, which would only
// pass errors to the OpenTelemetry global error handler (stderr); the
// output logs them itself, at a bounded rate.
type countingExporter struct {
	next sdklog.Exporter
	out  *OTLPOutput
}

// Export exports records and settles them with the output.
func (e *countingExporter) Export(ctx context.Context, records []sdklog.Record) error {
	if len(records) == 0 {
		return nil
	}
	start := time.Now()
	err := e.next.Export(ctx, records)
	took := time.Since(start)
	rejected := 0
	if err != nil {
		rejected = len(records)
		if n, ok := partialRejected(err); ok && n >= 0 && n <= int64(len(records)) {
			rejected = int(n)
		}
	}
	e.out.settle(len(records), rejected, err, took)
	return nil
}

// Shutdown shuts the wrapped exporter down.
func (e *countingExporter) Shutdown(ctx context.Context) error { return e.next.Shutdown(ctx) }

// ForceFlush flushes the wrapped exporter.
func (e *countingExporter) ForceFlush(ctx context.Context) error { return e.next.ForceFlush(ctx) }

// partialRejected returns the number of records the receiver rejected
// when err reports only OTLP partial successes. The OTLP exporters report
// them as errors of an internal type (PartialSuccess, with an int64
// RejectedItems field), which cannot be named here. ok is false when err
// holds anything else (a failed request) or that type changed: the whole
// export then counts as failed.
func partialRejected(err error) (n int64, ok bool) {
	var others int
	var walk func(error)
	walk = func(err error) {
		switch u := err.(type) {
		case nil:
			return
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
			return
		}
		if r, isPartial := partialSuccessRejected(err); isPartial {
			n += r
			ok = true
			return
		}
		if u, wraps := err.(interface{ Unwrap() error }); wraps && u.Unwrap() != nil {
			walk(u.Unwrap())
			return
		}
		others++
	}
	walk(err)
	if others > 0 {
		return 0, false
	}
	return n, ok
}

// partialSuccessRejected reads RejectedItems from an exporter's
// PartialSuccess error value.
func partialSuccessRejected(err error) (int64, bool) {
	v := reflect.ValueOf(err)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 0, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type().Name() != "PartialSuccess" {
		return 0, false
	}
	f := v.FieldByName("RejectedItems")
	if !f.IsValid() || f.Kind() != reflect.Int64 {
		return 0, false
	}
	return f.Int(), true
}
