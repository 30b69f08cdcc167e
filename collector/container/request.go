package container

import "sync/atomic"

// requests is the queue through which the event path asks for the metadata
// of containers the store does not know yet. It exists only once a
// consumer (a runtime resolver) has called EnableRequests.
type requests struct {
	ch      atomic.Pointer[chan ID]
	dropped atomic.Uint64
}

// EnableRequests makes Request queue ids, at most n waiting (n <= 0: 256),
// and returns the channel the consumer reads. Calling it again returns the
// same channel.
func (s *Store) EnableRequests(n int) <-chan ID {
	if p := s.req.ch.Load(); p != nil {
		return *p
	}
	if n <= 0 {
		n = 256
	}
	ch := make(chan ID, n)
	if !s.req.ch.CompareAndSwap(nil, &ch) {
		return *s.req.ch.Load()
	}
	return ch
}

// Request asks, without blocking, for the metadata of id when the store
// does not hold it. It does nothing for the host, for known containers, or
// before EnableRequests; a request that finds the queue full is dropped and
// counted (the next event of the container asks again).
func (s *Store) Request(id ID) {
	if id.IsHost() {
		return
	}
	p := s.req.ch.Load()
	if p == nil {
		return
	}
	if _, ok := s.Get(id.Full); ok {
		return
	}
	select {
	case *p <- id:
	default:
		s.req.dropped.Add(1)
	}
}

// RequestsDropped returns how many requests found the queue full.
func (s *Store) RequestsDropped() uint64 { return s.req.dropped.Load() }

// Has reports whether the store holds the container with the given full id.
func (s *Store) Has(full string) bool {
	_, ok := s.Get(full)
	return ok
}
