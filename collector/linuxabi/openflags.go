package linuxabi

// Open flags whose values are the same on every Linux architecture
// (asm-generic/fcntl.h).
const (
	oAccMode  = 0o3
	oWronly   = 0o1
	oRdwr     = 0o2
	oCreat    = 0o100
	oExcl     = 0o200
	oTrunc    = 0o1000
	oAppend   = 0o2000
	oNonblock = 0o4000
	oDsync    = 0o10000
	oCloexec  = 0o2000000
	oSyncBit  = 0o4000000  // __O_SYNC; O_SYNC is __O_SYNC|O_DSYNC
	oTmpBit   = 0o20000000 // __O_TMPFILE; O_TMPFILE is __O_TMPFILE|O_DIRECTORY
)

// OpenFlagCreated is not a Linux open flag: a source sets it on the flags it
// passes to AppendOpenFlags when the open created the file, and it renders
// as Falco's O_F_CREATED. It lies above the 32 bits the kernel uses.
const OpenFlagCreated uint64 = 1 << 40

// Canonical bits, independent of the architecture, in which the rendering
// table is expressed. The read/write access modes are two bits so that
// O_RDWR (both) is consumed before O_WRONLY and O_RDONLY are tried.
const (
	cRdonly uint64 = 1 << iota
	cWronly
	cCreat
	cAppend
	cDsync
	cExcl
	cNonblock
	cSync
	cTrunc
	cDirect
	cDirectory
	cLargefile
	cCloexec
	cTmpfile
	cCreated
	cRdwr = cRdonly | cWronly
)

// openFlagNames lists the open flags in the order Falco prints them. Flags
// Falco does not track (O_NOCTTY, O_NOFOLLOW, O_NOATIME, O_PATH, FASYNC) are
// not rendered.
var openFlagNames = []name{
	{cLargefile, "O_LARGEFILE"},
	{cDirectory, "O_DIRECTORY"},
	{cDirect, "O_DIRECT"},
	{cTrunc, "O_TRUNC"},
	{cSync, "O_SYNC"},
	{cNonblock, "O_NONBLOCK"},
	{cExcl, "O_EXCL"},
	{cDsync, "O_DSYNC"},
	{cAppend, "O_APPEND"},
	{cCreat, "O_CREAT"},
	{cRdwr, "O_RDWR"},
	{cWronly, "O_WRONLY"},
	{cRdonly, "O_RDONLY"},
	{cCloexec, "O_CLOEXEC"},
	{cTmpfile, "O_TMPFILE"},
	{cCreated, "O_F_CREATED"},
}

// canonicalOpenFlags maps raw open(2) flags of this architecture to the
// canonical bits. The access mode always yields one of O_RDONLY, O_WRONLY,
// O_RDWR (an invalid mode 3 counts as O_RDONLY, as Falco does).
func canonicalOpenFlags(f uint64) uint64 {
	var c uint64
	switch f & oAccMode {
	case oWronly:
		c = cWronly
	case oRdwr:
		c = cRdwr
	default:
		c = cRdonly
	}
	bits := [...]struct{ raw, c uint64 }{
		{oCreat, cCreat}, {oAppend, cAppend}, {oDsync, cDsync}, {oExcl, cExcl},
		{oNonblock, cNonblock}, {oSyncBit | oDsync, cSync}, {oTrunc, cTrunc},
		{oDirect, cDirect}, {oDirectory, cDirectory}, {oLargefile, cLargefile},
		{oCloexec, cCloexec}, {oTmpBit | oDirectory, cTmpfile}, {OpenFlagCreated, cCreated},
	}
	for _, b := range bits {
		if f&b.raw == b.raw {
			c |= b.c
		}
	}
	return c
}

// AppendOpenFlags appends the raw flags of an open/openat/openat2/creat call
// as Falco shows evt.arg.flags, e.g. "O_TRUNC|O_CREAT|O_WRONLY" or
// "O_RDONLY|O_CLOEXEC". The access mode is always present. O_SYNC renders as
// "O_SYNC|O_DSYNC" and O_TMPFILE as "O_DIRECTORY|O_TMPFILE" because the
// kernel encodes them with those bits.
func AppendOpenFlags(dst []byte, flags uint64) []byte {
	return appendFlags(dst, canonicalOpenFlags(flags), openFlagNames)
}

// OpenReads reports whether open flags request read access.
func OpenReads(flags uint64) bool {
	m := flags & oAccMode
	return m == 0 || m == oRdwr
}

// OpenWrites reports whether open flags request write access.
func OpenWrites(flags uint64) bool {
	m := flags & oAccMode
	return m == oWronly || m == oRdwr
}
