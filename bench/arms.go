package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
)

// Arm is one configuration the workloads run under.
type Arm string

const (
	// ArmBaseline runs the workload with no agent attached.
	ArmBaseline Arm = "baseline"
	// ArmBpftrace attaches a bpftrace program that counts every syscall
	// exit: the cost of the simplest syscall-wide tracer, as a control.
	ArmBpftrace Arm = "bpftrace"
	// ArmCapture runs `vigil capture` with the stable rules' event types
	// selected, records discarded: kernel capture, ring buffers, decode and
	// state, no rule evaluation and no outputs.
	ArmCapture Arm = "vigil-capture"
	// ArmFull runs `vigil run` with the upstream stable rules and every
	// output on (stdout to /dev/null, file, webhook and OTLP/HTTP to the
	// suite's sink).
	ArmFull Arm = "vigil-full"
	// ArmFullExitRead is ArmFull with --no-kernel.entry-snapshots: paths
	// and addresses read at syscall exit, no sys_enter programs.
	ArmFullExitRead Arm = "vigil-full-exit-read"
)

// isRun reports whether the arm is a `vigil run` agent (metrics, rules).
func (a Arm) isRun() bool { return a == ArmFull || a == ArmFullExitRead }

// bpftraceProgram counts syscall exits in a per-CPU map: the control arm.
const bpftraceProgram = `tracepoint:raw_syscalls:sys_exit { @exits = count(); }`

// StartArm starts the agent of an arm and waits until its programs are
// attached. ArmBaseline starts nothing and returns nil.
func (s *Suite) StartArm(ctx context.Context, a Arm) (*Process, error) {
	var p *Process
	var err error
	links := 1
	switch a {
	case ArmBaseline:
		return nil, nil
	case ArmBpftrace:
		p, err = Start(string(a), nil, s.Bpftrace, "-e", bpftraceProgram)
	case ArmCapture:
		p, err = Start(string(a), nil, s.Vigil, "capture", "--output", "/dev/null",
			"--rules", s.StableRules, "--log.level", "warn")
		links = 4
	case ArmFull, ArmFullExitRead:
		addr, aerr := freeAddr()
		if aerr != nil {
			return nil, aerr
		}
		snapshots := "--kernel.entry-snapshots"
		if a == ArmFullExitRead {
			snapshots = "--no-kernel.entry-snapshots"
		}
		p, err = Start(string(a), nil, s.Vigil, "run", snapshots,
			"--rules", s.StableRules,
			"--web.listen-address", addr,
			"--rules.watch-interval", "0",
			"--output.stdout",
			"--output.file.path", filepath.Join(s.WorkDir, "detections.json"),
			"--output.http.url", "http://"+s.Sink.Addr()+"/webhook",
			"--otlp.endpoint", "http://"+s.Sink.Addr(),
			"--otlp.protocol", "http/protobuf",
			"--otlp.insecure",
			"--log.level", "warn")
		if p != nil {
			p.Metrics = addr
		}
		links = 4
	default:
		return nil, fmt.Errorf("unknown arm %q", a)
	}
	if err != nil {
		return nil, err
	}
	if err := p.WaitAttached(ctx, links); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Suite holds what every suite needs: the binaries under test and where
// they write.
type Suite struct {
	Vigil       string // bin/vigil built from this tree
	Bpftrace    string // empty when bpftrace is not installed: the arm is skipped
	StableRules string // upstream falco_rules.yaml, loaded unmodified
	WorkDir     string // scratch directory, removed at the end
	Self        string // this binary, re-executed as workload driver
	RepoDir     string // the repository root, where `go test` runs the Go benchmarks
	Sink        *Sink
	Quick       bool // short steps for the suite's own tests
	Log         *slog.Logger
	// Preflight is set by RunPreflight; suites copy its contamination
	// verdict into their results.
	Preflight *Preflight
}

// NewSuite checks the binaries and creates the scratch directory.
func NewSuite(vigil, rules string, quick bool) (*Suite, error) {
	for _, f := range []string{vigil, rules} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("suite: %w", err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("suite: %w", err)
	}
	dir, err := os.MkdirTemp("", "vigil-bench-")
	if err != nil {
		return nil, fmt.Errorf("suite: %w", err)
	}
	sink, err := NewSink()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Suite{Vigil: vigil, StableRules: rules, WorkDir: dir, Self: self, Sink: sink, Quick: quick, RepoDir: "."}
	if p, err := lookPath("bpftrace"); err == nil {
		s.Bpftrace = p
	}
	return s, nil
}

// Close stops the sink and removes the scratch directory.
func (s *Suite) Close() {
	s.Sink.Close()
	os.RemoveAll(s.WorkDir)
}
