package main

import (
	"bytes"
	"context"
)

// OverheadResult is a placeholder until the suite is written.
type OverheadResult struct{}

func (r *OverheadResult) markdown(b *bytes.Buffer) {}

// targets returns the targets this section measures.
func (r *OverheadResult) targets() []Target { return nil }

// RunOverhead is a placeholder until the suite is written.
func (s *Suite) RunOverhead(ctx context.Context, rounds int) (*OverheadResult, error) {
	return nil, nil
}

func runWork(args []string) int { return 2 }
