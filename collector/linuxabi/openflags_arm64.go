package linuxabi

// arm64 places these open flags differently from asm-generic
// (arch/arm64/include/uapi/asm/fcntl.h).
const (
	oDirectory = 0o40000
	oDirect    = 0o200000
	oLargefile = 0o400000
)
