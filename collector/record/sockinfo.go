package record

import (
	"encoding/binary"
	"net/netip"
)

// SockInfoSize is the size of the SockInfo blob (DataSockInfo).
const SockInfoSize = 48

// SockInfo is the kernel's view of a socket.
//
// Blob layout (little-endian): 0 family u16, 2 type u16, 4 protocol u16,
// 6 state u8, 7 reserved u8, 8 local port u16, 10 remote port u16 (host
// byte order), 12 reserved u32, 16 local address [16]byte, 32 remote
// address [16]byte. IPv4 addresses use the first 4 bytes. For AF_UNIX the
// address fields hold, in their first 8 bytes, opaque little-endian ids of
// the socket and of its peer (kernel object addresses), so both ends of a
// connection can be matched.
type SockInfo struct {
	Family     uint16
	Type       uint16
	Protocol   uint16
	State      uint8
	LocalPort  uint16
	RemotePort uint16
	LocalAddr  [16]byte
	RemoteAddr [16]byte
}

// Address families used in SockInfo and sockaddrs.
const (
	AFUnix  = 1
	AFInet  = 2
	AFInet6 = 10
)

// DecodeSockInfo decodes a SockInfo blob; it reports false when b is shorter
// than SockInfoSize (an empty field: no socket could be described).
func DecodeSockInfo(b []byte, s *SockInfo) bool {
	if len(b) < SockInfoSize {
		return false
	}
	le := binary.LittleEndian
	s.Family = le.Uint16(b[0:])
	s.Type = le.Uint16(b[2:])
	s.Protocol = le.Uint16(b[4:])
	s.State = b[6]
	s.LocalPort = le.Uint16(b[8:])
	s.RemotePort = le.Uint16(b[10:])
	copy(s.LocalAddr[:], b[16:32])
	copy(s.RemoteAddr[:], b[32:48])
	return true
}

// AppendSockInfo appends the blob form of s to dst.
func AppendSockInfo(dst []byte, s *SockInfo) []byte {
	var b [SockInfoSize]byte
	le := binary.LittleEndian
	le.PutUint16(b[0:], s.Family)
	le.PutUint16(b[2:], s.Type)
	le.PutUint16(b[4:], s.Protocol)
	b[6] = s.State
	le.PutUint16(b[8:], s.LocalPort)
	le.PutUint16(b[10:], s.RemotePort)
	copy(b[16:32], s.LocalAddr[:])
	copy(b[32:48], s.RemoteAddr[:])
	return append(dst, b[:]...)
}

// Local returns the local IP endpoint of an AF_INET or AF_INET6 socket.
func (s *SockInfo) Local() (netip.AddrPort, bool) {
	return inetEndpoint(s.Family, &s.LocalAddr, s.LocalPort)
}

// Remote returns the remote IP endpoint of an AF_INET or AF_INET6 socket.
func (s *SockInfo) Remote() (netip.AddrPort, bool) {
	return inetEndpoint(s.Family, &s.RemoteAddr, s.RemotePort)
}

func inetEndpoint(family uint16, a *[16]byte, port uint16) (netip.AddrPort, bool) {
	switch family {
	case AFInet:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(a[:4])), port), true
	case AFInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(*a), port), true
	}
	return netip.AddrPort{}, false
}

// Sockaddr is a decoded struct sockaddr (DataSockAddr).
type Sockaddr struct {
	Family uint16
	Addr   netip.AddrPort // AF_INET, AF_INET6
	Path   []byte         // AF_UNIX: sun_path up to the first NUL (abstract: leading NUL kept); aliases the input
}

// DecodeSockaddr decodes a raw sockaddr. It reports false when b is too
// short for its family or the family is not one of AF_UNIX, AF_INET,
// AF_INET6 (Family is still set when at least 2 bytes are present).
func DecodeSockaddr(b []byte, sa *Sockaddr) bool {
	*sa = Sockaddr{}
	if len(b) < 2 {
		return false
	}
	sa.Family = binary.LittleEndian.Uint16(b)
	switch sa.Family {
	case AFInet:
		if len(b) < 8 {
			return false
		}
		port := binary.BigEndian.Uint16(b[2:])
		sa.Addr = netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), port)
		return true
	case AFInet6:
		if len(b) < 24 {
			return false
		}
		port := binary.BigEndian.Uint16(b[2:])
		sa.Addr = netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[8:24])), port)
		return true
	case AFUnix:
		p := b[2:]
		if len(p) > 0 && p[0] == 0 { // abstract socket: the name is every byte
			sa.Path = p
			return true
		}
		for i, c := range p {
			if c == 0 {
				p = p[:i]
				break
			}
		}
		sa.Path = p
		return true
	}
	return false
}
