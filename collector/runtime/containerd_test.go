package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vigilsec/vigil/collector/container"
)

// criSpec is the spec of an unprivileged CRI container with two volumes.
const criSpec = `{"ociVersion":"1.1.0","process":{"capabilities":{"bounding":["CAP_CHOWN","CAP_KILL"]}},
	"mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid"]},
		{"destination":"/data","type":"bind","source":"/srv/data","options":["rbind","rshared","ro"]},
		{"destination":"/etc/hosts","source":"/var/lib/kubelet/pods/x/etc-hosts","options":["rbind","rprivate","rw"]}],
	"linux":{"maskedPaths":["/proc/kcore"],"readonlyPaths":["/proc/sys"]}}`

// privilegedSpec is what ctr run --privileged produces: every capability,
// nothing masked.
const privilegedSpec = `{"process":{"capabilities":{"bounding":["CAP_CHOWN","CAP_SYS_ADMIN","CAP_NET_ADMIN"]}},
	"mounts":[{"destination":"/dev","type":"tmpfs","source":"tmpfs"}],"linux":{}}`

func newTestContainerd(t *testing.T, path string, namespaces []string) *Containerd {
	t.Helper()
	c, err := NewContainerd(path, namespaces)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// byNamespace answers Containers/Get from containers per namespace, and
// Tasks/List from tasks per namespace; anything else is unimplemented.
func byNamespace(t *testing.T, containers map[string][]testContainer, tasks map[string][]testTask) fakeAnswer {
	return func(method, ns string, req []byte) (rawMessage, error) {
		switch method {
		case methodContainersGet:
			id := requestID(t, req)
			for _, tc := range containers[ns] {
				if tc.id == id {
					return tc.getResponse(), nil
				}
			}
			return nil, status.Errorf(codes.NotFound, "container %q in namespace %q: not found", id, ns)
		case methodTasksList:
			return listTasksResponse(tasks[ns]...), nil
		}
		return nil, status.Errorf(codes.Unimplemented, "unknown method %s", method)
	}
}

func TestContainerdInspect(t *testing.T) {
	cri, sandbox := fullID('a'), fullID('5')
	const podUID = "0b9e8f5c-1111-2222-3333-444455556666"
	criLabels := map[string]string{
		"io.kubernetes.pod.name": "web-1", "io.kubernetes.pod.namespace": "shop",
		"io.kubernetes.pod.uid": podUID, "io.kubernetes.container.name": "app",
		"io.cri-containerd.kind": "container",
	}
	containers := map[string][]testContainer{
		"k8s.io": {
			{
				id: cri, image: "registry.local:5000/shop/web:1.2@sha256:" + strings.Repeat("d", 64),
				runtime: "io.containerd.runc.v2", snapshotter: "overlayfs", labels: criLabels,
				specType: ociSpecType, spec: criSpec, createdSec: 1767323045, createdNanos: 123,
				extensions: map[string]string{criMetadataV1: `{"Version":"v1","Metadata":{"ID":"` + cri + `","SandboxID":"` + sandbox + `"}}`},
			},
			{id: sandbox, labels: map[string]string{"app": "web", "tier": "front", "io.kubernetes.pod.name": "web-1", "io.cri-containerd.kind": "sandbox"}},
			// containerd 2.x: the sandbox field, a 2.x extension name and an image id.
			{id: fullID('b'), image: "sha256:" + strings.Repeat("e", 64), labels: criLabels, sandbox: sandbox},
			{id: fullID('c'), labels: criLabels, extensions: map[string]string{criMetadataV2: `{"Metadata":{"SandboxID":"` + sandbox + `"}}`}},
			// A sandbox that cannot be read leaves the pod labels empty.
			{id: fullID('d'), labels: criLabels, sandbox: fullID('9')},
		},
		"default": {
			{id: "vt-ctr1", image: "localhost/vt-busybox:test", labels: map[string]string{"app": "vt-ctr"},
				specType: ociSpecType, spec: privilegedSpec, createdSec: 1767323046},
			// Not an OCI spec type, so its JSON is not looked at.
			{id: "odd-spec", specType: "example.com/other", spec: privilegedSpec},
			// An OCI spec that does not decode is ignored, not an error.
			{id: "bad-spec", specType: ociSpecType, spec: "{not json"},
		},
		"moby": {{id: cri, image: "must-not-be-reached"}},
	}
	f := startFakeContainerd(t, byNamespace(t, containers, nil))
	c := newTestContainerd(t, f.path, nil)
	pod := container.Pod{Name: "web-1", Namespace: "shop", UID: podUID, Labels: map[string]string{"app": "web", "tier": "front"}}

	tests := []struct {
		id    string
		want  *container.Info
		calls []string
	}{
		{
			id: cri,
			want: &container.Info{
				ID: container.ID{Full: cri}, Name: "app",
				Image:       "registry.local:5000/shop/web:1.2@sha256:" + strings.Repeat("d", 64),
				ImageRepo:   "registry.local:5000/shop/web",
				ImageTag:    "1.2",
				ImageDigest: "sha256:" + strings.Repeat("d", 64),
				Labels:      criLabels,
				Mounts: []container.Mount{
					{Source: "/srv/data", Dest: "/data", Propagation: "rshared"},
					{Source: "/var/lib/kubelet/pods/x/etc-hosts", Dest: "/etc/hosts", RW: true, Propagation: "rprivate"},
				},
				StartTs: 1767323045000000123,
				Pod:     pod,
			},
			calls: []string{"k8s.io " + methodContainersGet, "k8s.io " + methodContainersGet},
		},
		{
			id: fullID('b'),
			want: &container.Info{ID: container.ID{Full: fullID('b')}, Name: "app",
				ImageID: "sha256:" + strings.Repeat("e", 64), Labels: criLabels, Pod: pod},
		},
		{
			id:   fullID('c'),
			want: &container.Info{ID: container.ID{Full: fullID('c')}, Name: "app", Labels: criLabels, Pod: pod},
		},
		{
			id: fullID('d'),
			want: &container.Info{ID: container.ID{Full: fullID('d')}, Name: "app", Labels: criLabels,
				Pod: container.Pod{Name: "web-1", Namespace: "shop", UID: podUID}},
		},
		{
			// Namespace fallback: k8s.io does not know it, default does.
			id: "vt-ctr1",
			want: &container.Info{ID: container.ID{Full: "vt-ctr1"}, Name: "vt-ctr1",
				Image: "localhost/vt-busybox:test", ImageRepo: "localhost/vt-busybox", ImageTag: "test",
				Labels: map[string]string{"app": "vt-ctr"}, Privileged: true, StartTs: 1767323046000000000},
			calls: []string{"k8s.io " + methodContainersGet, "default " + methodContainersGet},
		},
		{id: "odd-spec", want: &container.Info{ID: container.ID{Full: "odd-spec"}, Name: "odd-spec"}},
		{id: "bad-spec", want: &container.Info{ID: container.ID{Full: "bad-spec"}, Name: "bad-spec"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			before := len(f.calls())
			in, err := c.Inspect(context.Background(), tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in, tt.want) {
				t.Errorf("Inspect =\n%+v\nwant\n%+v", in, tt.want)
			}
			if tt.calls != nil {
				if got := f.calls()[before:]; !slices.Equal(got, tt.calls) {
					t.Errorf("calls %q, want %q", got, tt.calls)
				}
			}
		})
	}
	// The labels are the client's own copy.
	in, _ := c.Inspect(context.Background(), "vt-ctr1")
	in.Labels["app"] = "changed"
	if again, _ := c.Inspect(context.Background(), "vt-ctr1"); again.Labels["app"] != "vt-ctr" {
		t.Error("label map shared between answers")
	}
}

func TestContainerdNamespaces(t *testing.T) {
	containers := map[string][]testContainer{
		"team-a": {{id: "x1", image: "a:1"}},
		"team-b": {{id: "x1", image: "b:1"}, {id: "x2", image: "b:2"}},
	}
	f := startFakeContainerd(t, byNamespace(t, containers, nil))
	tests := []struct {
		namespaces []string
		id         string
		image      string // "" for not found
		calls      []string
	}{
		{[]string{"team-b", "team-a"}, "x1", "b:1", []string{"team-b"}},
		{[]string{"team-a", "team-b"}, "x1", "a:1", []string{"team-a"}},
		{[]string{"team-a", "team-b"}, "x2", "b:2", []string{"team-a", "team-b"}},
		{[]string{"team-a"}, "x2", "", []string{"team-a"}},
		{nil, "x1", "", DefaultContainerdNamespaces},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.namespaces, ",")+"/"+tt.id, func(t *testing.T) {
			c := newTestContainerd(t, f.path, tt.namespaces)
			before := len(f.calls())
			in, err := c.Inspect(context.Background(), tt.id)
			switch {
			case tt.image == "" && !errors.Is(err, ErrNotFound):
				t.Errorf("Inspect = %+v, %v; want ErrNotFound", in, err)
			case tt.image != "" && (err != nil || in.Image != tt.image):
				t.Errorf("Inspect = %+v, %v; want image %s", in, err, tt.image)
			}
			var nss []string
			for _, call := range f.calls()[before:] {
				nss = append(nss, strings.Fields(call)[0])
			}
			if !slices.Equal(nss, tt.calls) {
				t.Errorf("namespaces asked %q, want %q", nss, tt.calls)
			}
		})
	}
	if _, err := NewContainerd(f.path, []string{"ok", "bad/ns"}); err == nil {
		t.Error("a namespace with a slash was accepted")
	}
}

func TestContainerdFailures(t *testing.T) {
	id := fullID('a')
	good := testContainer{id: id, image: "x:1"}.getResponse()
	tests := []struct {
		name    string
		answer  fakeAnswer
		timeout time.Duration
		check   func(err error) bool
	}{
		{"unimplemented", func(string, string, []byte) (rawMessage, error) {
			return nil, status.Error(codes.Unimplemented, "no such service")
		}, time.Second, func(err error) bool {
			return status.Code(errors.Unwrap(err)) == codes.Unimplemented && !errors.Is(err, ErrNotFound)
		}},
		{"internal error", func(string, string, []byte) (rawMessage, error) {
			return nil, status.Error(codes.Internal, "boom")
		}, time.Second, func(err error) bool {
			return err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrUnavailable)
		}},
		{"garbage bytes", func(string, string, []byte) (rawMessage, error) {
			return rawMessage{0xff, 0xff, 0xff, 0xff}, nil
		}, time.Second, func(err error) bool { return errors.Is(err, errWire) }},
		{"truncated container", func(string, string, []byte) (rawMessage, error) {
			return good[:len(good)-2], nil
		}, time.Second, func(err error) bool { return errors.Is(err, errWire) }},
		{"empty answer", func(string, string, []byte) (rawMessage, error) {
			return rawMessage{}, nil
		}, time.Second, func(err error) bool { return errors.Is(err, errWire) }},
		{"wrong wire type for the id", func(string, string, []byte) (rawMessage, error) {
			return appendMessage(nil, 1, []byte{0x08, 0x01}), nil // id as a varint
		}, time.Second, func(err error) bool { return errors.Is(err, errWire) }},
		{"answer for another container", func(string, string, []byte) (rawMessage, error) {
			return testContainer{id: fullID('b')}.getResponse(), nil
		}, time.Second, func(err error) bool { return err != nil && strings.Contains(err.Error(), "answer is for") }},
		{"hanging", func(string, string, []byte) (rawMessage, error) {
			time.Sleep(2 * time.Second)
			return good, nil
		}, 100 * time.Millisecond, func(err error) bool { return status.Code(errors.Unwrap(err)) == codes.DeadlineExceeded }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startFakeContainerd(t, tt.answer)
			c := newTestContainerd(t, f.path, []string{"k8s.io"})
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			start := time.Now()
			in, err := c.Inspect(ctx, id)
			if !tt.check(err) {
				t.Errorf("Inspect = %+v, %v", in, err)
			}
			if in != nil {
				t.Errorf("Inspect returned %+v with an error", in)
			}
			if d := time.Since(start); d > tt.timeout+time.Second {
				t.Errorf("Inspect took %v with a %v deadline", d, tt.timeout)
			}
		})
	}
}

func TestContainerdUnavailable(t *testing.T) {
	dir := t.TempDir()
	c := newTestContainerd(t, filepath.Join(dir, "missing.sock"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.Inspect(ctx, fullID('a')); !errors.Is(err, ErrUnavailable) {
		t.Errorf("missing socket: %v", err)
	}
	if _, err := c.Running(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("missing socket Running: %v", err)
	}

	// A runtime that stopped: the server goes away after one answer.
	f := startFakeContainerd(t, byNamespace(t, map[string][]testContainer{"k8s.io": {{id: fullID('a')}}}, nil))
	c = newTestContainerd(t, f.path, nil)
	if _, err := c.Inspect(ctx, fullID('a')); err != nil {
		t.Fatal(err)
	}
	f.stop()
	waitFor(t, "socket removed", func() bool { _, err := os.Stat(f.path); return err != nil })
	if _, err := c.Inspect(ctx, fullID('a')); !errors.Is(err, ErrUnavailable) {
		t.Errorf("stopped runtime: %v", err)
	}
}

func TestContainerdRunning(t *testing.T) {
	tasks := map[string][]testTask{
		"k8s.io": {
			{id: fullID('a'), pid: 10, status: taskRunning},
			{id: fullID('b'), pid: 11, status: taskStopped},
			{id: fullID('c'), pid: 12, status: taskPaused},
			{id: fullID('e'), pid: 14, status: taskStopped, noCID: true},
		},
		"default": {{id: "vt-ctr1", pid: 13, status: taskCreated, noCID: true}},
	}
	f := startFakeContainerd(t, byNamespace(t, nil, tasks))
	c := newTestContainerd(t, f.path, []string{"k8s.io", "default"})
	got, err := c.Running(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{fullID('a'): true, fullID('c'): true, "vt-ctr1": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Running = %v, want %v", got, want)
	}

	// One namespace failing fails the answer: nothing is taken for exited.
	bad := startFakeContainerd(t, func(method, ns string, _ []byte) (rawMessage, error) {
		if ns == "default" {
			return rawMessage{0x0a, 0x05}, nil // truncated task
		}
		return listTasksResponse(tasks[ns]...), nil
	})
	c = newTestContainerd(t, bad.path, []string{"k8s.io", "default"})
	if got, err := c.Running(context.Background()); err == nil {
		t.Errorf("Running with a garbage namespace = %v", got)
	}
}

// TestContainerdResolver runs the client under a Resolver: a ctr container
// found from its cgroup path gets its name and image, and is forgotten
// after its task stops.
func TestContainerdResolver(t *testing.T) {
	var stopped atomic.Bool
	containers := map[string][]testContainer{"default": {{id: "vt-ctr1", image: "localhost/vt-busybox:test"}}}
	f := startFakeContainerd(t, func(method, ns string, req []byte) (rawMessage, error) {
		if method == methodTasksList && ns == "default" && !stopped.Load() {
			return listTasksResponse(testTask{id: "vt-ctr1", status: taskRunning}), nil
		}
		return byNamespace(t, containers, nil)(method, ns, req)
	})
	id := container.Parse("/default/vt-ctr1")
	st := container.NewStore(16)
	// A Docker client first, which does not know the container: the
	// layout's runtime is asked first anyway.
	docker := startFake(t, dockerHandler(nil, nil, nil))
	r := New(st, []Client{NewDocker(docker.path), newTestContainerd(t, f.path, nil)},
		Config{Budget: 2 * time.Second, SweepInterval: 10 * time.Millisecond, Grace: 10 * time.Millisecond}, discard())
	startResolver(t, r)
	if !r.Await(id) {
		t.Fatalf("Await(%+v) did not resolve; counters %+v", id, r.Counters())
	}
	in, _ := st.Get("vt-ctr1")
	if in.Name != "vt-ctr1" || in.ImageRepo != "localhost/vt-busybox" || in.ID.Runtime != container.RuntimeContainerd {
		t.Errorf("stored %+v", in)
	}
	if n := docker.count("/containers/vt-ctr1/json"); n != 0 {
		t.Errorf("docker asked %d times before containerd answered", n)
	}
	stopped.Store(true)
	waitFor(t, "exited container forgotten", func() bool { return !st.Has("vt-ctr1") })
	if c := r.Counters(); c.Resolved != 1 || c.Forgotten != 1 {
		t.Errorf("counters %+v", c)
	}
}
