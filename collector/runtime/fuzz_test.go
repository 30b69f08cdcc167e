package runtime

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDockerAnswer feeds arbitrary inspect answers through the decoder and
// the conversion: errors are fine, panics are not.
func FuzzDockerAnswer(f *testing.F) {
	f.Add([]byte(`{"Id":"` + strings.Repeat("a", 64) + `","Name":"/x","Config":{"Image":"a:b@sha256:1","Labels":{"io.kubernetes.pod.name":"p"}},"Mounts":[{}],"State":{"StartedAt":"bad"}}`))
	f.Add([]byte(`{"Id":"","Image":"sha256:"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var dc dockerContainer
		if json.Unmarshal(b, &dc) != nil {
			return
		}
		in, err := dc.info(strings.Repeat("a", 64))
		if err == nil && in.ID.Full != strings.Repeat("a", 64) {
			t.Fatal("info for the wrong id")
		}
	})
}

func FuzzCRIOAnswer(f *testing.F) {
	f.Add([]byte(`{"name":"n","labels":{"io.kubernetes.pod.namespace":"x"},"annotations":{"io.kubernetes.cri-o.Volumes":"[{\"propagation\":-1}]"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var cc crioContainer
		if json.Unmarshal(b, &cc) != nil {
			return
		}
		cc.info(strings.Repeat("a", 64))
	})
}

func FuzzParseImageRef(f *testing.F) {
	for _, s := range []string{"a", "a:b", "h:1/a:b@sha256:x", "@", ":", "/:", "sha256:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := parseImageRef(s)
		if len(r.Repo)+len(r.Tag)+len(r.Digest) > len(s) {
			t.Fatalf("%q → %+v longer than the input", s, r)
		}
	})
}

// FuzzContainerdAnswer feeds arbitrary GetContainerResponse and
// ListTasksResponse bytes through the protobuf decoders and the
// conversion: errors are fine, panics are not.
func FuzzContainerdAnswer(f *testing.F) {
	f.Add([]byte(testContainer{id: "vt-ctr1", image: "a:b", labels: map[string]string{"io.kubernetes.pod.name": "p"},
		specType: ociSpecType, spec: privilegedSpec, createdSec: 5,
		extensions: map[string]string{criMetadataV1: `{"Metadata":{"SandboxID":"x"}}`}}.getResponse()))
	f.Add([]byte(listTasksResponse(testTask{id: "a", status: taskRunning})))
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeListTasks(b, map[string]bool{})
		cc, err := decodeGetResponse(b)
		if err != nil {
			return
		}
		if cc.ID == "" {
			t.Fatal("container without an id decoded")
		}
		in := cc.info()
		if in.ID.Full != cc.ID {
			t.Fatalf("info for %q, want %q", in.ID.Full, cc.ID)
		}
		cc.sandboxID()
	})
}
