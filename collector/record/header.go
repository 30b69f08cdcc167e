package record

import (
	"encoding/binary"
	"strings"
)

// HeaderSize is the size of the fixed record header in bytes.
const HeaderSize = 40

// Limits shared with the kernel programs.
const (
	MaxArgs   = 6     // 64-bit arguments per record
	MaxData   = 8     // variable-length data fields per record
	MaxPath   = 4096  // bytes of one path field
	MaxArgv   = 4096  // bytes of argv
	MaxRecord = 32768 // bytes of one record, header included
)

// Flags qualify a record.
type Flags uint16

// Record flags. Bits are stable.
const (
	// FlagCompat: the syscall was made through the 32-bit compat (ia32)
	// entry; its number was mapped to the native table.
	FlagCompat Flags = 1 << 0
	// FlagTruncated: at least one data field was cut at its size limit.
	FlagTruncated Flags = 1 << 1
	// FlagStashMissing: the syscall-entry snapshot was missing (compat
	// entry, or the program attached mid-call); the fields it would have
	// provided were read at exit instead, or left empty.
	FlagStashMissing Flags = 1 << 2
	// FlagReadFault: reading user or kernel memory failed; the affected
	// field is empty or partial.
	FlagReadFault Flags = 1 << 3
)

var flagNames = [...]string{"compat", "truncated", "stash_missing", "read_fault"}

// String lists the set flags, e.g. "compat|truncated".
func (f Flags) String() string {
	if f == 0 {
		return "0"
	}
	var b strings.Builder
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(n)
			f &^= 1 << i
		}
	}
	if f != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("0x")
		const hex = "0123456789abcdef"
		for s := 12; s >= 0; s -= 4 {
			b.WriteByte(hex[(f>>s)&0xf])
		}
	}
	return b.String()
}

// Header is the fixed part of every record.
type Header struct {
	TS       uint64 // bpf_ktime_get_boot_ns (CLOCK_BOOTTIME) at the hook
	TGID     uint32 // process id, init pid namespace
	TID      uint32 // thread id, init pid namespace
	Kind     Kind
	Flags    Flags
	Len      uint32 // total length in bytes, padding included, multiple of 8
	CgroupID uint64 // cgroup v2 id
	Ret      int64  // syscall return value
}

// decodeHeader reads the header from b, which must be at least HeaderSize long.
func decodeHeader(b []byte, h *Header) {
	_ = b[HeaderSize-1]
	h.TS = binary.LittleEndian.Uint64(b[0:])
	h.TGID = binary.LittleEndian.Uint32(b[8:])
	h.TID = binary.LittleEndian.Uint32(b[12:])
	h.Kind = Kind(binary.LittleEndian.Uint16(b[16:]))
	h.Flags = Flags(binary.LittleEndian.Uint16(b[18:]))
	h.Len = binary.LittleEndian.Uint32(b[20:])
	h.CgroupID = binary.LittleEndian.Uint64(b[24:])
	h.Ret = int64(binary.LittleEndian.Uint64(b[32:]))
}

// encodeHeader writes h into b, which must be at least HeaderSize long.
func encodeHeader(b []byte, h *Header) {
	_ = b[HeaderSize-1]
	binary.LittleEndian.PutUint64(b[0:], h.TS)
	binary.LittleEndian.PutUint32(b[8:], h.TGID)
	binary.LittleEndian.PutUint32(b[12:], h.TID)
	binary.LittleEndian.PutUint16(b[16:], uint16(h.Kind))
	binary.LittleEndian.PutUint16(b[18:], uint16(h.Flags))
	binary.LittleEndian.PutUint32(b[20:], h.Len)
	binary.LittleEndian.PutUint64(b[24:], h.CgroupID)
	binary.LittleEndian.PutUint64(b[32:], uint64(h.Ret))
}

// PeekHeader decodes only the header of the record at the start of b. It
// checks the length field against b but not the kind or the body.
func PeekHeader(b []byte, h *Header) error {
	if len(b) < HeaderSize {
		return &DecodeError{Offset: 0, Reason: "short header"}
	}
	decodeHeader(b, h)
	if h.Len < HeaderSize || int64(h.Len) > int64(len(b)) || h.Len%8 != 0 {
		return &DecodeError{Offset: 20, Reason: "bad length"}
	}
	return nil
}
