package runtime

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilsec/vigil/collector/container"
)

// Config bounds a Resolver. Zero members take the defaults below, except
// Budget: zero means the event path never waits.
type Config struct {
	// Budget is the longest an event of a new container waits for the
	// container's metadata (Await).
	Budget time.Duration
	// LookupTimeout bounds one query to one runtime (default 2s).
	LookupTimeout time.Duration
	// NegativeTTL is how long a failed lookup is remembered before the
	// container is asked again (default 30s).
	NegativeTTL time.Duration
	// Grace is how long a container no runtime runs any more stays in the
	// store (default 30s), so late events of its processes keep their
	// metadata.
	Grace time.Duration
	// SweepInterval is how often exited containers and expired negative
	// entries are looked for (default 5s).
	SweepInterval time.Duration
	// Workers is the number of concurrent lookups (default 2).
	Workers int
	// QueueSize bounds the lookups waiting for a worker (default 256).
	QueueSize int
	// MaxNegative bounds the failed lookups remembered (default 4096).
	MaxNegative int
}

func (c Config) withDefaults() Config {
	if c.LookupTimeout <= 0 {
		c.LookupTimeout = 2 * time.Second
	}
	if c.NegativeTTL <= 0 {
		c.NegativeTTL = 30 * time.Second
	}
	if c.Grace <= 0 {
		c.Grace = 30 * time.Second
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = 5 * time.Second
	}
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 256
	}
	if c.MaxNegative <= 0 {
		c.MaxNegative = 4096
	}
	return c
}

// Counters are the Resolver's cumulative counts.
type Counters struct {
	Resolved    uint64 // lookups that stored metadata
	NotFound    uint64 // lookups no runtime knew the container for
	Timeouts    uint64 // lookups that ran out of time in some runtime and found nothing
	Errors      uint64 // lookups that failed (bad answer, transport error) and found nothing
	QueueFull   uint64 // lookups not started because the work queue was full
	K8sMissing  uint64 // resolved containers of a pod cgroup without pod metadata
	AwaitExpiry uint64 // events that waited the whole budget
	Forgotten   uint64 // exited containers removed after the grace period
	NegEvicted  uint64 // failed lookups forgotten early because the table was full
}

// Resolver fills a container.Store from container runtimes. Create it with
// New, start Run once; Await may be called from the event path at any time.
type Resolver struct {
	store   *container.Store
	clients []Client
	cfg     Config
	log     *slog.Logger
	reqs    <-chan container.ID
	work    chan job
	now     func() time.Time

	mu       sync.Mutex
	pending  map[string]*pending // lookups queued or running
	negative map[string]int64    // full id → time (Unix ns) the failure expires
	known    map[string]*tracked // containers this resolver stored

	degraded atomic.Bool // the last lookup failed on a runtime error or timeout
	lastLog  atomic.Int64

	resolved, notFound, timeouts, errs, queueFull  atomic.Uint64
	k8sMissing, awaitExpiry, forgotten, negEvicted atomic.Uint64
}

type job struct {
	id container.ID
	p  *pending
}

type pending struct{ done chan struct{} }

type tracked struct {
	client   int   // index of the client that answered
	exitedAt int64 // Unix ns the container was first seen not running; 0 while it runs
}

// New returns a Resolver that serves the requests of store with clients, in
// order of preference after the cgroup layout's own runtime.
func New(store *container.Store, clients []Client, cfg Config, log *slog.Logger) *Resolver {
	cfg = cfg.withDefaults()
	return &Resolver{
		store:    store,
		clients:  clients,
		cfg:      cfg,
		log:      log,
		reqs:     store.EnableRequests(cfg.QueueSize),
		work:     make(chan job, cfg.QueueSize),
		now:      time.Now,
		pending:  make(map[string]*pending),
		negative: make(map[string]int64),
		known:    make(map[string]*tracked),
	}
}

// Counters returns the cumulative counts.
func (r *Resolver) Counters() Counters {
	return Counters{
		Resolved: r.resolved.Load(), NotFound: r.notFound.Load(), Timeouts: r.timeouts.Load(),
		Errors: r.errs.Load(), QueueFull: r.queueFull.Load(), K8sMissing: r.k8sMissing.Load(),
		AwaitExpiry: r.awaitExpiry.Load(), Forgotten: r.forgotten.Load(), NegEvicted: r.negEvicted.Load(),
	}
}

// Run serves requests until ctx ends, then waits for its workers.
func (r *Resolver) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range r.cfg.Workers {
		wg.Go(func() { r.worker(ctx) })
	}
	tick := time.NewTicker(r.cfg.SweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case id := <-r.reqs:
			r.request(id)
		case <-tick.C:
			r.sweep(ctx)
		}
	}
}

// Await waits, at most the budget, for the metadata of the container id and
// starts its lookup if nobody asked yet. It returns at once for the host,
// for known containers, for containers whose lookup failed recently, and
// while the runtimes are failing. It reports whether the store holds the
// container on return.
func (r *Resolver) Await(id container.ID) bool {
	if id.IsHost() || r.store.Has(id.Full) {
		return true
	}
	p := r.request(id)
	if p == nil || r.cfg.Budget <= 0 || r.degraded.Load() {
		return r.store.Has(id.Full)
	}
	t := time.NewTimer(r.cfg.Budget)
	select {
	case <-p.done:
		t.Stop()
	case <-t.C:
		r.awaitExpiry.Add(1)
	}
	return r.store.Has(id.Full)
}

// request queues a lookup of id unless one is pending, it failed recently
// or the store has it. It returns the pending lookup, nil if none.
func (r *Resolver) request(id container.ID) *pending {
	if id.IsHost() {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.pending[id.Full]; p != nil {
		return p
	}
	if exp, ok := r.negative[id.Full]; ok {
		if r.now().UnixNano() < exp {
			return nil
		}
		delete(r.negative, id.Full)
	}
	if r.store.Has(id.Full) {
		return nil
	}
	p := &pending{done: make(chan struct{})}
	select {
	case r.work <- job{id: id, p: p}:
		r.pending[id.Full] = p
		return p
	default:
		r.queueFull.Add(1)
		return nil
	}
}

func (r *Resolver) worker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-r.work:
			in, client := r.lookup(ctx, j.id)
			r.mu.Lock()
			delete(r.pending, j.id.Full)
			if in != nil {
				r.store.Put(in)
				r.known[j.id.Full] = &tracked{client: client}
			} else if ctx.Err() == nil {
				r.addNegative(j.id.Full)
			}
			r.mu.Unlock()
			close(j.p.done)
		}
	}
}

// addNegative remembers a failed lookup; r.mu is held.
func (r *Resolver) addNegative(full string) {
	if len(r.negative) >= r.cfg.MaxNegative {
		for k := range r.negative { // any entry: all expire within NegativeTTL
			delete(r.negative, k)
			r.negEvicted.Add(1)
			break
		}
	}
	r.negative[full] = r.now().Add(r.cfg.NegativeTTL).UnixNano()
}

// lookup asks the clients, the layout's preferred runtimes first, and
// returns the metadata and the index of the client that answered.
func (r *Resolver) lookup(ctx context.Context, id container.ID) (*container.Info, int) {
	var timedOut, failed bool
	try := func(i int) *container.Info {
		c := r.clients[i]
		lctx, cancel := context.WithTimeout(ctx, r.cfg.LookupTimeout)
		defer cancel()
		in, err := c.Inspect(lctx, id.Full)
		switch {
		case err == nil && in != nil:
			return in
		case err == nil, errors.Is(err, ErrNotFound), errors.Is(err, ErrUnavailable):
		case ctx.Err() != nil:
		case lctx.Err() != nil:
			timedOut = true
			r.logFailure("container lookup timed out", c, id, err)
		default:
			failed = true
			r.logFailure("container lookup failed", c, id, err)
		}
		return nil
	}
	order := make([]int, 0, len(r.clients))
	for i, c := range r.clients {
		if c.Prefers(id.Runtime) {
			order = append(order, i)
		}
	}
	for i, c := range r.clients {
		if !c.Prefers(id.Runtime) {
			order = append(order, i)
		}
	}
	for _, i := range order {
		if in := try(i); in != nil {
			in.ID = id
			if in.Pod.Name != "" && in.Pod.UID == "" {
				in.Pod.UID = id.PodUID
			}
			if id.PodUID != "" && in.Pod.Name == "" {
				r.k8sMissing.Add(1)
			}
			r.resolved.Add(1)
			r.degraded.Store(false)
			return in, i
		}
		if ctx.Err() != nil {
			return nil, -1
		}
	}
	switch {
	case timedOut:
		r.timeouts.Add(1)
		r.degraded.Store(true)
	case failed:
		r.errs.Add(1)
		r.degraded.Store(true)
	default:
		r.notFound.Add(1)
	}
	return nil, -1
}

// logFailure logs at most one runtime failure per 10 seconds.
func (r *Resolver) logFailure(msg string, c Client, id container.ID, err error) {
	now := r.now().UnixNano()
	last := r.lastLog.Load()
	if now-last < int64(10*time.Second) || !r.lastLog.CompareAndSwap(last, now) {
		return
	}
	r.log.Warn(msg, "runtime", c.Name(), "container", id.Short(), "err", err)
}

// maxReinspect bounds the containers re-inspected per sweep for runtimes
// that cannot list what they run.
const maxReinspect = 64

// sweep expires negative entries and forgets containers that stopped
// running more than the grace period ago.
func (r *Resolver) sweep(ctx context.Context) {
	now := r.now().UnixNano()
	r.mu.Lock()
	for k, exp := range r.negative {
		if now >= exp {
			delete(r.negative, k)
		}
	}
	byClient := make(map[int][]string)
	for full, t := range r.known {
		if !r.store.Has(full) {
			delete(r.known, full) // evicted or deleted
			continue
		}
		byClient[t.client] = append(byClient[t.client], full)
	}
	r.mu.Unlock()

	// Ask the runtimes without holding the lock.
	gone := make(map[string]bool)
	for ci, ids := range byClient {
		c := r.clients[ci]
		lctx, cancel := context.WithTimeout(ctx, r.cfg.LookupTimeout)
		running, err := c.Running(lctx)
		cancel()
		switch {
		case err == nil:
			for _, full := range ids {
				gone[full] = !running[full]
			}
		case errors.Is(err, errors.ErrUnsupported):
			for i, full := range ids {
				if i >= maxReinspect {
					break
				}
				lctx, cancel := context.WithTimeout(ctx, r.cfg.LookupTimeout)
				_, err := c.Inspect(lctx, full)
				cancel()
				if err == nil || errors.Is(err, ErrNotFound) {
					gone[full] = err != nil
				}
			}
		case errors.Is(err, ErrUnavailable):
			for _, full := range ids { // the runtime is gone, and so are its containers
				gone[full] = true
			}
		}
		// Other errors: the runtime cannot tell; keep everything.
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	for full, isGone := range gone {
		t := r.known[full]
		if t == nil {
			continue
		}
		switch {
		case !isGone:
			t.exitedAt = 0
		case t.exitedAt == 0:
			t.exitedAt = now
		case now-t.exitedAt >= int64(r.cfg.Grace):
			r.store.Delete(full)
			delete(r.known, full)
			r.forgotten.Add(1)
		}
	}
}
