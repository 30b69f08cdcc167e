package record

import "testing"

// BenchmarkDecode decodes a realistic mix of records back to back: mostly
// openat and close, some connect, an occasional exec.
func BenchmarkDecode(b *testing.B) {
	var buf []byte
	mix := []Kind{KindOpenat, KindClose, KindOpenat, KindClose, KindConnect, KindOpenat, KindClose, KindExecve}
	for _, k := range mix {
		r := sample(k)
		if k == KindOpenat {
			r.Data[DataOpenPath] = []byte("/usr/lib/x86_64-linux-gnu/libc.so.6")
		}
		var err error
		if buf, err = Encode(buf, &r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(buf) / len(mix)))
	var r Record
	var sum uint64
	b.ResetTimer()
	for i := 0; i < b.N; {
		p := buf
		for len(p) > 0 && i < b.N {
			if err := Decode(p, &r); err != nil {
				b.Fatal(err)
			}
			sum += r.Args[0] + uint64(len(r.Data[0]))
			p = p[r.Len:]
			i++
		}
	}
	b.StopTimer()
	if sum == 0 {
		b.Fatal("nothing decoded")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrec/s")
}
