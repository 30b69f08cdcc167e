package linuxabi

// socketDomainNames lists the address families (bits/socket.h) Falco names,
// in Falco's order: aliases sharing a value (AF_ROUTE and AF_NETLINK,
// AF_LOCAL and AF_UNIX) are all printed, in this order.
var socketDomainNames = []name{
	{39, "AF_NFC"},
	{38, "AF_ALG"},
	{37, "AF_CAIF"},
	{36, "AF_IEEE802154"},
	{35, "AF_PHONET"},
	{34, "AF_ISDN"},
	{33, "AF_RXRPC"},
	{32, "AF_IUCV"},
	{31, "AF_BLUETOOTH"},
	{30, "AF_TIPC"},
	{29, "AF_CAN"},
	{26, "AF_LLC"},
	{25, "AF_WANPIPE"},
	{24, "AF_PPPOX"},
	{23, "AF_IRDA"},
	{22, "AF_SNA"},
	{21, "AF_RDS"},
	{20, "AF_ATMSVC"},
	{19, "AF_ECONET"},
	{18, "AF_ASH"},
	{17, "AF_PACKET"},
	{16, "AF_ROUTE"},
	{16, "AF_NETLINK"},
	{15, "AF_KEY"},
	{14, "AF_SECURITY"},
	{13, "AF_NETBEUI"},
	{12, "AF_DECnet"},
	{11, "AF_ROSE"},
	{10, "AF_INET6"},
	{9, "AF_X25"},
	{8, "AF_ATMPVC"},
	{7, "AF_BRIDGE"},
	{6, "AF_NETROM"},
	{5, "AF_APPLETALK"},
	{4, "AF_IPX"},
	{3, "AF_AX25"},
	{2, "AF_INET"},
	{1, "AF_LOCAL"},
	{1, "AF_UNIX"},
	{0, "AF_UNSPEC"},
}

// AppendSocketDomain appends the address family of socket(2)/socketpair(2)
// as Falco shows evt.arg.domain: "AF_INET", "AF_PACKET", "AF_LOCAL|AF_UNIX"
// for 1, "AF_ROUTE|AF_NETLINK" for 16. Families Falco has no name for
// (AF_IB, AF_MPLS, AF_VSOCK and newer) append nothing.
func AppendSocketDomain(dst []byte, domain uint64) []byte {
	return appendEnum(dst, domain, socketDomainNames)
}

// Socket type flags (linux/net.h; equal to O_NONBLOCK and O_CLOEXEC).
const (
	sockNonblock = 0o4000
	sockCloexec  = 0o2000000
	sockTypeMask = 0xf
)

var socketTypeNames = []name{
	{1, "SOCK_STREAM"},
	{2, "SOCK_DGRAM"},
	{3, "SOCK_RAW"},
	{4, "SOCK_RDM"},
	{5, "SOCK_SEQPACKET"},
	{6, "SOCK_DCCP"},
	{10, "SOCK_PACKET"},
}

// AppendSocketType appends a socket(2) type with its flags, e.g.
// "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC". An unknown base type appends
// nothing for the type part. Falco itself prints the type parameter as a
// number, so this rendering is for Vigil's own text, not for evt.arg.type.
func AppendSocketType(dst []byte, typ uint64) []byte {
	start := len(dst)
	if s, ok := lookup(typ&sockTypeMask, socketTypeNames); ok {
		dst = append(dst, s...)
	}
	for _, f := range [...]name{{sockNonblock, "SOCK_NONBLOCK"}, {sockCloexec, "SOCK_CLOEXEC"}} {
		if typ&f.v != 0 {
			if len(dst) > start {
				dst = append(dst, '|')
			}
			dst = append(dst, f.s...)
		}
	}
	return dst
}
