package container

import (
	"fmt"
	"strings"
	"testing"
)

func TestStoreBound(t *testing.T) {
	s := NewStore(3)
	mk := func(i int) *Info { return &Info{ID: ID{Full: fmt.Sprintf("%064x", i)}, Name: fmt.Sprint("c", i)} }
	for i := range 5 {
		s.Put(mk(i))
	}
	if s.Len() != 3 || s.Evicted() != 2 {
		t.Fatalf("len %d evicted %d, want 3 and 2", s.Len(), s.Evicted())
	}
	for i, want := range []bool{false, false, true, true, true} {
		if _, ok := s.Get(fmt.Sprintf("%064x", i)); ok != want {
			t.Errorf("Get(%d) present=%v, want %v", i, ok, want)
		}
	}
	// Replacing keeps the count and refreshes recency.
	s.Put(&Info{ID: ID{Full: fmt.Sprintf("%064x", 2)}, Name: "new"})
	s.Put(mk(5))
	if in, ok := s.Get(fmt.Sprintf("%064x", 2)); !ok || in.Name != "new" {
		t.Fatalf("replaced entry = %+v %v", in, ok)
	}
	if _, ok := s.Get(fmt.Sprintf("%064x", 3)); ok {
		t.Fatal("entry 3 should have been evicted as least recent")
	}
	if snap := s.Snapshot(); len(snap) != 3 || snap[0].ID.Full != fmt.Sprintf("%064x", 5) || snap[1].Name != "new" {
		t.Fatalf("snapshot %+v", snap)
	}
	s.Delete(fmt.Sprintf("%064x", 2))
	if s.Len() != 2 {
		t.Fatalf("len after delete %d", s.Len())
	}
	s.Put(&Info{}) // host is ignored
	s.Put(nil)
	if s.Len() != 2 {
		t.Fatalf("host/nil stored: len %d", s.Len())
	}
}

func TestMountBySource(t *testing.T) {
	in := &Info{Mounts: []Mount{{Source: "/var/run/docker.sock", Dest: "/var/run/docker.sock", RW: true}, {Source: "/etc", Dest: "/host/etc"}}}
	if m, ok := in.MountBySource("/etc"); !ok || m.Dest != "/host/etc" {
		t.Fatalf("MountBySource(/etc) = %+v %v", m, ok)
	}
	if _, ok := in.MountBySource("/nope"); ok {
		t.Fatal("unexpected mount")
	}
}

func TestStoreRequest(t *testing.T) {
	s := NewStore(4)
	a := ID{Full: strings.Repeat("a", 64), Runtime: RuntimeDocker}
	b := ID{Full: strings.Repeat("b", 64), Runtime: RuntimePodman}
	s.Request(a) // before EnableRequests: ignored, not counted
	if s.RequestsDropped() != 0 {
		t.Fatalf("dropped before enable = %d", s.RequestsDropped())
	}
	ch := s.EnableRequests(1)
	if again := s.EnableRequests(5); again != ch {
		t.Fatal("EnableRequests returned a second channel")
	}
	s.Request(ID{}) // host
	s.Put(&Info{ID: b, Name: "known"})
	s.Request(b) // known
	s.Request(a)
	s.Request(a) // queue full
	if got := <-ch; got != a {
		t.Fatalf("request = %+v, want %+v", got, a)
	}
	select {
	case got := <-ch:
		t.Fatalf("unexpected request %+v", got)
	default:
	}
	if s.RequestsDropped() != 1 {
		t.Fatalf("dropped = %d, want 1", s.RequestsDropped())
	}
	if !s.Has(b.Full) || s.Has(a.Full) {
		t.Fatal("Has disagrees with the stored entries")
	}
}
