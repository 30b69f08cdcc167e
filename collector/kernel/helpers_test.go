package kernel

import (
	"os"
	"testing"

	"github.com/vigilsec/vigil/collector/record"
)

// requireBPF skips the test unless it runs as root, or fails it when
// VIGIL_REQUIRE_BPF=1 says the privileged tests must run.
func requireBPF(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("VIGIL_REQUIRE_BPF") == "1" {
		t.Fatal("VIGIL_REQUIRE_BPF=1 but not running as root: cannot load BPF programs")
	}
	t.Skip("needs root to load BPF programs (set VIGIL_REQUIRE_BPF=1 to make this a failure)")
}

func nativeArchForTest() record.Arch { return record.NativeArch() }
