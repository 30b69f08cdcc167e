package record

import "encoding/binary"

// ExecInfoSize is the size of the ExecInfo blob (DataExecInfo). Longer blobs
// (from a newer writer) are accepted; their extra bytes are ignored.
const ExecInfoSize = 144

// ExecInfo holds the process attributes captured with an exec record.
//
// Blob layout (little-endian):
//
//	0 uid u32, 4 gid, 8 euid, 12 egid, 16 suid, 20 sgid, 24 fsuid,
//	28 loginuid (0xffffffff when unset),
//	32 cap_effective u64, 40 cap_permitted, 48 cap_inheritable,
//	56 ppid u32 (real parent tgid), 60 sid, 64 pgid (init pid namespace),
//	68 tty (kernel dev_t: major<<20|minor, 0 without a controlling tty),
//	72 pid_ns inode, 76 mnt_ns inode, 80 vtgid (tgid in its own pid namespace),
//	84 net_ns inode,
//	88 start_boottime u64 (ns, thread-group leader),
//	96 exe inode u64, 104 exe dev u32, 108 exe nlink u32,
//	112 exe ctime s64 (ns since the epoch), 120 exe mtime s64,
//	128 exe filesystem magic u64,
//	136 exe flags u32 (ExeFlag*), 140 reserved u32.
type ExecInfo struct {
	UID, GID, EUID, EGID, SUID, SGID, FSUID, LoginUID uint32

	CapEffective, CapPermitted, CapInheritable uint64

	PPID, SID, PGID uint32
	TTY             uint32
	PidNS, MntNS    uint32
	VTGID           uint32
	NetNS           uint32
	StartTime       uint64 // start_boottime, ns

	ExeIno     uint64
	ExeDev     uint32
	ExeNlink   uint32
	ExeCtime   int64
	ExeMtime   int64
	ExeFSMagic uint64
	ExeFlags   uint32
}

// ExeFlag bits of ExecInfo.ExeFlags.
const (
	// ExeFlagNoFile: there was no executable file to describe (failed exec).
	ExeFlagNoFile = 1 << 0
	// ExeFlagUpperLayer: the executable is on an overlayfs and its overlay
	// inode has an upper dentry, i.e. it was created or copied up in the
	// writable layer (a container's own changes), not taken from an image
	// layer. Never set when the kernel BTF lacks struct ovl_inode.
	ExeFlagUpperLayer = 1 << 1
	// ExeFlagWritable: the executable file is writable by the new image's
	// credentials judged from its mode bits alone: fsuid 0 always can,
	// otherwise the owner, group (fsgid only, supplementary groups are not
	// consulted) or other write bit that matches; never on a read-only
	// superblock or mount. ACLs and LSMs are not consulted.
	ExeFlagWritable = 1 << 2
)

// DecodeExecInfo decodes an ExecInfo blob. It reports false when b is
// shorter than ExecInfoSize.
func DecodeExecInfo(b []byte, e *ExecInfo) bool {
	if len(b) < ExecInfoSize {
		return false
	}
	le := binary.LittleEndian
	e.UID = le.Uint32(b[0:])
	e.GID = le.Uint32(b[4:])
	e.EUID = le.Uint32(b[8:])
	e.EGID = le.Uint32(b[12:])
	e.SUID = le.Uint32(b[16:])
	e.SGID = le.Uint32(b[20:])
	e.FSUID = le.Uint32(b[24:])
	e.LoginUID = le.Uint32(b[28:])
	e.CapEffective = le.Uint64(b[32:])
	e.CapPermitted = le.Uint64(b[40:])
	e.CapInheritable = le.Uint64(b[48:])
	e.PPID = le.Uint32(b[56:])
	e.SID = le.Uint32(b[60:])
	e.PGID = le.Uint32(b[64:])
	e.TTY = le.Uint32(b[68:])
	e.PidNS = le.Uint32(b[72:])
	e.MntNS = le.Uint32(b[76:])
	e.VTGID = le.Uint32(b[80:])
	e.NetNS = le.Uint32(b[84:])
	e.StartTime = le.Uint64(b[88:])
	e.ExeIno = le.Uint64(b[96:])
	e.ExeDev = le.Uint32(b[104:])
	e.ExeNlink = le.Uint32(b[108:])
	e.ExeCtime = int64(le.Uint64(b[112:]))
	e.ExeMtime = int64(le.Uint64(b[120:]))
	e.ExeFSMagic = le.Uint64(b[128:])
	e.ExeFlags = le.Uint32(b[136:])
	return true
}

// AppendExecInfo appends the blob form of e to dst.
func AppendExecInfo(dst []byte, e *ExecInfo) []byte {
	var b [ExecInfoSize]byte
	le := binary.LittleEndian
	le.PutUint32(b[0:], e.UID)
	le.PutUint32(b[4:], e.GID)
	le.PutUint32(b[8:], e.EUID)
	le.PutUint32(b[12:], e.EGID)
	le.PutUint32(b[16:], e.SUID)
	le.PutUint32(b[20:], e.SGID)
	le.PutUint32(b[24:], e.FSUID)
	le.PutUint32(b[28:], e.LoginUID)
	le.PutUint64(b[32:], e.CapEffective)
	le.PutUint64(b[40:], e.CapPermitted)
	le.PutUint64(b[48:], e.CapInheritable)
	le.PutUint32(b[56:], e.PPID)
	le.PutUint32(b[60:], e.SID)
	le.PutUint32(b[64:], e.PGID)
	le.PutUint32(b[68:], e.TTY)
	le.PutUint32(b[72:], e.PidNS)
	le.PutUint32(b[76:], e.MntNS)
	le.PutUint32(b[80:], e.VTGID)
	le.PutUint32(b[84:], e.NetNS)
	le.PutUint64(b[88:], e.StartTime)
	le.PutUint64(b[96:], e.ExeIno)
	le.PutUint32(b[104:], e.ExeDev)
	le.PutUint32(b[108:], e.ExeNlink)
	le.PutUint64(b[112:], uint64(e.ExeCtime))
	le.PutUint64(b[120:], uint64(e.ExeMtime))
	le.PutUint64(b[128:], e.ExeFSMagic)
	le.PutUint32(b[136:], e.ExeFlags)
	return append(dst, b[:]...)
}
