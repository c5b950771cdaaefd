package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/tcpsim/tcpsim/capture"
)

// driveCollector keeps the segments of the stream --drive replays: their
// headers and payload lengths, not their bytes.
type driveCollector struct {
	stream int
	segs   []capture.Captured
}

func (d *driveCollector) add(rec capture.Record, p *capture.Packet, si capture.SegmentInfo) {
	if d == nil || si.Stream != d.stream {
		return
	}
	seg := p.Segment
	seg.Payload = nil
	d.segs = append(d.segs, capture.Captured{Frame: rec.Number, At: si.At, FromServer: si.FromServer, Seg: seg, Len: p.Len})
}

// maxShownDivergences is how many divergences the text report lists.
const maxShownDivergences = 10

// writeDrive reports a --drive run; divergences make it an error (exit
// status 1), as diff does.
func writeDrive(w io.Writer, path string, stream int, c *capture.Conversation, d *capture.Drive, asJSON bool) error {
	played, other := "client", "server"
	addr := c.Client
	if d.Server {
		played, other, addr = "server", "client", c.Server
	}
	if asJSON {
		type divergence struct {
			Segment  int     `json:"segment"`
			Frame    int     `json:"frame"`
			Time     float64 `json:"time"`
			Field    string  `json:"field"`
			Captured string  `json:"captured"`
			Tcpsim   string  `json:"tcpsim"`
		}
		doc := struct {
			File        string       `json:"file"`
			Stream      int          `json:"stream"`
			Drive       string       `json:"drive"`
			Lag         float64      `json:"lag"`
			Fed         int          `json:"fed"`
			Captured    int          `json:"captured"`
			Sent        int          `json:"sent"`
			Differing   int          `json:"differing"`
			Divergences []divergence `json:"divergences"`
		}{File: path, Stream: stream, Drive: played, Lag: d.Lag.Seconds(), Fed: d.Fed, Captured: len(d.Captured),
			Sent: len(d.Ours), Differing: d.Differing, Divergences: []divergence{}}
		for _, v := range d.Diverged {
			doc.Divergences = append(doc.Divergences, divergence{Segment: v.Segment, Frame: v.Frame, Time: v.At.Seconds(),
				Field: v.Field, Captured: v.Want, Tcpsim: v.Got})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "%s, stream %d: tcpsim played the %s %s, fed the %s's %s (lag %.6f s)\n",
			path, stream, played, addr, other, count(d.Fed, "segment"), d.Lag.Seconds())
		fmt.Fprintf(w, "the %s sent %s in the capture, tcpsim %d\n", played, count(len(d.Captured), "segment"), len(d.Ours))
		if d.Differing == 0 {
			_, err := fmt.Fprintln(w, "no divergence")
			return err
		}
		fmt.Fprintf(w, "%d of %s diverge; the first:\n", d.Differing, count(max(len(d.Captured), len(d.Ours)), "segment"))
		for i, v := range d.Diverged {
			if i == maxShownDivergences {
				fmt.Fprintf(w, "  ... (-o json lists up to %d)\n", capture.MaxDivergences)
				break
			}
			frame := "not in the capture"
			if v.Frame > 0 {
				frame = fmt.Sprintf("frame %d", v.Frame)
			}
			fmt.Fprintf(w, "  segment %d (%s, %.6f s): %s: captured %s, tcpsim %s\n", v.Segment, frame, v.At.Seconds(),
				v.Field, v.Want, v.Got)
		}
	}
	if d.Differing > 0 {
		return fmt.Errorf("--drive %s: %d of %s diverge", played, d.Differing, count(max(len(d.Captured), len(d.Ours)), "segment"))
	}
	return nil
}
