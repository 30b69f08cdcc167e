package main

import (
	"context"
	"fmt"
	"os"

	"github.com/vigilsec/vigil/exporter"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// webhookRetries is how often a failed POST is retried (5xx, network).
const webhookRetries = 2

// outputs are the configured outputs and what the agent needs from them.
type outputs struct {
	names   []string
	capture *exporter.EventCapture
	reopen  func(e *env) // SIGHUP: reopen files for log rotation
}

// buildOutputs creates the configured outputs and registers them with d.
func buildOutputs(ctx context.Context, cfg config, d *exporter.Dispatcher, m *exporter.Metrics, host string, e *env) (*outputs, error) {
	capt, err := exporter.NewEventCapture(fields.NewRegistry())
	if err != nil {
		return nil, err
	}
	o := &outputs{capture: capt, reopen: func(*env) {}}
	add := func(out exporter.Output, minPriority string, queue int) error {
		p, err := rulefile.ParsePriority(minPriority)
		if err != nil {
			return fmt.Errorf("output %s: %w", out.Name(), err)
		}
		d.Add(out, exporter.OutputConfig{MinPriority: p, QueueSize: queue})
		o.names = append(o.names, out.Name())
		return nil
	}
	if cfg.Output.Stdout.Enabled {
		if err := add(exporter.NewJSONOutput("stdout", e.stdout, host), cfg.Output.Stdout.MinPriority, cfg.Output.QueueSize); err != nil {
			return nil, err
		}
	}
	if path := cfg.Output.File.Path; path != "" {
		f, err := exporter.NewFileOutput(path, host, e.log)
		if err != nil {
			return nil, err
		}
		if err := add(f, cfg.Output.File.MinPriority, cfg.Output.QueueSize); err != nil {
			return nil, err
		}
		o.reopen = func(e *env) {
			if err := f.Reopen(); err != nil {
				e.log.Error("reopen output file", "err", err) // keeps writing to the old file
			}
		}
	}
	if u := cfg.Output.HTTP.URL; u != "" {
		w, err := exporter.NewWebhookOutput(exporter.WebhookConfig{URL: u, Headers: cfg.Output.HTTP.Headers,
			Timeout: cfg.Output.HTTP.Timeout, MaxRetries: webhookRetries}, host, e.log)
		if err != nil {
			return nil, err
		}
		if err := add(w, cfg.Output.HTTP.MinPriority, cfg.Output.QueueSize); err != nil {
			return nil, err
		}
	}
	if otlpEnabled(cfg.OTLP) {
		res := map[string]string{"service.version": version}
		if host != "" {
			res["host.name"] = host
		}
		ot, err := exporter.NewOTLPOutput(ctx, exporter.OTLPConfig{
			Endpoint: cfg.OTLP.Endpoint, Protocol: cfg.OTLP.Protocol, Insecure: cfg.OTLP.Insecure,
			Headers: cfg.OTLP.Headers, Timeout: cfg.OTLP.Timeout, QueueSize: cfg.OTLP.QueueSize, Resource: res,
		}, m, e.log)
		if err != nil {
			return nil, err
		}
		// The dispatcher's queue in front of the exporter only needs to
		// absorb bursts while Write hands records over.
		if err := add(ot, cfg.OTLP.MinPriority, cfg.Output.QueueSize); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// otlpEnabled reports whether an OTLP endpoint is configured, by the
// configuration or by the SDK's environment variables.
func otlpEnabled(c otlpConfig) bool {
	return c.Endpoint != "" || os.Getenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != ""
}
