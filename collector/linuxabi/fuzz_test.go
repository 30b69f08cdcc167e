package linuxabi

import "testing"

// FuzzAppenders feeds arbitrary raw values (they come from the kernel and
// from replayed capture files) to every renderer: none may panic, and the
// output is only symbol characters, separators and digits.
func FuzzAppenders(f *testing.F) {
	for _, v := range []uint64{0, 1, 0x241, 0o4755, 0x4206, 1 << 63, ^uint64(0)} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v uint64) {
		for name, fn := range appenders() {
			checkSymbols(t, name, fn(nil, v))
		}
		checkSymbols(t, "Res", AppendRes(nil, int64(v)))
	})
}

func checkSymbols(t *testing.T, name string, b []byte) {
	t.Helper()
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z' /* AF_DECnet */, c >= '0' && c <= '9', c == '_', c == '|', c == ' ', c == '-':
		default:
			t.Fatalf("%s rendered unexpected byte %q in %q", name, c, b)
		}
	}
}
