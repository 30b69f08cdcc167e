package collector

import (
	"strconv"
	"unsafe"

	"github.com/vigilsec/vigil/collector/linuxabi"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/rules/fields"
)

// Extract fills v with the value of the field ref names and reports whether
// the event has one. It implements fields.Event: it does not allocate for
// fields read from the state or the record, and builds composite text (joined
// ancestors, rendered parameters, capability names) in the event's scratch
// buffer, valid until the next record.
func (e *Event) Extract(ref *fields.Ref, v *fields.Value) bool {
	if e.Rec == nil {
		return false
	}
	switch id := ref.ID; {
	case id < fields.ProcPID:
		return e.extractEvt(ref, v)
	case id < fields.UserUID:
		return e.extractProc(ref, v)
	case id < fields.FdNum:
		return e.extractUser(ref, v)
	case id < fields.ContainerID:
		return e.extractFD(ref, v)
	case id < fields.NumFields:
		return e.extractContainer(ref, v)
	}
	return false
}

// extractEvt handles the evt.* and syscall.* fields.
func (e *Event) extractEvt(ref *fields.Ref, v *fields.Value) bool {
	r := e.Rec
	switch ref.ID {
	case fields.EvtNum:
		v.Int = int64(e.num)
	case fields.EvtTime, fields.EvtTimeS, fields.EvtTimeISO8601, fields.EvtDatetime, fields.EvtDatetimeS, fields.EvtRawtime:
		v.Int = e.unixNano()
	case fields.EvtDir:
		v.Str = "<"
	case fields.EvtType:
		if e.typ == fields.EventUnknown {
			return false
		}
		v.Str = e.typ.String()
	case fields.SyscallType:
		if e.typ == fields.EventUnknown || !e.isSyscall() {
			return false
		}
		v.Str = e.typ.String()
	case fields.EvtRes:
		if !e.isSyscall() {
			return false
		}
		start := len(e.scratch)
		e.scratch = linuxabi.AppendRes(e.scratch, r.Ret)
		v.Str = e.view(start)
	case fields.EvtRawres:
		if !e.isSyscall() {
			return false
		}
		v.Int = r.Ret
	case fields.EvtFailed:
		if !e.isSyscall() {
			return false
		}
		v.Int = b2i(r.Ret < 0)
	case fields.EvtIsOpenRead, fields.EvtIsOpenWrite, fields.EvtIsOpenExec:
		if !isOpen(r.Kind) {
			return false
		}
		fl := r.Args[record.ArgOpenFlags]
		switch ref.ID {
		case fields.EvtIsOpenRead:
			v.Int = b2i(linuxabi.OpenReads(fl))
		case fields.EvtIsOpenWrite:
			v.Int = b2i(linuxabi.OpenWrites(fl))
		default:
			v.Int = b2i(fl&oCreat != 0 && r.Args[record.ArgOpenMode]&0o111 != 0)
		}
	case fields.EvtHostname:
		if e.st.Hostname == "" {
			return false
		}
		v.Str = e.st.Hostname
	case fields.EvtIsAsync:
		v.Int = b2i(r.Kind == record.KindProcExit || r.Kind == record.KindProcFork)
	case fields.EvtArgs:
		start := len(e.scratch)
		e.appendArgs()
		v.Str = e.view(start)
	case fields.EvtArg:
		return e.extractArg(ref, v, false)
	case fields.EvtRawarg:
		return e.extractArg(ref, v, true)
	default:
		// evt.cpu: records do not carry the CPU. evt.buffer: I/O payloads
		// are not captured.
		return false
	}
	return true
}

// isSyscall reports whether the event is a syscall exit (not a scheduler
// event), i.e. has a result.
func (e *Event) isSyscall() bool {
	k := e.Rec.Kind
	if k == record.KindGeneric {
		return true
	}
	s := k.Schema()
	return s != nil && s.Syscall
}

func isOpen(k record.Kind) bool {
	switch k {
	case record.KindOpen, record.KindOpenat, record.KindOpenat2, record.KindCreat:
		return true
	}
	return false
}

// oCreat is O_CREAT (same value on amd64 and arm64).
const oCreat = 0o100

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// view returns the scratch bytes from start as a string without copying.
// The string stays valid until the scratch buffer is reused for the next
// record: reset truncates it, and appends that outgrow it move to a new
// array, leaving earlier views intact.
func (e *Event) view(start int) string {
	if len(e.scratch) == start {
		return ""
	}
	return unsafe.String(&e.scratch[start], len(e.scratch)-start)
}

// bstr returns record bytes as a string without copying; it aliases the
// record, which outlives the event's use.
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// appendUint appends n in decimal.
func appendUint(dst []byte, n uint64) []byte { return strconv.AppendUint(dst, n, 10) }
