package main

import (
	"fmt"
	"slices"
)

// Numbers and their rendering shared by the suites.

// median of xs (mean of the middle two for an even count); 0 when empty.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// mib converts bytes to MiB.
func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// fmtMiB renders bytes as MiB with one decimal.
func fmtMiB(b uint64) string { return fmt.Sprintf("%.1f", mib(b)) }

// fmtSI renders a rate as 12.3K or 1.23M.
func fmtSI(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fK", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
