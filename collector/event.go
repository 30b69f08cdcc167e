package collector

import (
	"time"

	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/rules/fields"
)

// Event is one kernel record with the state it concerns. It is valid until
// the consumer it was passed to returns.
type Event struct {
	// Rec is the decoded record; its Data aliases the source's buffer.
	Rec *record.Record
	// Thread and Proc are the task that made the syscall, after the record
	// was applied (for an exec: the new program). Nil only when the state
	// bounds left no room for the task.
	Thread *proc.Thread
	Proc   *proc.Process
	// FD is the fd the event used, created or (for close) just closed; nil
	// when the event has none or it is unknown.
	FD *proc.FD
	// FDNum is the fd number the event concerns (fd.num), -1 when a failed
	// call created none; valid when HasFD is set.
	FDNum int64
	HasFD bool
	// NameChanged reports that the event changed FD's name (fd.name_changed).
	NameChanged bool

	typ    fields.EventType
	st     *State
	num    uint64  // evt.num
	fdCopy proc.FD // storage for an FD that is not (or no longer) in the table
	// scratch holds text Extract builds (joined lists, rendered
	// parameters). It is truncated per event, never per Extract, because
	// the engine may hold two extracted values at once (val()).
	scratch []byte
}

// Time returns the event's wall-clock time (evt.time): the record's
// timestamp placed by the state's BootTime.
func (e *Event) Time() time.Time { return time.Unix(0, e.unixNano()) }

// unixNano is Time in ns since the epoch.
func (e *Event) unixNano() int64 { return e.st.BootTime + int64(e.Rec.TS) }

// Type returns the event's type, e.g. openat or procexit.
func (e *Event) Type() fields.EventType { return e.typ }

// reset prepares e for the next record.
func (e *Event) reset(r *record.Record) {
	e.Rec = r
	e.Thread, e.Proc, e.FD = nil, nil, nil
	e.FDNum, e.HasFD, e.NameChanged = 0, false, false
	e.typ = fields.EventUnknown
	e.scratch = e.scratch[:0]
}

// setFD points the event at fd number n of its process.
func (e *Event) setFD(n int64) {
	e.FDNum, e.HasFD = n, true
	if e.Proc != nil && n >= 0 && n <= 1<<31-1 {
		e.FD = e.Proc.FD(int32(n))
	}
}

// keepFD makes the event carry a copy of f (an fd about to disappear, or a
// failed open that created none).
func (e *Event) keepFD(f *proc.FD) {
	e.fdCopy = *f
	e.FD = &e.fdCopy
}
