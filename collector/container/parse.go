package container

import "strings"

// idLen is the length of a full container id.
const idLen = 64

// Parse returns the container the cgroup path belongs to, or the host (zero
// ID) when no known layout matches. The id is the runtime's full 64-hex id,
// except for containers of containerd's default namespace
// ("/default/<name>", ctr's layout), whose id is their free-form name. It looks at the path's components from
// the leaf upwards, so a container nested in a sub-cgroup of its scope
// (libpod-<id>.scope/container) is still found.
func Parse(path string) ID {
	end := len(path)
	for end > 0 {
		for end > 0 && path[end-1] == '/' {
			end--
		}
		start := strings.LastIndexByte(path[:end], '/') + 1
		if full, rt, ok := matchComponent(path[start:end]); ok {
			if rt == RuntimeUnknown {
				rt = bareRuntime(path[:start])
			}
			return ID{Full: full, Runtime: rt, PodUID: podUID(path)}
		}
		if name := path[start:end]; isContainerdDefault(path[:start]) && isContainerdName(name) {
			return ID{Full: name, Runtime: RuntimeContainerd}
		}
		end = start
	}
	return ID{}
}

// FromPaths returns the first container found in paths (one per cgroup
// hierarchy). On hybrid hosts the v2 path is often the root while the v1
// controllers name the container, so every path is tried.
func FromPaths(paths []string) ID {
	for _, p := range paths {
		if id := Parse(p); !id.IsHost() {
			return id
		}
	}
	return ID{}
}

// prefixes maps a runtime's scope-name prefix to the runtime. The conmon
// prefixes come first: conmon is the monitor process, not the container.
var prefixes = [...]struct {
	prefix string
	rt     Runtime
}{
	{"crio-conmon-", RuntimeHost},
	{"libpod-conmon-", RuntimeHost},
	{"docker-", RuntimeDocker},
	{"cri-containerd-", RuntimeContainerd},
	{"crio-", RuntimeCRIO},
	{"libpod-", RuntimePodman},
	{"nerdctl-", RuntimeNerdctl},
}

// colonRuntimes maps the middle part of a systemd-style cgroupsPath used as a
// literal directory name ("<slice>:<prefix>:<id>") to the runtime.
var colonRuntimes = [...]struct {
	prefix string
	rt     Runtime
}{
	{"cri-containerd", RuntimeContainerd},
	{"crio", RuntimeCRIO},
	{"docker", RuntimeDocker},
	{"libpod", RuntimePodman},
	{"nerdctl", RuntimeNerdctl},
}

// matchComponent matches one path component. A bare 64-hex component
// reports RuntimeUnknown; the caller refines it from the parent path.
func matchComponent(c string) (string, Runtime, bool) {
	name := strings.TrimSuffix(c, ".scope")
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		id, rest := name[i+1:], name[:i]
		if !isHex(id, idLen) {
			return "", 0, false
		}
		mid := rest[strings.LastIndexByte(rest, ':')+1:]
		for _, p := range colonRuntimes {
			if mid == p.prefix {
				return id, p.rt, true
			}
		}
		return "", 0, false
	}
	for _, p := range prefixes {
		if strings.HasPrefix(name, p.prefix) {
			id := name[len(p.prefix):]
			if p.rt == RuntimeHost || !isHex(id, idLen) {
				return "", 0, false
			}
			return id, p.rt, true
		}
	}
	if isHex(c, idLen) {
		return c, RuntimeUnknown, true
	}
	return "", 0, false
}

// bareRuntime guesses the runtime of a bare 64-hex leaf from its parents.
func bareRuntime(parent string) Runtime {
	switch {
	case strings.Contains(parent, "kubepods"):
		return RuntimeCRI
	case hasComponent(parent, "docker"):
		return RuntimeDocker
	case hasComponent(parent, "libpod_parent"):
		return RuntimePodman
	case hasComponent(parent, "nerdctl"):
		return RuntimeNerdctl
	case isContainerdDefault(parent):
		return RuntimeContainerd
	}
	return RuntimeUnknown
}

// containerdNamespace is the namespace of ctr, of nerdctl and of
// containerd's Go client by default. containerd's default spec puts a
// container in the cgroup "/<namespace>/<id>", and ctr lets users name
// containers freely; only this namespace is recognised, so that a path like
// "/system.slice/cron.service" is never taken for a container.
const containerdNamespace = "default"

// isContainerdDefault reports whether parent (a path ending in '/') ends
// with containerd's default namespace component.
func isContainerdDefault(parent string) bool {
	parent = strings.TrimRight(parent, "/")
	return parent[strings.LastIndexByte(parent, '/')+1:] == containerdNamespace
}

// isContainerdName reports whether c is a container name containerd
// accepts (alphanumeric runs joined by single '.', '_' or '-', at most 76
// characters) and not a systemd unit.
func isContainerdName(c string) bool {
	if c == "" || len(c) > 76 || strings.HasSuffix(c, ".scope") || strings.HasSuffix(c, ".slice") ||
		strings.HasSuffix(c, ".service") {
		return false
	}
	prevSep := true // no separator first
	for i := 0; i < len(c); i++ {
		b := c[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
			prevSep = false
		case b == '.' || b == '_' || b == '-':
			if prevSep {
				return false
			}
			prevSep = true
		default:
			return false
		}
	}
	return !prevSep
}

func hasComponent(path, name string) bool {
	for path != "" {
		var c string
		c, path, _ = strings.Cut(path, "/")
		if c == name {
			return true
		}
	}
	return false
}

// podUID extracts the Kubernetes pod uid from a kubepods cgroup path:
// cgroupfs "…/pod<uid>/…" or systemd "…/kubepods-<qos>-pod<uid_>.slice/…".
func podUID(path string) string {
	if !strings.Contains(path, "kubepods") {
		return ""
	}
	end := len(path)
	for end > 0 {
		start := strings.LastIndexByte(path[:end], '/') + 1
		c := path[start:end]
		end = start
		if end > 0 {
			end--
		}
		if i := strings.IndexByte(c, ':'); i >= 0 {
			c = c[:i]
		}
		if s, ok := strings.CutSuffix(c, ".slice"); ok {
			if i := strings.LastIndex(s, "-pod"); i >= 0 && strings.HasPrefix(s, "kubepods") {
				if uid := s[i+len("-pod"):]; isUID(uid) {
					return strings.ReplaceAll(uid, "_", "-")
				}
			}
			continue
		}
		if uid, ok := strings.CutPrefix(c, "pod"); ok && isUID(uid) {
			return uid
		}
	}
	return ""
}

// isUID accepts a dashed (or systemd-escaped, underscored) 36-character uuid
// or a 32-hex config hash (static pods).
func isUID(s string) bool {
	switch len(s) {
	case 32:
		return isHex(s, 32)
	case 36:
		sep := s[8]
		if sep != '-' && sep != '_' {
			return false
		}
		for i := 0; i < len(s); i++ {
			switch i {
			case 8, 13, 18, 23:
				if s[i] != sep {
					return false
				}
			default:
				if !hexDigit(s[i]) {
					return false
				}
			}
		}
		return true
	}
	return false
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !hexDigit(s[i]) {
			return false
		}
	}
	return true
}

// hexDigit accepts lowercase hex only: every runtime prints ids in lowercase.
func hexDigit(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }
