package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "work":
			os.Exit(runWork(os.Args[2:]))
		case "gen":
			os.Exit(runGen(os.Args[2:]))
		}
	}
	os.Exit(runSuite(os.Args[1:]))
}

var allSuites = []string{"overhead", "drops", "engine", "soak"}

func runSuite(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	vigil := fs.String("vigil", "bin/vigil", "agent binary under test")
	rules := fs.String("rules", "../shared/falco-rules/falco_rules.yaml", "upstream stable rules file, loaded unmodified")
	out := fs.String("out", "bench/results", "directory for report.md and report.json; its previous report.json is the benchstat baseline")
	suites := fs.String("suites", strings.Join(allSuites, ","), "suites to run: "+strings.Join(allSuites, ","))
	rounds := fs.Int("rounds", 5, "interleaved rounds of the overhead suite")
	soak := fs.Duration("soak", 10*time.Minute, "length of the process-churn soak")
	quick := fs.Bool("quick", false, "short steps (the suite's own smoke test, not for numbers)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	want := strings.Split(*suites, ",")
	for _, s := range want {
		if !slices.Contains(allSuites, s) {
			log.Error("unknown suite", "suite", s)
			return 2
		}
	}
	if os.Geteuid() != 0 {
		log.Error("the suite attaches BPF programs and must run as root")
		return 2
	}
	// One suite at a time on a machine: two would measure each other.
	lock, err := os.OpenFile("/run/vigil-bench.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		log.Error("lock", "err", err)
		return 1
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		log.Error("another benchmark suite is running (/run/vigil-bench.lock)", "err", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s, err := NewSuite(*vigil, *rules, *quick)
	if err != nil {
		log.Error("set up", "err", err)
		return 1
	}
	defer s.Close()
	s.Log = log

	var previous *Report
	if b, err := os.ReadFile(filepath.Join(*out, "report.json")); err == nil {
		previous = new(Report)
		if err := json.Unmarshal(b, previous); err != nil {
			log.Warn("previous report unreadable; no benchstat comparison", "err", err)
			previous = nil
		}
	}

	r := &Report{Started: time.Now(), Machine: readMachine(*vigil)}
	r.Preflight = RunPreflight(ctx, s)
	failed := false
	step := func(name string, f func() error) {
		if !slices.Contains(want, name) || ctx.Err() != nil {
			return
		}
		log.Info("suite", "name", name)
		if err := f(); err != nil {
			log.Error("suite failed", "name", name, "err", err)
			failed = true
		}
	}
	step("overhead", func() (err error) { r.Overhead, err = s.RunOverhead(ctx, *rounds); return })
	step("drops", func() (err error) { r.Drops, err = s.RunDrops(ctx); return })
	step("engine", func() (err error) { r.Engine, err = s.RunEngine(ctx, previous); return })
	step("soak", func() (err error) { r.Soak, err = s.RunSoak(ctx, *soak); return })
	r.Duration = time.Since(r.Started).Round(time.Second).String()
	r.Targets = collectTargets(r)

	if err := writeReport(r, *out); err != nil {
		log.Error("write report", "err", err)
		return 1
	}
	log.Info("report written", "dir", *out)
	if failed || ctx.Err() != nil {
		return 1
	}
	return 0
}

func collectTargets(r *Report) []Target {
	var t []Target
	if r.Overhead != nil {
		t = append(t, r.Overhead.targets()...)
	}
	if r.Drops != nil {
		t = append(t, r.Drops.targets()...)
	}
	if r.Engine != nil {
		t = append(t, r.Engine.targets()...)
	}
	if r.Soak != nil {
		t = append(t, r.Soak.targets()...)
	}
	return t
}

func writeReport(r *Report, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "report.json"))
	if err != nil {
		return err
	}
	if err := r.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), r.Markdown(), 0o644)
}

func lookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, errors.Unwrap(err))
	}
	return p, nil
}
