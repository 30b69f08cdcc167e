package kernel

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

const tracefsPath = "/sys/kernel/tracing"

// ensureTracefs returns the mount point of a tracefs (needed to attach
// classic tracepoints). When none is mounted and mount is set, it mounts one
// at /sys/kernel/tracing. It must run before the first tracepoint attach:
// cilium/ebpf caches its tracefs lookup for the life of the process.
func ensureTracefs(mount bool) (string, error) {
	if p := findTracefs(); p != "" {
		return p, nil
	}
	if !mount {
		return "", errors.New("no tracefs mounted")
	}
	if err := unix.Mount("tracefs", tracefsPath, "tracefs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return "", fmt.Errorf("no tracefs mounted, and mounting one at %s failed: %w", tracefsPath, err)
	}
	return tracefsPath, nil
}

// findTracefs returns the first tracefs mount point in /proc/self/mountinfo,
// or a debugfs tracing directory, or "".
func findTracefs() string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	debugfs := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options... - fstype source options
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" {
				sep = i
				break
			}
		}
		if sep < 5 || sep+1 >= len(fields) || fields[3] != "/" {
			continue
		}
		switch fields[sep+1] {
		case "tracefs":
			return fields[4]
		case "debugfs":
			if st, err := os.Stat(fields[4] + "/tracing"); err == nil && st.IsDir() && debugfs == "" {
				debugfs = fields[4] + "/tracing"
			}
		}
	}
	return debugfs
}
