package main

import (
	"bytes"
	"context"
	"time"
)

// SoakResult is a placeholder until the suite is written.
type SoakResult struct{}

func (r *SoakResult) markdown(b *bytes.Buffer) {}

// targets returns the targets this section measures.
func (r *SoakResult) targets() []Target { return nil }

// RunSoak is a placeholder until the suite is written.
func (s *Suite) RunSoak(ctx context.Context, d time.Duration) (*SoakResult, error) { return nil, nil }
