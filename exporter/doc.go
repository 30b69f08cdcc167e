// Package exporter delivers detections and the agent's own telemetry to the
// systems operators already run: JSON lines in Falco's alert format (standard
// output, a file reopened for log rotation, an HTTP webhook such as
// Falcosidekick), OTLP log records through the OpenTelemetry SDK, Prometheus
// metrics on a private registry, and the HTTP endpoints that serve them
// (/metrics, /healthz, /readyz and a landing page, with exporter-toolkit TLS
// and basic auth).
//
// (Not to be confused with Prometheus "collectors": Vigil's collector
// package captures kernel events; this package only reports.)
//
// Data flow: the agent wraps each rules.Detection in a Detection (plus the
// event context fields of EventCapture) and hands it to a Dispatcher, which
// queues it for every Output whose priority filter admits it. Each output has
// its own bounded queue and goroutine.
//
// Invariants:
//   - The package depends on rules for Detection and Rule, never on the
//     collector: capture-side numbers reach it through CounterFunc.
//   - Publish never blocks: a full output queue drops the detection for that
//     output and counts vigil_detections_dropped_total{output,reason}.
//   - Every record an output handles is counted once as sent or failed;
//     outputs that export asynchronously (SelfCounting: OTLP) count their own.
//   - Every per-rule series is created when a rule set is installed and
//     removed when the rule leaves the set, so increase() sees the first
//     match (series start at 0); internal rules' series are permanent.
//   - Memory is bounded by the queue sizes: the OTLP output never accepts
//     more records than its queue holds, so the SDK never drops silently.
package exporter
