package condition

import (
	"os"
	"testing"
)

// BenchmarkParse parses a long condition in the style of the upstream rules
// (lists, field arguments, transformers, nested groups).
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/bench_condition.txt")
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	if _, err := Parse(text, Options{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(text, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
