package runtime

import (
	"maps"
	"strings"

	"github.com/vigilsec/vigil/collector/container"
)

// Labels the kubelet puts on the containers it creates through CRI (and
// cri-dockerd on Docker containers).
const (
	labelPodName       = "io.kubernetes.pod.name"
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelPodUID        = "io.kubernetes.pod.uid"
	labelContainerName = "io.kubernetes.container.name"
	labelSandboxID     = "io.kubernetes.sandbox.id"
	labelDockerType    = "io.kubernetes.docker.type"
)

// podFromLabels fills the pod of in from its CRI labels; the container's
// own name becomes the Kubernetes container name, as Falco reports it.
// Pod labels come from the sandbox (podLabels) when the caller found it.
func podFromLabels(in *container.Info) {
	l := in.Labels
	name, ns := l[labelPodName], l[labelPodNamespace]
	if name == "" && ns == "" {
		return
	}
	in.Pod.Name, in.Pod.Namespace = name, ns
	if uid := l[labelPodUID]; uid != "" {
		in.Pod.UID = uid
	} else {
		in.Pod.UID = in.ID.PodUID
	}
	if cn := l[labelContainerName]; cn != "" && cn != "POD" {
		in.Name = cn
	}
}

// podLabels returns the user labels of a pod sandbox: its labels without
// those the kubelet and the runtime add.
func podLabels(sandbox map[string]string) map[string]string {
	out := make(map[string]string, len(sandbox))
	for k, v := range sandbox {
		if strings.HasPrefix(k, "io.kubernetes.") || strings.HasPrefix(k, "annotation.") ||
			strings.HasPrefix(k, "io.cri-containerd.") || strings.HasPrefix(k, "io.containerd.") {
			continue
		}
		out[k] = v
	}
	return out
}

// copyLabels returns a copy of m, nil for an empty map.
func copyLabels(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}
