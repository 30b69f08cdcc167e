package linuxabi

// capNames are the capabilities by bit number (linux/capability.h).
var capNames = [...]string{
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// CapName returns the name of capability number n, e.g. "CAP_SYS_ADMIN" for 21.
func CapName(n uint) (string, bool) {
	if n < uint(len(capNames)) {
		return capNames[n], true
	}
	return "", false
}

// AppendCaps appends a capability set (bit n = capability n) as the
// space-separated names of its members in ascending order, as Falco shows
// thread.cap_effective: "CAP_CHOWN CAP_NET_BIND_SERVICE". Bits beyond the
// last known capability are skipped; the empty set appends nothing.
func AppendCaps(dst []byte, set uint64) []byte {
	start := len(dst)
	for n := range capNames {
		if set&(1<<n) == 0 {
			continue
		}
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		dst = append(dst, capNames[n]...)
	}
	return dst
}
