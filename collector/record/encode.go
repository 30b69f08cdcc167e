package record

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// EncodedLen returns the length Encode will give r, padding included.
func EncodedLen(r *Record) (int, error) {
	s := r.Kind.Schema()
	if s == nil {
		return 0, fmt.Errorf("encode record: unknown kind %d", r.Kind)
	}
	n := HeaderSize + 8*len(s.Args)
	for i := range s.Data {
		if len(r.Data[i]) > 0xffff {
			return 0, fmt.Errorf("encode record: %s field %s is %d bytes", s.Name, s.Data[i], len(r.Data[i]))
		}
		n += 2 + len(r.Data[i])
	}
	n = (n + 7) &^ 7
	if n > MaxRecord {
		return 0, errors.New("encode record: longer than MaxRecord")
	}
	return n, nil
}

// Encode appends r in wire format to dst and returns the extended slice. It
// writes the number of arguments and data fields the kind's schema says
// (ignoring r.NArgs and r.NData) and sets the length itself; r is not
// modified.
func Encode(dst []byte, r *Record) ([]byte, error) {
	n, err := EncodedLen(r)
	if err != nil {
		return dst, err
	}
	s := r.Kind.Schema()
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	b := dst[start:]
	h := r.Header
	h.Len = uint32(n)
	encodeHeader(b, &h)
	off := HeaderSize
	for i := range s.Args {
		binary.LittleEndian.PutUint64(b[off:], r.Args[i])
		off += 8
	}
	for i := range s.Data {
		binary.LittleEndian.PutUint16(b[off:], uint16(len(r.Data[i])))
		off += 2
		off += copy(b[off:], r.Data[i])
	}
	return dst, nil
}
