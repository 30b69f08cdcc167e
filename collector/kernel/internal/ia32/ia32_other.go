//go:build !amd64

package ia32

import "errors"

// Supported reports whether this architecture can make ia32 calls.
const Supported = false

// Syscall is not available on this architecture.
func Syscall(nr, a1, a2, a3 uintptr) int64 { return -38 /* ENOSYS */ }

// Mmap32 is not available on this architecture.
func Mmap32(n int) ([]byte, error) {
	return nil, errors.New("ia32: not supported on this architecture")
}
