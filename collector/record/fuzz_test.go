package record

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, k := range []Kind{KindExecve, KindOpenat, KindConnect, KindClose, KindGeneric, KindProcFork} {
		r := sample(k)
		b, err := Encode(nil, &r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add(make([]byte, HeaderSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Record
		err := Decode(b, &r)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > len(b) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		if int(r.Len) > len(b) || r.Len%8 != 0 {
			t.Fatalf("accepted length %d of %d", r.Len, len(b))
		}
		// A decoded record re-encodes to the same bytes except for padding
		// and trailing slack, which the encoder zeroes and trims.
		out, err := Encode(nil, &r)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var r2 Record
		if err := Decode(out, &r2); err != nil {
			t.Fatalf("decode re-encoded: %v", err)
		}
		if r2.Kind != r.Kind || r2.Args != r.Args || r2.TS != r.TS || r2.Ret != r.Ret {
			t.Fatal("re-encoded record differs")
		}
		for i := 0; i < int(r.NData); i++ {
			if !bytes.Equal(r.Data[i], r2.Data[i]) {
				t.Fatalf("field %d differs", i)
			}
		}
	})
}
