package record

import (
	"encoding/binary"
	"strconv"
)

// Record is a decoded view of one record. Its Data slices alias the buffer
// given to Decode.
type Record struct {
	Header
	NArgs uint8
	NData uint8
	Args  [MaxArgs]uint64
	Data  [MaxData][]byte
}

// DecodeError reports malformed input and where it was found.
type DecodeError struct {
	Offset int    // byte offset in the record
	Reason string // short description
}

func (e *DecodeError) Error() string {
	return "decode record: " + e.Reason + " at offset " + strconv.Itoa(e.Offset)
}

// Decode decodes the record at the start of buf into r. Bytes after
// r.Len are ignored, so a buffer of back-to-back records is decoded by
// advancing by r.Len. On error r is left in an unspecified state.
func Decode(buf []byte, r *Record) error {
	if len(buf) < HeaderSize {
		return &DecodeError{Offset: 0, Reason: "short header"}
	}
	decodeHeader(buf, &r.Header)
	n := r.Len
	if n < HeaderSize || n%8 != 0 || n > MaxRecord {
		return &DecodeError{Offset: 20, Reason: "bad length"}
	}
	if int64(n) > int64(len(buf)) {
		return &DecodeError{Offset: 20, Reason: "length beyond buffer"}
	}
	if int(r.Kind) >= len(schemas) || schemas[r.Kind].Name == "" {
		return &DecodeError{Offset: 16, Reason: "unknown kind"}
	}
	s := &schemas[r.Kind]
	b := buf[:n]
	off := HeaderSize
	na := len(s.Args)
	if off+8*na > len(b) {
		return &DecodeError{Offset: off, Reason: "short arguments"}
	}
	for i := 0; i < na; i++ {
		r.Args[i] = binary.LittleEndian.Uint64(b[off:])
		off += 8
	}
	for i := na; i < MaxArgs; i++ {
		r.Args[i] = 0
	}
	nd := len(s.Data)
	for i := 0; i < nd; i++ {
		if off+2 > len(b) {
			return &DecodeError{Offset: off, Reason: "short field length"}
		}
		l := int(binary.LittleEndian.Uint16(b[off:]))
		off += 2
		if off+l > len(b) {
			return &DecodeError{Offset: off - 2, Reason: "field beyond record"}
		}
		r.Data[i] = b[off : off+l : off+l]
		off += l
	}
	for i := nd; i < MaxData; i++ {
		r.Data[i] = nil
	}
	r.NArgs = uint8(na)
	r.NData = uint8(nd)
	return nil
}

// Arg returns argument i sign-extended, for arguments that are signed (fds,
// dirfds, pids).
func (r *Record) Arg(i int) int64 { return int64(r.Args[i]) }

// Schema returns the layout of r's kind (nil only for an undecoded Record).
func (r *Record) Schema() *Schema { return r.Kind.Schema() }

// GenericSyscall returns the syscall of a KindGeneric record: its number and
// the table it belongs to, given the native table of the architecture that
// captured it. It reports false for other kinds or a malformed field.
func (r *Record) GenericSyscall(native Arch) (nr int, table Arch, ok bool) {
	if r.Kind != KindGeneric || len(r.Data[DataGenericNr]) < 4 {
		return 0, ArchUnknown, false
	}
	v := binary.LittleEndian.Uint32(r.Data[DataGenericNr])
	if v&GenericIA32 != 0 {
		return int(v &^ GenericIA32), ArchI386, true
	}
	return int(v), native, true
}

// GenericSyscallName returns the name of a KindGeneric record's syscall.
func (r *Record) GenericSyscallName(native Arch) (string, bool) {
	nr, table, ok := r.GenericSyscall(native)
	if !ok {
		return "", false
	}
	return SyscallName(table, nr)
}
