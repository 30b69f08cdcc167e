package exporter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilsec/vigil/rules"
	"github.com/vigilsec/vigil/rules/fields"
	"github.com/vigilsec/vigil/rules/rulefile"
)

// outputTestDetection returns a detection of the Shadow Read test rule
// whose proc.name is "proc-<n>", so lines can be told apart.
func outputTestDetection(tb testing.TB, n int) *Detection {
	tb.Helper()
	reg := fields.NewRegistry()
	rs, problems := rules.Load(reg, rules.Options{}, rulefile.Source{Name: "test.yaml", Data: []byte(testRules)})
	for _, p := range problems {
		if p.Severity == rulefile.SeverityError {
			tb.Fatalf("load: %s", p)
		}
	}
	et, ok := fields.LookupEventType("openat")
	if !ok {
		tb.Fatal("no event type openat")
	}
	ev, err := fields.NewMapEvent(reg, et, map[string]string{
		"fd.name": "/etc/shadow", "proc.name": fmt.Sprintf("proc-%d", n),
	})
	if err != nil {
		tb.Fatal(err)
	}
	d := rs.Lookup("Shadow Read").Detect(ev, time.Date(2026, 11, 23, 8, 0, 0, n, time.UTC))
	return &Detection{Detection: d}
}

// falcoLine is the line AppendFalcoJSON renders for d on host node-1.
func falcoLine(tb testing.TB, d *Detection) string {
	tb.Helper()
	b, err := AppendFalcoJSON(nil, &d.Detection, "node-1")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func newTestFileOutput(t *testing.T, path string) *FileOutput {
	t.Helper()
	o, err := NewFileOutput(path, "node-1", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(context.Background()) })
	return o
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFileOutputWrite(t *testing.T) {
	tests := []struct {
		name     string
		existing *string // file content before the output opens it; nil: no file
		writes   int
	}{
		{name: "new file", writes: 3},
		{name: "existing file is appended to", existing: new("previous line\n"), writes: 2},
		{name: "existing empty file", existing: new(""), writes: 1},
		{name: "no writes", writes: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "vigil.json")
			want := ""
			if tt.existing != nil {
				if err := os.WriteFile(path, []byte(*tt.existing), 0o644); err != nil {
					t.Fatal(err)
				}
				want = *tt.existing
			}
			o := newTestFileOutput(t, path)
			if o.Name() != "file" {
				t.Errorf("Name() = %q", o.Name())
			}
			for i := range tt.writes {
				d := outputTestDetection(t, i)
				if err := o.Write(context.Background(), d); err != nil {
					t.Fatal(err)
				}
				want += falcoLine(t, d)
			}
			// Unbuffered: the lines are in the file before Close.
			if got := readFile(t, path); got != want {
				t.Errorf("before close:\n got %q\nwant %q", got, want)
			}
			if err := o.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, path); got != want {
				t.Errorf("after close:\n got %q\nwant %q", got, want)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			wantMode := fs.FileMode(0o600)
			if tt.existing != nil {
				wantMode = 0o644 // an existing file keeps its mode
			}
			if fi.Mode().Perm() != wantMode {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), wantMode)
			}
		})
	}
}

func TestFileOutputReopenAfterRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vigil.json")
	o := newTestFileOutput(t, path)
	var before, after string
	for i := range 3 {
		d := outputTestDetection(t, i)
		if err := o.Write(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		before += falcoLine(t, d)
	}
	// What logrotate does without copytruncate: rename, then signal.
	rotated := path + ".1"
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	if err := o.Reopen(); err != nil {
		t.Fatal(err)
	}
	for i := 3; i < 5; i++ {
		d := outputTestDetection(t, i)
		if err := o.Write(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		after += falcoLine(t, d)
	}
	if got := readFile(t, rotated); got != before {
		t.Errorf("rotated file:\n got %q\nwant %q", got, before)
	}
	if got := readFile(t, path); got != after {
		t.Errorf("new file:\n got %q\nwant %q", got, after)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("new file mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestFileOutputReopenFailureKeepsOldFile: when the path cannot be opened
// again, Reopen fails and the output keeps writing where it did.
func TestFileOutputReopenFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "logs")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(sub, "vigil.json")
	o := newTestFileOutput(t, path)
	d0, d1 := outputTestDetection(t, 0), outputTestDetection(t, 1)
	if err := o.Write(context.Background(), d0); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(dir, "logs.old")
	if err := os.Rename(sub, moved); err != nil {
		t.Fatal(err)
	}
	err := o.Reopen()
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Reopen with the directory gone: %v, want ErrNotExist naming %s", err, path)
	}
	if err := o.Write(context.Background(), d1); err != nil {
		t.Fatalf("write after failed reopen: %v", err)
	}
	if got, want := readFile(t, filepath.Join(moved, "vigil.json")), falcoLine(t, d0)+falcoLine(t, d1); got != want {
		t.Errorf("old file:\n got %q\nwant %q", got, want)
	}
}

// TestFileOutputConcurrentWriteReopen rotates the file repeatedly while
// several goroutines write: run with -race. Every line must land whole in
// exactly one of the files.
func TestFileOutputConcurrentWriteReopen(t *testing.T) {
	const writers, perWriter, rotations = 4, 200, 20
	dir := t.TempDir()
	path := filepath.Join(dir, "vigil.json")
	o := newTestFileOutput(t, path)

	dets := make([]*Detection, writers)
	for i := range dets {
		dets[i] = outputTestDetection(t, i)
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for range perWriter {
				if err := o.Write(context.Background(), dets[w]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for r := range rotations {
			if err := os.Rename(path, fmt.Sprintf("%s.%d", path, r)); err != nil {
				t.Error(err)
				return
			}
			if err := o.Reopen(); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()
	if err := o.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	files, err := filepath.Glob(path + "*")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != rotations+1 {
		t.Errorf("%d files, want %d", len(files), rotations+1)
	}
	want := map[string]int{}
	for _, d := range dets {
		want[falcoLine(t, d)] = perWriter
	}
	got := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			t.Errorf("%s ends in a partial line", f)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			got[sc.Text()+"\n"]++
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d distinct lines, want %d", len(got), len(want))
	}
	for line, n := range want {
		if got[line] != n {
			t.Errorf("line %.60q… written %d times, want %d", line, got[line], n)
		}
	}
}

func TestFileOutputUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		is   error // expected errors.Is target, nil: any
		skip func() string
	}{
		{name: "missing directory", path: filepath.Join(dir, "nope", "vigil.json"), is: fs.ErrNotExist},
		{name: "path is a directory", path: dir},
		{name: "read-only directory", path: filepath.Join(readOnly, "vigil.json"), is: fs.ErrPermission, skip: func() string {
			// Root with CAP_DAC_OVERRIDE writes anywhere.
			f, err := os.Create(filepath.Join(readOnly, "probe"))
			if err != nil {
				return ""
			}
			f.Close()
			return "this process bypasses file permissions (CAP_DAC_OVERRIDE)"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip != nil {
				if why := tt.skip(); why != "" {
					t.Skip(why)
				}
			}
			o, err := NewFileOutput(tt.path, "node-1", slog.New(slog.DiscardHandler))
			if err == nil {
				o.Close(context.Background())
				t.Fatalf("NewFileOutput(%s) succeeded", tt.path)
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name %s", err, tt.path)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestFileOutputClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.json")
	o := newTestFileOutput(t, path)
	if err := o.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := o.Write(context.Background(), outputTestDetection(t, 0)); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
	if err := o.Reopen(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Reopen after Close: %v, want ErrClosed", err)
	}
	if got := readFile(t, path); got != "" {
		t.Errorf("file content %q", got)
	}
}

// TestFileOutputLinesAreFalcoJSON decodes what the file holds.
func TestFileOutputLinesAreFalcoJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.json")
	o := newTestFileOutput(t, path)
	if err := o.Write(context.Background(), outputTestDetection(t, 7)); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(readFile(t, path)), &got); err != nil {
		t.Fatal(err)
	}
	if got["rule"] != "Shadow Read" || got["hostname"] != "node-1" ||
		got["output_fields"].(map[string]any)["proc.name"] != "proc-7" {
		t.Errorf("decoded %v", got)
	}
}

// BenchmarkFileOutputWrite compares encoding a line alone, the file
// output (encode + one write(2)), and for reference the same through a
// user-space buffer the output deliberately does not use: the differences
// are the cost of the system call per detection.
func BenchmarkFileOutputWrite(b *testing.B) {
	d := outputTestDetection(b, 1)
	b.Run("encode", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			var err error
			buf, err = AppendFalcoJSON(buf[:0], &d.Detection, "node-1")
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("file", func(b *testing.B) {
		o, err := NewFileOutput(filepath.Join(b.TempDir(), "vigil.json"), "node-1", slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		defer o.Close(context.Background())
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if err := o.Write(ctx, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bufio-reference", func(b *testing.B) {
		f, err := os.OpenFile(filepath.Join(b.TempDir(), "vigil.json"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		w := bufio.NewWriterSize(f, 64<<10)
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			buf, err = AppendFalcoJSON(buf[:0], &d.Detection, "node-1")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := w.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	})
}
