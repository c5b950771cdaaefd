package tcptest

import (
	"errors"
	"fmt"
)

// Text returns n bytes of printable text in which no short stretch
// repeats, so that a Read check catches bytes delivered at the wrong
// offset. Text(n)[i:j] is the data from offset i to j of any Text stream.
func Text(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[(uint32(i)*2654435761>>16)%uint32(len(alphabet))]
	}
	return string(b)
}

// ReadN reads into an n-byte buffer and checks the data and error: for a
// read that takes only part of what is buffered, such as a scenario that
// opens the receive window a little at a time.
func ReadN(n int, want string, wantErr error) Step {
	return newStep(func(h *Harness) error {
		buf := make([]byte, n)
		got, err := h.Conn.Read(buf)
		if !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
			return fmt.Errorf("Read(%d bytes): error %v, want %v", n, err, wantErr)
		}
		if string(buf[:got]) != want {
			return fmt.Errorf("Read(%d bytes) %q, want %q", n, buf[:got], want)
		}
		return nil
	})
}

// DrainEvents discards the pending application events, so that a later
// Events step checks only what came after it.
func DrainEvents() Step {
	return newStep(func(h *Harness) error {
		for _, ok := h.Conn.PollEvent(); ok; _, ok = h.Conn.PollEvent() {
		}
		return nil
	})
}
