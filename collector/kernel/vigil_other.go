//go:build !(386 || amd64 || arm64)

package kernel

import (
	"errors"

	"github.com/cilium/ebpf"
)

// loadVigil: the capture programs are only built for amd64 and arm64.
func loadVigil() (*ebpf.CollectionSpec, error) {
	return nil, errors.New("kernel capture is not built for this architecture (amd64 and arm64 only)")
}
