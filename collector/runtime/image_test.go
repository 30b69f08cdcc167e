package runtime

import (
	"strings"
	"testing"
)

func TestParseImageRef(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	tests := []struct {
		in   string
		want imageRef
	}{
		{"", imageRef{}},
		{"nginx", imageRef{Repo: "nginx"}},
		{"nginx:1.27", imageRef{Repo: "nginx", Tag: "1.27"}},
		{"docker.io/library/nginx:1.27", imageRef{Repo: "docker.io/library/nginx", Tag: "1.27"}},
		{"localhost/vt-busybox:test", imageRef{Repo: "localhost/vt-busybox", Tag: "test"}},
		{"registry.local:5000/team/web", imageRef{Repo: "registry.local:5000/team/web"}},
		{"registry.local:5000/team/web:1.2", imageRef{Repo: "registry.local:5000/team/web", Tag: "1.2"}},
		{"quay.io/app@sha256:" + hex, imageRef{Repo: "quay.io/app", Digest: "sha256:" + hex}},
		{"quay.io/app:v1@sha256:" + hex, imageRef{Repo: "quay.io/app", Tag: "v1", Digest: "sha256:" + hex}},
		{"sha256:" + hex, imageRef{}},
		{hex, imageRef{}},
	}
	for _, tt := range tests {
		if got := parseImageRef(tt.in); got != tt.want {
			t.Errorf("parseImageRef(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestDigestFor(t *testing.T) {
	ds := []string{"other/repo@sha256:1", "bad", "team/web@sha256:2"}
	if got := digestFor(ds, "team/web"); got != "sha256:2" {
		t.Errorf("matching repo: %q", got)
	}
	if got := digestFor(ds, "none"); got != "sha256:1" {
		t.Errorf("fallback: %q", got)
	}
	if got := digestFor(nil, "x"); got != "" {
		t.Errorf("empty: %q", got)
	}
}
