package runtime

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/collector/container"
)

// ctrdTestImage is the image the integration test imports into its private
// containerd.
const ctrdTestImage = "localhost/vigil-it:test"

// requireOrSkip skips the test with reason, or fails it when
// VIGIL_REQUIRE_BPF=1 (CI installs containerd and busybox-static: .ci/run).
func requireOrSkip(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("VIGIL_REQUIRE_BPF") == "1" {
		t.Fatalf("VIGIL_REQUIRE_BPF=1 but %s", reason)
	}
	t.Skip(reason)
}

// TestContainerdIntegration starts a private containerd (its own root,
// state and socket in a temporary directory), runs containers with `ctr run`
// from a busybox image built here, and checks that the client resolves
// them and that their cgroups parse to their ids.
func TestContainerdIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts containerd; not in -short")
	}
	if os.Geteuid() != 0 {
		requireOrSkip(t, "containerd needs root")
	}
	bins := map[string]string{}
	for _, name := range []string{"containerd", "ctr", "runc", "busybox"} {
		p, err := exec.LookPath(name)
		if err != nil {
			requireOrSkip(t, name+" is not installed (apt-get install containerd busybox-static)")
		}
		bins[name] = p
	}
	if f, err := elf.Open(bins["busybox"]); err != nil {
		requireOrSkip(t, "busybox: "+err.Error())
	} else {
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				f.Close()
				requireOrSkip(t, bins["busybox"]+" is dynamically linked (install busybox-static)")
			}
		}
		f.Close()
	}

	dir, err := os.MkdirTemp("", "vctrd") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "c.sock")
	startContainerd(t, bins["containerd"], dir, sock)

	ctr := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, bins["ctr"], append([]string{"-a", sock, "-n", "default"}, args...)...).CombinedOutput()
		if err != nil {
			return string(out), fmt.Errorf("ctr %s: %w: %s", strings.Join(args, " "), err, out)
		}
		return string(out), nil
	}

	archive := filepath.Join(dir, "image.tar")
	if err := writeBusyboxImage(archive, bins["busybox"], ctrdTestImage); err != nil {
		t.Fatal(err)
	}
	if _, err := ctr("images", "import", archive); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctr("images", "rm", ctrdTestImage) })

	// runc creates "/default" in every hierarchy; remove it afterwards
	// only if it was not there before.
	ownParent := !fileExists("/sys/fs/cgroup/cpu/default")
	suffix := make([]byte, 4)
	rand.Read(suffix)
	plain := "vigil-it-" + hex.EncodeToString(suffix)
	priv := plain + "-priv"
	for _, c := range []struct {
		name  string
		extra []string
	}{{plain, nil}, {priv, []string{"--privileged"}}} {
		t.Cleanup(func() { removeCtrContainer(t, ctr, c.name, ownParent) })
		args := append([]string{"run", "-d", "--label", "app=vigil-it"}, c.extra...)
		args = append(args, ctrdTestImage, c.name, "/bin/sleep", "600")
		if _, err := ctr(args...); err != nil {
			t.Fatal(err)
		}
	}

	// The cgroup of the container's process names it.
	pid := ctrTaskPID(t, ctr, plain)
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for line := range strings.Lines(string(raw)) {
		if _, rest, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			if _, p, ok := strings.Cut(rest, ":"); ok {
				paths = append(paths, p)
			}
		}
	}
	id := container.FromPaths(paths)
	if id.Full != plain || id.Runtime != container.RuntimeContainerd {
		t.Errorf("cgroups %q parse to %+v, want container %s of containerd", paths, id, plain)
	}

	c, err := NewContainerd(sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	in, err := c.Inspect(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Inspect %s in %v: %+v", plain, time.Since(start), in)
	if in.Name != plain || in.ID.Full != plain || in.Image != ctrdTestImage || in.ImageRepo != "localhost/vigil-it" ||
		in.ImageTag != "test" || in.Labels["app"] != "vigil-it" || in.Privileged {
		t.Errorf("Inspect %s = %+v", plain, in)
	}
	if age := time.Since(time.Unix(0, in.StartTs)); age < 0 || age > 5*time.Minute {
		t.Errorf("start time %v is %v ago", time.Unix(0, in.StartTs), age)
	}
	if in, err := c.Inspect(ctx, priv); err != nil || !in.Privileged {
		t.Errorf("Inspect %s (--privileged) = %+v, %v; want privileged", priv, in, err)
	}
	if _, err := c.Inspect(ctx, plain+"-absent"); err != ErrNotFound {
		t.Errorf("unknown container: %v, want ErrNotFound", err)
	}

	running, err := c.Running(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !running[plain] || !running[priv] {
		t.Errorf("Running = %v, want %s and %s", running, plain, priv)
	}
	if _, err := ctr("tasks", "kill", "-s", "SIGKILL", plain); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "task stopped", func() bool {
		running, err := c.Running(ctx)
		return err == nil && !running[plain] && running[priv]
	})
}

// startContainerd runs containerd on its own root, state and socket under
// dir, without the CRI plugin, until the test ends.
func startContainerd(t *testing.T, bin, dir, sock string) {
	t.Helper()
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte("version = 2\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", cfg, "--root", filepath.Join(dir, "root"),
		"--state", filepath.Join(dir, "state"), "--address", sock)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()
	// Registered first, so it runs last: after the containers and the
	// image are gone.
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "containerd.log")); err == nil {
				t.Logf("containerd log:\n%s", b)
			}
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if fi, err := os.Stat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return
		}
		select {
		case <-exited:
			t.Fatal("containerd exited at start")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("containerd did not create its socket within 15s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ctrTaskPID returns the pid of a container's task from `ctr tasks ls`.
func ctrTaskPID(t *testing.T, ctr func(...string) (string, error), name string) int {
	t.Helper()
	out, err := ctr("tasks", "ls")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == name {
			pid, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("tasks ls: %q", line)
			}
			return pid
		}
	}
	t.Fatalf("task %s not in:\n%s", name, out)
	return 0
}

// removeCtrContainer kills and deletes a container's task, the container,
// and the cgroups runc leaves behind ("/default/<name>", and "/default"
// when ownParent and empty; rmdir refuses cgroups in use).
func removeCtrContainer(t *testing.T, ctr func(...string) (string, error), name string, ownParent bool) {
	ctr("tasks", "kill", "-s", "SIGKILL", name)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := ctr("tasks", "delete", name)
		if err == nil || strings.Contains(err.Error(), "not found") || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := ctr("containers", "rm", name); err != nil && !strings.Contains(err.Error(), "not found") {
		t.Errorf("cleanup: %v", err)
	}
	hier, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, h := range append(hier, "/sys/fs/cgroup") {
		os.Remove(filepath.Join(h, "default", name))
		if ownParent {
			os.Remove(filepath.Join(h, "default"))
		}
	}
	if p := "/sys/fs/cgroup/cpu/default/" + name; fileExists(p) {
		t.Errorf("cleanup: cgroup %s left behind", p)
	}
}

// writeBusyboxImage writes a docker-archive (what `ctr images import`
// reads) of a one-layer image holding a static busybox as /bin/busybox,
// /bin/sh and /bin/sleep, tagged ref.
func writeBusyboxImage(path, busybox, ref string) error {
	bb, err := os.ReadFile(busybox)
	if err != nil {
		return err
	}
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	for _, d := range []string{"bin/", "etc/", "tmp/", "proc/", "sys/", "dev/", "root/"} {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755})
	}
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb))})
	tw.Write(bb)
	for _, l := range []string{"sh", "sleep"} {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + l, Linkname: "busybox", Mode: 0o777})
	}
	for name, body := range map[string]string{"etc/passwd": "root:x:0:0:root:/root:/bin/sh\n", "etc/group": "root:x:0:\n"} {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body))})
		tw.Write([]byte(body))
	}
	if err := tw.Close(); err != nil {
		return err
	}
	diffID := sha256.Sum256(layer.Bytes())
	config, _ := json.Marshal(map[string]any{
		"architecture": goruntime.GOARCH, // Go and OCI name amd64, arm64... alike
		"os":           "linux",
		"config":       map[string]any{"Cmd": []string{"/bin/sh"}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diffID[:])}},
	})
	configSum := sha256.Sum256(config)
	configName := hex.EncodeToString(configSum[:]) + ".json"
	manifest, _ := json.Marshal([]map[string]any{{"Config": configName, "RepoTags": []string{ref}, "Layers": []string{"layer.tar"}}})

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	aw := tar.NewWriter(f)
	for _, e := range []struct {
		name string
		body []byte
	}{{"layer.tar", layer.Bytes()}, {configName, config}, {"manifest.json", manifest}} {
		if err := aw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o644, Size: int64(len(e.body))}); err != nil {
			f.Close()
			return err
		}
		aw.Write(e.body)
	}
	if err := aw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
