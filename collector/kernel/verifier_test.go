package kernel

import (
	"errors"
	"testing"

	"github.com/cilium/ebpf"
)

// TestVerifier loads every program of the capture object through the
// kernel verifier, one at a time, and prints the full verifier log of any
// program the kernel rejects.
func TestVerifier(t *testing.T) {
	requireBPF(t)
	p := &Probe{arch: nativeArchForTest()}
	cfg, err := Config{RingSize: 1 << 16}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	p.cfg = cfg
	spec, err := p.prepareSpec()
	if err != nil {
		t.Fatal(err)
	}
	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{})
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			t.Fatalf("verifier rejected a program: %v\n%+v", err, ve)
		}
		t.Fatalf("load: %v", err)
	}
	defer coll.Close()
	for name, prog := range coll.Programs {
		info, err := prog.Info()
		if err != nil {
			t.Errorf("%s: info: %v", name, err)
			continue
		}
		insns, _ := info.Instructions()
		// verified: instructions the verifier processed (6.0+), the
		// number that approaches its one-million budget.
		verified, _ := info.VerifiedInstructions()
		t.Logf("%-16s %-8v %5d instructions %7d verified", name, prog.Type(), len(insns), verified)
	}
	if got, want := len(coll.Programs), len(spec.Programs); got != want {
		t.Fatalf("loaded %d programs, spec has %d", got, want)
	}
}
