package main

import (
	"fmt"

	"github.com/alecthomas/kong"
)

// resolveConfig builds the effective configuration: defaults, then the
// --config file, then every flag given on the command line.
func (c *runCmd) resolveConfig(kctx *kong.Context) (config, error) {
	cfg := defaultConfig()
	if c.Config != "" {
		if err := loadConfigFile(c.Config, &cfg); err != nil {
			return cfg, err
		}
	}
	given := map[string]bool{}
	for _, f := range kctx.Flags() {
		if f.Set {
			given[f.Name] = true
		}
	}
	set := func(name string, apply func()) {
		if given[name] {
			apply()
		}
	}
	set("rules", func() { cfg.Rules.Files = c.Rules })
	set("rules.min-priority", func() { cfg.Rules.MinPriority = c.MinPriority })
	set("rules.matching", func() { cfg.Rules.Matching = c.RuleMatching })
	set("rules.watch-interval", func() { cfg.Rules.WatchInterval = c.WatchInterval })
	set("web.listen-address", func() { cfg.Web.ListenAddress = c.ListenAddress })
	set("web.config.file", func() { cfg.Web.ConfigFile = c.WebConfig })
	set("output.queue-size", func() { cfg.Output.QueueSize = c.QueueSize })
	set("output.stdout", func() { cfg.Output.Stdout.Enabled = *c.Stdout })
	set("output.stdout.min-priority", func() { cfg.Output.Stdout.MinPriority = c.StdoutMinPriority })
	set("output.file.path", func() { cfg.Output.File.Path = c.FilePath })
	set("output.file.min-priority", func() { cfg.Output.File.MinPriority = c.FileMinPriority })
	set("output.http.url", func() { cfg.Output.HTTP.URL = c.HTTPURL })
	set("output.http.min-priority", func() { cfg.Output.HTTP.MinPriority = c.HTTPMinPriority })
	set("output.http.timeout", func() { cfg.Output.HTTP.Timeout = c.HTTPTimeout })
	set("otlp.endpoint", func() { cfg.OTLP.Endpoint = c.OTLPEndpoint })
	set("otlp.protocol", func() { cfg.OTLP.Protocol = c.OTLPProtocol })
	set("otlp.insecure", func() { cfg.OTLP.Insecure = *c.OTLPInsecure })
	set("otlp.timeout", func() { cfg.OTLP.Timeout = c.OTLPTimeout })
	set("otlp.queue-size", func() { cfg.OTLP.QueueSize = c.OTLPQueueSize })
	set("otlp.min-priority", func() { cfg.OTLP.MinPriority = c.OTLPMinPriority })
	set("kernel.ring-size", func() { cfg.Kernel.RingSize = c.RingSize })
	set("kernel.entry-snapshots", func() { cfg.Kernel.EntrySnapshots = *c.EntrySnapshots })
	set("drops.threshold", func() { cfg.Drops.Threshold = c.DropsThreshold })
	set("drops.actions", func() { cfg.Drops.Actions = c.DropsActions })
	set("drops.interval", func() { cfg.Drops.Interval = c.DropsInterval })
	set("containers.enabled", func() { cfg.Containers.Enabled = *c.Containers })
	set("containers.docker-socket", func() { cfg.Containers.DockerSockets = c.DockerSockets })
	set("containers.crio-socket", func() { cfg.Containers.CRIOSocket = c.CRIOSocket })
	set("containers.containerd-socket", func() { cfg.Containers.ContainerdSocket = c.ContainerdSocket })
	set("containers.containerd-namespaces", func() { cfg.Containers.ContainerdNamespaces = c.ContainerdNamespaces })
	set("containers.budget", func() { cfg.Containers.Budget = c.ContainerBudget })
	set("containers.lookup-timeout", func() { cfg.Containers.LookupTimeout = c.ContainerLookupTimeout })
	set("containers.grace", func() { cfg.Containers.Grace = c.ContainerGrace })
	if given["otlp.headers"] {
		h, err := parseHeaders(c.OTLPHeaders)
		if err != nil {
			return cfg, fmt.Errorf("--otlp.headers: %w", err)
		}
		cfg.OTLP.Headers = h
	}
	return cfg, cfg.Validate()
}
