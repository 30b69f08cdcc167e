package runtime

import (
	"context"
	"errors"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/collector/container"
)

func fullID(c byte) string { return strings.Repeat(string(c), 64) }

func loadDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDockerInspect(t *testing.T) {
	id := fullID('a')
	img := strings.Repeat("c", 64)
	doc := strings.ReplaceAll(loadDoc(t, "docker_inspect.json"), "IMG_PLACEHOLDER", img)
	f := startFake(t, dockerHandler(map[string]string{id: doc}, []string{id},
		map[string][]string{"sha256:" + img: {"other@sha256:0", "registry.local:5000/team/web@sha256:feed"}}))
	d := NewDocker(f.path)
	defer d.Close()
	in, err := d.Inspect(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := &container.Info{
		ID:          container.ID{Full: id},
		Name:        "web-1",
		Image:       "registry.local:5000/team/web:1.2",
		ImageID:     "sha256:" + img,
		ImageRepo:   "registry.local:5000/team/web",
		ImageTag:    "1.2",
		ImageDigest: "sha256:feed",
		Privileged:  true,
		Labels:      map[string]string{"app": "web", "team": "sec"},
		Mounts: []container.Mount{
			{Source: "/var/run/docker.sock", Dest: "/var/run/docker.sock", RW: true, Propagation: "rprivate"},
			{Source: "/etc", Dest: "/host/etc", Mode: "ro", Propagation: "rprivate"},
		},
		StartTs: time.Date(2026, 1, 2, 3, 4, 6, 5e8, time.UTC).UnixNano(),
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("Inspect =\n%+v\nwant\n%+v", in, want)
	}
	if _, err := d.Inspect(context.Background(), fullID('b')); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown container: err = %v, want ErrNotFound", err)
	}
	running, err := d.Running(context.Background())
	if err != nil || !running[id] || len(running) != 1 {
		t.Errorf("Running = %v, %v", running, err)
	}
}

// A container created by the kubelet through cri-dockerd: the Kubernetes
// names come from its labels, the pod labels from its sandbox.
func TestDockerInspectKubernetes(t *testing.T) {
	id, sb := fullID('a'), fullID('5')
	ctr := `{"Id":"ID_PLACEHOLDER","Name":"/k8s_app_web-1_shop_uid_0","Config":{"Image":"nginx:1.27","Labels":{
		"io.kubernetes.pod.name":"web-1","io.kubernetes.pod.namespace":"shop",
		"io.kubernetes.pod.uid":"0b9e8f5c-1111-2222-3333-444455556666",
		"io.kubernetes.container.name":"app","io.kubernetes.sandbox.id":"` + sb + `",
		"io.kubernetes.docker.type":"container"}}}`
	sandbox := `{"Id":"ID_PLACEHOLDER","Name":"/k8s_POD_web-1","Config":{"Labels":{
		"io.kubernetes.pod.name":"web-1","io.kubernetes.docker.type":"podsandbox",
		"app":"web","tier":"front","annotation.kubernetes.io/config.seen":"x"}}}`
	f := startFake(t, dockerHandler(map[string]string{id: ctr, sb: sandbox}, nil, nil))
	in, err := NewDocker(f.path).Inspect(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	wantPod := container.Pod{Name: "web-1", Namespace: "shop", UID: "0b9e8f5c-1111-2222-3333-444455556666",
		Labels: map[string]string{"app": "web", "tier": "front"}}
	if !reflect.DeepEqual(in.Pod, wantPod) {
		t.Errorf("Pod = %+v, want %+v", in.Pod, wantPod)
	}
	if in.Name != "app" || in.ImageRepo != "nginx" || in.ImageTag != "1.27" {
		t.Errorf("Name %q repo %q tag %q", in.Name, in.ImageRepo, in.ImageTag)
	}
}

// Bad answers are errors, never panics or wrong metadata.
func TestDockerBadAnswers(t *testing.T) {
	id := fullID('a')
	tests := []struct {
		name string
		doc  string
	}{
		{"garbage", "\x00\x01not json{{"},
		{"truncated", `{"Id":"` + id + `","Name":"/x","Config":{"Labels":{"a":`},
		{"other container", `{"Id":"` + fullID('b') + `","Name":"/x"}`},
		{"wrong types", `{"Id":"` + id + `","Config":{"Labels":["a","b"]}}`},
		{"array", `[1,2,3]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFake(t, dockerHandler(map[string]string{id: tt.doc}, nil, nil))
			in, err := NewDocker(f.path).Inspect(context.Background(), id)
			if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnavailable) {
				t.Fatalf("Inspect = %+v, %v; want a decode error", in, err)
			}
		})
	}
}

func TestDockerSocketGone(t *testing.T) {
	f := startFake(t, dockerHandler(nil, nil, nil))
	f.stop()
	d := NewDocker(f.path)
	if _, err := d.Inspect(context.Background(), fullID('a')); !errors.Is(err, ErrUnavailable) {
		t.Errorf("closed socket: err = %v, want ErrUnavailable", err)
	}
	if _, err := os.Stat(f.path); err == nil {
		t.Fatal("socket file still there")
	}
	// A stale socket file nobody listens on: the runtime stopped.
	ln, err := net.Listen("unix", f.path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Stat(f.path); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Inspect(context.Background(), fullID('a')); !errors.Is(err, ErrUnavailable) {
		t.Errorf("stale socket: err = %v, want ErrUnavailable", err)
	}
}
