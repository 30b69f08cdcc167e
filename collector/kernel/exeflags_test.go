package kernel

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vigilsec/vigil/collector/record"
)

// execInfoOf runs path (as uid/gid when cred is set) and returns the
// ExecInfo of its exec record.
func execInfoOf(t *testing.T, p *Probe, path string, cred *syscall.Credential) record.ExecInfo {
	t.Helper()
	cmd := exec.Command(path)
	cmd.Dir = "/"
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	if err := cmd.Run(); err != nil {
		t.Fatalf("run %s: %v", path, err)
	}
	pid := uint32(cmd.Process.Pid)
	ex := waitFor(t, p, "execve of "+path, func(r *record.Record) bool {
		return r.Kind == record.KindExecve && r.TGID == pid
	})
	var info record.ExecInfo
	if !record.DecodeExecInfo(ex.Data[record.DataExecInfo], &info) {
		t.Fatalf("exec info of %s: %d bytes", path, len(ex.Data[record.DataExecInfo]))
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	if info.ExeIno != st.Ino {
		t.Fatalf("exec of %s: exe inode %d, want %d (wrong record?)", path, info.ExeIno, st.Ino)
	}
	return info
}

// copyExe copies /bin/true to path with the given mode and owner.
func copyExe(t *testing.T, path string, mode os.FileMode, uid, gid int) {
	t.Helper()
	b, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // after chown, which may clear bits
		t.Fatal(err)
	}
}

// mountTmpfs mounts a fresh tmpfs on a new directory under t.TempDir(),
// readable by everyone, unmounted at cleanup. Working on our own tmpfs keeps
// the test independent of what /tmp is (overlayfs cannot take its upper
// layer from an overlayfs, for one).
func mountTmpfs(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "fs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("vigil-test", dir, "tmpfs", 0, "mode=0755"); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() { unmount(t, dir) })
	// Let unprivileged children reach the files: t.TempDir's parents are 0700.
	for d := filepath.Dir(dir); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func unmount(t *testing.T, dir string) {
	if err := unix.Unmount(dir, 0); err != nil {
		t.Errorf("unmount %s: %v (detaching)", dir, err)
		_ = unix.Unmount(dir, unix.MNT_DETACH)
	}
}

// TestCaptureExeFlags: the exec record says whether the executable is
// writable by the new image's credentials and whether it comes from an
// overlayfs upper layer.
func TestCaptureExeFlags(t *testing.T) { readModes(t, testExeFlags) }

func testExeFlags(t *testing.T, cfg Config) {
	p := openTestProbeCfg(t, cfg)
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount filesystems and switch users")
	}
	const nobody = 65534
	base := mountTmpfs(t)

	plain := []struct {
		name       string
		mode       os.FileMode
		uid, gid   int
		cred       *syscall.Credential
		wantWrite  bool
		wantFSType uint64
	}{
		{"root runs a root file", 0o755, 0, 0, nil, true, unix.TMPFS_MAGIC},
		{"root runs a read-only file", 0o555, 0, 0, nil, true, unix.TMPFS_MAGIC},
		{"nobody runs a root file", 0o755, 0, 0, &syscall.Credential{Uid: nobody, Gid: nobody}, false, unix.TMPFS_MAGIC},
		{"nobody runs a world-writable file", 0o757, 0, 0, &syscall.Credential{Uid: nobody, Gid: nobody}, true, unix.TMPFS_MAGIC},
		{"nobody runs its own file", 0o755, nobody, 0, &syscall.Credential{Uid: nobody, Gid: nobody}, true, unix.TMPFS_MAGIC},
		{"nobody runs its own file without owner write", 0o575, nobody, nobody, &syscall.Credential{Uid: nobody, Gid: nobody}, false, unix.TMPFS_MAGIC},
		{"nobody runs a group-writable file of its group", 0o775, 0, nobody, &syscall.Credential{Uid: nobody, Gid: nobody}, true, unix.TMPFS_MAGIC},
		{"nobody runs a group-writable file of another group", 0o775, 0, 0, &syscall.Credential{Uid: nobody, Gid: nobody}, false, unix.TMPFS_MAGIC},
	}
	for i, tc := range plain {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(base, "exe"+string(rune('a'+i)))
			copyExe(t, path, tc.mode, tc.uid, tc.gid)
			info := execInfoOf(t, p, path, tc.cred)
			t.Logf("%s: flags %#x magic %#x", path, info.ExeFlags, info.ExeFSMagic)
			if info.ExeFSMagic != tc.wantFSType {
				t.Errorf("fs magic %#x, want %#x", info.ExeFSMagic, tc.wantFSType)
			}
			if got := info.ExeFlags&record.ExeFlagWritable != 0; got != tc.wantWrite {
				t.Errorf("writable %v, want %v (flags %#x)", got, tc.wantWrite, info.ExeFlags)
			}
			if info.ExeFlags&(record.ExeFlagUpperLayer|record.ExeFlagNoFile) != 0 {
				t.Errorf("flags %#x: upper layer or no file set for a tmpfs file", info.ExeFlags)
			}
		})
	}

	t.Run("read-only mount", func(t *testing.T) {
		src := filepath.Join(base, "rosrc")
		ro := filepath.Join(base, "ro")
		for _, d := range []string{src, ro} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		copyExe(t, filepath.Join(src, "true"), 0o777, 0, 0)
		if err := unix.Mount(src, ro, "", unix.MS_BIND, ""); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unmount(t, ro) })
		if err := unix.Mount("", ro, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			t.Fatal(err)
		}
		info := execInfoOf(t, p, filepath.Join(ro, "true"), nil)
		if info.ExeFlags&record.ExeFlagWritable != 0 {
			t.Errorf("flags %#x: writable on a read-only mount", info.ExeFlags)
		}
		info = execInfoOf(t, p, filepath.Join(src, "true"), nil)
		if info.ExeFlags&record.ExeFlagWritable == 0 {
			t.Errorf("flags %#x: the same file through a writable mount is not writable", info.ExeFlags)
		}
	})

	t.Run("overlayfs", func(t *testing.T) {
		lower, upper, work, merged := filepath.Join(base, "lower"), filepath.Join(base, "upper"),
			filepath.Join(base, "work"), filepath.Join(base, "merged")
		for _, d := range []string{lower, upper, work, merged} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		copyExe(t, filepath.Join(lower, "fromlower"), 0o755, 0, 0)
		copyExe(t, filepath.Join(lower, "copiedup"), 0o755, 0, 0)
		opts := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
		if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
			if os.Getenv("VIGIL_REQUIRE_BPF") == "1" {
				t.Fatalf("mount overlay: %v", err)
			}
			t.Skipf("cannot mount overlayfs: %v", err)
		}
		t.Cleanup(func() { unmount(t, merged) })
		// A new file in the merged view lands in the upper layer.
		copyExe(t, filepath.Join(merged, "fromupper"), 0o755, 0, 0)
		if _, err := os.Stat(filepath.Join(upper, "fromupper")); err != nil {
			t.Fatalf("the new file is not in the upper layer: %v", err)
		}
		// A metadata change copies a lower file up.
		if err := os.Chmod(filepath.Join(merged, "copiedup"), 0o750); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(upper, "copiedup")); err != nil {
			t.Fatalf("chmod did not copy the file up: %v", err)
		}

		for _, tc := range []struct {
			name      string
			wantUpper bool
		}{
			{"fromupper", true},
			{"copiedup", true},
			{"fromlower", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				info := execInfoOf(t, p, filepath.Join(merged, tc.name), nil)
				t.Logf("%s: flags %#x magic %#x", tc.name, info.ExeFlags, info.ExeFSMagic)
				if info.ExeFSMagic != unix.OVERLAYFS_SUPER_MAGIC {
					t.Errorf("fs magic %#x, want overlayfs", info.ExeFSMagic)
				}
				if got := info.ExeFlags&record.ExeFlagUpperLayer != 0; got != tc.wantUpper {
					t.Errorf("upper layer %v, want %v (flags %#x)", got, tc.wantUpper, info.ExeFlags)
				}
				if info.ExeFlags&record.ExeFlagWritable == 0 {
					t.Errorf("flags %#x: root's file on a writable overlay not writable", info.ExeFlags)
				}
			})
		}
	})
}
