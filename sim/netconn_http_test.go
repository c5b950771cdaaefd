package sim_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// TestNetworkHTTP: an unmodified net/http server and client talk over the
// simulated network: the server Serves on a sim Listener, the client's
// Transport dials with the sim's DialContext. By hand, one way = 10 ms:
// Dial returns at 20 ms, the request (written at once) reaches the server
// at 30 ms and its response the client at 40 ms, the time it takes.
func TestNetworkHTTP(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ncSetup(t, nil)
		l, err := s.server.Listen("tcp", ":80")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello %s from %s", r.URL.Path[1:], r.RemoteAddr)
		})}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(l) }()

		tr := &http.Transport{DialContext: s.client.DialContext}
		client := &http.Client{Transport: tr}
		start := time.Now()
		resp, err := client.Get("http://server/learner")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 40*time.Millisecond {
			t.Errorf("GET took %v, want 40ms (two round trips)", d)
		}
		if want := "hello learner from 198.18.0.1:49152"; string(body) != want {
			t.Errorf("body %q, want %q", body, want)
		}
		tr.CloseIdleConnections()
		srv.Close()
		if err := <-served; err != http.ErrServerClosed {
			t.Errorf("Serve = %v, want http.ErrServerClosed", err)
		}
	})
}
