package container

// Runtime is the container runtime a cgroup layout belongs to.
type Runtime uint8

// Runtimes recognised from cgroup paths.
const (
	RuntimeHost       Runtime = iota // not in a container
	RuntimeDocker                    // docker-<id>.scope, /docker/<id>
	RuntimeContainerd                // cri-containerd-<id>.scope, …:cri-containerd:<id>, /default/<name>
	RuntimeCRIO                      // crio-<id>.scope, …:crio:<id>
	RuntimePodman                    // libpod-<id>.scope, /libpod_parent/libpod-<id>
	RuntimeNerdctl                   // nerdctl-<id>.scope
	RuntimeCRI                       // bare 64-hex leaf in a Kubernetes pod cgroup
	RuntimeUnknown                   // bare 64-hex leaf anywhere else
)

var runtimeNames = [...]string{
	RuntimeHost:       "host",
	RuntimeDocker:     "docker",
	RuntimeContainerd: "containerd",
	RuntimeCRIO:       "cri-o",
	RuntimePodman:     "podman",
	RuntimeNerdctl:    "nerdctl",
	RuntimeCRI:        "cri",
	RuntimeUnknown:    "unknown",
}

// String returns the runtime's name as printed in container.type.
func (r Runtime) String() string {
	if int(r) < len(runtimeNames) {
		return runtimeNames[r]
	}
	return "unknown"
}

// Host is the container id reported for processes outside any container.
const Host = "host"

// ShortLen is the length of a short container id.
const ShortLen = 12

// ID identifies the container of a process. The zero value is the host.
type ID struct {
	// Full is the 64-hex container id (a free-form name for containers
	// in containerd's default namespace), empty for the host.
	Full string `json:"full,omitempty"`
	// Runtime is the runtime whose layout matched.
	Runtime Runtime `json:"runtime,omitempty"`
	// PodUID is the Kubernetes pod uid (dashed form) when the cgroup path
	// names a pod, else empty.
	PodUID string `json:"pod_uid,omitempty"`
}

// IsHost reports whether id is the host.
func (id ID) IsHost() bool { return id.Full == "" }

// Short returns the 12-character id, or "host".
func (id ID) Short() string {
	if len(id.Full) < ShortLen {
		if id.Full == "" {
			return Host
		}
		return id.Full
	}
	return id.Full[:ShortLen]
}

// FullOrHost returns the full id, or "host".
func (id ID) FullOrHost() string {
	if id.Full == "" {
		return Host
	}
	return id.Full
}

// String returns the short id, as container.id prints it.
func (id ID) String() string { return id.Short() }
