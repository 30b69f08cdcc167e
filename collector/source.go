package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/vigilsec/vigil/collector/capture"
	"github.com/vigilsec/vigil/collector/record"
)

// Source delivers enriched events to fn, one at a time, until ctx is done,
// the input ends (nil) or fails (an error). fn must not retain the Event.
type Source interface {
	Run(ctx context.Context, fn func(*Event)) error
}

// RecordReader delivers decoded kernel records; *kernel.Probe implements
// it. The record stays valid until the next Read.
type RecordReader interface {
	Read(ctx context.Context, r *record.Record) error
}

// LiveSource turns the records of a RecordReader into events, optionally
// recording them into a capture file.
type LiveSource struct {
	rr  RecordReader
	st  *State
	log *slog.Logger

	w      *capture.Writer
	encBuf []byte

	recordErrors atomic.Uint64
}

// NewLiveSource returns a source reading from rr and applying to st.
func NewLiveSource(rr RecordReader, st *State, log *slog.Logger) *LiveSource {
	return &LiveSource{rr: rr, st: st, log: log}
}

// RecordTo also writes every record to w (whose header and snapshot the
// caller has written). A write error stops recording, is logged and
// counted; capture continues. Call before Run.
func (s *LiveSource) RecordTo(w *capture.Writer) { s.w = w }

// RecordErrors counts records that could not be written to the capture.
func (s *LiveSource) RecordErrors() uint64 { return s.recordErrors.Load() }

// Run reads records until ctx is done (returning ctx.Err()) or the reader
// fails.
func (s *LiveSource) Run(ctx context.Context, fn func(*Event)) error {
	var r record.Record
	var ev Event
	for {
		if err := s.rr.Read(ctx, &r); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("read records: %w", err)
		}
		if s.w != nil {
			s.record(&r)
		}
		s.st.Apply(&r, &ev)
		fn(&ev)
	}
}

// record re-encodes r (the reader hands out decoded records) into the
// capture. It does not allocate once the buffer has grown.
func (s *LiveSource) record(r *record.Record) {
	var err error
	s.encBuf, err = record.Encode(s.encBuf[:0], r)
	if err == nil {
		err = s.w.WriteRecord(s.encBuf)
	}
	if err != nil {
		s.recordErrors.Add(1)
		s.log.Error("capture recording stopped", "err", err)
		s.w = nil
	}
}

// CaptureSource replays a capture file: it restores the file's state
// snapshot into the State, then applies and delivers every record.
type CaptureSource struct {
	r   io.Reader
	st  *State
	log *slog.Logger

	hdr          *capture.Header
	decodeErrors atomic.Uint64
	lastLog      time.Time
}

// NewCaptureSource returns a source replaying the capture read from r.
func NewCaptureSource(r io.Reader, st *State, log *slog.Logger) *CaptureSource {
	return &CaptureSource{r: r, st: st, log: log}
}

// Header returns the capture's header once Run has read it, else nil.
func (s *CaptureSource) Header() *capture.Header { return s.hdr }

// DecodeErrors counts records that could not be decoded (skipped).
func (s *CaptureSource) DecodeErrors() uint64 { return s.decodeErrors.Load() }

// Run replays the whole file. It returns nil at the end of a complete
// file, ctx.Err() when cancelled, and the reader's *capture.FormatError
// (wrapped) for a corrupt or truncated file, after delivering every record
// before the damage.
func (s *CaptureSource) Run(ctx context.Context, fn func(*Event)) error {
	cr, err := capture.NewReader(s.r)
	if err != nil {
		return fmt.Errorf("replay capture: %w", err)
	}
	s.hdr = cr.Header()
	if err := s.hdr.CheckKinds(capture.CurrentKinds()); err != nil {
		return fmt.Errorf("replay capture: %w", err)
	}
	if a := record.ArchByName(s.hdr.Arch); a != record.ArchUnknown {
		s.st.arch = a
	}
	s.st.BootTime = s.hdr.BootTime
	if s.hdr.Hostname != "" {
		s.st.Hostname = s.hdr.Hostname
	}
	snap, err := cr.Snapshot()
	if err != nil {
		return fmt.Errorf("replay capture: %w", err)
	}
	snap.Restore(s.st.Procs, s.st.Users, s.st.Containers)

	var buf []byte
	var r record.Record
	var ev Event
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf, err = cr.Next(buf)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("replay capture: %w", err)
		}
		if err := record.Decode(buf, &r); err != nil {
			s.decodeErrors.Add(1)
			if now := time.Now(); now.Sub(s.lastLog) >= time.Second {
				s.lastLog = now
				s.log.Warn("skipping undecodable record", "offset", cr.Offset(), "err", err, "total", s.decodeErrors.Load())
			}
			continue
		}
		s.st.Apply(&r, &ev)
		fn(&ev)
	}
}
