// Package prometheus holds the Prometheus alerting and recording rules for
// the Vigil agent (vigil-rules.yaml), their promtool unit tests
// (vigil-rules.test.yaml) and, in its tests, the checks that keep them
// honest:
//
//   - promtool check rules and promtool test rules pass, and every alert has
//     a unit test that fires and one that stays silent;
//   - every metric a rule reads exists in the agent's golden /metrics
//     (dashboards/testdata/metrics.prom), with the labels its matchers use;
//   - every alert carries severity critical|warning|info and summary,
//     description and a runbook_url whose anchor exists in docs/runbooks.md;
//   - the Alertmanager example (deploy/alertmanager/alertmanager.yml) passes
//     amtool check-config and routes every alert as routes-test.txt says;
//   - end to end, as root: a live agent, Debian's prometheus and
//     alertmanager on loopback; one open of a marker file makes
//     VigilCriticalDetection reach Alertmanager for the security-oncall
//     receiver, and every dashboard query evaluates.
//
// The package has no non-test code. Tests that need promtool, amtool,
// prometheus or alertmanager skip when those are missing, and fail instead
// when VIGIL_REQUIRE_BPF=1 (CI installs them).
package prometheus
