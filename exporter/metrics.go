package exporter

import (
	"runtime"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vigilsec/vigil/rules"
)

// Metrics is Vigil's detection and pipeline telemetry on a private registry.
type Metrics struct {
	Registry *prometheus.Registry

	ruleMatches  *prometheus.CounterVec
	ruleInfo     *prometheus.GaugeVec
	rulesLoaded  *prometheus.GaugeVec
	reloadOK     prometheus.Gauge
	reloadTime   prometheus.Gauge
	received     *prometheus.CounterVec
	detDropped   *prometheus.CounterVec
	outRecords   *prometheus.CounterVec
	queueLen     *prometheus.GaugeVec
	queueCap     *prometheus.GaugeVec
	sendDuration *prometheus.HistogramVec
	lastSuccess  *prometheus.GaugeVec
	evalDuration prometheus.Histogram
	latency      prometheus.Histogram

	mu     sync.Mutex
	rules  map[string]ruleLabels // installed rule name → its labels
	static map[string]ruleLabels // rules that outlive every rule set (internal ones)
}

type ruleLabels struct{ priority, source, tags, tactic string }

// NewMetrics creates the metric set with the Go and process collectors and
// vigil_build_info registered on a new private registry.
func NewMetrics(version, revision string) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		ruleMatches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_rule_matches_total",
			Help: "Rule matches, by rule, priority and event source.",
		}, []string{"rule", "priority", "source"}),
		ruleInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_rule_info",
			Help: "Metadata of a loaded rule; always 1. Join on rule to add tags.",
		}, []string{"rule", "priority", "source", "tags", "mitre_tactic"}),
		rulesLoaded: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_rules_loaded",
			Help: "Number of rules currently loaded and active.",
		}, []string{"source"}),
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vigil_config_last_reload_successful",
			Help: "Whether the last configuration and rules reload succeeded (1) or failed (0).",
		}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vigil_config_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last successful configuration and rules reload.",
		}),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_events_received_total",
			Help: "Events that reached rule evaluation, by event type.",
		}, []string{"event_type"}),
		detDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_detections_dropped_total",
			Help: "Detections discarded before an output accepted them, by output and reason.",
		}, []string{"output", "reason"}),
		outRecords: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_output_records_total",
			Help: "Detection records handled by an output, by result.",
		}, []string{"output", "result"}),
		queueLen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_output_queue_length",
			Help: "Detections waiting in the output queue.",
		}, []string{"output"}),
		queueCap: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_output_queue_capacity",
			Help: "Capacity of the output queue.",
		}, []string{"output"}),
		sendDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigil_output_send_duration_seconds",
			Help:    "Duration of one send request of an output (an OTLP export of a batch), failed ones included.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"output"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigil_output_last_success_timestamp_seconds",
			Help: "Unix time of the last successful send request of an output; 0 before the first.",
		}, []string{"output"}),
		evalDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "vigil_rule_evaluation_duration_seconds",
			Help:    "Time to evaluate all candidate rules against one event (sampled).",
			Buckets: []float64{1e-6, 2.5e-6, 5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 10e-3},
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "vigil_detection_latency_seconds",
			Help:    "Time from the kernel event timestamp to the detection being handed to outputs.",
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		rules:  map[string]ruleLabels{},
		static: map[string]ruleLabels{},
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vigil_build_info",
		Help: "Build information of the running agent; always 1.",
	}, []string{"version", "revision", "goversion", "goos", "goarch"})
	build.WithLabelValues(version, revision, runtime.Version(), runtime.GOOS, runtime.GOARCH).Set(1)
	m.Registry.MustRegister(
		m.ruleMatches, m.ruleInfo, m.rulesLoaded, m.reloadOK, m.reloadTime, m.received,
		m.detDropped, m.outRecords, m.queueLen, m.queueCap, m.evalDuration, m.latency, build,
		m.sendDuration, m.lastSuccess,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}),
	)
	return m
}

// SetRules installs the series of a rule set: one matches counter at 0 and
// one info gauge per active rule; series of rules no longer present are
// deleted.
func (m *Metrics) SetRules(rs *rules.Ruleset) {
	m.mu.Lock()
	defer m.mu.Unlock()
	next := map[string]ruleLabels{}
	active := map[string]float64{}
	for _, r := range rs.Rules() {
		if !r.Active {
			continue
		}
		next[r.Name] = labelsOf(r)
		active[r.Source]++
	}
	for name, l := range m.static {
		next[name] = l
	}
	for name, old := range m.rules {
		if nl, ok := next[name]; !ok || nl != old {
			m.ruleMatches.DeleteLabelValues(name, old.priority, old.source)
			m.ruleInfo.DeleteLabelValues(name, old.priority, old.source, old.tags, old.tactic)
		}
	}
	for name, l := range next {
		m.ruleMatches.WithLabelValues(name, l.priority, l.source)
		m.ruleInfo.WithLabelValues(name, l.priority, l.source, l.tags, l.tactic).Set(1)
	}
	m.rules = next
	m.rulesLoaded.Reset()
	for src, n := range active {
		m.rulesLoaded.WithLabelValues(src).Set(n)
	}
}

// AddStaticRules installs series for rules that are not part of any rule
// set (Vigil's internal detections); SetRules keeps them.
func (m *Metrics) AddStaticRules(rs ...*rules.Rule) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range rs {
		l := labelsOf(r)
		m.static[r.Name], m.rules[r.Name] = l, l
		m.ruleMatches.WithLabelValues(r.Name, l.priority, l.source)
		m.ruleInfo.WithLabelValues(r.Name, l.priority, l.source, l.tags, l.tactic).Set(1)
	}
}

func labelsOf(r *rules.Rule) ruleLabels {
	return ruleLabels{priority: r.Priority.String(), source: r.Source, tags: joinTags(r.Tags), tactic: mitreTactic(r.Tags)}
}

// Match counts one match of r.
func (m *Metrics) Match(r *rules.Rule) {
	m.ruleMatches.WithLabelValues(r.Name, r.Priority.String(), r.Source).Inc()
}

// Reload records the outcome of a configuration or rules reload at unix
// time now.
func (m *Metrics) Reload(ok bool, now float64) {
	if ok {
		m.reloadOK.Set(1)
		m.reloadTime.Set(now)
		return
	}
	m.reloadOK.Set(0)
}

// Received returns the counter of events of one type, for callers to cache.
func (m *Metrics) Received(eventType string) prometheus.Counter {
	return m.received.WithLabelValues(eventType)
}

// DetectionDropped counts a detection lost for output (queue_full,
// shutdown).
func (m *Metrics) DetectionDropped(output, reason string) {
	m.detDropped.WithLabelValues(output, reason).Inc()
}

// InitOutput creates an output's series at 0, so that the first failure or
// drop is visible to increase().
func (m *Metrics) InitOutput(output string) {
	m.outRecords.WithLabelValues(output, "sent")
	m.outRecords.WithLabelValues(output, "failed")
	m.detDropped.WithLabelValues(output, "queue_full")
}

// OutputResult counts one record handled by output with result "sent" or
// "failed".
func (m *Metrics) OutputResult(output, result string) {
	m.outRecords.WithLabelValues(output, result).Inc()
}

// OutputResults counts n records handled by output with result "sent" or
// "failed".
func (m *Metrics) OutputResults(output, result string, n int) {
	m.outRecords.WithLabelValues(output, result).Add(float64(n))
}

// InitSend creates the send series of an output that reports its send
// requests (OTLP): the duration histogram and the last-success time at 0.
func (m *Metrics) InitSend(output string) {
	m.sendDuration.WithLabelValues(output)
	m.lastSuccess.WithLabelValues(output).Set(0)
}

// ObserveSend records one send request of output that took seconds; when it
// succeeded, the last-success time becomes unix time now.
func (m *Metrics) ObserveSend(output string, seconds float64, ok bool, now float64) {
	m.sendDuration.WithLabelValues(output).Observe(seconds)
	if ok {
		m.lastSuccess.WithLabelValues(output).Set(now)
	}
}

// Queue returns the length and capacity gauges of an output's queue.
func (m *Metrics) Queue(output string) (length, capacity prometheus.Gauge) {
	return m.queueLen.WithLabelValues(output), m.queueCap.WithLabelValues(output)
}

// ObserveEvaluation records one sampled evaluation time in seconds.
func (m *Metrics) ObserveEvaluation(seconds float64) { m.evalDuration.Observe(seconds) }

// ObserveLatency records one detection latency in seconds.
func (m *Metrics) ObserveLatency(seconds float64) { m.latency.Observe(seconds) }

// joinTags renders tags in the ",a,b," form, so that a PromQL regex
// `.*,tag,.*` matches whole tags only.
func joinTags(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return "," + strings.Join(tags, ",") + ","
}

// mitreTactic returns the first mitre_* tag without its prefix, or "".
func mitreTactic(tags []string) string {
	for _, t := range tags {
		if rest, ok := strings.CutPrefix(t, "mitre_"); ok {
			return rest
		}
	}
	return ""
}
