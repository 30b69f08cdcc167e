package otelcol

import (
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// maxSinkBody bounds one export request the sink reads (after
// decompression).
const maxSinkBody = 8 << 20

// httpSink is an in-process OTLP/HTTP logs server (protobuf encoding, gzip
// or plain), the destination of the collector's otlp_http exporter.
type httpSink struct {
	url string // base URL; the exporter posts to url + "/v1/logs"

	mu   sync.Mutex
	recs []sinkRecord
	errs []string // requests the sink could not decode
}

// sinkRecord is one received log record with its resource.
type sinkRecord struct {
	res plog.ResourceLogs
	rec plog.LogRecord
}

func newHTTPSink(t *testing.T) *httpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &httpSink{url: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/logs", s.export)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// export decodes one ExportLogsServiceRequest and keeps its records.
func (s *httpSink) export(w http.ResponseWriter, r *http.Request) {
	req, err := decodeExport(r)
	if err != nil {
		s.mu.Lock()
		s.errs = append(s.errs, err.Error())
		s.mu.Unlock()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.add(req.Logs())
	resp, err := plogotlp.NewExportResponse().MarshalProto()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

func decodeExport(r *http.Request) (plogotlp.ExportRequest, error) {
	req := plogotlp.NewExportRequest()
	if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		return req, fmt.Errorf("content type %q, want application/x-protobuf", ct)
	}
	var body io.Reader = r.Body
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return req, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		body = zr
	default:
		return req, fmt.Errorf("content encoding %q", enc)
	}
	b, err := io.ReadAll(io.LimitReader(body, maxSinkBody+1))
	if err != nil {
		return req, fmt.Errorf("read body: %w", err)
	}
	if len(b) > maxSinkBody {
		return req, fmt.Errorf("body over %d bytes", maxSinkBody)
	}
	if err := req.UnmarshalProto(b); err != nil {
		return req, fmt.Errorf("decode request: %w", err)
	}
	return req, nil
}

func (s *httpSink) add(ld plog.Logs) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rls := ld.ResourceLogs()
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
}

// matching returns the records received so far for which ok holds.
func (s *httpSink) matching(ok func(sinkRecord) bool) []sinkRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sinkRecord
	for _, r := range s.recs {
		if ok(r) {
			out = append(out, r)
		}
	}
	return out
}

// wait returns the records for which ok holds once there is at least one,
// waiting up to d. It fails the test, with the sink's state, on timeout.
func (s *httpSink) wait(t *testing.T, d time.Duration, ok func(sinkRecord) bool) []sinkRecord {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if got := s.matching(ok); len(got) > 0 {
			return got
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Fatalf("no matching record reached the sink within %v (%d records received, decode errors: %q)", d, len(s.recs), s.errs)
	return nil
}
