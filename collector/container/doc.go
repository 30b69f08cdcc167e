// Package container maps a process's cgroup paths to the container it runs in
// and holds the metadata known about each container.
//
// Parse recognises the cgroup layouts of the common runtimes (Docker,
// containerd/CRI, CRI-O, Podman/libpod, nerdctl and Kubernetes pod slices)
// for cgroup v1, v2 and hybrid hosts, and containerd's default
// "/default/<name>" layout (ctr), whose id is the container's free-form
// name rather than 64 hex. A path that matches no layout belongs to the
// host.
//
// Invariants:
//   - Parse never panics. It allocates only to turn a systemd-escaped pod uid
//     (underscores) back into its dashed form; the ID's other strings are
//     substrings of the input path.
//   - The zero ID is the host.
//   - Store is bounded; what it evicts is counted.
//   - Request never blocks: it queues the id of an unknown container for a
//     runtime resolver (EnableRequests) in a bounded channel and counts
//     what a full channel drops.
package container
