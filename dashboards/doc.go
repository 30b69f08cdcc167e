// Package dashboards holds the Grafana dashboards of the Vigil agent; the
// JSON files in this directory are the product, and the package has no
// non-test code:
//
//   - vigil-detections.json, uid vigil-detections, "Vigil / Detections":
//     rule matches by priority, rule, MITRE tactic, source and agent,
//     recent critical detections, detection latency, firing alerts;
//   - vigil-agent.json, uid vigil-agent, "Vigil / Agent health": event
//     pipeline and losses, ring buffers, rule evaluation cost, process and
//     container state, outputs, reloads, builds, CPU and memory.
//
// testdata/metrics.prom is the golden of every vigil_* metric the agent
// exposes (names, types, HELP, label names), written by
// `go test ./cmd/vigil -run MetricsGolden -update`.
//
// The tests validate the dashboards without Grafana, so that they cannot
// drift from the agent:
//
//   - structure: strict decoding (unknown keys are errors), stable uid equal
//     to the file name, schemaVersion 40, a datasource variable used by every
//     panel and target as ${datasource}, job and instance variables, unique
//     panel ids and titles, gridPos inside the 24-column grid without
//     overlaps, only current panel types;
//   - queries: Grafana macros and variables are substituted, every expr and
//     every label_values() variable query is parsed with the Prometheus
//     PromQL parser, and every metric a selector names must be in the golden
//     (or be up, ALERTS, process_*, go_*); label matchers, by/on/group_left
//     labels and legend {{labels}} must exist on what they apply to; every
//     selector honours the cluster, job and instance variables;
//   - docs/metrics.md documents every metric of the golden (type, HELP,
//     labels, the panels that read it) and names no vigil_ metric the
//     golden lacks.
//
// Invariant: the dashboards read only raw metrics, never recording rules,
// so they work without the Prometheus rules in deploy/prometheus.
package dashboards
