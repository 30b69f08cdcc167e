package container

import (
	"strings"
	"testing"
)

const (
	id1  = "3f4e9c1b2a7d8e6f5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a3928170615"
	id2  = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
	pod  = "1d6f0c2e-8b4a-4c1e-9f2a-7d3b5e6c8a90"
	podU = "1d6f0c2e_8b4a_4c1e_9f2a_7d3b5e6c8a90"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		path string
		want ID
	}{
		{"root", "/", ID{}},
		{"empty", "", ID{}},
		{"host session", "/user.slice/user-1000.slice/session-2.scope", ID{}},
		{"host service", "/system.slice/containerd.service", ID{}},
		{"vm supervisor memory cgroup", "/process_api/0123456789abcdef0123456789abcdef", ID{}},

		// Docker.
		{"docker cgroupfs", "/docker/" + id1, ID{Full: id1, Runtime: RuntimeDocker}},
		{"docker systemd", "/system.slice/docker-" + id1 + ".scope", ID{Full: id1, Runtime: RuntimeDocker}},
		{"docker nested under memory parent", "/process_api/abc/docker/" + id1, ID{Full: id1, Runtime: RuntimeDocker}},
		{"docker trailing slash", "/docker/" + id1 + "/", ID{Full: id1, Runtime: RuntimeDocker}},
		{"docker init.scope inside", "/system.slice/docker-" + id1 + ".scope/init.scope", ID{Full: id1, Runtime: RuntimeDocker}},

		// containerd / CRI.
		{"cri-containerd systemd v2",
			"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + podU + ".slice/cri-containerd-" + id1 + ".scope",
			ID{Full: id1, Runtime: RuntimeContainerd, PodUID: pod}},
		{"cri-containerd colon form",
			"/kubepods-burstable-pod" + podU + ".slice:cri-containerd:" + id1,
			ID{Full: id1, Runtime: RuntimeContainerd, PodUID: pod}},
		{"cri-containerd colon form under system.slice",
			"/system.slice/containerd.service/kubepods-pod" + podU + ".slice:cri-containerd:" + id1,
			ID{Full: id1, Runtime: RuntimeContainerd, PodUID: pod}},
		{"kubepods cgroupfs bare", "/kubepods/besteffort/pod" + pod + "/" + id1, ID{Full: id1, Runtime: RuntimeCRI, PodUID: pod}},
		{"kubepods cgroupfs guaranteed", "/kubepods/pod" + pod + "/" + id2, ID{Full: id2, Runtime: RuntimeCRI, PodUID: pod}},
		{"kubepods static pod hash", "/kubepods/burstable/pod0123456789abcdef0123456789abcdef/" + id1,
			ID{Full: id1, Runtime: RuntimeCRI, PodUID: "0123456789abcdef0123456789abcdef"}},
		{"kubepods pod slice without container", "/kubepods.slice/kubepods-pod" + podU + ".slice", ID{}},

		// CRI-O.
		{"crio systemd", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + podU + ".slice/crio-" + id1 + ".scope",
			ID{Full: id1, Runtime: RuntimeCRIO, PodUID: pod}},
		{"crio cgroupfs", "/kubepods/burstable/pod" + pod + "/crio-" + id1, ID{Full: id1, Runtime: RuntimeCRIO, PodUID: pod}},
		{"crio conmon is not a container",
			"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + podU + ".slice/crio-conmon-" + id1 + ".scope", ID{}},
		{"crio colon form", "/kubepods-pod" + podU + ".slice:crio:" + id2, ID{Full: id2, Runtime: RuntimeCRIO, PodUID: pod}},

		// Podman.
		{"podman cgroupfs (observed here)", "/libpod_parent/libpod-" + id1, ID{Full: id1, Runtime: RuntimePodman}},
		{"podman docker-ish parent", "/docker/libpod-" + id1, ID{Full: id1, Runtime: RuntimePodman}},
		{"podman systemd", "/machine.slice/libpod-" + id1 + ".scope", ID{Full: id1, Runtime: RuntimePodman}},
		{"podman split container subgroup", "/machine.slice/libpod-" + id1 + ".scope/container", ID{Full: id1, Runtime: RuntimePodman}},
		{"podman conmon", "/machine.slice/libpod-conmon-" + id1 + ".scope", ID{}},
		{"podman conmon cgroupfs", "/libpod_parent/conmon", ID{}},
		{"podman bare under libpod_parent", "/libpod_parent/" + id1, ID{Full: id1, Runtime: RuntimePodman}},

		// nerdctl.
		{"nerdctl systemd", "/system.slice/nerdctl-" + id1 + ".scope", ID{Full: id1, Runtime: RuntimeNerdctl}},
		{"nerdctl cgroupfs", "/nerdctl/" + id1, ID{Full: id1, Runtime: RuntimeNerdctl}},

		// Bare ids elsewhere.
		{"bare leaf unknown parent", "/mystery/" + id1, ID{Full: id1, Runtime: RuntimeUnknown}},

		// containerd's default spec: /<namespace>/<id>, named freely by ctr.
		{"ctr default namespace hex id", "/default/" + id1, ID{Full: id1, Runtime: RuntimeContainerd}},
		{"ctr default namespace name", "/default/vt-ctr1", ID{Full: "vt-ctr1", Runtime: RuntimeContainerd}},
		{"ctr name with dots and underscores", "/default/web.v1_blue-2", ID{Full: "web.v1_blue-2", Runtime: RuntimeContainerd}},
		{"ctr name nested under memory parent", "/process_api/abc/default/vt-ctr1", ID{Full: "vt-ctr1", Runtime: RuntimeContainerd}},
		{"ctr name sub-cgroup", "/default/vt-ctr1/sub", ID{Full: "vt-ctr1", Runtime: RuntimeContainerd}},
		{"default namespace alone", "/default", ID{}},
		{"default namespace unit", "/default/init.scope", ID{}},
		{"default namespace bad name", "/default/-x", ID{}},
		{"default namespace double separator", "/default/a..b", ID{}},
		{"default namespace trailing separator", "/default/a-", ID{}},
		{"default namespace name too long", "/default/" + strings.Repeat("a", 77), ID{}},
		{"default namespace odd byte", "/default/a b", ID{}},
		{"bare root leaf", "/" + id1, ID{Full: id1, Runtime: RuntimeUnknown}},

		// Near misses.
		{"short id", "/docker/" + id1[:63], ID{}},
		{"long id", "/docker/" + id1 + "0", ID{}},
		{"uppercase hex", "/docker/" + strings.ToUpper(id1), ID{}},
		{"docker prefix bad id", "/system.slice/docker-xyz.scope", ID{}},
		{"colon unknown runtime", "/x.slice:foo:" + id1, ID{}},
		{"containerd named (ctr) has no id", "/vt/vt-ctr1", ID{}},
		{"pod uid malformed", "/kubepods/besteffort/podnot-a-uid/" + id1, ID{Full: id1, Runtime: RuntimeCRI}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse(tt.path)
			if got != tt.want {
				t.Fatalf("Parse(%q) = %+v, want %+v", tt.path, got, tt.want)
			}
		})
	}
}

func TestFromPaths(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
		want  ID
	}{
		{"hybrid: v2 root, v1 names container", []string{"/", "/", "/docker/" + id1}, ID{Full: id1, Runtime: RuntimeDocker}},
		{"fake container observed here", []string{"/docker/" + id2, "/process_api/abc/docker/" + id2, "/"}, ID{Full: id2, Runtime: RuntimeDocker}},
		{"all host", []string{"/", "/user.slice"}, ID{}},
		{"none", nil, ID{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromPaths(tt.paths); got != tt.want {
				t.Fatalf("FromPaths = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestIDStrings(t *testing.T) {
	tests := []struct {
		id                 ID
		short, full, rtStr string
	}{
		{ID{}, "host", "host", "host"},
		{ID{Full: id1, Runtime: RuntimeDocker}, id1[:12], id1, "docker"},
		{ID{Full: "abc", Runtime: RuntimeCRIO}, "abc", "abc", "cri-o"},
		{ID{Full: id1, Runtime: Runtime(200)}, id1[:12], id1, "unknown"},
	}
	for _, tt := range tests {
		if got := tt.id.Short(); got != tt.short {
			t.Errorf("%+v Short = %q, want %q", tt.id, got, tt.short)
		}
		if got := tt.id.String(); got != tt.short {
			t.Errorf("%+v String = %q, want %q", tt.id, got, tt.short)
		}
		if got := tt.id.FullOrHost(); got != tt.full {
			t.Errorf("%+v FullOrHost = %q, want %q", tt.id, got, tt.full)
		}
		if got := tt.id.Runtime.String(); got != tt.rtStr {
			t.Errorf("%+v Runtime = %q, want %q", tt.id, got, tt.rtStr)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"/", "/docker/" + id1, "/system.slice/docker-" + id1 + ".scope",
		"/kubepods-burstable-pod" + podU + ".slice:cri-containerd:" + id1,
		"/kubepods/besteffort/pod" + pod + "/" + id1, "/libpod_parent/libpod-conmon-" + id1,
		"::::", "/kubepods/pod/", "kubepods-pod.slice", "/default/vt-ctr1", "/default/a.b/c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		id := Parse(path)
		if id.IsHost() {
			if id.Runtime != RuntimeHost || id.PodUID != "" {
				t.Fatalf("host id with runtime/pod: %+v", id)
			}
			return
		}
		if !isHex(id.Full, idLen) && (id.Runtime != RuntimeContainerd || !isContainerdName(id.Full)) {
			t.Fatalf("container id %q is neither 64 hex nor a containerd name", id.Full)
		}
		if !strings.Contains(path, id.Full) {
			t.Fatalf("id %q not in path %q", id.Full, path)
		}
		if id.Runtime == RuntimeHost {
			t.Fatalf("container with host runtime: %+v", id)
		}
		if id.PodUID != "" && !strings.Contains(path, "kubepods") {
			t.Fatalf("pod uid %q outside kubepods path %q", id.PodUID, path)
		}
		if len(id.Short()) != min(ShortLen, len(id.Full)) {
			t.Fatalf("short id %q", id.Short())
		}
	})
}

func BenchmarkParse(b *testing.B) {
	paths := []string{
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + pod + ".slice/cri-containerd-" + id1 + ".scope",
		"/docker/" + id1,
		"/user.slice/user-1000.slice/session-2.scope",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = Parse(paths[i%len(paths)])
	}
}
