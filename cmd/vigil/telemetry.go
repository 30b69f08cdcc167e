package main

import (
	"runtime/debug"
	"strconv"

	"github.com/vigilsec/vigil/collector"
	"github.com/vigilsec/vigil/collector/kernel"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/exporter"
)

// revision is the VCS revision the binary was built from.
func revision() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}

// registerStateMetrics exposes the process cache and enrichment counters.
func registerStateMetrics(m *exporter.Metrics, st *collector.State) {
	m.Registry.MustRegister(
		exporter.NewGaugeFunc("vigil_process_cache_entries", "Processes currently held in the process cache.", nil,
			func(emit func(float64, ...string)) { emit(float64(st.Procs.Counters().Processes)) }),
		exporter.NewGaugeFunc("vigil_process_cache_capacity", "Maximum number of processes the process cache holds.", nil,
			func(emit func(float64, ...string)) { emit(float64(st.Procs.Config().MaxProcesses)) }),
		exporter.NewCounterFunc("vigil_process_cache_evictions_total", "Processes evicted from the process cache before they exited.", nil,
			func(emit func(float64, ...string)) { emit(float64(st.Procs.Counters().ProcessesEvicted)) }),
		exporter.NewCounterFunc("vigil_state_misses_total", "State updates for a thread or fd the tables did not know, by kind.", []string{"kind"},
			func(emit func(float64, ...string)) {
				c := st.Procs.Counters()
				emit(float64(c.UnknownThread), "thread")
				emit(float64(c.UnknownFD), "fd")
				emit(float64(c.UnknownParent), "parent")
			}),
	)
}

// kernelStats is what the kernel metrics read from the probe at scrape
// time; *kernel.Probe implements it.
type kernelStats interface {
	Counters() (kernel.Counters, error)
	RingUsage() []kernel.RingUsage
}

// registerKernelMetrics exposes the kernel's per-kind counters and the
// ring fill, read at scrape time.
func registerKernelMetrics(m *exporter.Metrics, probe kernelStats) {
	m.Registry.MustRegister(
		exporter.NewCounterFunc("vigil_kernel_events_total", "Records the kernel programs wrote to the ring buffers, by event type.", []string{"event_type"},
			func(emit func(float64, ...string)) {
				c, err := probe.Counters()
				if err != nil {
					return
				}
				for _, k := range record.Kinds() {
					if n := c.Kernel[k][kernel.ReasonEmitted]; n > 0 {
						emit(float64(n), k.String())
					}
				}
			}),
		exporter.NewCounterFunc("vigil_kernel_events_filtered_total", "Sends and receives on TCP sockets the kernel did not record because no loaded rule can match them, by event type.", []string{"event_type"},
			func(emit func(float64, ...string)) {
				c, err := probe.Counters()
				if err != nil {
					return
				}
				for _, k := range tcpIOKinds {
					emit(float64(c.Kernel[k][kernel.ReasonFiltered]), k.String())
				}
			}),
		exporter.NewCounterFunc("vigil_events_dropped_total", "Events lost before rule evaluation, by pipeline stage and reason.", []string{"stage", "reason"},
			func(emit func(float64, ...string)) {
				c, err := probe.Counters()
				if err != nil {
					return
				}
				for _, r := range []kernel.Reason{kernel.ReasonRingFull, kernel.ReasonOversize, kernel.ReasonTailcallMiss} {
					var sum uint64
					for _, k := range record.Kinds() {
						sum += c.Kernel[k][r]
					}
					emit(float64(sum), "kernel", r.String())
				}
				emit(float64(c.DecodeErrors), "userspace", "decode_error")
			}),
		exporter.NewGaugeFunc("vigil_ringbuf_pending_bytes", "Bytes written by the kernel and not yet consumed, by ring.", []string{"ring"},
			func(emit func(float64, ...string)) {
				for i, u := range probe.RingUsage() {
					emit(float64(u.Used), strconv.Itoa(i))
				}
			}),
		exporter.NewGaugeFunc("vigil_ringbuf_size_bytes", "Size of each BPF ring buffer.", []string{"ring"},
			func(emit func(float64, ...string)) {
				for i, u := range probe.RingUsage() {
					emit(float64(u.Size), strconv.Itoa(i))
				}
			}),
	)
}
