package linuxabi

// modeNames lists the permission bits of a file mode (linux/stat.h) in the
// order Falco prints them: others, group, owner, then the special bits.
var modeNames = []name{
	{0o1, "S_IXOTH"},
	{0o2, "S_IWOTH"},
	{0o4, "S_IROTH"},
	{0o10, "S_IXGRP"},
	{0o20, "S_IWGRP"},
	{0o40, "S_IRGRP"},
	{0o100, "S_IXUSR"},
	{0o200, "S_IWUSR"},
	{0o400, "S_IRUSR"},
	{0o1000, "S_ISVTX"},
	{0o2000, "S_ISGID"},
	{0o4000, "S_ISUID"},
}

// AppendMode appends the permission and special bits of a chmod-family mode
// as Falco shows evt.arg.mode, e.g. 04755 as
// "S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID". File-type
// bits are ignored; a mode without permission bits appends nothing.
func AppendMode(dst []byte, mode uint64) []byte {
	return appendFlags(dst, mode&0o7777, modeNames)
}

// accessNames lists access(2)/faccessat(2) modes (unistd.h) in Falco's
// order; F_OK is the zero value.
var accessNames = []name{
	{0, "F_OK"},
	{4, "R_OK"},
	{2, "W_OK"},
	{1, "X_OK"},
}

// AppendAccessMode appends an access(2) mode, e.g. "R_OK|X_OK", or "F_OK"
// for an existence test.
func AppendAccessMode(dst []byte, mode uint64) []byte {
	return appendFlags(dst, mode&7, accessNames)
}
