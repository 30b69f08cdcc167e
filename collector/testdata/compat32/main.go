//go:build linux && amd64

// Command compat32 makes 32-bit compat (ia32, int 0x80) system calls from a
// 64-bit process, for the collector's live field tests: it opens the file
// named by its argument with the ia32 open call, reads from it with the
// ia32 read call (which the capture maps to the native read) and closes it.
// It prints the fd and the byte count, and exits 3 when the kernel has no
// ia32 emulation, 1 on any other failure.
package main

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ia32 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl).
const (
	ia32Read   = 3
	ia32Open   = 5
	ia32Close  = 6
	ia32Getpid = 20
)

// syscall32 makes ia32 system call nr through int 0x80 and returns the raw
// result, a negative errno on failure. Pointer arguments must lie below
// 4 GiB.
//
//go:noescape
func syscall32(nr, a1, a2, a3 uintptr) int64

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compat32 FILE")
		os.Exit(2)
	}
	if r := syscall32(ia32Getpid, 0, 0, 0); r == -int64(unix.ENOSYS) {
		fmt.Fprintln(os.Stderr, "compat32: kernel without ia32 emulation")
		os.Exit(3)
	}
	// ia32 calls can only address the low 4 GiB.
	mem, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_32BIT)
	if err != nil {
		fail("mmap below 4 GiB: %v", err)
	}
	path := os.Args[1]
	if len(path) >= 2048 {
		fail("path too long")
	}
	copy(mem, path+"\x00")
	fd := syscall32(ia32Open, addr(mem, 0), unix.O_RDONLY, 0)
	if fd < 0 {
		fail("ia32 open %s: %v", path, unix.Errno(-fd))
	}
	n := syscall32(ia32Read, uintptr(fd), addr(mem, 2048), 64)
	if n < 0 {
		fail("ia32 read: %v", unix.Errno(-n))
	}
	if r := syscall32(ia32Close, uintptr(fd), 0, 0); r < 0 {
		fail("ia32 close: %v", unix.Errno(-r))
	}
	fmt.Printf("fd=%d read=%d\n", fd, n)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "compat32: "+format+"\n", args...)
	os.Exit(1)
}

// addr returns the address of mem[off]; mem is an mmap'd region the
// garbage collector never moves or frees.
func addr(mem []byte, off int) uintptr { return uintptr(unsafe.Pointer(&mem[off])) }
