package runtime

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilsec/vigil/collector/container"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

const simpleDoc = `{"Id":"ID_PLACEHOLDER","Name":"/c1","Config":{"Image":"localhost/vt-busybox:test","Labels":{"app":"vt"}}}`

// startResolver runs r until the test ends.
func startResolver(t *testing.T, r *Resolver) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestResolverRequest(t *testing.T) {
	id := container.ID{Full: fullID('a'), Runtime: container.RuntimePodman}
	f := startFake(t, dockerHandler(map[string]string{id.Full: simpleDoc}, []string{id.Full}, nil))
	st := container.NewStore(16)
	r := New(st, []Client{NewDocker(f.path)}, Config{}, discard())
	startResolver(t, r)

	st.Request(id) // what the collector does on exec
	waitFor(t, "metadata", func() bool { return st.Has(id.Full) })
	in, _ := st.Get(id.Full)
	if in.ID != id || in.Name != "c1" || in.ImageRepo != "localhost/vt-busybox" || in.ImageTag != "test" || in.Labels["app"] != "vt" {
		t.Errorf("stored %+v", in)
	}
	if c := r.Counters(); c.Resolved != 1 || c.NotFound+c.Errors+c.Timeouts != 0 {
		t.Errorf("counters %+v", c)
	}
	st.Request(id) // known: no new lookup
	if !r.Await(id) {
		t.Error("Await of a known container = false")
	}
	time.Sleep(20 * time.Millisecond)
	if n := f.count("/containers/" + id.Full + "/json"); n != 1 {
		t.Errorf("inspected %d times, want 1", n)
	}
}

func TestResolverAwaitWithinBudget(t *testing.T) {
	id := container.ID{Full: fullID('a'), Runtime: container.RuntimeDocker}
	h := dockerHandler(map[string]string{id.Full: simpleDoc}, nil, nil)
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(30 * time.Millisecond) // a runtime slower than nothing, faster than the budget
		h(w, r)
	})
	st := container.NewStore(16)
	r := New(st, []Client{NewDocker(f.path)}, Config{Budget: 2 * time.Second}, discard())
	startResolver(t, r)
	start := time.Now()
	if !r.Await(id) {
		t.Fatal("Await did not get the metadata within the budget")
	}
	if d := time.Since(start); d < 30*time.Millisecond || d > time.Second {
		t.Errorf("Await took %v", d)
	}
}

// A runtime that never answers: the event waits no longer than the budget,
// the lookup ends at its timeout and is counted, later containers do not
// wait at all while the runtime keeps failing, and Run still stops.
func TestResolverHangingRuntime(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	st := container.NewStore(16)
	budget := 50 * time.Millisecond
	r := New(st, []Client{NewDocker(f.path)}, Config{Budget: budget, LookupTimeout: 200 * time.Millisecond}, discard())
	startResolver(t, r)

	a := container.ID{Full: fullID('a'), Runtime: container.RuntimeDocker}
	start := time.Now()
	if r.Await(a) {
		t.Fatal("Await = true with a hanging runtime")
	}
	if d := time.Since(start); d < budget || d > budget+150*time.Millisecond {
		t.Errorf("Await took %v, budget %v", d, budget)
	}
	waitFor(t, "timeout counted", func() bool { return r.Counters().Timeouts == 1 })
	b := container.ID{Full: fullID('b'), Runtime: container.RuntimeDocker}
	start = time.Now()
	r.Await(b)
	if d := time.Since(start); d > budget/2 {
		t.Errorf("Await while degraded took %v", d)
	}
	// The failed container is not asked again before NegativeTTL.
	r.Await(a)
	waitFor(t, "second timeout", func() bool { return r.Counters().Timeouts == 2 })
	time.Sleep(50 * time.Millisecond)
	if c := r.Counters(); c.Timeouts != 2 || c.AwaitExpiry != 1 {
		t.Errorf("counters %+v", c)
	}
	if n := f.count("/containers/" + a.Full + "/json"); n != 1 {
		t.Errorf("container a inspected %d times, want 1 (negative cache)", n)
	}
}

func TestResolverGarbage(t *testing.T) {
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("HTTP/9 \x00\xff garbage {{{"))
	})
	st := container.NewStore(16)
	r := New(st, []Client{NewDocker(f.path)}, Config{Budget: time.Second}, discard())
	startResolver(t, r)
	id := container.ID{Full: fullID('a'), Runtime: container.RuntimeDocker}
	if r.Await(id) {
		t.Fatal("garbage resolved a container")
	}
	if c := r.Counters(); c.Errors != 1 || c.Resolved != 0 {
		t.Errorf("counters %+v", c)
	}
}

// The socket disappears while the agent runs: lookups find nothing (counted
// as not found, not waiting), and containers of that runtime are forgotten
// after the grace period.
func TestResolverSocketDisappears(t *testing.T) {
	a := container.ID{Full: fullID('a'), Runtime: container.RuntimePodman}
	f := startFake(t, dockerHandler(map[string]string{a.Full: simpleDoc}, []string{a.Full}, nil))
	st := container.NewStore(16)
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	r := New(st, []Client{NewDocker(f.path)}, Config{Budget: time.Second, Grace: time.Minute, SweepInterval: time.Hour}, discard())
	r.now = func() time.Time { return time.Unix(0, now.Load()) }
	startResolver(t, r)
	if !r.Await(a) {
		t.Fatal("not resolved")
	}
	f.stop()
	b := container.ID{Full: fullID('b'), Runtime: container.RuntimePodman}
	start := time.Now()
	if r.Await(b) {
		t.Fatal("resolved without a runtime")
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("Await took %v with the socket gone", d)
	}
	if c := r.Counters(); c.NotFound != 1 {
		t.Errorf("counters %+v", c)
	}
	r.sweep(context.Background()) // marks a as gone
	if !st.Has(a.Full) {
		t.Fatal("forgotten before the grace period")
	}
	now.Add(int64(2 * time.Minute))
	r.sweep(context.Background())
	if st.Has(a.Full) || r.Counters().Forgotten != 1 {
		t.Errorf("not forgotten after the grace period: %+v", r.Counters())
	}
}

// Containers that stop running are forgotten after the grace period; those
// still running stay, and negative entries expire.
func TestResolverForgetsExited(t *testing.T) {
	a := container.ID{Full: fullID('a'), Runtime: container.RuntimeDocker}
	b := container.ID{Full: fullID('b'), Runtime: container.RuntimeDocker}
	var mu sync.Mutex
	running := []string{a.Full, b.Full}
	f := startFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := dockerHandler(map[string]string{a.Full: simpleDoc, b.Full: simpleDoc}, running, nil)
		mu.Unlock()
		h(w, r)
	})
	st := container.NewStore(16)
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	r := New(st, []Client{NewDocker(f.path)}, Config{Budget: time.Second, Grace: 10 * time.Second, NegativeTTL: 5 * time.Second, SweepInterval: time.Hour}, discard())
	r.now = func() time.Time { return time.Unix(0, now.Load()) }
	startResolver(t, r)
	if !r.Await(a) || !r.Await(b) {
		t.Fatal("not resolved")
	}
	c := container.ID{Full: fullID('c'), Runtime: container.RuntimeDocker}
	r.Await(c) // not found: negative
	mu.Lock()
	running = []string{b.Full}
	mu.Unlock()
	ctx := context.Background()
	r.sweep(ctx)
	now.Add(int64(6 * time.Second))
	r.sweep(ctx)
	if !st.Has(a.Full) {
		t.Fatal("a forgotten before the grace period")
	}
	r.mu.Lock()
	_, neg := r.negative[c.Full]
	r.mu.Unlock()
	if neg {
		t.Error("negative entry did not expire")
	}
	now.Add(int64(5 * time.Second))
	r.sweep(ctx)
	if st.Has(a.Full) || !st.Has(b.Full) {
		t.Errorf("after grace: a stored %v (want false), b stored %v (want true)", st.Has(a.Full), st.Has(b.Full))
	}
}

// A full work queue drops requests and counts them; nothing blocks.
func TestResolverQueueFull(t *testing.T) {
	st := container.NewStore(16)
	r := New(st, nil, Config{QueueSize: 2, Budget: time.Second}, discard())
	// Run is not started: nothing drains the queue.
	for _, c := range []byte("abcd") {
		r.request(container.ID{Full: fullID(c), Runtime: container.RuntimeDocker})
	}
	if c := r.Counters(); c.QueueFull != 2 {
		t.Errorf("QueueFull = %d, want 2", c.QueueFull)
	}
	start := time.Now()
	if r.Await(container.ID{Full: fullID('e')}) {
		t.Error("Await = true")
	}
	if time.Since(start) > 100*time.Millisecond {
		t.Error("Await waited on a dropped request")
	}
}

// The layout's own runtime is asked first; others are asked when it does
// not know the container.
func TestResolverClientOrder(t *testing.T) {
	id := container.ID{Full: fullID('a'), Runtime: container.RuntimeCRIO}
	docker := startFake(t, dockerHandler(map[string]string{id.Full: simpleDoc}, nil, nil))
	crio := startFake(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	st := container.NewStore(16)
	r := New(st, []Client{NewDocker(docker.path), NewCRIO(crio.path)}, Config{Budget: time.Second}, discard())
	startResolver(t, r)
	if !r.Await(id) {
		t.Fatal("not resolved")
	}
	if crio.count("/containers/"+id.Full) != 1 || docker.count("/containers/"+id.Full+"/json") != 1 {
		t.Errorf("crio hits %d, docker hits %d", crio.count("/containers/"+id.Full), docker.count("/containers/"+id.Full+"/json"))
	}
}
