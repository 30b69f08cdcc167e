package kernel

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/vigilsec/vigil/collector/record"
)

// requiredPrograms are attached with tp_btf; Open fails without them.
var requiredPrograms = []string{"sys_exit", "sched_exec", "sched_fork", "sched_exit"}

// enterProgram is an optional entry-snapshot program on a classic
// syscalls:sys_enter_* tracepoint, attached while its syscall is selected.
type enterProgram struct{ prog, tracepoint, syscall string }

var enterPrograms = []enterProgram{
	{"enter_open", "sys_enter_open", "open"},
	{"enter_creat", "sys_enter_creat", "creat"},
	{"enter_openat", "sys_enter_openat", "openat"},
	{"enter_openat2", "sys_enter_openat2", "openat2"},
	{"enter_connect", "sys_enter_connect", "connect"},
	{"enter_execve", "sys_enter_execve", "execve"},
	{"enter_execveat", "sys_enter_execveat", "execveat"},
}

func enterFeature(prog string) string { return "enter_snapshot/" + strings.TrimPrefix(prog, "enter_") }

// failedProgram returns the optional program a collection load error names
// ("program enter_openat: load program: ..."), or "".
func failedProgram(err error) string {
	msg := err.Error()
	for _, e := range enterPrograms {
		if strings.Contains(msg, "program "+e.prog+":") {
			return e.prog
		}
	}
	return ""
}

func isEnterProgram(name string) bool {
	for _, e := range enterPrograms {
		if e.prog == name {
			return true
		}
	}
	return false
}

// attachRequired attaches the tp_btf programs. Caller holds p.mu.
func (p *Probe) attachRequired() error {
	for _, name := range requiredPrograms {
		l, err := link.AttachTracing(link.TracingOptions{Program: p.coll.Programs[name], AttachType: ebpf.AttachTraceRawTp})
		if err != nil {
			return fmt.Errorf("attach %s: %w", name, err)
		}
		p.required = append(p.required, l)
	}
	return nil
}

// probeEnter finds out which entry-snapshot programs can attach, by
// attaching each once; ApplyInterest then detaches the unselected ones.
// Caller holds p.mu.
func (p *Probe) probeEnter() {
	p.enter = map[string]link.Link{}
	p.enterOK = map[string]bool{}
	if p.cfg.NoEntrySnapshots {
		for _, e := range enterPrograms {
			p.disable(enterFeature(e.prog), "disabled by configuration (read at syscall exit)")
		}
		return
	}
	tracefs, tracefsErr := ensureTracefs(!p.cfg.NoMountTracefs)
	if tracefs != "" {
		p.log.Debug("kernel probe: tracefs", "path", tracefs)
	}
	for _, e := range enterPrograms {
		feature := enterFeature(e.prog)
		prog := p.coll.Programs[e.prog]
		if prog == nil {
			continue // rejected at load, already reported
		}
		if _, ok := record.SyscallNumber(p.arch, e.syscall); !ok {
			p.disable(feature, fmt.Sprintf("no %s syscall on %v", e.syscall, p.arch))
			continue
		}
		if tracefsErr != nil {
			p.disable(feature, tracefsErr.Error())
			continue
		}
		l, err := link.Tracepoint("syscalls", e.tracepoint, prog, nil)
		if err != nil {
			p.disable(feature, fmt.Sprintf("attach %s: %v", e.tracepoint, err))
			continue
		}
		p.enter[e.prog] = l
		p.enterOK[e.prog] = true
		p.setFeature(Feature{Name: feature, Enabled: true})
	}
}

// syncEnter attaches the entry-snapshot programs of selected syscalls and
// detaches the others. A program that fails to attach is disabled (and
// reported by Features), never fatal. Caller holds p.mu.
func (p *Probe) syncEnter() {
	for _, e := range enterPrograms {
		if !p.enterOK[e.prog] {
			continue
		}
		nr, _ := record.SyscallNumber(p.arch, e.syscall)
		want := p.cur.Has(nr)
		l, have := p.enter[e.prog]
		switch {
		case want && !have:
			l, err := link.Tracepoint("syscalls", e.tracepoint, p.coll.Programs[e.prog], nil)
			if err != nil {
				p.enterOK[e.prog] = false
				p.disable(enterFeature(e.prog), fmt.Sprintf("attach %s: %v", e.tracepoint, err))
				continue
			}
			p.enter[e.prog] = l
		case !want && have:
			if err := l.Close(); err != nil {
				p.log.Warn("kernel probe: detach entry snapshot", "program", e.prog, "err", err)
			}
			delete(p.enter, e.prog)
		}
	}
}

// detach closes every link, leaving programs and rings loaded (Close, and
// benchmarks comparing attached with detached costs). Caller holds p.mu.
func (p *Probe) detach() error {
	var errs []error
	for _, l := range p.required {
		errs = append(errs, l.Close())
	}
	p.required = nil
	for name, l := range p.enter {
		errs = append(errs, l.Close())
		delete(p.enter, name)
	}
	return errors.Join(errs...)
}

// reattach attaches again what detach detached. Caller holds p.mu.
func (p *Probe) reattach() error {
	if err := p.attachRequired(); err != nil {
		return err
	}
	p.syncEnter()
	return nil
}
