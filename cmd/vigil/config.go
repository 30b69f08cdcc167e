package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	containerrt "github.com/vigilsec/vigil/collector/runtime"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// config is the agent's effective configuration: defaults, then the
// --config file, then the flags given on the command line.
type config struct {
	Rules  rulesConfig  `yaml:"rules"`
	Web    webConfig    `yaml:"web"`
	Output outputConfig `yaml:"output"`
	OTLP   otlpConfig   `yaml:"otlp"`
	Kernel kernelConfig `yaml:"kernel"`
	Drops  dropsConfig  `yaml:"drops"`

	Containers containersConfig `yaml:"containers"`
}

type rulesConfig struct {
	// Files are rules files or directories, loaded in order; empty means
	// the built-in rules.
	Files       []string `yaml:"files"`
	MinPriority string   `yaml:"min_priority"`
	Matching    string   `yaml:"matching"`
	// WatchInterval is how often the rules files are checked for changes
	// (0 disables the check; SIGHUP always reloads).
	WatchInterval time.Duration `yaml:"watch_interval"`
}

type webConfig struct {
	ListenAddress string `yaml:"listen_address"`
	ConfigFile    string `yaml:"config_file"`
}

type outputConfig struct {
	QueueSize int                `yaml:"queue_size"`
	Stdout    stdoutOutputConfig `yaml:"stdout"`
	File      fileOutputConfig   `yaml:"file"`
	HTTP      httpOutputConfig   `yaml:"http"`
}

type stdoutOutputConfig struct {
	Enabled     bool   `yaml:"enabled"`
	MinPriority string `yaml:"min_priority"`
}

type fileOutputConfig struct {
	Path        string `yaml:"path"`
	MinPriority string `yaml:"min_priority"`
}

type httpOutputConfig struct {
	URL         string            `yaml:"url"`
	MinPriority string            `yaml:"min_priority"`
	Timeout     time.Duration     `yaml:"timeout"`
	Headers     map[string]string `yaml:"headers"`
}

// otlpConfig configures the OTLP logs output. Empty or zero members defer to
// the OTEL_EXPORTER_OTLP_(LOGS_)* environment variables, then to the SDK's
// defaults (http/protobuf, 10s).
type otlpConfig struct {
	// Endpoint turns the OTLP output on; empty means the
	// OTEL_EXPORTER_OTLP_(LOGS_)ENDPOINT variables decide.
	Endpoint    string            `yaml:"endpoint"`
	Protocol    string            `yaml:"protocol"`
	Insecure    bool              `yaml:"insecure"`
	Headers     map[string]string `yaml:"headers"`
	Timeout     time.Duration     `yaml:"timeout"`
	QueueSize   int               `yaml:"queue_size"`
	MinPriority string            `yaml:"min_priority"`
}

type kernelConfig struct {
	RingSize int `yaml:"ring_size"`
	// EntrySnapshots copies paths, argv and socket addresses at syscall
	// entry (TOCTOU-safe); false reads them at exit, which spares every
	// syscall the kernel's sys_enter tracing hook.
	EntrySnapshots bool `yaml:"entry_snapshots"`
}

type dropsConfig struct {
	// Threshold is the fraction of events lost in one second above which
	// the actions run.
	Threshold float64 `yaml:"threshold"`
	// Actions are log, alert (an internal detection) and exit.
	Actions []string `yaml:"actions"`
	// Interval is the least time between two reports.
	Interval time.Duration `yaml:"interval"`
}

// containersConfig configures the container metadata lookups.
type containersConfig struct {
	// Enabled turns the lookups on (live capture only).
	Enabled bool `yaml:"enabled"`
	// DockerSockets are unix sockets serving the Docker Engine API
	// (dockerd, or podman's system service).
	DockerSockets []string `yaml:"docker_sockets"`
	// CRIOSocket is CRI-O's unix socket; empty disables it.
	CRIOSocket string `yaml:"crio_socket"`
	// ContainerdSocket is containerd's gRPC socket; empty disables it.
	ContainerdSocket string `yaml:"containerd_socket"`
	// ContainerdNamespaces are the containerd namespaces asked, in order.
	ContainerdNamespaces []string `yaml:"containerd_namespaces"`
	// Budget is the longest an event of a new container waits for its
	// metadata; 0 never waits.
	Budget time.Duration `yaml:"budget"`
	// LookupTimeout bounds one query to one runtime.
	LookupTimeout time.Duration `yaml:"lookup_timeout"`
	// NegativeTTL is how long a failed lookup is remembered.
	NegativeTTL time.Duration `yaml:"negative_ttl"`
	// Grace is how long an exited container's metadata is kept.
	Grace time.Duration `yaml:"grace"`
}

// defaultConfig returns the configuration used when nothing is given.
func defaultConfig() config {
	return config{
		Rules: rulesConfig{MinPriority: "debug", Matching: "first", WatchInterval: 5 * time.Second},
		Web:   webConfig{ListenAddress: ":7493"},
		Output: outputConfig{
			QueueSize: 4096,
			Stdout:    stdoutOutputConfig{Enabled: true, MinPriority: "debug"},
			File:      fileOutputConfig{MinPriority: "debug"},
			HTTP:      httpOutputConfig{MinPriority: "debug", Timeout: 5 * time.Second},
		},
		OTLP:   otlpConfig{QueueSize: 4096, MinPriority: "debug"},
		Kernel: kernelConfig{RingSize: 8 << 20, EntrySnapshots: true},
		Drops:  dropsConfig{Threshold: 0.1, Actions: []string{"log", "alert"}, Interval: 30 * time.Second},
		Containers: containersConfig{
			Enabled:              true,
			DockerSockets:        []string{"/var/run/docker.sock", "/run/podman/podman.sock"},
			CRIOSocket:           "/var/run/crio/crio.sock",
			ContainerdSocket:     "/run/containerd/containerd.sock",
			ContainerdNamespaces: slices.Clone(containerrt.DefaultContainerdNamespaces),
			Budget:               100 * time.Millisecond,
			LookupTimeout:        2 * time.Second,
			NegativeTTL:          30 * time.Second,
			Grace:                30 * time.Second,
		},
	}
}

// loadConfigFile decodes a YAML configuration over cfg. Unknown keys are
// errors that name the key and its line.
func loadConfigFile(path string, cfg *config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	return decodeConfig(path, data, cfg)
}

func decodeConfig(name string, data []byte, cfg *config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: %w", name, err)
	}
	return nil
}

// Validate reports every problem of c, not just the first.
func (c *config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	prio := func(key, v string) {
		if _, err := rulefile.ParsePriority(v); err != nil {
			bad("%s: %v", key, err)
		}
	}
	prio("rules.min_priority", c.Rules.MinPriority)
	if c.Rules.Matching != "first" && c.Rules.Matching != "all" {
		bad("rules.matching: %q is not first or all", c.Rules.Matching)
	}
	if c.Rules.WatchInterval < 0 {
		bad("rules.watch_interval: negative")
	}
	if c.Web.ListenAddress == "" {
		bad("web.listen_address: empty")
	}
	if c.Output.QueueSize <= 0 {
		bad("output.queue_size: %d, want > 0", c.Output.QueueSize)
	}
	prio("output.stdout.min_priority", c.Output.Stdout.MinPriority)
	prio("output.file.min_priority", c.Output.File.MinPriority)
	prio("output.http.min_priority", c.Output.HTTP.MinPriority)
	if u := c.Output.HTTP.URL; u != "" {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad("output.http.url: %q is not an http(s) URL", u)
		}
	}
	if c.Output.HTTP.Timeout <= 0 {
		bad("output.http.timeout: %v, want > 0", c.Output.HTTP.Timeout)
	}
	if p := c.OTLP.Protocol; p != "" && p != "grpc" && p != "http/protobuf" {
		bad("otlp.protocol: %q is not grpc or http/protobuf", p)
	}
	if c.OTLP.Timeout < 0 {
		bad("otlp.timeout: negative")
	}
	if c.OTLP.QueueSize <= 0 {
		bad("otlp.queue_size: %d, want > 0", c.OTLP.QueueSize)
	}
	prio("otlp.min_priority", c.OTLP.MinPriority)
	if n := c.Kernel.RingSize; n < 4096 || bits.OnesCount(uint(n)) != 1 {
		bad("kernel.ring_size: %d is not a power of two of at least 4096", n)
	}
	if c.Drops.Threshold < 0 || c.Drops.Threshold > 1 {
		bad("drops.threshold: %v is not between 0 and 1", c.Drops.Threshold)
	}
	for _, a := range c.Drops.Actions {
		if a != "log" && a != "alert" && a != "exit" {
			bad("drops.actions: %q is not log, alert or exit", a)
		}
	}
	if c.Drops.Interval <= 0 {
		bad("drops.interval: %v, want > 0", c.Drops.Interval)
	}
	if c.Containers.Budget < 0 {
		bad("containers.budget: negative")
	}
	if c.Containers.LookupTimeout <= 0 {
		bad("containers.lookup_timeout: %v, want > 0", c.Containers.LookupTimeout)
	}
	if c.Containers.NegativeTTL <= 0 {
		bad("containers.negative_ttl: %v, want > 0", c.Containers.NegativeTTL)
	}
	if c.Containers.Grace <= 0 {
		bad("containers.grace: %v, want > 0", c.Containers.Grace)
	}
	for _, p := range c.Containers.DockerSockets {
		if p == "" {
			bad("containers.docker_sockets: empty path")
		}
	}
	if c.Containers.ContainerdSocket != "" && len(c.Containers.ContainerdNamespaces) == 0 {
		bad("containers.containerd_namespaces: empty, want at least one namespace")
	}
	for _, ns := range c.Containers.ContainerdNamespaces {
		if !containerrt.ValidContainerdNamespace(ns) {
			bad("containers.containerd_namespaces: %q is not a containerd namespace name", ns)
		}
	}
	return errors.Join(errs...)
}

// parseHeaders parses "k=v,k2=v2" (the OTEL_EXPORTER_OTLP_HEADERS form).
func parseHeaders(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("header %q is not key=value", kv)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return m, nil
}
