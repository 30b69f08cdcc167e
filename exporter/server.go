package exporter

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"
)

// Readiness reports why the agent is not ready, or nil when it is.
type Readiness func() error

// Server serves /metrics, /healthz, /readyz and a landing page.
type Server struct {
	srv       *http.Server
	ln        net.Listener
	webConfig string
	log       *slog.Logger
}

var landing = template.Must(template.New("landing").Parse(`<!doctype html>
<html><head><title>Vigil</title></head><body>
<h1>Vigil</h1><p>Runtime security detection. Version {{.}}.</p>
<ul><li><a href="/metrics">/metrics</a></li><li><a href="/healthz">/healthz</a></li><li><a href="/readyz">/readyz</a></li></ul>
</body></html>
`))

// NewServer listens on addr and prepares the handlers; Serve starts them.
// webConfig, when not empty, is an exporter-toolkit web configuration file
// (TLS, basic auth), checked here so a bad file fails start-up.
func NewServer(addr, webConfig string, m *Metrics, ready Readiness, version string, log *slog.Logger) (*Server, error) {
	if webConfig != "" {
		if err := web.Validate(webConfig); err != nil {
			return nil, fmt.Errorf("web config %s: %w", webConfig, err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 40,
		Registry:            m.Registry,
	}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = landing.Execute(w, version)
	})
	return &Server{
		srv:       &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		ln:        ln,
		webConfig: webConfig,
		log:       log,
	}, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve serves until Shutdown; it returns nil after a clean shutdown.
func (s *Server) Serve() error {
	var err error
	if s.webConfig != "" {
		err = web.Serve(s.ln, s.srv, &web.FlagConfig{WebConfigFile: &s.webConfig}, s.log)
	} else {
		err = s.srv.Serve(s.ln)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

// Shutdown stops the server, waiting for requests in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }
