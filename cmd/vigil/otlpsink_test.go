package main

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
)

// grpcSink is an in-process OTLP logs receiver.
type grpcSink struct {
	plogotlp.UnimplementedGRPCServer
	addr string
	mu   sync.Mutex
	recs []sinkRecord
}

// sinkRecord is one received log record with its resource.
type sinkRecord struct {
	res plog.ResourceLogs
	rec plog.LogRecord
}

func newGRPCSink(t *testing.T) *grpcSink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &grpcSink{addr: l.Addr().String()}
	srv := grpc.NewServer()
	plogotlp.RegisterGRPCServer(srv, s)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return s
}

// Export keeps every record of a request.
func (s *grpcSink) Export(_ context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rls := req.Logs().ResourceLogs()
	for i := range rls.Len() {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := range sls.Len() {
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				s.recs = append(s.recs, sinkRecord{res: rl, rec: lrs.At(k)})
			}
		}
	}
	return plogotlp.NewExportResponse(), nil
}

// wait returns the first record for which ok holds, waiting up to 20 s.
func (s *grpcSink) wait(t *testing.T, ok func(plog.LogRecord) bool) sinkRecord {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		for _, r := range s.recs {
			if ok(r.rec) {
				s.mu.Unlock()
				return r
			}
		}
		s.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no matching OTLP record within 20s (%d received)", len(s.recs))
	return sinkRecord{}
}
