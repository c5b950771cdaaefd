package lesson_test

import (
	"fmt"
	"time"

	"github.com/tcpsim/tcpsim/internal/lesson"
	"github.com/tcpsim/tcpsim/sim"
)

// A megabyte over a 50 ms link: with a 65535-byte window and a 100 ms
// RTT, 16 windows after the handshake.
func ExampleTransfer() {
	res, err := lesson.Transfer(lesson.TransferConfig{
		Seed: 1, Bytes: 1_000_000, Path: sim.Path{Delay: 50 * time.Millisecond},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d bytes in %v, %.0f bit/s, match %v, %d retransmissions\n",
		res.Received, res.Done, res.GoodputBPS(), res.Match(), res.Retransmissions)
	// Output: 1000000 bytes in 1.65s, 4848485 bit/s, match true, 0 retransmissions
}
