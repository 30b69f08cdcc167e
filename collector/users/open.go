package users

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// openFile opens name below root for reading without blocking (a FIFO
// planted as etc/passwd must not hang a loader). With inRoot the path is
// resolved as if root were "/" (openat2 RESOLVE_IN_ROOT), falling back to a
// plain open on kernels without openat2.
func openFile(root, name string, inRoot bool) (*os.File, error) {
	const flags = unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_NOCTTY
	full := filepath.Join(root, name)
	if inRoot {
		dir, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", root, err)
		}
		defer unix.Close(dir)
		fd, err := unix.Openat2(dir, name, &unix.OpenHow{
			Flags:   flags,
			Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
		})
		if err == nil {
			return os.NewFile(uintptr(fd), full), nil
		}
		if !errors.Is(err, unix.ENOSYS) {
			return nil, fmt.Errorf("open %s: %w", full, err)
		}
	}
	fd, err := unix.Open(full, flags, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", full, err)
	}
	return os.NewFile(uintptr(fd), full), nil
}
