//go:build !arm64

package linuxabi

// Open flags whose values arm64 overrides; these are the asm-generic values
// that amd64 uses (asm-generic/fcntl.h).
const (
	oDirect    = 0o40000
	oLargefile = 0o100000
	oDirectory = 0o200000
)
