package kernel

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/collector/record"
)

// requireBPF skips the test unless the process may load and attach BPF
// tracing programs (CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON), or fails
// it when VIGIL_REQUIRE_BPF=1 says the privileged tests must run.
func requireBPF(t testing.TB) {
	t.Helper()
	if canLoadBPF() {
		return
	}
	if os.Getenv("VIGIL_REQUIRE_BPF") == "1" {
		t.Fatal("VIGIL_REQUIRE_BPF=1 but the process lacks CAP_SYS_ADMIN or CAP_BPF+CAP_PERFMON: cannot load BPF programs")
	}
	t.Skip("needs root (CAP_SYS_ADMIN or CAP_BPF+CAP_PERFMON) to load BPF programs; set VIGIL_REQUIRE_BPF=1 to make this a failure")
}

func canLoadBPF() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return os.Geteuid() == 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return false
			}
			const sysAdmin, perfmon, bpf = 21, 38, 39
			return caps&(1<<sysAdmin) != 0 || (caps&(1<<bpf) != 0 && caps&(1<<perfmon) != 0)
		}
	}
	return false
}

func nativeArchForTest() record.Arch { return record.NativeArch() }
