package kernel

import (
	"fmt"

	"github.com/cilium/ebpf/btf"

	"github.com/vigilsec/vigil/collector/record"
)

// Feature reports whether an optional part of the capture is active.
type Feature struct {
	Name    string // e.g. "enter_snapshot/openat"
	Enabled bool
	Reason  string // why it is disabled
}

// Features reports the optional parts of the capture and whether each is
// active:
//   - enter_snapshot/<syscall>: the syscall-entry snapshot (TOCTOU) of
//     open, creat, openat, openat2, connect, execve, execveat can be used
//     (it is attached while its syscall is selected);
//   - rdonly_cast: kernel objects are read with plain loads (Linux 6.2+)
//     rather than bpf_probe_read_kernel calls;
//   - compat_ia32 (amd64): 32-bit compat syscalls are recognised and mapped.
func (p *Probe) Features() []Feature {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Feature, len(p.features))
	copy(out, p.features)
	return out
}

// kernelFeatures inspects the kernel's BTF for what the programs adapt to
// at load time.
func kernelFeatures(arch record.Arch, noRdonlyCast bool) []Feature {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		reason := fmt.Sprintf("kernel BTF: %v", err)
		return []Feature{{Name: "rdonly_cast", Reason: reason}}
	}
	var out []Feature
	cast := Feature{Name: "rdonly_cast", Enabled: true}
	var fn *btf.Func
	if noRdonlyCast {
		cast = Feature{Name: "rdonly_cast", Reason: "disabled by configuration"}
	} else if err := spec.TypeByName("bpf_rdonly_cast", &fn); err != nil {
		cast = Feature{Name: "rdonly_cast", Reason: "kernel has no bpf_rdonly_cast kfunc (before 6.2): using probe reads"}
	}
	out = append(out, cast)
	if arch == record.ArchAMD64 {
		compat := Feature{Name: "compat_ia32", Reason: "struct thread_info has no status member"}
		var ti *btf.Struct
		if err := spec.TypeByName("thread_info", &ti); err == nil {
			for _, m := range ti.Members {
				if m.Name == "status" {
					compat = Feature{Name: "compat_ia32", Enabled: true}
				}
			}
		}
		out = append(out, compat)
	}
	return out
}
