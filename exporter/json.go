package exporter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vigilsec/vigil/rules"
)

// falcoAlert is one detection in Falco's JSON alert format, which
// Falcosidekick and other Falco consumers read.
type falcoAlert struct {
	Time         string         `json:"time"`
	Rule         string         `json:"rule"`
	Priority     string         `json:"priority"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
	Source       string         `json:"source"`
	Tags         []string       `json:"tags"`
	Hostname     string         `json:"hostname"`
}

// AppendFalcoJSON appends d as one line of Falco's JSON alert format.
func AppendFalcoJSON(dst []byte, d *rules.Detection, hostname string) ([]byte, error) {
	ts := d.Time.UTC().Format(time.RFC3339Nano)
	tags := d.Rule.Tags
	if tags == nil {
		tags = []string{}
	}
	of := d.OutputFields
	if of == nil {
		of = map[string]any{}
	}
	a := falcoAlert{
		Time:         ts,
		Rule:         d.Rule.Name,
		Priority:     d.Rule.Priority.Title(),
		Output:       fmt.Sprintf("%s: %s %s", ts, d.Rule.Priority.Title(), d.Output),
		OutputFields: of,
		Source:       d.Rule.Source,
		Tags:         tags,
		Hostname:     hostname,
	}
	b, err := json.Marshal(a)
	if err != nil {
		return dst, fmt.Errorf("encode detection: %w", err)
	}
	dst = append(dst, b...)
	return append(dst, '\n'), nil
}

// JSONOutput writes detections as Falco JSON alert lines to an io.Writer
// (standard output, or anything else that needs no reopening).
type JSONOutput struct {
	name     string
	mu       sync.Mutex
	w        io.Writer
	hostname string
	buf      []byte
}

// NewJSONOutput returns an output called name writing Falco JSON lines to w.
func NewJSONOutput(name string, w io.Writer, hostname string) *JSONOutput {
	return &JSONOutput{name: name, w: w, hostname: hostname}
}

// Name returns the output's metric label.
func (j *JSONOutput) Name() string { return j.name }

// Write writes one detection as one line.
func (j *JSONOutput) Write(_ context.Context, d *Detection) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var err error
	j.buf, err = AppendFalcoJSON(j.buf[:0], &d.Detection, j.hostname)
	if err != nil {
		return err
	}
	if _, err := j.w.Write(j.buf); err != nil {
		return fmt.Errorf("write detection: %w", err)
	}
	return nil
}

// Close does nothing: every line is written when it is received.
func (j *JSONOutput) Close(context.Context) error { return nil }
