package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/vigilsec/vigil/collector/container"
)

// Client queries one container runtime.
type Client interface {
	// Name is the client's name in logs and metrics (docker, cri-o...).
	Name() string
	// Prefers reports whether containers whose cgroup layout names rt
	// should be asked to this client first.
	Prefers(rt container.Runtime) bool
	// Inspect returns the metadata of the container with the given full
	// id; ErrNotFound when the runtime does not know it, ErrUnavailable
	// when the runtime's socket does not exist.
	Inspect(ctx context.Context, id string) (*container.Info, error)
	// Running returns the full ids of the containers the runtime runs, or
	// errors.ErrUnsupported when it cannot list them.
	Running(ctx context.Context) (map[string]bool, error)
}

// Errors a Client returns.
var (
	ErrNotFound    = errors.New("container not found")
	ErrUnavailable = errors.New("runtime socket absent")
)

// maxResponse bounds the bytes read from a runtime answer.
const maxResponse = 4 << 20

// unixHTTP is an HTTP client over a unix socket. Every request carries the
// caller's deadline; no connection is kept idle for long.
type unixHTTP struct {
	path string
	hc   *http.Client
}

func newUnixHTTP(path string) *unixHTTP {
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		},
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: 0, // the request context bounds it
		DisableCompression:    true,
	}
	return &unixHTTP{path: path, hc: &http.Client{Transport: tr}}
}

// get fetches url (path only) and returns the body of a 200 answer,
// ErrNotFound for 404, ErrUnavailable when the socket does not exist or
// nobody listens on it (a runtime that is stopped).
func (u *unixHTTP) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://runtime"+url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := u.hc.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, ErrUnavailable
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", url, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, ErrNotFound
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s: status %d", url, resp.StatusCode)
	case len(body) > maxResponse:
		return nil, fmt.Errorf("%s: answer larger than %d bytes", url, maxResponse)
	}
	return body, nil
}

func (u *unixHTTP) close() { u.hc.CloseIdleConnections() }
