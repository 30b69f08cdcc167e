package main

import (
	"bytes"
	"context"
)

// EngineResult is a placeholder until the suite is written.
type EngineResult struct{}

func (r *EngineResult) markdown(b *bytes.Buffer) {}

// targets returns the targets this section measures.
func (r *EngineResult) targets() []Target { return nil }

// RunEngine is a placeholder until the suite is written.
func (s *Suite) RunEngine(ctx context.Context, previous *Report) (*EngineResult, error) {
	return nil, nil
}
