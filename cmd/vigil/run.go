package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"golang.org/x/sys/unix"

	"github.com/vigilsec/vigil/collector"
	"github.com/vigilsec/vigil/collector/capture"
	"github.com/vigilsec/vigil/collector/container"
	"github.com/vigilsec/vigil/collector/kernel"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	containerrt "github.com/vigilsec/vigil/collector/runtime"
	"github.com/vigilsec/vigil/collector/users"
	"github.com/vigilsec/vigil/exporter"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

type runCmd struct {
	Config string   `name:"config" placeholder:"FILE" help:"YAML configuration file; flags given on the command line override it (see docs/configuration.md)."`
	Rules  []string `name:"rules" sep:"none" placeholder:"PATH" help:"Rules file or directory, repeatable, loaded in order (default: the built-in rules)."`
	Replay string   `name:"replay" placeholder:"FILE" help:"Replay a capture file instead of watching the kernel (no root needed)."`

	MinPriority   string        `name:"rules.min-priority" placeholder:"PRIORITY" help:"Least severe priority evaluated (default: debug)."`
	RuleMatching  string        `name:"rules.matching" placeholder:"first|all" help:"Report the first matching rule per event, or all (default: first)."`
	WatchInterval time.Duration `name:"rules.watch-interval" placeholder:"DURATION" help:"How often rules files are checked for changes; 0 disables (default: 5s). SIGHUP always reloads."`

	ListenAddress string `name:"web.listen-address" placeholder:"ADDR" help:"Address for /metrics, /healthz, /readyz and the landing page (default: :7493)."`
	WebConfig     string `name:"web.config.file" placeholder:"FILE" help:"exporter-toolkit web configuration (TLS, basic auth)."`

	QueueSize         int           `name:"output.queue-size" placeholder:"N" help:"Detections queued per output; beyond it they are dropped and counted (default: 4096)."`
	Stdout            *bool         `name:"output.stdout" negatable:"" help:"Write detections as Falco JSON lines to standard output (default: true)."`
	StdoutMinPriority string        `name:"output.stdout.min-priority" placeholder:"PRIORITY" help:"Least severe priority written to standard output (default: debug)."`
	FilePath          string        `name:"output.file.path" placeholder:"FILE" help:"Append detections as Falco JSON lines to FILE (reopened on SIGHUP)."`
	FileMinPriority   string        `name:"output.file.min-priority" placeholder:"PRIORITY" help:"Least severe priority written to the file (default: debug)."`
	HTTPURL           string        `name:"output.http.url" placeholder:"URL" help:"POST each detection as Falco JSON to URL (e.g. Falcosidekick)."`
	HTTPMinPriority   string        `name:"output.http.min-priority" placeholder:"PRIORITY" help:"Least severe priority posted (default: debug)."`
	HTTPTimeout       time.Duration `name:"output.http.timeout" placeholder:"DURATION" help:"Timeout of one POST (default: 5s)."`

	OTLPEndpoint    string        `name:"otlp.endpoint" placeholder:"URL" help:"OTLP logs endpoint; turns the OTLP output on (also OTEL_EXPORTER_OTLP_(LOGS_)ENDPOINT)."`
	OTLPProtocol    string        `name:"otlp.protocol" placeholder:"grpc|http/protobuf" help:"OTLP transport (default: OTEL_EXPORTER_OTLP_(LOGS_)PROTOCOL, else http/protobuf)."`
	OTLPInsecure    *bool         `name:"otlp.insecure" negatable:"" help:"Plain-text connection to the OTLP endpoint."`
	OTLPHeaders     string        `name:"otlp.headers" placeholder:"K=V,..." help:"Headers sent with every export."`
	OTLPTimeout     time.Duration `name:"otlp.timeout" placeholder:"DURATION" help:"Timeout of one export (default: 10s)."`
	OTLPQueueSize   int           `name:"otlp.queue-size" placeholder:"N" help:"Log records buffered by the OTLP exporter (default: 4096)."`
	OTLPMinPriority string        `name:"otlp.min-priority" placeholder:"PRIORITY" help:"Least severe priority exported (default: debug)."`

	RingSize       int   `name:"kernel.ring-size" placeholder:"BYTES" help:"Bytes per BPF ring buffer, a power of two (default: 8388608)."`
	EntrySnapshots *bool `name:"kernel.entry-snapshots" negatable:"" help:"Copy paths, argv and addresses at syscall entry, safe from racing rewrites; --no-kernel.entry-snapshots reads them at exit, cheaper for every syscall (default: true)."`

	DropsThreshold float64       `name:"drops.threshold" placeholder:"FRACTION" help:"Fraction of events lost in one second above which the drop actions run (default: 0.1)."`
	DropsActions   []string      `name:"drops.actions" placeholder:"log,alert,exit" help:"What to do about drops above the threshold (default: log,alert)."`
	DropsInterval  time.Duration `name:"drops.interval" placeholder:"DURATION" help:"Least time between two drop reports (default: 30s)."`

	Containers             *bool         `name:"containers.enabled" negatable:"" help:"Look up container metadata (name, image, labels, pod) from the runtimes' sockets (default: true)."`
	DockerSockets          []string      `name:"containers.docker-socket" sep:"none" placeholder:"PATH" help:"Docker Engine API socket (dockerd or podman system service), repeatable (default: /var/run/docker.sock and /run/podman/podman.sock)."`
	CRIOSocket             string        `name:"containers.crio-socket" placeholder:"PATH" help:"CRI-O socket; empty disables it (default: /var/run/crio/crio.sock)."`
	ContainerdSocket       string        `name:"containers.containerd-socket" placeholder:"PATH" help:"containerd socket; empty disables it (default: /run/containerd/containerd.sock)."`
	ContainerdNamespaces   []string      `name:"containers.containerd-namespaces" placeholder:"NS,..." help:"containerd namespaces asked, in order (default: k8s.io,default,moby)."`
	ContainerBudget        time.Duration `name:"containers.budget" placeholder:"DURATION" help:"Longest an event of a new container waits for its metadata; 0 never waits (default: 100ms)."`
	ContainerLookupTimeout time.Duration `name:"containers.lookup-timeout" placeholder:"DURATION" help:"Timeout of one query to one runtime (default: 2s)."`
	ContainerGrace         time.Duration `name:"containers.grace" placeholder:"DURATION" help:"How long an exited container's metadata is kept (default: 30s)."`
}

// Run starts the agent and blocks until SIGINT/SIGTERM, a fatal drop
// condition, or the end of a replayed capture.
func (c *runCmd) Run(e *env, kctx *kong.Context) error {
	cfg, err := c.resolveConfig(kctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "vigil: invalid configuration:\n%v\n", err)
		return exitError{2}
	}
	opts, err := ruleOptions(cfg.Rules.MinPriority, cfg.Rules.Matching)
	if err != nil {
		return err
	}
	srcs, err := readRuleSources(cfg.Rules.Files, e.stdin)
	if err != nil {
		return err
	}
	rs, err := loadRules(e, srcs, opts)
	if err != nil {
		return err
	}

	m := exporter.NewMetrics(version, revision())
	intern := newInternalRules()
	m.AddStaticRules(intern.all()...)
	m.SetRules(rs)
	m.Reload(true, float64(time.Now().Unix()))

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	runCtx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	st := newState()
	registerStateMetrics(m, st)
	var res *containerrt.Resolver
	if c.Replay == "" { // replayed events come from another time, maybe another host
		res = newResolver(cfg.Containers, st.Containers, e.log)
	}
	registerContainerMetrics(m, st.Containers, res)
	src, probe, host, err := c.openSource(e, st, cfg, rs)
	if err != nil {
		return err
	}
	if probe != nil {
		defer probe.Close()
		registerKernelMetrics(m, probe)
	}

	out := exporter.NewDispatcher(m, e.log)
	outs, err := buildOutputs(runCtx, cfg, out, m, host, e)
	if err != nil {
		return err
	}
	rz := &raiser{out: out, metrics: m}
	out.OnFailure = func(name string, err error) {
		rz.raise(intern.outputFailed, fmt.Sprintf("Output %s is failing: %v", name, err),
			map[string]any{"output": name, "error": err.Error()})
	}
	out.Start()
	defer func() {
		dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer dcancel()
		if err := out.Close(dctx); err != nil {
			e.log.Warn("closing outputs", "err", err)
		}
	}()

	var attached atomic.Bool
	attached.Store(true)
	srv, err := exporter.NewServer(cfg.Web.ListenAddress, cfg.Web.ConfigFile, m, func() error {
		if !attached.Load() {
			return errors.New("event source not attached")
		}
		return out.Healthy()
	}, version, e.log)
	if err != nil {
		return err
	}
	go func() {
		if err := srv.Serve(); err != nil {
			e.log.Error("http server stopped", "err", err)
		}
	}()
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
	}()

	p := newPipeline(rs, m, out, outs.capture, e.log)
	p.containers = res
	rl := &reloader{e: e, files: cfg.Rules.Files, opts: opts, metrics: m, pipe: p, probe: probe, raise: rz, rule: intern.reloadFailed}
	rl.stamp = filesStamp(cfg.Rules.Files)

	bg, bgCancel := context.WithCancel(runCtx)
	var wg sync.WaitGroup
	wg.Go(func() { rl.watch(bg, cfg.Rules.WatchInterval) })
	wg.Go(func() { runResolver(bg, res) })
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	wg.Go(func() {
		for {
			select {
			case <-bg.Done():
				return
			case <-hup:
				rl.reload("SIGHUP")
				outs.reopen(e)
			}
		}
	})
	if probe != nil {
		dm := &dropMonitor{e: e, cfg: cfg.Drops, totals: probeTotals(probe), raise: rz, intern: intern, stop: cancel}
		wg.Go(func() { dm.run(bg) })
	}
	e.log.Info("vigil running", "rules", len(rs.Rules()), "listen", srv.Addr().String(), "replay", c.Replay != "",
		"outputs", outs.names)

	runErr := p.run(runCtx, src)
	bgCancel()
	wg.Wait() // nothing publishes after this: the dispatcher may close
	attached.Store(false)

	if cause := context.Cause(ctx); errors.Is(cause, errTooManyDrops) {
		return fmt.Errorf("run: %w", cause)
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return fmt.Errorf("run: %w", runErr)
	}
	e.log.Info("vigil stopping", "detections", p.matched.Load())
	return nil
}

// openSource opens the capture to replay or the kernel probe and returns the
// host the events come from. The state's BootTime places them in time: set
// here for the kernel, from the capture's header when replaying.
func (c *runCmd) openSource(e *env, st *collector.State, cfg config, rs *rules.Ruleset) (
	src collector.Source, probe *kernel.Probe, host string, err error) {
	host = hostname()
	if c.Replay != "" {
		f, err := os.Open(c.Replay)
		if err != nil {
			return nil, nil, "", fmt.Errorf("open capture: %w", err)
		}
		// The file stays open until the process ends; replay reads it once.
		hr, err := capture.NewReader(f)
		if err != nil {
			f.Close()
			return nil, nil, "", fmt.Errorf("read capture: %w", err)
		}
		if h := hr.Header().Hostname; h != "" {
			host = h // detections name the host the events happened on
		}
		if _, err := f.Seek(0, 0); err != nil {
			f.Close()
			return nil, nil, "", fmt.Errorf("read capture: %w", err)
		}
		return collector.NewCaptureSource(f, st, e.log), nil, host, nil
	}
	if st.BootTime, err = capture.BootTime(); err != nil {
		return nil, nil, "", fmt.Errorf("boot time: %w", err)
	}
	probe, err = openProbe(e, st, cfg.Kernel, rs)
	if err != nil {
		return nil, nil, "", err
	}
	return collector.NewLiveSource(probe, st, e.log), probe, host, nil
}

// ruleOptions turns the rules flags into rules.Options.
func ruleOptions(minPriority, matching string) (rules.Options, error) {
	var o rules.Options
	pr, err := rulefile.ParsePriority(minPriority)
	if err != nil {
		return o, fmt.Errorf("--rules.min-priority: %w", err)
	}
	o.MinPriority = pr
	m, ok := rules.ParseMatching(matching)
	if !ok {
		return o, fmt.Errorf("--rules.matching: unknown mode %q", matching)
	}
	o.Matching = m
	return o, nil
}

// loadRules compiles the rules; at start-up any error is fatal and every
// problem is printed with its position.
func loadRules(e *env, srcs []rulefile.Source, opts rules.Options) (*rules.Ruleset, error) {
	rs, problems := rules.Load(fields.NewRegistry(), opts, srcs...)
	nerr := 0
	for _, p := range problems {
		if p.Severity == rulefile.SeverityError {
			nerr++
			fmt.Fprintln(e.stderr, p.String())
		} else {
			e.log.Debug("rules warning", "problem", p.String())
		}
	}
	if nerr > 0 || rs == nil {
		return nil, fmt.Errorf("load rules: %d errors", nerr)
	}
	return rs, nil
}

// newState builds the process, user and container tables with their
// default bounds.
func newState() *collector.State {
	var ucfg users.Config
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/mnt", &st); err == nil {
		ucfg.HostMntNS = st.Ino // names in our own namespace come from /etc directly
	}
	s := collector.NewState(proc.New(proc.Config{}), users.New(ucfg), container.NewStore(0), record.NativeArch())
	s.Hostname = hostname()
	return s
}

// openProbe bootstraps the process table from /proc, loads the BPF programs
// and selects the syscalls the rules and the state need.
func openProbe(e *env, st *collector.State, kc kernelConfig, rs *rules.Ruleset) (*kernel.Probe, error) {
	probe, err := kernel.Open(kernel.Config{RingSize: kc.RingSize, NoEntrySnapshots: !kc.EntrySnapshots}, e.log)
	if err != nil {
		return nil, fmt.Errorf("open kernel probe: %w", err)
	}
	if err := setInterest(probe, rs); err != nil {
		probe.Close()
		return nil, err
	}
	stats, err := st.Procs.Bootstrap(proc.BootstrapConfig{})
	if err != nil {
		probe.Close()
		return nil, fmt.Errorf("bootstrap processes: %w", err)
	}
	e.log.Info("process table bootstrapped", "stats", fmt.Sprintf("%+v", stats))
	for _, f := range probe.Features() {
		if !f.Enabled {
			e.log.Info("capture feature off", "feature", f.Name, "reason", f.Reason)
		}
	}
	return probe, nil
}

// setInterest selects the event types of the active rules plus every
// record kind that keeps process and fd state right, and skips the TCP
// sends and receives no rule can match.
func setInterest(probe *kernel.Probe, rs *rules.Ruleset) error {
	names := stateKinds()
	types := rs.EventTypes()
	names = append(names, types.Names()...)
	// Non-syscall event names (e.g. container) select nothing in the
	// kernel and come back as an UnknownNamesError; the rest is applied.
	err := probe.SetInterest(names)
	var unknown *kernel.UnknownNamesError
	if err != nil && !errors.As(err, &unknown) {
		return fmt.Errorf("select syscalls: %w", err)
	}
	skip, err := tcpIOSkip(rs)
	if err != nil {
		return err
	}
	if err := probe.SetTCPIOSkip(skip); err != nil {
		return fmt.Errorf("select syscalls: %w", err)
	}
	return nil
}

// stateKinds are the record kinds the state machine needs whatever the rules.
func stateKinds() []string {
	names := []string{"procexit", "procfork"}
	for _, k := range record.Kinds() {
		if k.Schema().Syscall {
			names = append(names, k.String())
		}
	}
	return names
}

// hostname is the host detections name: $VIGIL_HOSTNAME when set (in a
// Kubernetes pod, the node's name; the pod's own hostname would name the
// pod), else the system's hostname.
func hostname() string {
	if h := os.Getenv("VIGIL_HOSTNAME"); h != "" {
		return h
	}
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}
