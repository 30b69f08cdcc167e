package runtime

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeRuntime is an HTTP server on a unix socket standing in for a
// runtime's API.
type fakeRuntime struct {
	path  string
	srv   *http.Server
	ln    net.Listener
	mu    sync.Mutex
	hits  map[string]int
	close sync.Once
}

func startFake(t *testing.T, h http.HandlerFunc) *fakeRuntime {
	t.Helper()
	dir, err := os.MkdirTemp("", "vrt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	f := &fakeRuntime{path: filepath.Join(dir, "rt.sock"), hits: map[string]int{}}
	f.ln, err = net.Listen("unix", f.path)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.hits[r.URL.Path]++
		f.mu.Unlock()
		h(w, r)
	})}
	go f.srv.Serve(f.ln)
	t.Cleanup(f.stop)
	return f
}

// stop closes the server; the socket file is removed with the listener.
func (f *fakeRuntime) stop() { f.close.Do(func() { f.srv.Close(); f.ln.Close() }) }

func (f *fakeRuntime) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

// dockerHandler serves inspect answers for the containers in byID (full id
// → JSON document; "ID_PLACEHOLDER" is replaced by the id), the running
// list and image digests.
func dockerHandler(byID map[string]string, running []string, digests map[string][]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/containers/json":
			var b strings.Builder
			b.WriteString("[")
			for i, id := range running {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(`{"Id":"` + id + `"}`)
			}
			b.WriteString("]")
			w.Write([]byte(b.String()))
		case strings.HasPrefix(p, "/containers/") && strings.HasSuffix(p, "/json"):
			id := strings.TrimSuffix(strings.TrimPrefix(p, "/containers/"), "/json")
			doc, ok := byID[id]
			if !ok {
				http.Error(w, `{"message":"no such container"}`, http.StatusNotFound)
				return
			}
			w.Write([]byte(strings.ReplaceAll(doc, "ID_PLACEHOLDER", id)))
		case strings.HasPrefix(p, "/images/") && strings.HasSuffix(p, "/json"):
			img := strings.TrimSuffix(strings.TrimPrefix(p, "/images/"), "/json")
			d, ok := digests[img]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(`{"RepoDigests":["` + strings.Join(d, `","`) + `"]}`))
		default:
			http.NotFound(w, r)
		}
	}
}
