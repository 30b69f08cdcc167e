package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
)

// Sink is the endpoint of the full arm's webhook and OTLP/HTTP outputs: it
// accepts and counts every request. An empty protobuf body is a valid
// ExportLogsServiceResponse.
type Sink struct {
	l        net.Listener
	srv      *http.Server
	Webhooks atomic.Uint64
	OTLP     atomic.Uint64
}

// NewSink listens on a free loopback port.
func NewSink() (*Sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sink: %w", err)
	}
	s := &Sink{l: l}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhook", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		s.Webhooks.Add(1)
	})
	mux.HandleFunc("POST /v1/logs", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		s.OTLP.Add(1)
		w.Header().Set("Content-Type", "application/x-protobuf")
	})
	s.srv = &http.Server{Handler: mux}
	go s.srv.Serve(l)
	return s, nil
}

// Addr is host:port of the sink.
func (s *Sink) Addr() string { return s.l.Addr().String() }

// Close stops serving.
func (s *Sink) Close() { s.srv.Close() }
