// Package otelcol proves that Vigil's OTLP detection records pass intact
// through a real OpenTelemetry Collector.
//
// It holds no non-test code, only:
//
//   - builder-config.yaml, the OpenTelemetry Collector Builder (ocb)
//     manifest of a core-only collector (otlp receiver, batch processor,
//     debug and otlp_http exporters, file and env config providers), pinned
//     to the newest release the module proxy serves;
//   - collector.yaml, the collector's configuration, whose listen and
//     forward addresses come from environment variables;
//   - collector_test.go, which starts an in-process OTLP/HTTP sink, the
//     collector on free loopback ports (otlp -> batch -> otlp_http to the
//     sink, plus debug), builds the agent and runs it in replay mode (no
//     root) on a synthetic capture in which `cat /etc/shadow` runs, once per
//     OTLP protocol (grpc and http/protobuf) towards the collector. The
//     record that reaches the sink must be the agent's detection unchanged:
//     event name, severity, body, rule and event attributes, the map of
//     output fields, resource.
//
// `make e2e-collector` builds the collector into a cache directory outside
// the repository (only when missing) and runs the test with VIGIL_OTELCOL
// naming the binary. Without VIGIL_OTELCOL the test skips, except that
// VIGIL_REQUIRE_OTELCOL=1 (set by the make target) turns the skip into a
// failure; a VIGIL_OTELCOL that names no runnable collector always fails.
// VIGIL_REQUIRE_BPF does not decide this, because CI sets it for `make
// test`, which runs every package before the collector is built.
package otelcol
