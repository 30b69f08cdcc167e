package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/vigilsec/vigil/collector/container"
)

// CRIO queries CRI-O's inspection HTTP API (GET /containers/{id}) on its
// unix socket.
type CRIO struct {
	path string
	c    *unixHTTP
}

// NewCRIO returns a client of CRI-O listening on the unix socket at path.
func NewCRIO(path string) *CRIO { return &CRIO{path: path, c: newUnixHTTP(path)} }

// Name implements Client.
func (c *CRIO) Name() string { return "cri-o" }

// Prefers implements Client: CRI-O layouts and bare Kubernetes leaves.
func (c *CRIO) Prefers(rt container.Runtime) bool {
	return rt == container.RuntimeCRIO
}

// Socket returns the socket path.
func (c *CRIO) Socket() string { return c.path }

// Close releases idle connections.
func (c *CRIO) Close() { c.c.close() }

// Annotations CRI-O sets on its containers.
const (
	crioImageName = "io.kubernetes.cri-o.ImageName"
	crioVolumes   = "io.kubernetes.cri-o.Volumes"
)

type crioContainer struct {
	Name        string            `json:"name"`
	Image       string            `json:"image"`
	ImageRef    string            `json:"image_ref"`
	CreatedTime int64             `json:"created_time"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Sandbox     string            `json:"sandbox"`
}

type crioVolume struct {
	ContainerPath string `json:"container_path"`
	HostPath      string `json:"host_path"`
	Readonly      bool   `json:"readonly"`
	Propagation   int    `json:"propagation"`
}

// crioPropagation names CRI's MountPropagation values.
var crioPropagation = [...]string{"private", "rslave", "rshared"}

// Inspect implements Client.
func (c *CRIO) Inspect(ctx context.Context, id string) (*container.Info, error) {
	cc, err := c.inspect(ctx, id)
	if err != nil {
		return nil, err
	}
	in := cc.info(id)
	if cc.Sandbox != "" && cc.Sandbox != id && in.Pod.Name != "" {
		if sb, err := c.inspect(ctx, cc.Sandbox); err == nil {
			in.Pod.Labels = podLabels(sb.Labels)
		}
	}
	return in, nil
}

func (c *CRIO) inspect(ctx context.Context, id string) (*crioContainer, error) {
	body, err := c.c.get(ctx, "/containers/"+url.PathEscape(id))
	if err != nil {
		return nil, err
	}
	var cc crioContainer
	if err := json.Unmarshal(body, &cc); err != nil {
		return nil, fmt.Errorf("cri-o inspect %.12s: %w", id, err)
	}
	if cc.Name == "" && cc.Labels == nil && cc.Annotations == nil {
		return nil, fmt.Errorf("cri-o inspect %.12s: empty answer", id)
	}
	return &cc, nil
}

func (cc *crioContainer) info(id string) *container.Info {
	in := &container.Info{Name: cc.Name, Labels: copyLabels(cc.Labels), StartTs: cc.CreatedTime}
	in.ID.Full = id
	in.Image = cc.Annotations[crioImageName]
	if in.Image == "" {
		in.Image = cc.Image
	}
	in.ImageID = cc.ImageRef
	ref := parseImageRef(in.Image)
	in.ImageRepo, in.ImageTag, in.ImageDigest = ref.Repo, ref.Tag, ref.Digest
	if v := cc.Annotations[crioVolumes]; v != "" {
		var vols []crioVolume
		if json.Unmarshal([]byte(v), &vols) == nil {
			for _, vol := range vols {
				m := container.Mount{Source: vol.HostPath, Dest: vol.ContainerPath, RW: !vol.Readonly}
				if vol.Propagation >= 0 && vol.Propagation < len(crioPropagation) {
					m.Propagation = crioPropagation[vol.Propagation]
				}
				in.Mounts = append(in.Mounts, m)
			}
		}
	}
	podFromLabels(in)
	return in
}

// Running implements Client: CRI-O's HTTP API cannot list containers.
func (c *CRIO) Running(context.Context) (map[string]bool, error) {
	return nil, errors.ErrUnsupported
}
