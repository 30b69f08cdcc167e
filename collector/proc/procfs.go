package proc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// Parsers for the /proc files Bootstrap reads. They take the file contents
// and never panic on malformed input.

var errMalformed = errors.New("malformed")

// statInfo is what Bootstrap uses from /proc/PID/stat.
type statInfo struct {
	comm      string
	ppid      uint32
	pgrp      uint32
	session   uint32
	ttyNr     uint32
	startTick uint64
}

// parseStat parses /proc/PID/stat. The comm is inside parentheses and may
// itself contain spaces and parentheses, so the fields start after the last
// ')'.
func parseStat(b []byte) (statInfo, error) {
	var s statInfo
	open := bytes.IndexByte(b, '(')
	closing := bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return s, errMalformed
	}
	s.comm = string(b[open+1 : closing])
	f := bytes.Fields(b[closing+1:])
	// f[0] is field 3 (state); starttime is field 22.
	if len(f) < 20 {
		return s, errMalformed
	}
	var err error
	u32 := func(i int) uint32 {
		v, e := strconv.ParseInt(string(f[i]), 10, 64)
		if e != nil && err == nil {
			err = errMalformed
		}
		return uint32(v)
	}
	s.ppid = u32(1)
	s.pgrp = u32(2)
	s.session = u32(3)
	s.ttyNr = u32(4)
	st, e := strconv.ParseUint(string(f[19]), 10, 64)
	if e != nil && err == nil {
		err = errMalformed
	}
	s.startTick = st
	return s, err
}

// ttyDev converts a stat tty_nr (the kernel's exported dev encoding) to the
// in-kernel dev_t layout major<<20|minor that the capture layer reads.
func ttyDev(nr uint32) uint32 {
	major := (nr >> 8) & 0xfff
	minor := (nr & 0xff) | ((nr >> 12) & 0xfff00)
	return major<<20 | minor
}

// statusInfo is what Bootstrap uses from /proc/PID/status.
type statusInfo struct {
	tgid, ppid        uint32
	uid, gid          [4]uint32 // real, effective, saved, fs
	capInh, capPrm    uint64
	capEff            uint64
	vpid, vpgid, vsid uint32 // innermost namespace values (0 when absent)
	hasIDs            bool
}

// parseStatus parses the lines of /proc/PID/status that Bootstrap needs.
func parseStatus(b []byte) (statusInfo, error) {
	var s statusInfo
	var seenUID, seenGID bool
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		key, val, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		vals := bytes.Fields(val)
		switch string(key) {
		case "Tgid":
			s.tgid = firstU32(vals)
		case "PPid":
			s.ppid = firstU32(vals)
		case "Uid":
			seenUID = fourU32(vals, &s.uid)
		case "Gid":
			seenGID = fourU32(vals, &s.gid)
		case "CapInh":
			s.capInh = hexU64(vals)
		case "CapPrm":
			s.capPrm = hexU64(vals)
		case "CapEff":
			s.capEff = hexU64(vals)
		case "NSpid":
			s.vpid = lastU32(vals)
		case "NSpgid":
			s.vpgid = lastU32(vals)
		case "NSsid":
			s.vsid = lastU32(vals)
		}
	}
	s.hasIDs = seenUID && seenGID
	if !s.hasIDs {
		return s, errMalformed
	}
	return s, nil
}

func firstU32(v [][]byte) uint32 {
	if len(v) == 0 {
		return 0
	}
	n, _ := strconv.ParseUint(string(v[0]), 10, 32)
	return uint32(n)
}

func lastU32(v [][]byte) uint32 {
	if len(v) == 0 {
		return 0
	}
	n, _ := strconv.ParseUint(string(v[len(v)-1]), 10, 32)
	return uint32(n)
}

func fourU32(v [][]byte, dst *[4]uint32) bool {
	if len(v) < 4 {
		return false
	}
	for i := range dst {
		n, err := strconv.ParseUint(string(v[i]), 10, 32)
		if err != nil {
			return false
		}
		dst[i] = uint32(n)
	}
	return true
}

func hexU64(v [][]byte) uint64 {
	if len(v) == 0 {
		return 0
	}
	n, _ := strconv.ParseUint(string(v[0]), 16, 64)
	return n
}

// splitNUL splits NUL-separated strings (cmdline, environ), dropping the
// trailing terminator. Empty input gives nil.
func splitNUL(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	parts := bytes.Split(b, []byte{0})
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}

// parseCgroupFile parses /proc/PID/cgroup ("hierarchy:controllers:path").
func parseCgroupFile(b []byte) []Cgroup {
	var out []Cgroup
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		h, rest, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		ctrl, path, ok := bytes.Cut(rest, []byte{':'})
		if !ok {
			continue
		}
		n, err := strconv.Atoi(string(h))
		if err != nil {
			continue
		}
		out = append(out, Cgroup{Hierarchy: n, Controllers: string(ctrl), Path: string(path)})
	}
	return out
}

// parseNSLink parses a namespace link target such as "pid:[4026531836]".
func parseNSLink(s string) uint64 {
	i := strings.IndexByte(s, '[')
	if i < 0 || !strings.HasSuffix(s, "]") {
		return 0
	}
	n, _ := strconv.ParseUint(s[i+1:len(s)-1], 10, 64)
	return n
}

// parseFdinfoFlags returns the "flags:" value (octal) of /proc/PID/fdinfo/N.
func parseFdinfoFlags(b []byte) (uint32, bool) {
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		if v, ok := bytes.CutPrefix(line, []byte("flags:")); ok {
			n, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 8, 32)
			return uint32(n), err == nil
		}
	}
	return 0, false
}

// netSock is one socket of /proc/net/{tcp,udp,raw}{,6}.
type netSock struct {
	local, remote netip.AddrPort
	state         uint8
	l4            L4Proto
	v6            bool
}

// TCP states of /proc/net/tcp that Bootstrap distinguishes.
const (
	tcpEstablished = 0x01
	tcpListen      = 0x0a
)

// parseNetIP parses /proc/net/{tcp,udp,raw}{,6} into inode → socket.
func parseNetIP(b []byte, l4 L4Proto, v6 bool, into map[uint64]netSock) {
	first := true
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		if first {
			first = false
			continue // header
		}
		f := bytes.Fields(line)
		if len(f) < 10 {
			continue
		}
		local, ok1 := parseHexAddrPort(f[1], v6)
		remote, ok2 := parseHexAddrPort(f[2], v6)
		st, err := strconv.ParseUint(string(f[3]), 16, 8)
		ino, err2 := strconv.ParseUint(string(f[9]), 10, 64)
		if !ok1 || !ok2 || err != nil || err2 != nil || ino == 0 {
			continue
		}
		into[ino] = netSock{local: local, remote: remote, state: uint8(st), l4: l4, v6: v6}
	}
}

// parseHexAddrPort parses "0100007F:0050": the address as 32-bit words in
// host (little-endian) byte order, the port in hex.
func parseHexAddrPort(b []byte, v6 bool) (netip.AddrPort, bool) {
	a, p, ok := bytes.Cut(b, []byte{':'})
	if !ok {
		return netip.AddrPort{}, false
	}
	port, err := strconv.ParseUint(string(p), 16, 16)
	if err != nil {
		return netip.AddrPort{}, false
	}
	n := 4
	if v6 {
		n = 16
	}
	if len(a) != 2*n {
		return netip.AddrPort{}, false
	}
	var raw [16]byte
	for w := 0; w < n/4; w++ {
		v, err := strconv.ParseUint(string(a[w*8:w*8+8]), 16, 32)
		if err != nil {
			return netip.AddrPort{}, false
		}
		binary.LittleEndian.PutUint32(raw[w*4:], uint32(v))
	}
	var addr netip.Addr
	if v6 {
		addr = netip.AddrFrom16(raw)
	} else {
		addr = netip.AddrFrom4([4]byte(raw[:4]))
	}
	return netip.AddrPortFrom(addr, uint16(port)), true
}

// parseNetUnix parses /proc/net/unix into inode → path ("" for unnamed).
func parseNetUnix(b []byte, into map[uint64]string) {
	first := true
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte{'\n'})
		if first {
			first = false
			continue
		}
		f := bytes.Fields(line)
		if len(f) < 7 {
			continue
		}
		ino, err := strconv.ParseUint(string(f[6]), 10, 64)
		if err != nil || ino == 0 {
			continue
		}
		path := ""
		if len(f) >= 8 {
			path = string(f[7])
		}
		into[ino] = path
	}
}

// classifyLink maps an fd's link target to its kind. For sockets and pipes
// it also returns the inode in the target; path is the cleaned file path.
func classifyLink(target string) (kind FDKind, ino uint64, path string) {
	switch {
	case strings.HasPrefix(target, "/memfd:"):
		name := strings.TrimSuffix(target[1:], " (deleted)")
		return FDMemfd, 0, name
	case strings.HasPrefix(target, "/"):
		return FDFile, 0, strings.TrimSuffix(target, " (deleted)")
	case strings.HasPrefix(target, "socket:["):
		return FDPacket, parseNSLink(target), ""
	case strings.HasPrefix(target, "pipe:["):
		return FDPipe, parseNSLink(target), ""
	case strings.HasPrefix(target, "anon_inode:"):
		switch name := strings.Trim(target[len("anon_inode:"):], "[]"); {
		case name == "eventfd":
			return FDEventfd, 0, target
		case name == "signalfd":
			return FDSignalfd, 0, target
		case name == "eventpoll":
			return FDEventpoll, 0, target
		case name == "inotify":
			return FDInotify, 0, target
		case name == "timerfd":
			return FDTimerfd, 0, target
		case name == "userfaultfd":
			return FDUserfaultfd, 0, target
		case name == "io_uring":
			return FDIOUring, 0, target
		case name == "pidfd":
			return FDPidfd, 0, target
		case strings.HasPrefix(name, "bpf"):
			return FDBPF, 0, target
		}
	}
	return FDOther, 0, target
}
