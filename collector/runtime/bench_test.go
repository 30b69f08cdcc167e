package runtime

import (
	"testing"

	"github.com/vigilsec/vigil/collector/container"
)

// BenchmarkAwaitKnown is the event path's cost for a container whose
// metadata is stored: one read-locked map lookup, no allocation.
func BenchmarkAwaitKnown(b *testing.B) {
	st := container.NewStore(16)
	id := container.ID{Full: fullID('a'), Runtime: container.RuntimeDocker}
	st.Put(&container.Info{ID: id, Name: "c"})
	r := New(st, nil, Config{}, discard())
	b.ReportAllocs()
	for b.Loop() {
		if !r.Await(id) {
			b.Fatal("not known")
		}
	}
}

// BenchmarkAwaitNegative is the cost for a container whose lookup failed
// recently: no wait, no allocation.
func BenchmarkAwaitNegative(b *testing.B) {
	st := container.NewStore(16)
	id := container.ID{Full: fullID('a'), Runtime: container.RuntimeDocker}
	r := New(st, nil, Config{Budget: 1}, discard())
	r.mu.Lock()
	r.addNegative(id.Full)
	r.mu.Unlock()
	b.ReportAllocs()
	for b.Loop() {
		r.Await(id)
	}
}

// BenchmarkStoreRequestKnown is what exec costs the collector for a
// known container.
func BenchmarkStoreRequestKnown(b *testing.B) {
	st := container.NewStore(16)
	id := container.ID{Full: fullID('a'), Runtime: container.RuntimeDocker}
	st.Put(&container.Info{ID: id})
	st.EnableRequests(4)
	b.ReportAllocs()
	for b.Loop() {
		st.Request(id)
	}
}

// BenchmarkContainerdDecode is the cost of turning one containerd
// GetContainerResponse (a CRI container with a spec) into an Info, once per
// new container (not on the event path).
func BenchmarkContainerdDecode(b *testing.B) {
	resp := testContainer{id: fullID('a'), image: "registry.local:5000/shop/web:1.2",
		labels: map[string]string{"io.kubernetes.pod.name": "web-1", "io.kubernetes.pod.namespace": "shop",
			"io.kubernetes.container.name": "app"},
		specType: ociSpecType, spec: criSpec, createdSec: 1767323045}.getResponse()
	b.ReportAllocs()
	for b.Loop() {
		cc, err := decodeGetResponse(resp)
		if err != nil {
			b.Fatal(err)
		}
		if cc.info().Name != "app" {
			b.Fatal("wrong name")
		}
	}
}
