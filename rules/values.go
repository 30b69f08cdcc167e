package rules

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// parseInt parses a rule integer: optional sign, then decimal digits or a
// 0x/0X hexadecimal number. Fractions and exponents are rejected, as are
// values that do not fit in 64 bits.
func parseInt(text string) (int64, error) {
	s := text
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := 10
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		base = 16
		s = s[2:]
	}
	if s == "" || strings.ContainsAny(s, "+-_") {
		return 0, fmt.Errorf("%q is not an integer", text)
	}
	u, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", text)
	}
	if neg {
		if u > 1<<63 {
			return 0, fmt.Errorf("%q is out of range", text)
		}
		return -int64(u), nil
	}
	// Unsigned fields may use the whole 64-bit range; the bits are kept.
	return int64(u), nil
}

func parseBool(text string) (int64, error) {
	switch text {
	case "true":
		return 1, nil
	case "false":
		return 0, nil
	}
	return 0, fmt.Errorf("%q is not a boolean (true or false)", text)
}

// parsePort accepts a port number or a service name from the built-in table.
func parsePort(text string) (int64, error) {
	if n, err := parseInt(text); err == nil {
		if n < 0 || n > 65535 {
			return 0, fmt.Errorf("port %q is out of range", text)
		}
		return n, nil
	}
	if p, ok := servicePorts[text]; ok {
		return int64(p), nil
	}
	return 0, fmt.Errorf("%q is neither a port number nor a known service name", text)
}

func parseIP(text string) (netip.Addr, error) {
	a, err := netip.ParseAddr(text)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", text)
	}
	return a.Unmap(), nil
}

// parseNet accepts a CIDR or a single address (a host network).
func parseNet(text string) (netip.Prefix, error) {
	if strings.Contains(text, "/") {
		p, err := netip.ParsePrefix(text)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP network", text)
		}
		a := p.Addr()
		if a.Is4In6() {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := parseIP(text)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP network", text)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// parseHex decodes the hexadecimal right-hand side of bcontains and
// bstartswith.
func parseHex(text string) ([]byte, error) {
	if len(text)%2 != 0 {
		return nil, fmt.Errorf("%q is not an even-length hexadecimal string", text)
	}
	b, err := hex.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("%q is not a hexadecimal string", text)
	}
	return b, nil
}

// servicePorts maps common service names to their well-known ports, so that
// port comparisons such as `fd.sport = ssh` do not depend on the host's
// /etc/services.
var servicePorts = map[string]uint16{
	"ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "time": 37,
	"whois": 43, "tacacs": 49, "domain": 53, "bootps": 67, "bootpc": 68, "tftp": 69,
	"gopher": 70, "finger": 79, "http": 80, "www": 80, "kerberos": 88, "pop3": 110,
	"sunrpc": 111, "auth": 113, "sftp": 115, "nntp": 119, "ntp": 123, "epmap": 135,
	"netbios-ns": 137, "netbios-dgm": 138, "netbios-ssn": 139, "imap": 143, "imap2": 143,
	"snmp": 161, "snmp-trap": 162, "bgp": 179, "irc": 194, "ldap": 389, "https": 443,
	"microsoft-ds": 445, "kpasswd": 464, "isakmp": 500, "exec": 512, "login": 513,
	"shell": 514, "syslog": 514, "printer": 515, "submissions": 465, "submission": 587,
	"ipp": 631, "ldaps": 636, "rsync": 873, "ftps-data": 989, "ftps": 990, "telnets": 992,
	"imaps": 993, "pop3s": 995, "socks": 1080, "openvpn": 1194, "ms-sql-s": 1433,
	"ms-sql-m": 1434, "ingreslock": 1524, "pptp": 1723, "radius": 1812, "radius-acct": 1813,
	"nfs": 2049, "etcd-client": 2379, "etcd-server": 2380, "mysql": 3306, "ms-wbt-server": 3389,
	"svn": 3690, "sip": 5060, "sip-tls": 5061, "xmpp-client": 5222, "xmpp-server": 5269,
	"postgresql": 5432, "amqp": 5672, "x11": 6000, "redis": 6379,
	"http-alt": 8080, "memcache": 11211, "zookeeper": 2181, "git": 9418, "mongodb": 27017,
}
