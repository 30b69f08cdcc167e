package exporter

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
)

// FileOutput appends detections as Falco JSON alert lines to a file.
//
// Every detection is one write(2) of one whole line on a file opened with
// O_APPEND, without user-space buffering: a line Write reports as sent is
// in the kernel's page cache, survives the agent being killed, and is
// never split across writes, so a reader tailing the file only ever sees
// whole lines. The price is one system call per detection, about as much
// as encoding the line (BenchmarkFileOutputWrite: a few microseconds per
// detection in all), which is far above any sane detection rate.
//
// Reopen supports rename-based log rotation (logrotate without
// copytruncate): after the file is renamed away, Reopen makes the output
// write to a new file at the same path. Write, Reopen and Close are safe
// for concurrent use.
type FileOutput struct {
	path     string
	hostname string
	log      *slog.Logger

	mu     sync.Mutex
	f      *os.File // nil once closed
	buf    []byte   // line being written, reused
	closed bool
}

// fileOutputMode is the permission of a file the output creates.
const fileOutputMode = 0o600

// NewFileOutput opens path for appending, creating it with mode 0600 if it
// does not exist (an existing file keeps its mode and content), and returns
// an output writing Falco JSON lines with the given hostname to it.
func NewFileOutput(path, hostname string, log *slog.Logger) (*FileOutput, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f, err := openAppend(path)
	if err != nil {
		return nil, fmt.Errorf("file output: %w", err)
	}
	return &FileOutput{path: path, hostname: hostname, log: log, f: f}, nil
}

// openAppend opens path write-only for appending, creating it if needed.
// Its errors name the path (*os.PathError); a directory fails with EISDIR.
func openAppend(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fileOutputMode)
}

var _ Output = (*FileOutput)(nil)

// Name returns "file".
func (o *FileOutput) Name() string { return "file" }

// Path returns the path the output writes to.
func (o *FileOutput) Path() string { return o.path }

// Write appends d as one line.
func (o *FileOutput) Write(_ context.Context, d *Detection) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return fmt.Errorf("file output %s: %w", o.path, os.ErrClosed)
	}
	var err error
	o.buf, err = AppendFalcoJSON(o.buf[:0], &d.Detection, o.hostname)
	if err != nil {
		return err
	}
	if _, err := o.f.Write(o.buf); err != nil {
		return fmt.Errorf("file output: %w", err)
	}
	return nil
}

// Reopen opens the output's path again and makes later writes go to it,
// then closes the previous file; call it after the file was rotated (for
// instance on SIGHUP). Nothing is buffered, so every line written before
// Reopen is in the previous file and every line after it in the new one.
// If the path cannot be opened the output keeps writing to the previous
// file and Reopen returns the error.
func (o *FileOutput) Reopen() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return fmt.Errorf("reopen file output %s: %w", o.path, os.ErrClosed)
	}
	f, err := openAppend(o.path)
	if err != nil {
		return fmt.Errorf("reopen file output: %w", err)
	}
	old := o.f
	o.f = f
	if err := old.Close(); err != nil {
		// The lines were written already; a close error can only
		// concern the previous file, so report it without failing.
		o.log.Warn("close rotated output file", "path", o.path, "err", err)
	}
	o.log.Info("reopened output file", "path", o.path)
	return nil
}

// Close closes the file. Later writes and reopens fail; closing again
// does nothing.
func (o *FileOutput) Close(context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	f := o.f
	o.f = nil
	if err := f.Close(); err != nil {
		return fmt.Errorf("close file output: %w", err)
	}
	return nil
}
