package tcpstate

import "time"

// instant is a point in time as nanoseconds since the Unix epoch, 0 when
// unset. The connection stores its deadlines and timestamps this way
// rather than as time.Time, which is three times larger: a connection is
// small enough for a million of them.
type instant int64

func instantOf(t time.Time) instant { return instant(t.UnixNano()) }

// time converts back; the zero instant is the zero Time.
func (i instant) time() time.Time {
	if i == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(i)).UTC()
}
