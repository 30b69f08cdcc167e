package runtime

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/collector/container"
)

func TestCRIOInspect(t *testing.T) {
	id, sb := fullID('a'), fullID('5')
	docs := map[string]string{
		"/containers/" + id: `{"name":"k8s_app_web-1_shop_x_0","pid":99,"image":"docker.io/library/nginx:1.27",
			"image_ref":"sha256:` + strings.Repeat("c", 64) + `","created_time":1767323045000000000,
			"labels":{"io.kubernetes.pod.name":"web-1","io.kubernetes.pod.namespace":"shop",
				"io.kubernetes.pod.uid":"0b9e8f5c-1111-2222-3333-444455556666","io.kubernetes.container.name":"app"},
			"annotations":{"io.kubernetes.cri-o.ImageName":"docker.io/library/nginx:1.27",
				"io.kubernetes.cri-o.Volumes":"[{\"container_path\":\"/data\",\"host_path\":\"/srv/data\",\"readonly\":true,\"propagation\":2}]"},
			"sandbox":"` + sb + `"}`,
		"/containers/" + sb: `{"name":"k8s_POD_web-1","labels":{"app":"web","io.kubernetes.pod.name":"web-1"},"sandbox":"` + sb + `"}`,
	}
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		if d, ok := docs[r.URL.Path]; ok {
			w.Write([]byte(d))
			return
		}
		http.NotFound(w, r)
	})
	c := NewCRIO(f.path)
	in, err := c.Inspect(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := &container.Info{
		ID:        container.ID{Full: id},
		Name:      "app",
		Image:     "docker.io/library/nginx:1.27",
		ImageID:   "sha256:" + strings.Repeat("c", 64),
		ImageRepo: "docker.io/library/nginx",
		ImageTag:  "1.27",
		Labels: map[string]string{"io.kubernetes.pod.name": "web-1", "io.kubernetes.pod.namespace": "shop",
			"io.kubernetes.pod.uid": "0b9e8f5c-1111-2222-3333-444455556666", "io.kubernetes.container.name": "app"},
		Mounts:  []container.Mount{{Source: "/srv/data", Dest: "/data", Propagation: "rshared"}},
		StartTs: 1767323045000000000,
		Pod: container.Pod{Name: "web-1", Namespace: "shop", UID: "0b9e8f5c-1111-2222-3333-444455556666",
			Labels: map[string]string{"app": "web"}},
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("Inspect =\n%+v\nwant\n%+v", in, want)
	}
	if _, err := c.Inspect(context.Background(), fullID('b')); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := c.Running(context.Background()); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Running: %v", err)
	}
}

func TestCRIOGarbage(t *testing.T) {
	for _, doc := range []string{"{}", "null", "<html>", `{"labels":"x"}`} {
		f := startFake(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(doc)) })
		if in, err := NewCRIO(f.path).Inspect(context.Background(), fullID('a')); err == nil {
			t.Errorf("%q: Inspect = %+v, want an error", doc, in)
		}
	}
}
