package linuxabi

// ptraceNames are the ptrace(2) requests common to every architecture
// (linux/ptrace.h) that Falco names.
var ptraceNames = []name{
	{0, "PTRACE_TRACEME"},
	{1, "PTRACE_PEEKTEXT"},
	{2, "PTRACE_PEEKDATA"},
	{3, "PTRACE_PEEKUSR"},
	{4, "PTRACE_POKETEXT"},
	{5, "PTRACE_POKEDATA"},
	{6, "PTRACE_POKEUSR"},
	{7, "PTRACE_CONT"},
	{8, "PTRACE_KILL"},
	{9, "PTRACE_SINGLESTEP"},
	{16, "PTRACE_ATTACH"},
	{17, "PTRACE_DETACH"},
	{24, "PTRACE_SYSCALL"},
	{0x4200, "PTRACE_SETOPTIONS"},
	{0x4201, "PTRACE_GETEVENTMSG"},
	{0x4202, "PTRACE_GETSIGINFO"},
	{0x4203, "PTRACE_SETSIGINFO"},
	{0x4204, "PTRACE_GETREGSET"},
	{0x4205, "PTRACE_SETREGSET"},
	{0x4206, "PTRACE_SEIZE"},
	{0x4207, "PTRACE_INTERRUPT"},
	{0x4208, "PTRACE_LISTEN"},
	{0x4209, "PTRACE_PEEKSIGINFO"},
	{0x420a, "PTRACE_GETSIGMASK"},
	{0x420b, "PTRACE_SETSIGMASK"},
}

// AppendPtraceRequest appends the name of a ptrace(2) request, e.g.
// "PTRACE_ATTACH". Requests Falco has no name for (the seccomp and
// syscall-info queries, unknown values) render as "PTRACE_UNKNOWN", as Falco
// does.
func AppendPtraceRequest(dst []byte, req uint64) []byte {
	if s, ok := lookup(req, ptraceNames); ok {
		return append(dst, s...)
	}
	if s, ok := lookup(req, ptraceArchNames); ok {
		return append(dst, s...)
	}
	return append(dst, "PTRACE_UNKNOWN"...)
}
