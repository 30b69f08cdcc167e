//go:build !amd64 && !arm64

package linuxabi

// ptraceArchNames is empty on architectures Vigil does not capture on.
var ptraceArchNames []name
