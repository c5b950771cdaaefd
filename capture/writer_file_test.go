package capture

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// dirEntries returns the names in dir.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestCreateClose: the capture appears at its path, complete, with the
// same bytes as a Writer on a buffer, and nothing else is left behind.
func TestCreateClose(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.pcapng")
	f, err := Create(path, PCAPNG, Ethernet)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Discard()
	recs := scenario(client4, server4)
	writeScenario(t, f.Writer, recs)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the capture is at its path before Close: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f.Discard() // no-op after Close
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	w, _ := NewWriter(&want, PCAPNG, Ethernet)
	writeScenario(t, w, recs)
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("file of %d bytes differs from the %d written to a buffer", len(got), want.Len())
	}
	if names := dirEntries(t, dir); len(names) != 1 || names[0] != "out.pcapng" {
		t.Errorf("directory holds %q, want only out.pcapng", names)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if err := f.Close(); err == nil {
		t.Errorf("second Close succeeded")
	}
}

// TestCreateNoPartialFile: after an error, or Discard, no file is left,
// and an existing file at the path keeps its content.
func TestCreateNoPartialFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.pcap")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path, PCAP, RawIP)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.WriteDatagram(epoch, client4, client4, []byte("ok"), ""); err != nil {
		t.Fatal(err)
	}
	f.WriteDatagram(epoch, client4, server6, nil, "") // mixed families: an error
	if err := f.Close(); err == nil || err.Error() != "capture: 10.0.0.1:49152 > [2001:db8::2]:40001 mixes IPv4 and IPv6" {
		t.Fatalf("Close = %v, want the write's error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("the existing file now holds %q", b)
	}
	if names := dirEntries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q, want only out.pcap", names)
	}

	g, err := Create(filepath.Join(dir, "new.pcap"), PCAP, RawIP)
	if err != nil {
		t.Fatal(err)
	}
	g.Discard()
	if names := dirEntries(t, dir); len(names) != 1 {
		t.Errorf("after Discard the directory holds %q", names)
	}
}

// TestCreateUnwritable: one-line errors that name the path.
func TestCreateUnwritable(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "dir", "x.pcap")
	_, err := Create(missing, PCAP, Ethernet)
	if want := "capture: cannot create " + missing + ": no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("missing directory: %v, want %q", err, want)
	}
	_, err = Create(dir, PCAPNG, Ethernet)
	if want := "capture: cannot create " + dir + ": is a directory"; err == nil || err.Error() != want {
		t.Errorf("directory: %v, want %q", err, want)
	}
	if _, err := Create("", PCAP, Ethernet); err == nil || err.Error() != "capture: empty output path" {
		t.Errorf("empty path: %v", err)
	}
	if _, err := Create(filepath.Join(dir, "x"), 0, Ethernet); err == nil {
		t.Errorf("format 0 accepted")
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Errorf("failed creations left %q", names)
	}
	if os.Geteuid() == 0 {
		t.Log("running as root: the permission-denied case is not checked")
		return
	}
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	_, err = Create(filepath.Join(ro, "x.pcap"), PCAP, Ethernet)
	if want := "capture: cannot create " + filepath.Join(ro, "x.pcap") + ": permission denied"; err == nil || err.Error() != want {
		t.Errorf("read-only directory: %v, want %q", err, want)
	}
}

// TestWriteErrorNamesPath: a failing write (here /dev/full, which always
// answers "no space left on device") is reported under the user's path.
func TestWriteErrorNamesPath(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	w, err := NewWriter(pathWriter{full, "out.pcap"}, PCAP, RawIP)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteDatagram(epoch, client4, server4, nil, "")
	if err := w.Flush(); err == nil || err.Error() != "capture: writing out.pcap: no space left on device" {
		t.Errorf("Flush = %v", err)
	}
}
