package kernel

import (
	"fmt"

	"github.com/vigilsec/vigil/collector/record"
)

// Reason says what happened to a record in the kernel.
type Reason uint8

// Reasons, as indexed by the kernel's counter table (bpf/vigil.h R_*).
const (
	ReasonEmitted      Reason = iota // written to a ring
	ReasonRingFull                   // dropped: the ring had no room
	ReasonOversize                   // dropped: longer than record.MaxRecord
	ReasonReadFault                  // emitted with FlagReadFault
	ReasonTailcallMiss               // dropped: no handler for the selected syscall
	ReasonStashMiss                  // emitted with FlagStashMissing
	ReasonTruncated                  // emitted with FlagTruncated
	ReasonFiltered                   // not recorded: a TCP send/receive no rule needs (SetTCPIOSkip)
	NumReasons
)

// kernelReasonSlots is the counter stride per kind in the kernel table.
const kernelReasonSlots = 8

var reasonNames = [NumReasons]string{"emitted", "ring_full", "oversize", "read_fault", "tailcall_miss", "stash_miss", "truncated", "filtered"}

// String returns the reason's metric label.
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// Dropped reports whether records counted under r never reached user space.
func (r Reason) Dropped() bool {
	return r == ReasonRingFull || r == ReasonOversize || r == ReasonTailcallMiss
}

// Counters are monotonic totals since Open.
type Counters struct {
	// Kernel counts records by kind and Reason, summed over CPUs.
	Kernel [record.NumKinds][NumReasons]uint64
	// Delivered is the number of records Read returned.
	Delivered uint64
	// Late counts records delivered with a timestamp older than one
	// already delivered (they became visible after the reorder window).
	Late uint64
	// DecodeErrors counts records skipped because they did not decode.
	DecodeErrors uint64
	// ReadErrors counts failed ring reads.
	ReadErrors uint64
}

// Counters reads the kernel counters and the reader's own.
func (p *Probe) Counters() (Counters, error) {
	var c Counters
	m := p.coll.Maps["counters"]
	var perCPU [][record.NumKinds * kernelReasonSlots]uint64
	if err := m.Lookup(uint32(0), &perCPU); err != nil {
		return c, fmt.Errorf("read kernel counters: %w", err)
	}
	for _, cpu := range perCPU {
		for k := 0; k < record.NumKinds; k++ {
			for r := 0; r < int(NumReasons); r++ {
				c.Kernel[k][r] += cpu[k*kernelReasonSlots+r]
			}
		}
	}
	c.Delivered = p.rd.delivered.Load()
	c.Late = p.rd.late.Load()
	c.DecodeErrors = p.rd.decodeErrs.Load()
	c.ReadErrors = p.rd.readErrs.Load()
	return c, nil
}
