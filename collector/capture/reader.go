package capture

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/vigilsec/vigil/collector/container"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/users"
)

// Reader reads a capture file. Call Snapshot (optional) and then Next until
// it returns an error: io.EOF at the clean end, a *FormatError otherwise. A
// Reader is not safe for concurrent use.
type Reader struct {
	r       *bufio.Reader
	off     int64 // offset of the next unread byte
	hdr     Header
	state   readState
	records uint64
	trailer *Trailer
	err     error // sticky error
	fh      [frameHeaderLen]byte
	scratch []byte
}

type readState uint8

const (
	inSnapshot readState = iota
	inRecords
	atEnd
)

// chunk is the step in which large payloads are read, so memory grows with
// the data present rather than with a length field.
const chunk = 64 << 10

// NewReader reads and checks the preamble and the header.
func NewReader(r io.Reader) (*Reader, error) {
	cr := &Reader{r: bufio.NewReaderSize(r, 256<<10)}
	var pre [preambleLen]byte
	n, err := io.ReadFull(cr.r, pre[:])
	cr.off += int64(n)
	switch {
	case err != nil && n < len(Magic):
		return nil, &FormatError{Offset: 0, Reason: "file too short for the preamble", Err: ErrTruncated}
	case string(pre[:len(Magic)]) != Magic:
		return nil, &FormatError{Offset: 0, Reason: "not a capture file (bad magic)", Err: ErrCorrupt}
	case err != nil:
		return nil, &FormatError{Offset: int64(n), Reason: "preamble cut short", Err: ErrTruncated}
	}
	if v := binary.LittleEndian.Uint16(pre[8:]); v != Version {
		return nil, &FormatError{Offset: 8, Reason: fmt.Sprintf("format version %d, this reader supports %d", v, Version), Err: ErrVersion}
	}
	if binary.LittleEndian.Uint16(pre[10:]) != 0 || binary.LittleEndian.Uint32(pre[12:]) != 0 {
		return nil, &FormatError{Offset: 10, Reason: "reserved preamble bytes are not zero", Err: ErrCorrupt}
	}
	t, payload, off, err := cr.frame(nil)
	if err == io.EOF {
		return nil, &FormatError{Offset: off, Reason: "missing header frame", Err: ErrTruncated}
	}
	if err != nil {
		return nil, err
	}
	if t != frameHeader {
		return nil, &FormatError{Offset: off, Reason: fmt.Sprintf("first frame is %s, want header", t), Err: ErrCorrupt}
	}
	if err := json.Unmarshal(payload, &cr.hdr); err != nil {
		return nil, &FormatError{Offset: off, Reason: "bad header: " + err.Error(), Err: ErrCorrupt}
	}
	if cr.hdr.Version != Version {
		return nil, &FormatError{Offset: off, Reason: fmt.Sprintf("header says version %d", cr.hdr.Version), Err: ErrVersion}
	}
	return cr, nil
}

// Header returns the capture's header.
func (cr *Reader) Header() *Header { return &cr.hdr }

// Offset returns the byte offset of the next frame.
func (cr *Reader) Offset() int64 { return cr.off }

// Trailer returns the trailer once Next has returned io.EOF, else nil.
func (cr *Reader) Trailer() *Trailer { return cr.trailer }

// frame reads the next frame into dst (reused when large enough) and checks
// it. It returns io.EOF only at a frame boundary at the end of input.
func (cr *Reader) frame(dst []byte) (frameType, []byte, int64, error) {
	start := cr.off
	n, err := io.ReadFull(cr.r, cr.fh[:])
	cr.off += int64(n)
	if err == io.EOF {
		return 0, dst, start, io.EOF
	}
	if err != nil {
		return 0, dst, start, cr.ioErr(start, "frame header cut short", err)
	}
	t := frameType(cr.fh[0])
	size := binary.LittleEndian.Uint32(cr.fh[4:])
	if cr.fh[1] != 0 || cr.fh[2] != 0 || cr.fh[3] != 0 {
		return t, dst, start, &FormatError{Offset: start, Reason: "reserved frame header bytes are not zero", Err: ErrCorrupt}
	}
	limit := uint32(MaxStateFrameLen)
	switch {
	case t == frameRecord:
		limit = MaxRecordLen
	case t >= frameHeader && t <= frameEnd, t&frameOptional != 0:
	default:
		return t, dst, start, &FormatError{Offset: start, Reason: fmt.Sprintf("unknown frame %s", t), Err: ErrCorrupt}
	}
	if size > limit {
		return t, dst, start, &FormatError{Offset: start, Reason: fmt.Sprintf("%s frame length %d exceeds %d", t, size, limit), Err: ErrCorrupt}
	}
	dst, err = cr.payload(dst, int(size))
	if err != nil {
		return t, dst, start, cr.ioErr(start, fmt.Sprintf("%s frame payload cut short (%d bytes announced)", t, size), err)
	}
	crc := crc32.Update(0, crcTable, cr.fh[:8])
	crc = crc32.Update(crc, crcTable, dst)
	if crc != binary.LittleEndian.Uint32(cr.fh[8:]) {
		return t, dst, start, &FormatError{Offset: start, Reason: fmt.Sprintf("%s frame checksum mismatch", t), Err: ErrCorrupt}
	}
	return t, dst, start, nil
}

// payload reads n bytes into dst.
func (cr *Reader) payload(dst []byte, n int) ([]byte, error) {
	if cap(dst) >= n {
		dst = dst[:n]
		k, err := io.ReadFull(cr.r, dst)
		cr.off += int64(k)
		return dst, err
	}
	if n <= chunk {
		dst = make([]byte, n)
		k, err := io.ReadFull(cr.r, dst)
		cr.off += int64(k)
		return dst, err
	}
	dst = dst[:0]
	for len(dst) < n {
		step := min(chunk, n-len(dst))
		dst = append(dst, make([]byte, step)...)
		k, err := io.ReadFull(cr.r, dst[len(dst)-step:])
		cr.off += int64(k)
		if err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func (cr *Reader) ioErr(off int64, reason string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = ErrTruncated
	}
	return &FormatError{Offset: off, Reason: reason, Err: err}
}

// Snapshot reads the state snapshot. It must be called before the first
// Next; a capture without snapshot frames gives an empty Snapshot.
func (cr *Reader) Snapshot() (*Snapshot, error) {
	if cr.err != nil {
		return nil, cr.err
	}
	if cr.state != inSnapshot {
		return nil, errors.New("read capture snapshot: already past the snapshot")
	}
	s, err := cr.readSnapshot(true)
	if err != nil {
		cr.err = err
	}
	return s, err
}

// readSnapshot reads (keep) or skips the snapshot section.
func (cr *Reader) readSnapshot(keep bool) (*Snapshot, error) {
	s := &Snapshot{}
	var nproc, nusers, ncont int
	for {
		t, payload, off, err := cr.frame(cr.scratch[:0])
		if cap(payload) <= chunk {
			cr.scratch = payload
		}
		if err == io.EOF {
			return nil, &FormatError{Offset: off, Reason: "file ends inside the snapshot", Err: ErrTruncated}
		}
		if err != nil {
			return nil, err
		}
		var target any
		switch t {
		case frameProcess:
			nproc++
			if keep {
				s.Processes = append(s.Processes, proc.ProcessState{})
				target = &s.Processes[len(s.Processes)-1]
			}
		case frameUsers:
			nusers++
			if keep {
				s.Users = append(s.Users, users.Namespace{})
				target = &s.Users[len(s.Users)-1]
			}
		case frameContainer:
			ncont++
			if keep {
				s.Containers = append(s.Containers, container.Info{})
				target = &s.Containers[len(s.Containers)-1]
			}
		case frameSnapshotEnd:
			var e snapshotEnd
			if err := json.Unmarshal(payload, &e); err != nil {
				return nil, &FormatError{Offset: off, Reason: "bad snapshot end: " + err.Error(), Err: ErrCorrupt}
			}
			if e.Processes != nproc || e.Users != nusers || e.Containers != ncont {
				return nil, &FormatError{Offset: off, Reason: fmt.Sprintf(
					"snapshot announces %d processes, %d user databases, %d containers; read %d, %d, %d",
					e.Processes, e.Users, e.Containers, nproc, nusers, ncont), Err: ErrCorrupt}
			}
			s.Ts = e.Ts
			cr.state = inRecords
			return s, nil
		default:
			if t&frameOptional != 0 {
				continue
			}
			return nil, &FormatError{Offset: off, Reason: fmt.Sprintf("%s frame inside the snapshot", t), Err: ErrCorrupt}
		}
		if target != nil {
			if err := json.Unmarshal(payload, target); err != nil {
				return nil, &FormatError{Offset: off, Reason: fmt.Sprintf("bad %s frame: %v", t, err), Err: ErrCorrupt}
			}
		}
	}
}

// Next returns the next raw kernel record, read into buf when it is large
// enough (pass the previous result back in to avoid allocating). It returns
// io.EOF after the last record of a complete file and a *FormatError for a
// corrupt or truncated one. The snapshot is skipped if Snapshot was not
// called.
func (cr *Reader) Next(buf []byte) ([]byte, error) {
	if cr.err != nil {
		return buf, cr.err
	}
	if cr.state == inSnapshot {
		if _, err := cr.readSnapshot(false); err != nil {
			cr.err = err
			return buf, err
		}
	}
	for {
		if cr.state == atEnd {
			return buf, io.EOF
		}
		t, payload, off, err := cr.frame(buf[:0])
		if err == io.EOF {
			cr.err = &FormatError{Offset: off, Reason: fmt.Sprintf("file ends after %d records without the end frame", cr.records), Err: ErrTruncated}
			return buf, cr.err
		}
		if err != nil {
			cr.err = err
			return buf, err
		}
		switch t {
		case frameRecord:
			cr.records++
			return payload, nil
		case frameEnd:
			return buf, cr.end(payload, off)
		default:
			if t&frameOptional != 0 {
				continue
			}
			cr.err = &FormatError{Offset: off, Reason: fmt.Sprintf("%s frame among the records", t), Err: ErrCorrupt}
			return buf, cr.err
		}
	}
}

// end checks the trailer and that nothing follows it.
func (cr *Reader) end(payload []byte, off int64) error {
	var tr Trailer
	if err := json.Unmarshal(payload, &tr); err != nil {
		cr.err = &FormatError{Offset: off, Reason: "bad end frame: " + err.Error(), Err: ErrCorrupt}
		return cr.err
	}
	if tr.Records != cr.records {
		cr.err = &FormatError{Offset: off, Reason: fmt.Sprintf("end frame announces %d records, read %d", tr.Records, cr.records), Err: ErrCorrupt}
		return cr.err
	}
	if _, err := cr.r.ReadByte(); err != io.EOF {
		cr.err = &FormatError{Offset: cr.off, Reason: "data after the end frame", Err: ErrCorrupt}
		return cr.err
	}
	cr.trailer = &tr
	cr.state = atEnd
	return io.EOF
}
