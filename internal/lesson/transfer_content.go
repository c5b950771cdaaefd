package lesson

import (
	"encoding/binary"
	"math/rand/v2"
)

// contentChunk is how many bytes of content are generated at a time, so
// that a large transfer never holds its whole content in memory.
const contentChunk = 16 << 10

// contentStream keeps the content's generator apart from the world's: the
// same seed gives the same bytes whatever the network does.
const contentStream = 0x636f_6e74_656e_74 // "content"

// content is the pseudo-random bytes a transfer sends, drawn from the
// seed with the same generator as the world (PCG) on its own stream.
type content struct {
	rng *rand.PCG
	buf []byte
}

func newContent(seed uint64) *content {
	return &content{rng: rand.NewPCG(seed, contentStream), buf: make([]byte, contentChunk)}
}

// next returns the next n bytes, n at most contentChunk. The slice is
// reused by the following call.
func (c *content) next(n int64) []byte {
	b := c.buf[:n]
	for i := 0; i < len(b); i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], c.rng.Uint64())
		copy(b[i:], w[:])
	}
	return b
}
