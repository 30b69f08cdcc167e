// Package helm holds the tests of Vigil's Helm chart (vigil/) and of the
// example configurations beside it, kept in their own Go module so that the
// Helm and Kubernetes libraries they need never reach the agent's go.mod.
// (The module is rooted here, not in deploy/, so that deploy/prometheus
// stays a package of the agent's module.)
//
// What the tests guarantee:
//   - The Helm chart in vigil/ renders (through the Helm SDK, the same
//     engine as `helm template`) for its default values and for the
//     non-default combinations in the test table, and every rendered object
//     decodes strictly into its Kubernetes or prometheus-operator API type:
//     an unknown or misplaced field is an error.
//   - The rendered output of each combination equals its golden file in
//     testdata/ (regenerate with `go test -run TestChartGolden -update`).
//   - The agent configuration the chart writes is accepted by the vigil
//     binary built from this repository, and rules given as values are
//     valid Vigil rules.
//   - The chart's copies of the alert rules, the dashboards and the
//     built-in rules (vigil/files, refreshed by `make chart-sync`)
//     equal their sources.
//   - The example OpenTelemetry Collector configuration (deploy/otelcol) and
//     the plain Prometheus scrape configuration
//     (deploy/prometheus/scrape.yaml) are well formed.
package helm
