package lesson_test

import (
	"fmt"
	"time"

	"github.com/tcpsim/tcpsim/internal/lesson"
	"github.com/tcpsim/tcpsim/sim"
)

// A megabyte over a 50 ms link: slow start from 10 segments (RFC 5681,
// RFC 6928) for three round trips, then one 65535-byte window per 100 ms
// round trip.
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
	// Output: 1000000 bytes in 1.75s, 4571429 bit/s, match true, 0 retransmissions
}
