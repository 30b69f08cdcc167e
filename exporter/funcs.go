package exporter

import "github.com/prometheus/client_golang/prometheus"

// CounterFunc exposes cumulative counts that live elsewhere (the kernel's
// per-CPU counters, the process table) as one labelled metric, read at
// scrape time.
type CounterFunc struct {
	desc    *prometheus.Desc
	kind    prometheus.ValueType
	collect func(emit func(value float64, labelValues ...string))
}

// NewCounterFunc returns a collector of a counter named name with the given
// labels; collect is called at every scrape and emits each series.
func NewCounterFunc(name, help string, labels []string, collect func(emit func(value float64, labelValues ...string))) *CounterFunc {
	return &CounterFunc{desc: prometheus.NewDesc(name, help, labels, nil), kind: prometheus.CounterValue, collect: collect}
}

// NewGaugeFunc is NewCounterFunc for a gauge.
func NewGaugeFunc(name, help string, labels []string, collect func(emit func(value float64, labelValues ...string))) *CounterFunc {
	return &CounterFunc{desc: prometheus.NewDesc(name, help, labels, nil), kind: prometheus.GaugeValue, collect: collect}
}

// Describe implements prometheus.Collector.
func (c *CounterFunc) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *CounterFunc) Collect(ch chan<- prometheus.Metric) {
	c.collect(func(v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(c.desc, c.kind, v, lv...)
	})
}
