package linuxabi

// ptraceArchNames are the arm64 requests Falco names
// (arch/arm64/include/uapi/asm/ptrace.h).
var ptraceArchNames = []name{
	{31, "PTRACE_SYSEMU"},
	{32, "PTRACE_SYSEMU_SINGLESTEP"},
}
