package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vigilsec/vigil/collector/kernel"
	"github.com/vigilsec/vigil/exporter"
	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// reloader recompiles the rules aside and swaps them in atomically. A
// failed reload keeps the running rules, logs every problem, sets
// vigil_config_last_reload_successful to 0 and raises an internal
// detection.
type reloader struct {
	e       *env
	files   []string
	opts    rules.Options
	metrics *exporter.Metrics
	pipe    *pipeline
	probe   *kernel.Probe // nil when replaying
	raise   *raiser
	rule    *rules.Rule // the internal reload-failed rule

	mu    sync.Mutex
	stamp string // what the rules files looked like at the last load
}

// reload loads the rules files again. It reports whether the new rules
// are in effect.
func (r *reloader) reload(why string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stamp = filesStamp(r.files)
	srcs, err := readRuleSources(r.files, nil)
	var problems []rulefile.Problem
	var rs *rules.Ruleset
	if err == nil {
		rs, problems = rules.Load(fields.NewRegistry(), r.opts, srcs...)
	}
	var errs []string
	if err != nil {
		errs = append(errs, err.Error())
	}
	for _, p := range problems {
		if p.Severity == rulefile.SeverityError {
			errs = append(errs, p.String())
		}
	}
	if len(errs) > 0 || rs == nil {
		for _, msg := range errs {
			r.e.log.Error("rules reload failed", "reason", why, "problem", msg)
		}
		r.metrics.Reload(false, 0)
		r.raise.raise(r.rule, fmt.Sprintf("Rules reload failed (%s): %d errors; the previous rules stay in effect; first: %s",
			why, len(errs), firstOr(errs, "no rules")), map[string]any{"reason": why, "errors": len(errs)})
		return false
	}
	r.pipe.swap(rs)
	r.metrics.SetRules(rs)
	if r.probe != nil {
		if err := setInterest(r.probe, rs); err != nil {
			r.e.log.Warn("rules reloaded but the kernel selection was not updated", "err", err)
		}
	}
	r.metrics.Reload(true, float64(time.Now().Unix()))
	r.e.log.Info("rules reloaded", "reason", why, "rules", len(rs.Rules()))
	return true
}

// watch reloads when the rules files change, checking every interval.
func (r *reloader) watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 || len(r.files) == 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		changed := filesStamp(r.files) != r.stamp
		r.mu.Unlock()
		if changed {
			r.reload("rules files changed")
		}
	}
}

// filesStamp summarises the rules files (names, sizes, modification
// times), following directories and symlinks (Kubernetes ConfigMaps swap a
// symlink), so that any edit changes it.
func filesStamp(paths []string) string {
	var b strings.Builder
	add := func(p string) {
		st, err := os.Stat(p)
		if err != nil {
			fmt.Fprintf(&b, "%s:missing;", p)
			return
		}
		fmt.Fprintf(&b, "%s:%d:%d;", p, st.Size(), st.ModTime().UnixNano())
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			files, _ := ruleFilesIn(p)
			fmt.Fprintf(&b, "%s/:%d;", p, len(files))
			for _, f := range files {
				add(f)
			}
			continue
		}
		add(p)
	}
	return b.String()
}

func firstOr(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}
