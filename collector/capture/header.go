package capture

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigilsec/vigil/collector/container"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/collector/users"
)

// Header describes a capture: where and when it was taken and the layout of
// the kernel records it holds.
type Header struct {
	Version       int       `json:"version"`
	Producer      string    `json:"producer,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	Hostname      string    `json:"hostname,omitempty"`
	KernelRelease string    `json:"kernel_release,omitempty"`
	Arch          string    `json:"arch,omitempty"`
	// BootTime is the wall-clock time of boot in Unix ns: a record
	// timestamp (ns since boot) plus BootTime is a Unix time.
	BootTime int64 `json:"boot_time_ns"`
	// Kinds is the record layout of every kind the producer knew.
	Kinds []KindInfo `json:"kinds"`
}

// KindInfo is the layout of one record kind.
type KindInfo struct {
	Kind  uint16 `json:"kind"`
	Name  string `json:"name"`
	NArgs int    `json:"nargs"`
	NData int    `json:"ndata"`
}

// CurrentKinds returns the record layout this build writes and decodes.
func CurrentKinds() []KindInfo {
	ks := record.Kinds()
	out := make([]KindInfo, 0, len(ks))
	for _, k := range ks {
		s := k.Schema()
		out = append(out, KindInfo{Kind: uint16(k), Name: s.Name, NArgs: s.NArgs(), NData: s.NData()})
	}
	return out
}

// CheckKinds compares the capture's record layout with cur (normally
// CurrentKinds()). It returns an error naming every kind whose layout
// differs; kinds only one side knows are not an error (records of a kind
// the reader does not know fail to decode and are counted there).
func (h *Header) CheckKinds(cur []KindInfo) error {
	byNum := make(map[uint16]KindInfo, len(cur))
	for _, k := range cur {
		byNum[k.Kind] = k
	}
	var bad []string
	for _, k := range h.Kinds {
		c, ok := byNum[k.Kind]
		if !ok {
			continue
		}
		// A newer producer may append trailing data fields; fewer fields
		// than we expect, or a different name or argument count, is a
		// mismatch.
		if c.Name != k.Name || c.NArgs != k.NArgs || k.NData < c.NData {
			bad = append(bad, fmt.Sprintf("%d (%s: %d args %d data, want %s: %d args %d data)",
				k.Kind, k.Name, k.NArgs, k.NData, c.Name, c.NArgs, c.NData))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("record layout differs for kinds %s", strings.Join(bad, ", "))
	}
	return nil
}

// HostHeader returns a header describing this host and build.
func HostHeader(producer string) (Header, error) {
	h := Header{
		Version:   Version,
		Producer:  producer,
		CreatedAt: time.Now().UTC(),
		Arch:      runtime.GOARCH,
		Kinds:     CurrentKinds(),
	}
	h.Hostname, _ = os.Hostname()
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		h.KernelRelease = unix.ByteSliceToString(u.Release[:])
	}
	bt, err := BootTime()
	if err != nil {
		return h, err
	}
	h.BootTime = bt
	return h, nil
}

// BootTime returns the Unix time of boot in ns, from CLOCK_BOOTTIME (the
// clock of record timestamps) and the wall clock.
func BootTime() (int64, error) {
	var ts unix.Timespec
	wall := time.Now().UnixNano()
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0, fmt.Errorf("boot time: %w", err)
	}
	return wall - ts.Nano(), nil
}

// Snapshot is the user-space state a capture starts from.
type Snapshot struct {
	// Ts is the event time (ns since boot) the snapshot reflects: records
	// older than Ts are already included in it.
	Ts         uint64
	Processes  []proc.ProcessState
	Users      []users.Namespace
	Containers []container.Info
}

// TakeSnapshot collects the state of a table, a user database and a
// container store (any of them may be nil).
func TakeSnapshot(ts uint64, t *proc.Table, u *users.DB, c *container.Store) *Snapshot {
	s := &Snapshot{Ts: ts}
	if t != nil {
		s.Processes = t.Snapshot()
	}
	if u != nil {
		s.Users = u.Snapshot()
	}
	if c != nil {
		s.Containers = c.Snapshot()
	}
	return s
}

// Restore loads the snapshot into a table, a user database and a container
// store (any of them may be nil), as replay does before the first record.
func (s *Snapshot) Restore(t *proc.Table, u *users.DB, c *container.Store) {
	if t != nil {
		t.Advance(s.Ts)
		t.Restore(s.Processes)
	}
	if u != nil {
		for _, ns := range s.Users {
			u.Preload(ns)
		}
	}
	if c != nil {
		for i := range s.Containers {
			in := s.Containers[i]
			c.Put(&in)
		}
	}
}

// snapshotEnd closes the snapshot section; the counts let the reader detect
// missing frames.
type snapshotEnd struct {
	Ts         uint64 `json:"ts"`
	Processes  int    `json:"processes"`
	Users      int    `json:"users"`
	Containers int    `json:"containers"`
}

// Trailer ends a capture file.
type Trailer struct {
	Records uint64 `json:"records"`
	// Dropped is what the producer reports it could not capture (kernel and
	// user-space drops), for the replayer's information.
	Dropped uint64 `json:"dropped,omitempty"`
}
