// Package exporter delivers detections and the agent's own telemetry to the
// systems operators already run: JSON lines in Falco's alert format,
// Prometheus metrics on a private registry, and the HTTP endpoints that
// serve them (/metrics, /healthz, /readyz and a landing page).
//
// (Not to be confused with Prometheus "collectors": Vigil's collector
// package captures kernel events; this package only reports.)
//
// Invariants:
//   - The package depends on rules for Detection and Rule, never on the
//     collector: capture-side numbers reach it through CounterFunc.
//   - Every per-rule series is created when a rule set is installed and
//     removed when the rule leaves the set, so increase() sees the first
//     match (series start at 0).
//   - Writers never block the detection path for longer than their
//     underlying io.Writer; queueing and drop accounting belong to the
//     caller's bounded queue.
package exporter
