package capture

import (
	"errors"
	"fmt"
	"hash/crc32"
)

// Magic starts every capture file.
const Magic = "VIGILCAP"

// Version is the format version this package writes. Readers accept files
// of this version only; optional frame types let a version grow without
// breaking older readers.
const Version = 1

// Sizes of the fixed parts.
const (
	preambleLen    = 16 // magic, version u16, reserved u16, reserved u32
	frameHeaderLen = 12 // type u8, flags u8, reserved u16, length u32, crc u32
)

// Frame size bounds.
const (
	// MaxRecordLen bounds one kernel record (collector/record.MaxRecord is
	// below it).
	MaxRecordLen = 64 << 10
	// MaxStateFrameLen bounds one header, snapshot or trailer frame.
	MaxStateFrameLen = 16 << 20
)

// frameType says what a frame holds. Types with the high bit set are
// optional: a reader that does not know one skips it.
type frameType uint8

const (
	frameHeader      frameType = 1 // Header, JSON
	frameProcess     frameType = 2 // proc.ProcessState, JSON
	frameUsers       frameType = 3 // users.Namespace, JSON
	frameContainer   frameType = 4 // container.Info, JSON
	frameSnapshotEnd frameType = 5 // snapshotEnd, JSON
	frameRecord      frameType = 6 // one raw kernel record
	frameEnd         frameType = 7 // Trailer, JSON

	frameOptional frameType = 0x80
)

func (t frameType) String() string {
	switch t {
	case frameHeader:
		return "header"
	case frameProcess:
		return "process"
	case frameUsers:
		return "users"
	case frameContainer:
		return "container"
	case frameSnapshotEnd:
		return "snapshot-end"
	case frameRecord:
		return "record"
	case frameEnd:
		return "end"
	}
	return fmt.Sprintf("type %d", uint8(t))
}

// crcTable is the CRC-32C (Castagnoli) table; hardware accelerated on amd64
// and arm64.
var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Errors a FormatError may wrap.
var (
	// ErrTruncated: the file ends in the middle of a frame, or without the
	// end frame.
	ErrTruncated = errors.New("truncated")
	// ErrCorrupt: a frame's CRC, length, type or content is wrong.
	ErrCorrupt = errors.New("corrupt")
	// ErrVersion: the file was written in a format version this reader does
	// not support.
	ErrVersion = errors.New("unsupported version")
)

// FormatError reports a bad capture file and where the problem is.
type FormatError struct {
	Offset int64  // byte offset of the frame (or field) at fault
	Reason string // what is wrong
	Err    error  // ErrTruncated, ErrCorrupt, ErrVersion or an I/O error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("capture: offset %d: %s: %v", e.Offset, e.Reason, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }
