package collector

import (
	"maps"
	"slices"
	"strconv"

	"github.com/vigilsec/vigil/collector/container"
	"github.com/vigilsec/vigil/rules/fields"
)

// extractContainer handles the container.* and k8s.* fields. The id and
// runtime come from the process's cgroups; the rest from the container
// store, which runtime clients fill asynchronously: until they do, those
// fields are missing.
func (e *Event) extractContainer(ref *fields.Ref, v *fields.Value) bool {
	p := e.Proc
	if p == nil {
		return false
	}
	id := p.Container
	switch ref.ID {
	case fields.ContainerID:
		v.Str = id.Short()
		return true
	case fields.ContainerFullID:
		v.Str = id.FullOrHost()
		return true
	case fields.ContainerType:
		v.Str = id.Runtime.String()
		return true
	case fields.K8sPodUID:
		if id.PodUID != "" {
			v.Str = id.PodUID
			return true
		}
	}
	if id.IsHost() {
		if ref.ID == fields.ContainerName {
			v.Str = container.Host
			return true
		}
		return false
	}
	var in *container.Info
	if e.st.Containers != nil {
		in, _ = e.st.Containers.Get(id.Full)
	}
	if in == nil {
		return false
	}
	switch ref.ID {
	case fields.ContainerName:
		v.Str = in.Name
	case fields.ContainerImage:
		v.Str = in.Image
	case fields.ContainerImageID:
		v.Str = in.ImageID
	case fields.ContainerImageRepository:
		v.Str = in.ImageRepo
	case fields.ContainerImageTag:
		v.Str = in.ImageTag
	case fields.ContainerImageDigest:
		v.Str = in.ImageDigest
	case fields.ContainerPrivileged:
		v.Int = b2i(in.Privileged)
		return true
	case fields.ContainerStartTS:
		v.Int = in.StartTs
		return in.StartTs != 0
	case fields.ContainerDuration:
		now := e.unixNano()
		if in.StartTs == 0 || now < in.StartTs {
			return false
		}
		v.Int = now - in.StartTs
		return true
	case fields.ContainerMounts:
		start := len(e.scratch)
		for i := range in.Mounts {
			if i > 0 {
				e.scratch = append(e.scratch, ' ')
			}
			e.scratch = appendMount(e.scratch, &in.Mounts[i])
		}
		v.Str = e.view(start)
		return true
	case fields.ContainerMount, fields.ContainerMountSource, fields.ContainerMountDest,
		fields.ContainerMountMode, fields.ContainerMountRdwr, fields.ContainerMountPropagation:
		return e.mount(ref, in, v)
	case fields.K8sNsName:
		v.Str = in.Pod.Namespace
	case fields.K8sPodName:
		v.Str = in.Pod.Name
	case fields.K8sPodUID:
		v.Str = in.Pod.UID
	case fields.ContainerLabels:
		v.Str = e.labels(in.Labels)
		return true
	case fields.ContainerLabel:
		s, ok := in.Labels[ref.Arg.Key]
		v.Str = s
		return ok
	case fields.K8sPodLabels:
		if in.Pod.Name == "" {
			return false
		}
		v.Str = e.labels(in.Pod.Labels)
		return true
	case fields.K8sPodLabel:
		s, ok := in.Pod.Labels[ref.Arg.Key]
		v.Str = s
		return ok
	default:
		// container.ip: not known from the runtimes yet.
		return false
	}
	return v.Str != ""
}

// labels renders m as comma-separated key:value pairs in key order
// (container.labels, k8s.pod.labels) into the event's scratch space.
func (e *Event) labels(m map[string]string) string {
	start := len(e.scratch)
	for i, k := range slices.Sorted(maps.Keys(m)) { // allocates; outputs reach it, conditions rarely
		if i > 0 {
			e.scratch = append(e.scratch, ',')
		}
		e.scratch = append(e.scratch, k...)
		e.scratch = append(e.scratch, ':')
		e.scratch = append(e.scratch, m[k]...)
	}
	return e.view(start)
}

// FieldKeys appends the label keys of the process's container
// (container.label) or pod (k8s.pod.label) in increasing order, nothing for
// other fields, host processes and containers the store does not know. It
// implements fields.KeyLister for outputs that capture every label; it
// allocates and is not on the evaluation path.
func (e *Event) FieldKeys(id fields.ID, dst []string) []string {
	if e.Proc == nil || e.Proc.Container.IsHost() || e.st.Containers == nil {
		return dst
	}
	in, _ := e.st.Containers.Get(e.Proc.Container.Full)
	if in == nil {
		return dst
	}
	var m map[string]string
	switch id {
	case fields.ContainerLabel:
		m = in.Labels
	case fields.K8sPodLabel:
		m = in.Pod.Labels
	default:
		return dst
	}
	start := len(dst)
	dst = slices.AppendSeq(dst, maps.Keys(m))
	slices.Sort(dst[start:])
	return dst
}

// mount fills container.mount* [N] (by position) or [PATH] (by source path;
// container.mount.source by destination path).
func (e *Event) mount(ref *fields.Ref, in *container.Info, v *fields.Value) bool {
	var m *container.Mount
	switch ref.Arg.Kind {
	case fields.ArgIndex:
		if ref.Arg.Index < 0 || ref.Arg.Index >= len(in.Mounts) {
			return false
		}
		m = &in.Mounts[ref.Arg.Index]
	case fields.ArgKey:
		for i := range in.Mounts {
			c := &in.Mounts[i]
			if ref.ID == fields.ContainerMountSource && c.Dest == ref.Arg.Key ||
				ref.ID != fields.ContainerMountSource && c.Source == ref.Arg.Key {
				m = c
				break
			}
		}
	}
	if m == nil {
		return false
	}
	switch ref.ID {
	case fields.ContainerMount:
		start := len(e.scratch)
		e.scratch = appendMount(e.scratch, m)
		v.Str = e.view(start)
	case fields.ContainerMountSource:
		v.Str = m.Source
	case fields.ContainerMountDest:
		v.Str = m.Dest
	case fields.ContainerMountMode:
		v.Str = m.Mode
	case fields.ContainerMountRdwr:
		v.Str = strconv.FormatBool(m.RW)
	case fields.ContainerMountPropagation:
		v.Str = m.Propagation
	}
	return true
}

// appendMount appends a mount as source:dest:mode:rdwr:propagation.
func appendMount(dst []byte, m *container.Mount) []byte {
	dst = append(dst, m.Source...)
	dst = append(dst, ':')
	dst = append(dst, m.Dest...)
	dst = append(dst, ':')
	dst = append(dst, m.Mode...)
	dst = append(dst, ':')
	dst = strconv.AppendBool(dst, m.RW)
	dst = append(dst, ':')
	return append(dst, m.Propagation...)
}
