package kernel

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/vigilsec/vigil/collector/record"
)

func TestSmoke(t *testing.T) {
	requireBPF(t)
	p, err := Open(Config{RingSize: 1 << 20, TraceSelf: true, Interest: []string{"openat", "execve", "procexit", "procfork"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, f := range p.Features() {
		t.Logf("feature %+v", f)
	}
	f, _ := os.Open("/etc/hostname")
	f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var r record.Record
	n := 0
	for {
		if err := p.Read(ctx, &r); err != nil {
			t.Logf("read: %v", err)
			break
		}
		n++
		if n < 30 {
			t.Logf("%v tgid=%d tid=%d ret=%d flags=%v args=%v data0=%q", r.Kind, r.TGID, r.TID, r.Ret, r.Flags, r.Args[:r.NArgs], r.Data[0])
		}
	}
	c, err := p.Counters()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("n=%d delivered=%d late=%d openat=%v", n, c.Delivered, c.Late, c.Kernel[record.KindOpenat])
}
