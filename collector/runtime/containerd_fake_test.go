package runtime

import (
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protowire"
)

// fakeContainerd is a gRPC server on a unix socket standing in for
// containerd: answer is called with the method, the namespace header and
// the request bytes of every call.
type fakeContainerd struct {
	path string
	srv  *grpc.Server
	mu   sync.Mutex
	hits []string // "namespace method" per call, in order
	once sync.Once
}

type fakeAnswer func(method, ns string, req []byte) (rawMessage, error)

func startFakeContainerd(t *testing.T, answer fakeAnswer) *fakeContainerd {
	t.Helper()
	dir, err := os.MkdirTemp("", "vctrd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	f := &fakeContainerd{path: filepath.Join(dir, "containerd.sock")}
	ln, err := net.Listen("unix", f.path)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = grpc.NewServer(grpc.ForceServerCodec(rawCodec{}),
		grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
			method, _ := grpc.MethodFromServerStream(stream)
			var ns string
			if md, ok := metadata.FromIncomingContext(stream.Context()); ok {
				if v := md.Get(namespaceHeader); len(v) > 0 {
					ns = v[0]
				}
			}
			var req rawMessage
			if err := stream.RecvMsg(&req); err != nil {
				return err
			}
			f.mu.Lock()
			f.hits = append(f.hits, ns+" "+method)
			f.mu.Unlock()
			resp, err := answer(method, ns, req)
			if err != nil {
				return err
			}
			return stream.SendMsg(resp)
		}))
	go f.srv.Serve(ln)
	t.Cleanup(f.stop)
	return f
}

// stop ends the server; pending calls are cut.
func (f *fakeContainerd) stop() { f.once.Do(f.srv.Stop) }

func (f *fakeContainerd) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.hits...)
}

// testContainer is a containerd Container to encode, field by field as in
// containers.proto, independently of the client's decoder.
type testContainer struct {
	id, image, runtime, snapshotter, sandbox string
	labels                                   map[string]string
	specType                                 string
	spec                                     string
	createdSec                               int64
	createdNanos                             int32
	extensions                               map[string]string // name → JSON value
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendMessage(b []byte, num protowire.Number, m []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, m)
}

func testAny(typeURL, value string) []byte {
	return appendString(appendString(nil, 1, typeURL), 2, value)
}

func (tc testContainer) encode() []byte {
	var b []byte
	b = appendString(b, 1, tc.id)
	for k, v := range tc.labels {
		b = appendMessage(b, 2, appendString(appendString(nil, 1, k), 2, v))
	}
	if tc.image != "" {
		b = appendString(b, 3, tc.image)
	}
	if tc.runtime != "" {
		b = appendMessage(b, 4, appendString(nil, 1, tc.runtime))
	}
	if tc.spec != "" {
		b = appendMessage(b, 5, testAny(tc.specType, tc.spec))
	}
	if tc.snapshotter != "" {
		b = appendString(b, 6, tc.snapshotter)
	}
	b = appendString(b, 7, "snapshot-key") // snapshot_key, not read
	if tc.createdSec != 0 {
		ts := func(sec int64, nanos int32) []byte {
			var m []byte
			m = protowire.AppendTag(m, 1, protowire.VarintType)
			m = protowire.AppendVarint(m, uint64(sec))
			m = protowire.AppendTag(m, 2, protowire.VarintType)
			return protowire.AppendVarint(m, uint64(nanos))
		}
		b = appendMessage(b, 8, ts(tc.createdSec, tc.createdNanos))
		b = appendMessage(b, 9, ts(tc.createdSec+3600, 0)) // updated_at, not read
	}
	for k, v := range tc.extensions {
		b = appendMessage(b, 10, appendMessage(appendString(nil, 1, k), 2, testAny("github.com/containerd/cri/pkg/store/container/Metadata", v)))
	}
	if tc.sandbox != "" {
		b = appendString(b, 11, tc.sandbox)
	}
	return b
}

// getResponse encodes GetContainerResponse{container}.
func (tc testContainer) getResponse() rawMessage { return appendMessage(nil, 1, tc.encode()) }

// testTask is a containerd.v1.types.Process of a ListTasksResponse.
type testTask struct {
	id     string
	pid    uint32
	status uint64
	noCID  bool // leave container_id empty, as containerd 1.6 does
}

func listTasksResponse(tasks ...testTask) rawMessage {
	var b []byte
	for _, tk := range tasks {
		var p []byte
		if !tk.noCID {
			p = appendString(p, 1, tk.id)
		}
		p = appendString(p, 2, tk.id) // the task's id
		p = protowire.AppendTag(p, 3, protowire.VarintType)
		p = protowire.AppendVarint(p, uint64(tk.pid))
		p = protowire.AppendTag(p, 4, protowire.VarintType)
		p = protowire.AppendVarint(p, tk.status)
		b = appendMessage(b, 1, p)
	}
	return b
}

// requestID decodes GetContainerRequest.id for the fake server.
func requestID(t *testing.T, req []byte) string {
	num, typ, n := protowire.ConsumeTag(req)
	if n < 0 || num != 1 || typ != protowire.BytesType {
		t.Errorf("bad GetContainerRequest %x", req)
		return ""
	}
	s, m := protowire.ConsumeString(req[n:])
	if m < 0 {
		t.Errorf("bad GetContainerRequest %x", req)
	}
	return s
}
