package linuxabi

// fcntlCmdNames are the fcntl(2) commands Falco names (asm-generic/fcntl.h,
// linux/fcntl.h), for 64-bit architectures.
var fcntlCmdNames = []name{
	{0, "F_DUPFD"},
	{1, "F_GETFD"},
	{2, "F_SETFD"},
	{3, "F_GETFL"},
	{4, "F_SETFL"},
	{5, "F_GETLK"},
	{6, "F_SETLK"},
	{7, "F_SETLKW"},
	{8, "F_SETOWN"},
	{9, "F_GETOWN"},
	{10, "F_SETSIG"},
	{11, "F_GETSIG"},
	{15, "F_SETOWN_EX"},
	{16, "F_GETOWN_EX"},
	{36, "F_OFD_GETLK"},
	{37, "F_OFD_SETLK"},
	{38, "F_OFD_SETLKW"},
	{1024, "F_SETLEASE"},
	{1025, "F_GETLEASE"},
	{1026, "F_NOTIFY"},
	{1029, "F_CANCELLK"},
	{1030, "F_DUPFD_CLOEXEC"},
	{1031, "F_SETPIPE_SZ"},
	{1032, "F_GETPIPE_SZ"},
}

// AppendFcntlCmd appends the name of an fcntl(2) command, e.g.
// "F_DUPFD_CLOEXEC"; commands Falco does not name (F_ADD_SEALS, the
// read/write hints, unknown values) render as "UNKNOWN", as Falco does.
func AppendFcntlCmd(dst []byte, cmd uint64) []byte {
	if s, ok := lookup(cmd, fcntlCmdNames); ok {
		return append(dst, s...)
	}
	return append(dst, "UNKNOWN"...)
}

// FcntlDupsFD reports whether an fcntl command duplicates its fd
// (F_DUPFD or F_DUPFD_CLOEXEC), which creates a new fd table entry.
func FcntlDupsFD(cmd uint64) bool { return cmd == 0 || cmd == 1030 }
