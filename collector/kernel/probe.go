package kernel

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"

	"github.com/vigilsec/vigil/collector/record"
)

// Probe is a loaded and attached set of capture programs with their rings.
type Probe struct {
	cfg  Config
	log  *slog.Logger
	arch record.Arch

	coll     *ebpf.Collection
	links    []link.Link
	inner    []*ebpf.Map // ring buffers, owned
	features []Feature

	mu       sync.Mutex // guards interest writes
	interest *ebpf.Variable
	tpEnable *ebpf.Variable

	rd reader
}

// requiredPrograms are attached with tp_btf; Open fails without them.
var requiredPrograms = []string{"sys_exit", "sched_exec", "sched_fork", "sched_exit"}

// enterPrograms are the optional classic tracepoints (entry snapshots).
var enterPrograms = []struct{ prog, tracepoint string }{
	{"enter_open", "sys_enter_open"},
	{"enter_creat", "sys_enter_creat"},
	{"enter_openat", "sys_enter_openat"},
	{"enter_openat2", "sys_enter_openat2"},
	{"enter_connect", "sys_enter_connect"},
	{"enter_execve", "sys_enter_execve"},
	{"enter_execveat", "sys_enter_execveat"},
}

// Open loads, configures and attaches the capture programs.
func Open(cfg Config, log *slog.Logger) (*Probe, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("kernel probe config: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Probe{cfg: cfg, log: log, arch: record.NativeArch()}
	if err := p.open(); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Probe) open() error {
	if err := rlimit.RemoveMemlock(); err != nil {
		return fmt.Errorf("remove memlock limit: %w", err)
	}
	spec, err := p.prepareSpec()
	if err != nil {
		return err
	}
	if err := p.load(spec); err != nil {
		return err
	}
	if err := p.fillHandlers(); err != nil {
		return err
	}
	if err := p.createRings(); err != nil {
		return err
	}
	p.interest = p.coll.Variables["interest"]
	p.tpEnable = p.coll.Variables["tp_enable"]
	if p.interest == nil || p.tpEnable == nil {
		return errors.New("load capture programs: interest variables missing")
	}
	if err := p.SetInterest(p.cfg.Interest); err != nil {
		var u *UnknownNamesError
		if !errors.As(err, &u) {
			return err
		}
		p.log.Warn("kernel probe: ignoring unknown event types", "names", u.Names)
	}
	if err := p.attach(); err != nil {
		return err
	}
	p.features = append(p.features, kernelFeatures(p.arch, p.cfg.noRdonlyCast)...)
	if err := p.rd.init(p.inner, p.cfg, p.log); err != nil {
		return err
	}
	return nil
}

// prepareSpec returns the collection spec with map sizes and read-only
// configuration set.
func (p *Probe) prepareSpec() (*ebpf.CollectionSpec, error) {
	spec, err := loadVigil()
	if err != nil {
		return nil, fmt.Errorf("load capture programs: %w", err)
	}
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, fmt.Errorf("possible cpus: %w", err)
	}
	slots, err := buildSlots(p.arch)
	if err != nil {
		return nil, err
	}
	nrings := (ncpu + p.cfg.CPUsPerRing - 1) / p.cfg.CPUsPerRing

	rings := spec.Maps["rings"]
	scratch := spec.Maps["scratch"]
	if rings == nil || rings.InnerMap == nil || scratch == nil {
		return nil, errors.New("load capture programs: maps missing from the object")
	}
	rings.MaxEntries = uint32(nrings)
	rings.InnerMap.MaxEntries = uint32(p.cfg.RingSize)
	scratch.MaxEntries = uint32(ncpu)

	set := func(name string, v any) error {
		vs, ok := spec.Variables[name]
		if !ok {
			return fmt.Errorf("load capture programs: variable %s missing", name)
		}
		if err := vs.Set(v); err != nil {
			return fmt.Errorf("load capture programs: set %s: %w", name, err)
		}
		return nil
	}
	return spec, errors.Join(
		set("self_tgid", uint32(p.cfg.IgnoreTGID)),
		set("cpus_per_ring", uint32(p.cfg.CPUsPerRing)),
		set("wakeup_bytes", uint64(p.cfg.WakeupBytes)),
		set("cgroup_hierarchy", p.cfg.cgroupHierarchyID()),
		set("no_rdonly_cast", boolU32(p.cfg.noRdonlyCast)),
		set("kind_of_slot", slots.kind),
		set("ia32_slot", slots.ia32),
	)
}

func boolU32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// load creates the maps and loads the programs. An optional program the
// verifier rejects is dropped (and reported) and the load retried.
func (p *Probe) load(spec *ebpf.CollectionSpec) error {
	for {
		coll, err := ebpf.NewCollection(spec)
		if err == nil {
			p.coll = coll
			return nil
		}
		name := failedProgram(err)
		if name == "" || !isEnterProgram(name) {
			return fmt.Errorf("load capture programs: %w", err)
		}
		p.disable("enter_snapshot/"+name[len("enter_"):], fmt.Sprintf("load: %v", err))
		delete(spec.Programs, name)
	}
}

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

func (p *Probe) disable(feature, reason string) {
	p.features = append(p.features, Feature{Name: feature, Enabled: false, Reason: reason})
	p.log.Info("kernel probe: optional feature disabled", "feature", feature, "reason", reason)
}

// fillHandlers routes every known syscall slot to its handler program.
func (p *Probe) fillHandlers() error {
	slots, err := buildSlots(p.arch)
	if err != nil {
		return err
	}
	handlers := p.coll.Maps["handlers"]
	for slot, name := range slots.handler {
		if name == "" {
			continue
		}
		prog := p.coll.Programs[name]
		if prog == nil {
			return fmt.Errorf("load capture programs: handler %s missing", name)
		}
		if err := handlers.Put(uint32(slot), prog); err != nil {
			return fmt.Errorf("install handler %s for syscall %d: %w", name, slot, err)
		}
	}
	return nil
}

// createRings creates one ring buffer per slot of the rings map.
func (p *Probe) createRings() error {
	outer := p.coll.Maps["rings"]
	n := int(outer.MaxEntries())
	for i := 0; i < n; i++ {
		m, err := ebpf.NewMap(&ebpf.MapSpec{
			Name:       fmt.Sprintf("vigil_ring%d", i),
			Type:       ebpf.RingBuf,
			MaxEntries: uint32(p.cfg.RingSize),
		})
		if err != nil {
			return fmt.Errorf("create ring buffer %d of %d bytes: %w", i, p.cfg.RingSize, err)
		}
		p.inner = append(p.inner, m)
		if err := outer.Put(uint32(i), m); err != nil {
			return fmt.Errorf("install ring buffer %d: %w", i, err)
		}
	}
	return nil
}

func (p *Probe) attach() error {
	if err := p.attachRequired(); err != nil {
		return err
	}
	return p.attachOptional()
}

func (p *Probe) attachRequired() error {
	for _, name := range requiredPrograms {
		l, err := link.AttachTracing(link.TracingOptions{Program: p.coll.Programs[name], AttachType: ebpf.AttachTraceRawTp})
		if err != nil {
			return fmt.Errorf("attach %s: %w", name, err)
		}
		p.links = append(p.links, l)
	}
	return nil
}

func (p *Probe) attachOptional() error {
	tracefs, tracefsErr := ensureTracefs(!p.cfg.NoMountTracefs)
	if tracefs != "" {
		p.log.Debug("kernel probe: tracefs", "path", tracefs)
	}
	for _, e := range enterPrograms {
		feature := "enter_snapshot/" + e.prog[len("enter_"):]
		prog := p.coll.Programs[e.prog]
		if prog == nil {
			continue // dropped at load, already reported
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
		p.links = append(p.links, l)
		p.features = append(p.features, Feature{Name: feature, Enabled: true})
	}
	return nil
}

// detach closes every link, leaving programs and rings loaded (benchmarks
// compare attached with detached costs without reloading).
func (p *Probe) detach() error {
	var errs []error
	for _, l := range p.links {
		errs = append(errs, l.Close())
	}
	p.links = nil
	return errors.Join(errs...)
}

// reattach attaches again what detach detached.
func (p *Probe) reattach() error {
	if err := p.attachRequired(); err != nil {
		return err
	}
	for _, e := range enterPrograms {
		if !p.featureEnabled("enter_snapshot/" + e.prog[len("enter_"):]) {
			continue
		}
		l, err := link.Tracepoint("syscalls", e.tracepoint, p.coll.Programs[e.prog], nil)
		if err != nil {
			return fmt.Errorf("attach %s: %w", e.tracepoint, err)
		}
		p.links = append(p.links, l)
	}
	return nil
}

func (p *Probe) featureEnabled(name string) bool {
	for _, f := range p.features {
		if f.Name == name {
			return f.Enabled
		}
	}
	return false
}

// SetInterest selects what the kernel records, by Falco event-type name
// (see CompileInterest). It takes effect immediately and may be called at
// any time. Unknown names are reported in an *UnknownNamesError; the rest
// is applied.
func (p *Probe) SetInterest(names []string) error {
	in, err := CompileInterest(names, p.arch, !p.cfg.NoCompatGeneric)
	if serr := p.ApplyInterest(in); serr != nil {
		return serr
	}
	return err
}

// ApplyInterest installs a compiled interest set.
func (p *Probe) ApplyInterest(in Interest) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.interest.Set(in.bits); err != nil {
		return fmt.Errorf("set interest: %w", err)
	}
	if err := p.tpEnable.Set(in.tp); err != nil {
		return fmt.Errorf("set interest: %w", err)
	}
	p.log.Debug("kernel probe: interest set", "interest", in.String())
	return nil
}

// Close detaches every program and frees the maps and rings. It is safe to
// call more than once.
func (p *Probe) Close() error {
	errs := []error{p.detach(), p.rd.close()}
	if p.coll != nil {
		p.coll.Close()
		p.coll = nil
	}
	for _, m := range p.inner {
		errs = append(errs, m.Close())
	}
	p.inner = nil
	return errors.Join(errs...)
}
