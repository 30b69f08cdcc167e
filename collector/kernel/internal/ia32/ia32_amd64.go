package ia32

import "golang.org/x/sys/unix"

// Supported reports whether this architecture can make ia32 calls.
const Supported = true

// Syscall makes ia32 system call nr with up to three arguments through
// int 0x80 and returns the raw result (a negative errno on failure). The
// call runs on the current thread without telling the Go scheduler, so it
// must not block for long.
//
//go:noescape
func Syscall(nr, a1, a2, a3 uintptr) int64

// Mmap32 maps n bytes of anonymous read/write memory below 4 GiB, where
// ia32 calls can address it.
func Mmap32(n int) ([]byte, error) {
	return unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_32BIT)
}
