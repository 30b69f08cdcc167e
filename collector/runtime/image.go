package runtime

import "strings"

// imageRef is an image reference split into its parts.
type imageRef struct {
	Repo   string // registry/path/name, as written
	Tag    string
	Digest string // algorithm:hex
}

// parseImageRef splits "repo[:tag][@digest]". The registry may carry a
// port ("host:5000/app:1"): a colon is a tag separator only after the last
// slash. A bare image id ("sha256:<hex>" or 64 hex) has no repository.
func parseImageRef(ref string) imageRef {
	var r imageRef
	if ref == "" || isImageID(ref) {
		return r
	}
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref, r.Digest = ref[:i], ref[i+1:]
	}
	slash := strings.LastIndexByte(ref, '/')
	if i := strings.LastIndexByte(ref, ':'); i > slash {
		ref, r.Tag = ref[:i], ref[i+1:]
	}
	r.Repo = ref
	return r
}

// isImageID reports whether s is an image id rather than a reference.
func isImageID(s string) bool {
	s = strings.TrimPrefix(s, "sha256:")
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// digestFor returns the digest of the first "repo@digest" entry whose
// repository is repo, else of the first entry.
func digestFor(repoDigests []string, repo string) string {
	first := ""
	for _, rd := range repoDigests {
		name, dg, ok := strings.Cut(rd, "@")
		if !ok {
			continue
		}
		if name == repo {
			return dg
		}
		if first == "" {
			first = dg
		}
	}
	return first
}
