package main

import (
	"bytes"
	"context"
)

// DropCurve is a placeholder until the suite is written.
type DropCurve struct{}

func (r *DropCurve) markdown(b *bytes.Buffer) {}

// targets returns the targets this section measures.
func (r *DropCurve) targets() []Target { return nil }

// RunDrops is a placeholder until the suite is written.
func (s *Suite) RunDrops(ctx context.Context) (*DropCurve, error) { return nil, nil }

func runGen(args []string) int { return 2 }
