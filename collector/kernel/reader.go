package kernel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/vigilsec/vigil/collector/record"
)

// ringHead is one ring and its lookahead record.
type ringHead struct {
	rd   *ringbuf.Reader
	rec  ringbuf.Record // RawSample is reused for every record of this ring
	ts   uint64
	have bool // rec holds a record not yet delivered
}

// reader drains the rings and merges them by timestamp.
type reader struct {
	opened bool // init ran: close has something to release
	rings  []ringHead
	epfd   int
	events []unix.EpollEvent
	poll   time.Duration
	window uint64 // ns
	log    *slog.Logger

	lastTS  uint64
	lastLog time.Time

	// CLOCK_BOOTTIME is read through Go's monotonic clock (vDSO) from a base
	// refreshed every second, not with a clock_gettime syscall per record.
	bootBase uint64
	monoBase time.Time

	delivered  atomic.Uint64
	late       atomic.Uint64
	decodeErrs atomic.Uint64
	readErrs   atomic.Uint64
}

func (r *reader) init(maps []*ebpf.Map, cfg Config, log *slog.Logger) error {
	r.opened = true
	r.epfd = -1
	r.poll = cfg.PollInterval
	r.window = uint64(cfg.ReorderWindow.Nanoseconds())
	r.log = log
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("ring reader: epoll: %w", err)
	}
	r.epfd = fd
	r.events = make([]unix.EpollEvent, len(maps))
	past := time.Unix(1, 0) // ReadInto never blocks: we wait in our own epoll
	for i, m := range maps {
		rd, err := ringbuf.NewReader(m)
		if err != nil {
			return fmt.Errorf("ring reader %d: %w", i, err)
		}
		rd.SetDeadline(past)
		r.rings = append(r.rings, ringHead{rd: rd, rec: ringbuf.Record{RawSample: make([]byte, 0, 4096)}})
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(m.FD())}
		if err := unix.EpollCtl(r.epfd, unix.EPOLL_CTL_ADD, m.FD(), &ev); err != nil {
			return fmt.Errorf("ring reader %d: epoll add: %w", i, err)
		}
	}
	return nil
}

func (r *reader) close() error {
	if !r.opened {
		return nil
	}
	var errs []error
	for i := range r.rings {
		errs = append(errs, r.rings[i].rd.Close())
	}
	r.rings = nil
	if r.epfd >= 0 {
		errs = append(errs, unix.Close(r.epfd))
		r.epfd = -1
	}
	r.opened = false
	return errors.Join(errs...)
}

// fill reads the next record of h into its lookahead, if the ring has one.
func (r *reader) fill(h *ringHead) error {
	if h.rd.AvailableBytes() == 0 {
		return nil
	}
	err := h.rd.ReadInto(&h.rec)
	switch {
	case err == nil:
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, ringbuf.ErrFlushed):
		return nil
	case errors.Is(err, ringbuf.ErrClosed):
		return err
	default:
		r.readErrs.Add(1)
		r.complain("ring read failed", err)
		return nil
	}
	if len(h.rec.RawSample) < 8 {
		r.decodeErrs.Add(1)
		r.complain("short record", nil)
		return nil
	}
	h.ts = le64(h.rec.RawSample)
	h.have = true
	return nil
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// next delivers the oldest available record into rec.
func (r *reader) next(ctx context.Context, rec *record.Record) error {
	if len(r.rings) == 0 {
		return ringbuf.ErrClosed
	}
	for {
		// Sample the clock before looking at the rings: a record that is
		// not visible yet was stamped after this instant, minus at most
		// the few microseconds a program takes from stamping to commit.
		now := r.now()
		best, n := -1, 0
		for i := range r.rings {
			h := &r.rings[i]
			if !h.have {
				if err := r.fill(h); err != nil {
					return err
				}
			}
			if h.have {
				n++
				if best < 0 || h.ts < r.rings[best].ts {
					best = i
				}
			}
		}
		var wait time.Duration
		if best >= 0 {
			h := &r.rings[best]
			ready := n == len(r.rings)
			if !ready {
				if due := h.ts + r.window; due <= now {
					ready = true
				} else {
					wait = time.Duration(due - now)
				}
			}
			if ready {
				h.have = false
				if err := record.Decode(h.rec.RawSample, rec); err != nil {
					r.decodeErrs.Add(1)
					r.complain("undecodable record", err)
					continue
				}
				if rec.TS < r.lastTS {
					r.late.Add(1)
				} else {
					r.lastTS = rec.TS
				}
				r.delivered.Add(1)
				return nil
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if best < 0 {
			r.waitRings()
		} else {
			time.Sleep(min(wait, r.poll))
		}
	}
}

// waitRings blocks until a ring signals data or the poll interval passes.
func (r *reader) waitRings() {
	ms := int(r.poll.Milliseconds())
	if ms < 1 {
		ms = 1
	}
	_, err := unix.EpollWait(r.epfd, r.events, ms)
	if err != nil && !errors.Is(err, unix.EINTR) {
		r.complain("epoll wait failed", err)
		time.Sleep(r.poll)
	}
}

// complain logs at most one problem per 10 seconds.
func (r *reader) complain(msg string, err error) {
	now := time.Now()
	if now.Sub(r.lastLog) < 10*time.Second {
		return
	}
	r.lastLog = now
	r.log.Warn("kernel probe: "+msg, "err", err,
		"decode_errors", r.decodeErrs.Load(), "read_errors", r.readErrs.Load())
}

// now returns CLOCK_BOOTTIME in ns, the clock of the records' timestamps.
func (r *reader) now() uint64 {
	since := time.Since(r.monoBase)
	if r.bootBase == 0 || since > time.Second {
		r.bootBase, r.monoBase, since = boottimeNS(), time.Now(), 0
	}
	return r.bootBase + uint64(since)
}

func boottimeNS() uint64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0
	}
	return uint64(ts.Sec)*1e9 + uint64(ts.Nsec)
}

// Read delivers the next record, oldest first across CPUs, decoded in place
// into r. r stays valid until the next call to Read. Read blocks until a
// record is available or ctx is done (noticed within Config.PollInterval).
func (p *Probe) Read(ctx context.Context, r *record.Record) error {
	return p.rd.next(ctx, r)
}

// Run calls fn for every record until ctx is done or the probe fails. fn
// must not retain r or its Data slices after returning. Run returns
// ctx.Err() when ctx ends it.
func (p *Probe) Run(ctx context.Context, fn func(r *record.Record)) error {
	var r record.Record
	for {
		if err := p.rd.next(ctx, &r); err != nil {
			return err
		}
		fn(&r)
	}
}

// RingUsage is the fill level of one ring.
type RingUsage struct {
	Used, Size int // bytes
}

// RingUsage reports how full each ring is.
func (p *Probe) RingUsage() []RingUsage {
	out := make([]RingUsage, len(p.rd.rings))
	for i := range p.rd.rings {
		out[i] = RingUsage{Used: p.rd.rings[i].rd.AvailableBytes(), Size: p.rd.rings[i].rd.BufferSize()}
	}
	return out
}
