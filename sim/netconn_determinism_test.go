package sim_test

import (
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tcpsim/tcpsim/sim"
)

// ncHTTPRun serves three GETs of a 100 kB page to a client whose Transport
// reads and writes from goroutines of its own, with a bulk echo going on
// at the same time, and returns the world's trace as text.
func ncHTTPRun(t *testing.T) string {
	var b strings.Builder
	synctest.Test(t, func(t *testing.T) {
		w := sim.New(sim.Config{Seed: 3, Trace: func(e sim.TraceEvent) {
			fmt.Fprintf(&b, "%v %s %v %v %v %v %v->%v %v %d\n", e.Time.Sub(sim.Epoch()), e.Host, e.Kind,
				e.Local, e.Remote, e.Segment, e.From, e.To, e.Call, len(e.Data))
		}})
		c, _ := w.AddHost(sim.HostConfig{Name: "client", Addr: netip.MustParseAddr("198.18.0.1")})
		s, _ := w.AddHost(sim.HostConfig{Name: "server", Addr: netip.MustParseAddr("198.18.0.2")})
		p := sim.Path{Delay: ncOneWay}
		if _, err := w.AddLink(c, s, p, p); err != nil {
			t.Fatal(err)
		}
		n := sim.NewNetwork(w, sim.NetworkConfig{Settle: synctest.Wait})
		defer n.Close()
		client, server := n.Host(c), n.Host(s)

		l, err := server.Listen("tcp", ":80")
		if err != nil {
			t.Fatal(err)
		}
		page := strings.Repeat("x", 100_000)
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, page)
		})}
		go srv.Serve(l)

		el, err := server.Listen("tcp", ":7")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			ec, err := el.Accept()
			if err != nil {
				t.Error(err)
				return
			}
			defer ec.Close()
			io.Copy(ec, ec)
		})
		wg.Go(func() {
			ec, err := client.Dial("tcp", "server:7")
			if err != nil {
				t.Error(err)
				return
			}
			defer ec.Close()
			wg.Go(func() {
				io.WriteString(ec, page)
				ec.(*sim.NetConn).CloseWrite()
			})
			io.Copy(io.Discard, ec)
		})

		tr := &http.Transport{DialContext: client.DialContext}
		cl := &http.Client{Transport: tr}
		for range 3 {
			resp, err := cl.Get("http://server/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != page {
				t.Fatalf("GET read %d bytes, want %d", len(body), len(page))
			}
			time.Sleep(time.Millisecond)
		}
		wg.Wait()
		tr.CloseIdleConnections()
		srv.Close()
		el.Close()
	})
	return b.String()
}

// TestNetworkDeterminism: with Settle, goroutine code gives the same
// trace, byte for byte, run after run. Without it, the order in which
// the Transport's reading and writing goroutines reach the network
// varies, and so does the trace (it did in the first runs tried).
func TestNetworkDeterminism(t *testing.T) {
	first := ncHTTPRun(t)
	if len(first) == 0 {
		t.Fatal("empty trace")
	}
	for i := range 10 {
		if again := ncHTTPRun(t); again != first {
			a, b := strings.Split(first, "\n"), strings.Split(again, "\n")
			for j := range min(len(a), len(b)) {
				if a[j] != b[j] {
					t.Fatalf("run %d differs at line %d:\n%s\n%s", i+2, j+1, a[j], b[j])
				}
			}
			t.Fatalf("run %d: %d lines, want %d", i+2, len(b), len(a))
		}
	}
}
