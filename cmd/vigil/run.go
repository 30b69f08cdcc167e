package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigilsec/vigil/collector"
	"github.com/vigilsec/vigil/collector/capture"
	"github.com/vigilsec/vigil/collector/container"
	"github.com/vigilsec/vigil/collector/kernel"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/collector/users"
	"github.com/vigilsec/vigil/exporter"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

type runCmd struct {
	Rules         []string `name:"rules" sep:"none" placeholder:"PATH" help:"Rules file or directory, repeatable, loaded in order (default: the built-in rules)."`
	Replay        string   `name:"replay" placeholder:"FILE" help:"Replay a capture file instead of watching the kernel (no root needed)."`
	ListenAddress string   `name:"web.listen-address" default:":7493" help:"Address for /metrics, /healthz, /readyz and the landing page."`
	MinPriority   string   `name:"rules.min-priority" default:"debug" help:"Least severe priority evaluated."`
	RuleMatching  string   `name:"rules.matching" default:"first" enum:"first,all" help:"Report the first matching rule per event, or all."`
	QueueSize     int      `name:"output.queue-size" default:"4096" help:"Detections buffered for the outputs; beyond it they are dropped and counted."`
	RingSize      int      `name:"kernel.ring-size" default:"8388608" help:"Bytes per BPF ring buffer (a power of two, page multiple)."`
}

func (c *runCmd) Run(e *env) error {
	srcs, err := readRuleSources(c.Rules, e.stdin)
	if err != nil {
		return err
	}
	opts, err := ruleOptions(c.MinPriority, c.RuleMatching)
	if err != nil {
		return err
	}
	rs, err := loadRules(e, srcs, opts)
	if err != nil {
		return err
	}

	m := exporter.NewMetrics(version, revision())
	m.SetRules(rs)
	m.Reload(true, float64(time.Now().Unix()))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	st := newState()
	registerStateMetrics(m, st)

	var (
		src      collector.Source
		bootWall int64
		attached atomic.Bool
		host     = hostname()
	)
	if c.Replay != "" {
		f, err := os.Open(c.Replay)
		if err != nil {
			return fmt.Errorf("open capture: %w", err)
		}
		defer f.Close()
		hr, err := capture.NewReader(f)
		if err != nil {
			return fmt.Errorf("read capture: %w", err)
		}
		bootWall = hr.Header().BootTime
		if h := hr.Header().Hostname; h != "" {
			host = h // detections name the host the events happened on
		}
		if _, err := f.Seek(0, 0); err != nil {
			return fmt.Errorf("read capture: %w", err)
		}
		src = collector.NewCaptureSource(f, st, e.log)
		attached.Store(true)
	} else {
		if bootWall, err = capture.BootTime(); err != nil {
			return fmt.Errorf("boot time: %w", err)
		}
		st.BootTime = bootWall
		probe, err := openProbe(e, st, c.RingSize, rs)
		if err != nil {
			return err
		}
		defer probe.Close()
		registerKernelMetrics(m, probe)
		src = collector.NewLiveSource(probe, st, e.log)
		attached.Store(true)
	}

	capt, err := exporter.NewEventCapture(fields.NewRegistry())
	if err != nil {
		return err
	}
	out := exporter.NewDispatcher(m, e.log)
	out.Add(exporter.NewJSONOutput("stdout", e.stdout, host), exporter.OutputConfig{QueueSize: c.QueueSize})
	out.Start()
	srv, err := exporter.NewServer(c.ListenAddress, m, func() error {
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
	e.log.Info("vigil running", "rules", len(rs.Rules()), "listen", srv.Addr().String(), "replay", c.Replay != "")

	p := newPipeline(rs, m, out, capt, bootWall, e.log)
	runErr := p.run(ctx, src)
	attached.Store(false)

	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	if err := out.Close(dctx); err != nil {
		e.log.Warn("closing outputs", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return fmt.Errorf("run: %w", runErr)
	}
	e.log.Info("vigil stopped", "detections", p.matched.Load())
	return nil
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
func openProbe(e *env, st *collector.State, ringSize int, rs *rules.Ruleset) (*kernel.Probe, error) {
	probe, err := kernel.Open(kernel.Config{RingSize: ringSize}, e.log)
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
// record kind that keeps process and fd state right.
func setInterest(probe *kernel.Probe, rs *rules.Ruleset) error {
	names := stateKinds()
	types := rs.EventTypes()
	names = append(names, types.Names()...)
	err := probe.SetInterest(names)
	var unknown *kernel.UnknownNamesError
	if errors.As(err, &unknown) {
		// Non-syscall event names (e.g. container) select nothing in the
		// kernel; the rest is applied.
		return nil
	}
	if err != nil {
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

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}
