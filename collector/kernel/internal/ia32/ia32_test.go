package ia32

import (
	"os"
	"runtime"
	"testing"
)

func TestGetpid(t *testing.T) {
	if !Supported {
		t.Skip("no ia32 calls on " + runtime.GOARCH)
	}
	// ia32 getpid is 20.
	if got := Syscall(20, 0, 0, 0); got != int64(os.Getpid()) {
		if got == -38 {
			t.Skip("kernel without ia32 emulation (ENOSYS)")
		}
		t.Fatalf("ia32 getpid = %d, want %d", got, os.Getpid())
	}
}
