package udp

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds Decode arbitrary bytes, over IPv4 or IPv6: it must
// never panic, a datagram it accepts must lie within the input, and
// re-encoding it must give back the bytes it came from (the checksum
// field aside, when an IPv4 sender sent none). Seeds live in
// testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add(hi, false)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, b []byte, v6 bool) {
		src, dst := v4a, v4b
		if v6 {
			src, dst = v6a, v6b
		}
		d, err := Decode(src, dst, b)
		if err != nil {
			if len(err.Error()) < 5 || err.Error()[:5] != "udp: " {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		if d.Len() > len(b) {
			t.Fatalf("datagram of %d bytes from %d", d.Len(), len(b))
		}
		e, err := Encode(d)
		if err != nil {
			t.Fatal(err)
		}
		orig := b[:d.Len()]
		if orig[6]|orig[7] == 0 && !v6 {
			orig = bytes.Clone(orig)
			orig[6], orig[7] = e[6], e[7]
		}
		if !bytes.Equal(e, orig) {
			t.Fatalf("re-encoded %x, from %x", e, orig)
		}
	})
}
