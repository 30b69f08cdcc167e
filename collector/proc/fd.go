package proc

import (
	"net/netip"
	"strconv"
)

// FDKind is what an fd refers to.
type FDKind uint8

// fd kinds. FDNone marks an empty slot.
const (
	FDNone FDKind = iota
	FDFile
	FDDirectory
	FDIPv4
	FDIPv6
	FDUnix
	FDNetlink
	FDPacket // AF_PACKET and other socket families
	FDPipe
	FDEventfd
	FDSignalfd
	FDEventpoll
	FDInotify
	FDTimerfd
	FDBPF
	FDUserfaultfd
	FDIOUring
	FDMemfd
	FDPidfd
	FDOther
	numFDKinds
)

var fdKindInfo = [numFDKinds]struct {
	name string
	char string
}{
	FDNone:        {"", ""},
	FDFile:        {"file", "f"},
	FDDirectory:   {"directory", "d"},
	FDIPv4:        {"ipv4", "4"},
	FDIPv6:        {"ipv6", "6"},
	FDUnix:        {"unix", "u"},
	FDNetlink:     {"netlink", "n"},
	FDPacket:      {"socket", "o"},
	FDPipe:        {"pipe", "p"},
	FDEventfd:     {"event", "e"},
	FDSignalfd:    {"signalfd", "s"},
	FDEventpoll:   {"eventpoll", "l"},
	FDInotify:     {"inotify", "i"},
	FDTimerfd:     {"timerfd", "t"},
	FDBPF:         {"bpf", "b"},
	FDUserfaultfd: {"userfaultfd", "r"},
	FDIOUring:     {"io_uring", "o"},
	FDMemfd:       {"memfd", "m"},
	FDPidfd:       {"pidfd", "P"},
	FDOther:       {"unknown", "o"},
}

// String returns the kind as fd.type prints it.
func (k FDKind) String() string {
	if k < numFDKinds {
		return fdKindInfo[k].name
	}
	return "unknown"
}

// TypeChar returns the kind as fd.typechar prints it (one character).
func (k FDKind) TypeChar() string {
	if k < numFDKinds {
		return fdKindInfo[k].char
	}
	return "o"
}

// IsSocket reports whether the kind is a socket.
func (k FDKind) IsSocket() bool {
	switch k {
	case FDIPv4, FDIPv6, FDUnix, FDNetlink, FDPacket:
		return true
	}
	return false
}

// IsIP reports whether the kind is an IPv4 or IPv6 socket.
func (k FDKind) IsIP() bool { return k == FDIPv4 || k == FDIPv6 }

// L4Proto is a socket's transport protocol.
type L4Proto uint8

// Transport protocols.
const (
	L4Unknown L4Proto = iota
	L4TCP
	L4UDP
	L4ICMP
	L4Raw
)

var l4Names = [...]string{L4Unknown: "", L4TCP: "tcp", L4UDP: "udp", L4ICMP: "icmp", L4Raw: "raw"}

// String returns the protocol as fd.l4proto prints it ("" when unknown).
func (p L4Proto) String() string {
	if int(p) < len(l4Names) {
		return l4Names[p]
	}
	return ""
}

// Role is which side of a connection a socket is.
type Role uint8

// Socket roles.
const (
	RoleUnknown Role = iota
	RoleClient       // connected out (connect)
	RoleServer       // accepted or listening
)

// Socket is the network state of a socket fd.
type Socket struct {
	Family    uint16         `json:"family,omitempty"` // AF_*
	Type      uint16         `json:"type,omitempty"`   // SOCK_* (without flags)
	L4        L4Proto        `json:"l4,omitempty"`
	Role      Role           `json:"role,omitempty"`
	Connected bool           `json:"connected,omitempty"`
	Listening bool           `json:"listening,omitempty"`
	Local     netip.AddrPort `json:"local,omitzero"`
	Remote    netip.AddrPort `json:"remote,omitzero"`
	Ino       uint64         `json:"ino,omitempty"` // socket inode
}

// Client returns the client endpoint of the connection.
func (s *Socket) Client() netip.AddrPort {
	if s.Role == RoleServer {
		return s.Remote
	}
	return s.Local
}

// Server returns the server endpoint of the connection.
func (s *Socket) Server() netip.AddrPort {
	if s.Role == RoleServer {
		return s.Local
	}
	return s.Remote
}

// FD is one open file descriptor. Fields are read-only outside the Table.
type FD struct {
	Num  int32  `json:"num"`
	Kind FDKind `json:"kind"`
	// Flags are the open flags (O_*); O_CLOEXEC is tracked in CloExec.
	Flags   uint32 `json:"flags,omitempty"`
	CloExec bool   `json:"cloexec,omitempty"`
	// Path is the absolute path of a file, directory or unix socket, or the
	// name of a memfd.
	Path string `json:"path,omitempty"`
	// Name is what fd.name prints: Path for files, the tuple
	// "cip:cport->sip:sport" for connected IP sockets, "pipe:[ino]" etc.
	Name string `json:"name,omitempty"`
	Ino  uint64 `json:"ino,omitempty"`
	Dev  uint64 `json:"dev,omitempty"`
	Sock Socket `json:"sock,omitzero"`
}

// Directory returns the directory part of a file's path (fd.directory).
func (f *FD) Directory() string {
	p := f.Path
	if f.Kind == FDDirectory {
		return p
	}
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			if i == 0 {
				return "/"
			}
			return p[:i]
		}
	}
	return ""
}

// Filename returns the last element of a file's path (fd.filename).
func (f *FD) Filename() string {
	p := f.Path
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// updateName recomputes Name from the kind and socket state.
func (f *FD) updateName() {
	switch f.Kind {
	case FDIPv4, FDIPv6:
		f.Name = tupleName(&f.Sock)
	case FDUnix:
		f.Name = f.Path
	case FDPipe:
		if f.Path != "" {
			f.Name = f.Path
		} else {
			f.Name = "pipe:[" + strconv.FormatUint(f.Ino, 10) + "]"
		}
	default:
		f.Name = f.Path
	}
}

// tupleName renders a socket as fd.name does: "cip:cport->sip:sport" once
// both ends are known, else the local end.
func tupleName(s *Socket) string {
	c, sv := s.Client(), s.Server()
	switch {
	case c.IsValid() && sv.IsValid():
		return c.String() + "->" + sv.String()
	case s.Local.IsValid():
		return s.Local.String()
	case s.Remote.IsValid():
		return "->" + s.Remote.String()
	}
	return ""
}
