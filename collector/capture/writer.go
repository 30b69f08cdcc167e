package capture

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Writer writes a capture file: NewWriter writes the header, then
// WriteSnapshot (optional, at most once, before any record), WriteRecord for
// each kernel record, and Close to write the trailer. A Writer is not safe
// for concurrent use.
type Writer struct {
	w        *bufio.Writer
	hdr      [frameHeaderLen]byte
	snapDone bool
	closed   bool
	records  uint64
	dropped  uint64
	err      error // first write error; every later call returns it
}

// NewWriter writes the preamble and the header to w. Version and, when
// empty, Kinds are filled in.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	cw := &Writer{w: bufio.NewWriterSize(w, 256<<10)}
	var pre [preambleLen]byte
	copy(pre[:], Magic)
	binary.LittleEndian.PutUint16(pre[8:], Version)
	if _, err := cw.w.Write(pre[:]); err != nil {
		return nil, fmt.Errorf("write capture preamble: %w", err)
	}
	h.Version = Version
	if h.Kinds == nil {
		h.Kinds = CurrentKinds()
	}
	if err := cw.writeJSON(frameHeader, &h); err != nil {
		return nil, err
	}
	return cw, nil
}

// writeFrame writes one frame. It does not allocate.
func (cw *Writer) writeFrame(t frameType, payload []byte) error {
	if cw.err != nil {
		return cw.err
	}
	if cw.closed {
		return errors.New("write capture: writer closed")
	}
	h := cw.hdr[:]
	h[0], h[1], h[2], h[3] = byte(t), 0, 0, 0
	binary.LittleEndian.PutUint32(h[4:], uint32(len(payload)))
	crc := crc32.Update(0, crcTable, h[:8])
	crc = crc32.Update(crc, crcTable, payload)
	binary.LittleEndian.PutUint32(h[8:], crc)
	if _, err := cw.w.Write(h); err != nil {
		cw.err = fmt.Errorf("write capture: %w", err)
		return cw.err
	}
	if _, err := cw.w.Write(payload); err != nil {
		cw.err = fmt.Errorf("write capture: %w", err)
		return cw.err
	}
	return nil
}

func (cw *Writer) writeJSON(t frameType, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("write capture %s: %w", t, err)
	}
	if len(b) > MaxStateFrameLen {
		return fmt.Errorf("write capture %s: %d bytes exceeds the %d-byte frame limit", t, len(b), MaxStateFrameLen)
	}
	return cw.writeFrame(t, b)
}

// WriteSnapshot writes the state snapshot. It must come before the first
// record; a capture without one starts from empty state.
func (cw *Writer) WriteSnapshot(s *Snapshot) error {
	if cw.snapDone {
		return errors.New("write capture snapshot: snapshot already written or records started")
	}
	for i := range s.Processes {
		if err := cw.writeJSON(frameProcess, &s.Processes[i]); err != nil {
			return err
		}
	}
	for i := range s.Users {
		if err := cw.writeJSON(frameUsers, &s.Users[i]); err != nil {
			return err
		}
	}
	for i := range s.Containers {
		if err := cw.writeJSON(frameContainer, &s.Containers[i]); err != nil {
			return err
		}
	}
	return cw.endSnapshot(snapshotEnd{Ts: s.Ts, Processes: len(s.Processes), Users: len(s.Users), Containers: len(s.Containers)})
}

func (cw *Writer) endSnapshot(e snapshotEnd) error {
	cw.snapDone = true
	return cw.writeJSON(frameSnapshotEnd, &e)
}

// WriteRecord appends one raw kernel record. It does not allocate.
func (cw *Writer) WriteRecord(rec []byte) error {
	if len(rec) == 0 || len(rec) > MaxRecordLen {
		return fmt.Errorf("write capture record: length %d outside 1..%d", len(rec), MaxRecordLen)
	}
	if !cw.snapDone {
		if err := cw.endSnapshot(snapshotEnd{}); err != nil {
			return err
		}
	}
	if err := cw.writeFrame(frameRecord, rec); err != nil {
		return err
	}
	cw.records++
	return nil
}

// AddDropped adds to the drop count reported in the trailer.
func (cw *Writer) AddDropped(n uint64) { cw.dropped += n }

// Records returns how many records were written.
func (cw *Writer) Records() uint64 { return cw.records }

// Flush writes buffered frames to the underlying writer.
func (cw *Writer) Flush() error {
	if cw.err != nil {
		return cw.err
	}
	if err := cw.w.Flush(); err != nil {
		cw.err = fmt.Errorf("write capture: %w", err)
	}
	return cw.err
}

// Close writes the trailer and flushes. It does not close the underlying
// writer.
func (cw *Writer) Close() error {
	if cw.closed {
		return cw.err
	}
	if !cw.snapDone {
		if err := cw.endSnapshot(snapshotEnd{}); err != nil {
			return err
		}
	}
	if err := cw.writeJSON(frameEnd, &Trailer{Records: cw.records, Dropped: cw.dropped}); err != nil {
		return err
	}
	cw.closed = true
	return cw.Flush()
}
