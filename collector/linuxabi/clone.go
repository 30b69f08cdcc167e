package linuxabi

// cloneFlagNames lists clone(2)/clone3(2)/unshare(2)/setns(2) flags
// (linux/sched.h) in the order Falco prints them. Flags Falco does not name
// (CLONE_PIDFD, CLONE_DETACHED, CLONE_NEWTIME, CLONE_CLEAR_SIGHAND,
// CLONE_INTO_CGROUP) are not rendered.
var cloneFlagNames = []name{
	{0x00000400, "CLONE_FILES"},
	{0x00000200, "CLONE_FS"},
	{0x80000000, "CLONE_IO"},
	{0x08000000, "CLONE_NEWIPC"},
	{0x40000000, "CLONE_NEWNET"},
	{0x00020000, "CLONE_NEWNS"},
	{0x20000000, "CLONE_NEWPID"},
	{0x04000000, "CLONE_NEWUTS"},
	{0x00008000, "CLONE_PARENT"},
	{0x00100000, "CLONE_PARENT_SETTID"},
	{0x00002000, "CLONE_PTRACE"},
	{0x00000800, "CLONE_SIGHAND"},
	{0x00040000, "CLONE_SYSVSEM"},
	{0x00010000, "CLONE_THREAD"},
	{0x00800000, "CLONE_UNTRACED"},
	{0x00000100, "CLONE_VM"},
	{0x10000000, "CLONE_NEWUSER"},
	{0x00200000, "CLONE_CHILD_CLEARTID"},
	{0x01000000, "CLONE_CHILD_SETTID"},
	{0x00080000, "CLONE_SETTLS"},
	{0x00004000, "CLONE_VFORK"},
	{0x02000000, "CLONE_NEWCGROUP"},
}

// AppendCloneFlags appends clone/unshare/setns flags, e.g.
// "CLONE_FILES|CLONE_FS|CLONE_SIGHAND|CLONE_THREAD|CLONE_VM". The low byte
// (the exit signal of clone(2)) is ignored.
func AppendCloneFlags(dst []byte, flags uint64) []byte {
	return appendFlags(dst, flags&^0xff, cloneFlagNames)
}
