package kernel

import (
	"errors"
	"fmt"
	"log/slog"
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

	coll  *ebpf.Collection
	inner []*ebpf.Map // ring buffers, owned

	mu        sync.Mutex // guards everything below
	required  []link.Link
	enter     map[string]link.Link // entry-snapshot programs attached now
	enterOK   map[string]bool      // entry-snapshot programs that can attach
	features  []Feature
	cur       Interest
	interest  *ebpf.Variable
	tpEnable  *ebpf.Variable
	tcpIOSkip *ebpf.Variable

	rd reader
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
	p.tcpIOSkip = p.coll.Variables["tcp_io_skip"]
	if p.interest == nil || p.tpEnable == nil || p.tcpIOSkip == nil {
		return errors.New("load capture programs: interest variables missing")
	}
	p.mu.Lock()
	err = p.attachRequired()
	if err == nil {
		p.probeEnter()
	}
	p.mu.Unlock()
	if err != nil {
		return err
	}
	if err := p.SetInterest(p.cfg.Interest); err != nil {
		var u *UnknownNamesError
		if !errors.As(err, &u) {
			return err
		}
		p.log.Warn("kernel probe: ignoring unknown event types", "names", u.Names)
	}
	p.mu.Lock()
	for _, f := range kernelFeatures(p.arch, p.cfg.noRdonlyCast) {
		p.setFeature(f)
	}
	p.mu.Unlock()
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
		p.disable(enterFeature(name), fmt.Sprintf("load: %v", err))
		delete(spec.Programs, name)
	}
}

// disable records an optional feature as off, replacing an earlier entry.
func (p *Probe) disable(feature, reason string) {
	p.setFeature(Feature{Name: feature, Enabled: false, Reason: reason})
	p.log.Info("kernel probe: optional feature disabled", "feature", feature, "reason", reason)
}

func (p *Probe) setFeature(f Feature) {
	for i := range p.features {
		if p.features[i].Name == f.Name {
			p.features[i] = f
			return
		}
	}
	p.features = append(p.features, f)
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

// ApplyInterest installs a compiled interest set. Entry snapshots are
// attached only for selected syscalls: each attached syscall-entry
// tracepoint slows every syscall of every task a little.
func (p *Probe) ApplyInterest(in Interest) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.interest.Set(in.bits); err != nil {
		return fmt.Errorf("set interest: %w", err)
	}
	if err := p.tpEnable.Set(in.tp); err != nil {
		return fmt.Errorf("set interest: %w", err)
	}
	p.cur = in
	if p.required != nil {
		p.syncEnter()
	}
	p.log.Debug("kernel probe: interest set", "interest", in.String(), "entry_snapshots", len(p.enter))
	return nil
}

// tcpIOBits maps the send/receive kinds to the kernel's TIO_* bits.
var tcpIOBits = map[record.Kind]uint32{
	record.KindSendto: 1, record.KindSendmsg: 2, record.KindRecvfrom: 4, record.KindRecvmsg: 8,
}

// SetTCPIOSkip makes the kernel skip records of the given send/receive
// kinds (sendto, sendmsg, recvfrom, recvmsg) on TCP sockets when the call
// names no address; they are counted under ReasonFiltered. Pass the kinds
// no loaded rule can match on a connected TCP socket: the state learns TCP
// sockets' ends from connect and accept, so it does not need them. Other
// kinds are ignored. Nil records everything again.
func (p *Probe) SetTCPIOSkip(kinds []record.Kind) error {
	var bits uint32
	for _, k := range kinds {
		bits |= tcpIOBits[k]
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.tcpIOSkip.Set(bits); err != nil {
		return fmt.Errorf("set tcp io skip: %w", err)
	}
	return nil
}

// Close detaches every program and frees the maps and rings. It is safe to
// call more than once.
func (p *Probe) Close() error {
	p.mu.Lock()
	errs := []error{p.detach()}
	p.mu.Unlock()
	errs = append(errs, p.rd.close())
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
