// Package ia32 makes 32-bit compat (int 0x80) system calls from a 64-bit
// process, so tests can check that the capture sees and maps them. Only
// amd64 has an implementation; elsewhere Supported is false.
//
// Pointer arguments must point below 4 GiB (see Mmap32).
package ia32
