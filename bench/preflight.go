package main

import (
	"bytes"
	"context"
)

// Preflight is a placeholder until the suite is written.
type Preflight struct{}

func (r *Preflight) markdown(b *bytes.Buffer) {}

// targets returns the targets this section measures.
func (r *Preflight) targets() []Target { return nil }

// RunPreflight is a placeholder until the suite is written.
func RunPreflight(ctx context.Context, s *Suite) *Preflight { return &Preflight{} }
