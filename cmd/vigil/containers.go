package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/vigilsec/vigil/collector/container"
	containerrt "github.com/vigilsec/vigil/collector/runtime"
	"github.com/vigilsec/vigil/exporter"
)

// newResolver builds the container metadata resolver from the configured
// runtime sockets, or returns nil when container metadata is off. A socket
// that does not exist yet is still asked (a runtime may start after the
// agent); its absence costs one failed dial per lookup.
func newResolver(cfg containersConfig, store *container.Store, log *slog.Logger) *containerrt.Resolver {
	if !cfg.Enabled {
		return nil
	}
	var clients []containerrt.Client
	present := func(path string) bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Mode()&os.ModeSocket != 0
	}
	for _, p := range cfg.DockerSockets {
		clients = append(clients, containerrt.NewDocker(p))
		log.Info("container runtime socket", "api", "docker", "path", p, "present", present(p))
	}
	if p := cfg.CRIOSocket; p != "" {
		clients = append(clients, containerrt.NewCRIO(p))
		log.Info("container runtime socket", "api", "cri-o", "path", p, "present", present(p))
	}
	if p := cfg.ContainerdSocket; p != "" {
		c, err := containerrt.NewContainerd(p, cfg.ContainerdNamespaces)
		if err != nil { // the configuration was validated: not expected
			log.Error("containerd client not created", "path", p, "err", err)
		} else {
			clients = append(clients, c)
			log.Info("container runtime socket", "api", "containerd", "path", p, "present", present(p),
				"namespaces", c.Namespaces())
		}
	}
	if len(clients) == 0 {
		return nil
	}
	return containerrt.New(store, clients, containerrt.Config{
		Budget:        cfg.Budget,
		LookupTimeout: cfg.LookupTimeout,
		NegativeTTL:   cfg.NegativeTTL,
		Grace:         cfg.Grace,
	}, log)
}

// resolverCounters is what the container metrics read; nil reads zeros.
type resolverCounters interface{ Counters() containerrt.Counters }

// registerContainerMetrics exposes the container store and the resolver's
// counts. They exist, at zero, when the resolver is off.
func registerContainerMetrics(m *exporter.Metrics, store *container.Store, res resolverCounters) {
	counters := func() containerrt.Counters {
		if res == nil {
			return containerrt.Counters{}
		}
		return res.Counters()
	}
	m.Registry.MustRegister(
		exporter.NewCounterFunc("vigil_enrichment_failures_total",
			"Containers whose runtime metadata (kind container) or Kubernetes pod metadata (kind k8s) could not be resolved.", []string{"kind"},
			func(emit func(float64, ...string)) {
				c := counters()
				emit(float64(c.NotFound+c.Timeouts+c.Errors+c.QueueFull+store.RequestsDropped()), "container")
				emit(float64(c.K8sMissing), "k8s")
			}),
		exporter.NewCounterFunc("vigil_container_lookups_total",
			"Container metadata lookups by result (resolved, not_found, timeout, error, queue_full).", []string{"result"},
			func(emit func(float64, ...string)) {
				c := counters()
				emit(float64(c.Resolved), "resolved")
				emit(float64(c.NotFound), "not_found")
				emit(float64(c.Timeouts), "timeout")
				emit(float64(c.Errors), "error")
				emit(float64(c.QueueFull+store.RequestsDropped()), "queue_full")
			}),
		exporter.NewGaugeFunc("vigil_container_cache_entries", "Containers whose metadata the agent holds.", nil,
			func(emit func(float64, ...string)) { emit(float64(store.Len())) }),
		exporter.NewCounterFunc("vigil_container_cache_evictions_total",
			"Containers removed from the metadata cache, by reason (full: the cache bound; exited: gone for the grace period).", []string{"reason"},
			func(emit func(float64, ...string)) {
				emit(float64(store.Evicted()), "full")
				emit(float64(counters().Forgotten), "exited")
			}),
	)
}

// runResolver runs res until ctx ends; nil does nothing.
func runResolver(ctx context.Context, res *containerrt.Resolver) {
	if res != nil {
		res.Run(ctx)
	}
}
