package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/vigilsec/vigil/collector/container"
)

// DefaultContainerdNamespaces are the containerd namespaces asked, in
// order, when none are configured: the CRI plugin's (Kubernetes), ctr's and
// nerdctl's, and dockerd's.
var DefaultContainerdNamespaces = []string{"k8s.io", "default", "moby"}

// gRPC methods of containerd's API (containers.proto, tasks.proto).
const (
	methodContainersGet = "/containerd.services.containers.v1.Containers/Get"
	methodTasksList     = "/containerd.services.tasks.v1.Tasks/List"
	// namespaceHeader is the gRPC metadata key containerd reads the
	// namespace of a request from.
	namespaceHeader = "containerd-namespace"
)

// Extensions the CRI plugin stores its container metadata in (JSON), in
// containerd 1.x and 2.x.
const (
	criMetadataV1 = "io.cri-containerd.container.metadata"
	criMetadataV2 = "io.containerd.cri.container.metadata"
)

// Containerd queries containerd's gRPC API (the containers and tasks
// services) on its unix socket, trying each namespace in order.
type Containerd struct {
	path       string
	namespaces []string
	conn       *grpc.ClientConn
}

// NewContainerd returns a client of containerd listening on the unix socket
// at path that looks containers up in namespaces, in order
// (DefaultContainerdNamespaces when empty). Nothing is dialled until the
// first lookup.
func NewContainerd(path string, namespaces []string) (*Containerd, error) {
	if len(namespaces) == 0 {
		namespaces = DefaultContainerdNamespaces
	}
	for _, ns := range namespaces {
		if !ValidContainerdNamespace(ns) {
			return nil, fmt.Errorf("containerd namespace %q: invalid name", ns)
		}
	}
	var d net.Dialer
	conn, err := grpc.NewClient("passthrough:///containerd",
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		}),
		// containerd may start after the agent: retry the socket soon
		// rather than after gRPC's default two-minute backoff ceiling.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 5 * time.Second},
			MinConnectTimeout: time.Second,
		}),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallRecvMsgSize(maxResponse)),
	)
	if err != nil {
		return nil, fmt.Errorf("containerd client %s: %w", path, err)
	}
	return &Containerd{path: path, namespaces: slices.Clone(namespaces), conn: conn}, nil
}

// Name implements Client.
func (c *Containerd) Name() string { return "containerd" }

// Prefers implements Client: containerd's own layouts, nerdctl's (which
// runs on containerd) and bare Kubernetes leaves (the CRI plugin).
func (c *Containerd) Prefers(rt container.Runtime) bool {
	return rt == container.RuntimeContainerd || rt == container.RuntimeNerdctl || rt == container.RuntimeCRI
}

// Socket returns the socket path.
func (c *Containerd) Socket() string { return c.path }

// Namespaces returns the namespaces asked, in order.
func (c *Containerd) Namespaces() []string { return slices.Clone(c.namespaces) }

// Close closes the connection.
func (c *Containerd) Close() { c.conn.Close() }

// Inspect implements Client: the first namespace that knows id answers.
func (c *Containerd) Inspect(ctx context.Context, id string) (*container.Info, error) {
	for _, ns := range c.namespaces {
		cc, err := c.get(ctx, ns, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		in := cc.info()
		if sb := cc.sandboxID(); sb != "" && sb != id && in.Pod.Name != "" {
			// Failing to read the sandbox leaves the pod labels empty,
			// not the whole lookup failed.
			if sc, err := c.get(ctx, ns, sb); err == nil {
				in.Pod.Labels = podLabels(sc.Labels)
			}
		}
		return in, nil
	}
	return nil, ErrNotFound
}

// get calls Containers/Get for id in namespace ns.
func (c *Containerd) get(ctx context.Context, ns, id string) (*ctrdContainer, error) {
	var resp rawMessage
	err := c.conn.Invoke(metadata.AppendToOutgoingContext(ctx, namespaceHeader, ns),
		methodContainersGet, rawMessage(encodeGetRequest(id)), &resp)
	if err != nil {
		return nil, c.callError("containerd get "+shortName(id), err)
	}
	cc, err := decodeGetResponse(resp)
	if err != nil {
		return nil, fmt.Errorf("containerd get %s: %w", shortName(id), err)
	}
	if cc.ID != id {
		return nil, fmt.Errorf("containerd get %s: answer is for container %q", shortName(id), shortName(cc.ID))
	}
	return cc, nil
}

// Running implements Client: the containers with a task that has not
// stopped, in every namespace. A namespace that fails makes the whole
// answer fail, so that no container is taken for exited by mistake.
func (c *Containerd) Running(ctx context.Context) (map[string]bool, error) {
	out := make(map[string]bool)
	for _, ns := range c.namespaces {
		var resp rawMessage
		err := c.conn.Invoke(metadata.AppendToOutgoingContext(ctx, namespaceHeader, ns),
			methodTasksList, rawMessage(nil), &resp)
		if err != nil {
			return nil, c.callError("containerd list tasks", err)
		}
		if err := decodeListTasks(resp, out); err != nil {
			return nil, fmt.Errorf("containerd list tasks: %w", err)
		}
	}
	return out, nil
}

// callError maps a gRPC error: NotFound is ErrNotFound; a socket that
// does not exist or refuses connections is ErrUnavailable.
func (c *Containerd) callError(what string, err error) error {
	switch status.Code(err) {
	case codes.NotFound:
		return ErrNotFound
	case codes.Unavailable:
		if c.absent() {
			return ErrUnavailable
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// absent reports whether nobody listens on the socket: gRPC reports a
// failed dial as a status, without the errno.
func (c *Containerd) absent() bool {
	conn, err := net.DialTimeout("unix", c.path, 100*time.Millisecond)
	if err == nil {
		conn.Close()
		return false
	}
	return errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED)
}

// shortName returns the first 12 characters of an id for error messages.
func shortName(id string) string {
	if len(id) > container.ShortLen {
		return id[:container.ShortLen]
	}
	return id
}

// info converts a containerd container.
func (cc *ctrdContainer) info() *container.Info {
	in := &container.Info{Name: cc.ID, Labels: copyLabels(cc.Labels), StartTs: cc.CreatedAt}
	in.ID.Full = cc.ID
	if isImageID(cc.Image) {
		in.ImageID = cc.Image
	} else {
		in.Image = cc.Image
		ref := parseImageRef(in.Image)
		in.ImageRepo, in.ImageTag, in.ImageDigest = ref.Repo, ref.Tag, ref.Digest
	}
	if sp := parseOCISpec(cc.SpecType, cc.Spec); sp != nil {
		in.Privileged = sp.privileged()
		in.Mounts = sp.bindMounts()
	}
	podFromLabels(in)
	return in
}

// sandboxID returns the id of the pod sandbox of a CRI container: the
// container's sandbox field (containerd 2.x), else the CRI plugin's
// metadata extension.
func (cc *ctrdContainer) sandboxID() string {
	if cc.Sandbox != "" {
		return cc.Sandbox
	}
	if sb := cc.Labels[labelSandboxID]; sb != "" {
		return sb
	}
	for _, name := range extensionsRead {
		raw := cc.Extensions[name]
		if len(raw) == 0 {
			continue
		}
		var md struct {
			Metadata struct {
				SandboxID string `json:"SandboxID"`
			} `json:"Metadata"`
		}
		if json.Unmarshal(raw, &md) == nil && md.Metadata.SandboxID != "" {
			return md.Metadata.SandboxID
		}
	}
	return ""
}

// ociSpecType is the Any type URL of an OCI runtime spec in containerd.
const ociSpecType = "types.containerd.io/opencontainers/runtime-spec/1/Spec"

// ociSpec is the part of an OCI runtime spec the client reads.
type ociSpec struct {
	Process *struct {
		Capabilities *struct {
			Bounding []string `json:"bounding"`
		} `json:"capabilities"`
	} `json:"process"`
	Mounts []struct {
		Destination string   `json:"destination"`
		Type        string   `json:"type"`
		Source      string   `json:"source"`
		Options     []string `json:"options"`
	} `json:"mounts"`
	Linux *struct {
		MaskedPaths   []string `json:"maskedPaths"`
		ReadonlyPaths []string `json:"readonlyPaths"`
	} `json:"linux"`
}

// parseOCISpec decodes a container's spec; nil when it is not an OCI spec
// or does not decode.
func parseOCISpec(typeURL string, b []byte) *ociSpec {
	if typeURL != ociSpecType || len(b) == 0 {
		return nil
	}
	var sp ociSpec
	if json.Unmarshal(b, &sp) != nil {
		return nil
	}
	return &sp
}

// privileged derives what a privileged container (ctr run --privileged,
// CRI privileged, docker --privileged) looks like in its spec: it keeps
// CAP_SYS_ADMIN and no path of /proc or /sys is masked or read-only. Only
// the spec is looked at: device access is not checked.
func (sp *ociSpec) privileged() bool {
	if sp.Process == nil || sp.Process.Capabilities == nil || sp.Linux == nil {
		return false
	}
	return slices.Contains(sp.Process.Capabilities.Bounding, "CAP_SYS_ADMIN") &&
		len(sp.Linux.MaskedPaths) == 0 && len(sp.Linux.ReadonlyPaths) == 0
}

// bindMounts returns the spec's bind mounts (volumes and host paths), not
// the proc, sysfs, tmpfs... mounts every container has.
func (sp *ociSpec) bindMounts() []container.Mount {
	var out []container.Mount
	for _, m := range sp.Mounts {
		bind := m.Type == "bind"
		rw := true
		prop := ""
		for _, o := range m.Options {
			switch o {
			case "bind", "rbind":
				bind = true
			case "ro":
				rw = false
			case "rw":
				rw = true
			case "private", "rprivate", "shared", "rshared", "slave", "rslave":
				prop = o
			}
		}
		if !bind {
			continue
		}
		out = append(out, container.Mount{Source: m.Source, Dest: m.Destination, RW: rw, Propagation: prop})
	}
	return out
}

// rawMessage is a protobuf message already encoded: the client encodes and
// decodes the few messages it uses itself (containerd_wire.go).
type rawMessage []byte

// rawCodec passes rawMessage bytes through gRPC unchanged. Its name is
// "proto" so requests carry the content type containerd expects.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case rawMessage:
		return m, nil
	case *rawMessage:
		return *m, nil
	}
	return nil, fmt.Errorf("raw codec: cannot marshal %T", v)
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	m, ok := v.(*rawMessage)
	if !ok {
		return fmt.Errorf("raw codec: cannot unmarshal into %T", v)
	}
	*m = append((*m)[:0], data...)
	return nil
}

// ValidContainerdNamespace reports whether s can be a containerd namespace:
// letters, digits, '.', '_' and '-', at most 76 characters.
func ValidContainerdNamespace(s string) bool {
	if s == "" || len(s) > 76 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-')
	}) < 0
}
