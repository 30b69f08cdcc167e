package container

import (
	"container/list"
	"sync"
	"sync/atomic"
)

// Info is what is known about one container. Runtime clients fill it; until
// they do only ID is set and every other field is its zero value.
type Info struct {
	ID          ID                `json:"id"`
	Name        string            `json:"name,omitempty"`
	Image       string            `json:"image,omitempty"` // image reference as the runtime reports it
	ImageID     string            `json:"image_id,omitempty"`
	ImageRepo   string            `json:"image_repo,omitempty"`
	ImageTag    string            `json:"image_tag,omitempty"`
	ImageDigest string            `json:"image_digest,omitempty"`
	Privileged  bool              `json:"privileged,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Mounts      []Mount           `json:"mounts,omitempty"`
	StartTs     int64             `json:"start_ts,omitempty"` // Unix nanoseconds, 0 when unknown
	Pod         Pod               `json:"pod,omitzero"`
}

// Mount is one mount of a container.
type Mount struct {
	Source      string `json:"source"`
	Dest        string `json:"dest"`
	Mode        string `json:"mode,omitempty"`
	RW          bool   `json:"rw,omitempty"`
	Propagation string `json:"propagation,omitempty"`
}

// Pod is the Kubernetes pod a container belongs to.
type Pod struct {
	Name      string            `json:"name,omitempty"`
	Namespace string            `json:"namespace,omitempty"`
	UID       string            `json:"uid,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// MountBySource returns the mount whose source is src (container.mount.dest[src]).
func (in *Info) MountBySource(src string) (Mount, bool) {
	for _, m := range in.Mounts {
		if m.Source == src {
			return m, true
		}
	}
	return Mount{}, false
}

// DefaultStoreSize is the default bound of a Store.
const DefaultStoreSize = 4096

// Store holds Info by full container id, bounded to a fixed number of
// entries; when full the least recently stored entry is evicted and counted.
// It is safe for concurrent use: runtime clients write, the event path reads.
type Store struct {
	mu      sync.RWMutex
	max     int
	byID    map[string]*list.Element // value: *Info
	order   *list.List               // front: most recently stored
	evicted atomic.Uint64
	req     requests
}

// NewStore returns a store bounded to max entries (DefaultStoreSize if max <= 0).
func NewStore(max int) *Store {
	if max <= 0 {
		max = DefaultStoreSize
	}
	return &Store{max: max, byID: make(map[string]*list.Element), order: list.New()}
}

// Get returns the info of the container with the given full id. The returned
// Info must not be modified: Put replaces entries, it never edits them.
func (s *Store) Get(full string) (*Info, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e, ok := s.byID[full]; ok {
		return e.Value.(*Info), true
	}
	return nil, false
}

// Put stores in under in.ID.Full, replacing any previous entry. Host ids are
// ignored.
func (s *Store) Put(in *Info) {
	if in == nil || in.ID.IsHost() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byID[in.ID.Full]; ok {
		e.Value = in
		s.order.MoveToFront(e)
		return
	}
	for s.order.Len() >= s.max {
		old := s.order.Back()
		s.order.Remove(old)
		delete(s.byID, old.Value.(*Info).ID.Full)
		s.evicted.Add(1)
	}
	s.byID[in.ID.Full] = s.order.PushFront(in)
}

// Delete removes the container with the given full id.
func (s *Store) Delete(full string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byID[full]; ok {
		s.order.Remove(e)
		delete(s.byID, full)
	}
}

// Len returns the number of stored containers.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.order.Len()
}

// Evicted returns how many entries were evicted because the store was full.
func (s *Store) Evicted() uint64 { return s.evicted.Load() }

// Snapshot returns every stored Info, most recently stored first.
func (s *Store) Snapshot() []Info {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Info, 0, s.order.Len())
	for e := s.order.Front(); e != nil; e = e.Next() {
		out = append(out, *e.Value.(*Info))
	}
	return out
}
