// Package runtime resolves the metadata of containers (name, image, labels,
// mounts, privileges, Kubernetes pod) from the container runtimes of the
// host and fills the collector's container.Store with it.
//
// The collector learns a container's id from a process's cgroups and asks
// for it through container.Store.Request. A Resolver reads those requests,
// queries its Clients (the Docker Engine API, which podman's system service
// also serves; CRI-O's HTTP API; containerd's gRPC API) over their unix
// sockets and stores what they answer.
//
// The containerd client does not import containerd: it speaks gRPC with a
// pass-through codec and encodes/decodes the few messages it needs
// (Containers/Get, Tasks/List) itself with protowire, field numbers as in
// containerd's api/ protos. It asks each configured namespace in order.
// Privileged is derived from the OCI spec (CAP_SYS_ADMIN kept, nothing
// masked or read-only), mounts are the spec's bind mounts. The event path may wait for a new container's metadata with
// Await, never longer than the configured budget.
//
// Invariants:
//   - Nothing on the event path blocks on a runtime: Request never blocks,
//     Await returns after at most the budget, and at once while the
//     runtimes are failing (a lookup timed out or errored since the last
//     success) or when the container's lookup failed recently.
//   - Every lookup has a deadline; responses are read through a size limit
//     and decoded strictly enough that garbage is an error, never a panic.
//   - Every table is bounded: pending lookups (the work queue), negative
//     entries and tracked containers; what they drop or evict is counted.
//   - A container whose lookup failed is remembered as failed for
//     NegativeTTL, then asked again on its next request.
//   - A container that no runtime lists as running any more is removed from
//     the store after the grace period.
//   - Runtime answers are untrusted input: they never panic the agent and
//     label maps are copied, never shared with the decoder.
package runtime
