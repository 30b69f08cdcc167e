package linuxabi

// Facts about an executed file that a source collects at execve and passes
// to AppendExecveFlags. They are not kernel flags; their names are the ones
// Falco prints in the execve exit parameter `flags`.
const (
	ExeWritable   uint64 = 1 << iota // the executable is writable by the process' user
	ExeUpperLayer                    // it lives in the upper layer of an overlayfs
	ExeFromMemfd                     // it is an anonymous memfd (fileless execution)
	ExeLowerLayer                    // it lives in a lower layer of an overlayfs
)

var execveFlagNames = []name{
	{ExeWritable, "EXE_WRITABLE"},
	{ExeUpperLayer, "EXE_UPPER_LAYER"},
	{ExeFromMemfd, "EXE_FROM_MEMFD"},
	{ExeLowerLayer, "EXE_LOWER_LAYER"},
}

// AppendExecveFlags appends a set of Exe* facts, e.g.
// "EXE_WRITABLE|EXE_UPPER_LAYER"; the empty set appends nothing.
func AppendExecveFlags(dst []byte, flags uint64) []byte {
	return appendFlags(dst, flags, execveFlagNames)
}
