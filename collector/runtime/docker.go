package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/vigilsec/vigil/collector/container"
)

// Docker queries the Docker Engine API over a unix socket: dockerd, or
// podman's `system service`, which serves the same API.
type Docker struct {
	path string
	c    *unixHTTP
}

// NewDocker returns a client of the Docker Engine API listening on the unix
// socket at path. Nothing is dialled until the first lookup.
func NewDocker(path string) *Docker { return &Docker{path: path, c: newUnixHTTP(path)} }

// Name implements Client.
func (d *Docker) Name() string { return "docker" }

// Prefers implements Client: Docker and Podman cgroup layouts.
func (d *Docker) Prefers(rt container.Runtime) bool {
	return rt == container.RuntimeDocker || rt == container.RuntimePodman
}

// Socket returns the socket path.
func (d *Docker) Socket() string { return d.path }

// Close releases idle connections.
func (d *Docker) Close() { d.c.close() }

// dockerContainer is the part of GET /containers/{id}/json we read.
type dockerContainer struct {
	ID      string `json:"Id"`
	Name    string `json:"Name"`
	Image   string `json:"Image"`
	Created string `json:"Created"`
	State   *struct {
		Running   bool   `json:"Running"`
		StartedAt string `json:"StartedAt"`
	} `json:"State"`
	Config *struct {
		Image  string            `json:"Image"`
		Labels map[string]string `json:"Labels"`
	} `json:"Config"`
	HostConfig *struct {
		Privileged bool `json:"Privileged"`
	} `json:"HostConfig"`
	Mounts []struct {
		Source      string `json:"Source"`
		Destination string `json:"Destination"`
		Mode        string `json:"Mode"`
		RW          bool   `json:"RW"`
		Propagation string `json:"Propagation"`
	} `json:"Mounts"`
}

// Inspect implements Client.
func (d *Docker) Inspect(ctx context.Context, id string) (*container.Info, error) {
	dc, err := d.inspect(ctx, id)
	if err != nil {
		return nil, err
	}
	in, err := dc.info(id)
	if err != nil {
		return nil, err
	}
	if dc.Image != "" && isImageID(dc.Image) && in.ImageRepo != "" {
		// The repository digest is only in the image; failing to get it
		// leaves the field empty, not the whole lookup failed.
		if digests, err := d.repoDigests(ctx, dc.Image); err == nil {
			in.ImageDigest = digestFor(digests, in.ImageRepo)
		}
	}
	if sb := in.Labels[labelSandboxID]; sb != "" && in.Pod.Name != "" && sb != id {
		if sc, err := d.inspect(ctx, sb); err == nil && sc.Config != nil {
			in.Pod.Labels = podLabels(sc.Config.Labels)
		}
	}
	return in, nil
}

func (d *Docker) inspect(ctx context.Context, id string) (*dockerContainer, error) {
	body, err := d.c.get(ctx, "/containers/"+url.PathEscape(id)+"/json")
	if err != nil {
		return nil, err
	}
	var dc dockerContainer
	if err := json.Unmarshal(body, &dc); err != nil {
		return nil, fmt.Errorf("docker inspect %.12s: %w", id, err)
	}
	return &dc, nil
}

// info converts an inspect answer for the container with full id want.
func (dc *dockerContainer) info(want string) (*container.Info, error) {
	if dc.ID != want {
		return nil, fmt.Errorf("docker inspect %.12s: answer is for container %.12q", want, dc.ID)
	}
	in := &container.Info{Name: strings.TrimPrefix(dc.Name, "/")}
	in.ID.Full = want
	if dc.Config != nil {
		in.Image = dc.Config.Image
		in.Labels = copyLabels(dc.Config.Labels)
	}
	if strings.TrimPrefix(dc.Image, "sha256:") != "" {
		in.ImageID = dc.Image
	}
	ref := parseImageRef(in.Image)
	in.ImageRepo, in.ImageTag, in.ImageDigest = ref.Repo, ref.Tag, ref.Digest
	if dc.HostConfig != nil {
		in.Privileged = dc.HostConfig.Privileged
	}
	for _, m := range dc.Mounts {
		in.Mounts = append(in.Mounts, container.Mount{
			Source: m.Source, Dest: m.Destination, Mode: m.Mode, RW: m.RW, Propagation: m.Propagation,
		})
	}
	if dc.State != nil {
		in.StartTs = parseTime(dc.State.StartedAt)
	}
	if in.StartTs == 0 {
		in.StartTs = parseTime(dc.Created)
	}
	podFromLabels(in)
	return in, nil
}

// repoDigests returns the RepoDigests of an image.
func (d *Docker) repoDigests(ctx context.Context, image string) ([]string, error) {
	body, err := d.c.get(ctx, "/images/"+url.PathEscape(image)+"/json")
	if err != nil {
		return nil, err
	}
	var im struct {
		RepoDigests []string `json:"RepoDigests"`
	}
	if err := json.Unmarshal(body, &im); err != nil {
		return nil, fmt.Errorf("docker image %.19s: %w", image, err)
	}
	return im.RepoDigests, nil
}

// Running implements Client: GET /containers/json lists running containers.
func (d *Docker) Running(ctx context.Context) (map[string]bool, error) {
	body, err := d.c.get(ctx, "/containers/json")
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("docker list: %w", err)
		}
		return nil, err
	}
	var list []struct {
		ID string `json:"Id"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("docker list: %w", err)
	}
	out := make(map[string]bool, len(list))
	for _, c := range list {
		out[c.ID] = true
	}
	return out, nil
}

// parseTime parses an RFC 3339 time into Unix nanoseconds; 0 when empty,
// invalid or the zero time runtimes print for "never".
func parseTime(s string) int64 {
	if s == "" {
		return 0
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return 0
	}
	return t.UnixNano()
}
