package capture

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File is a Writer whose capture appears at its path only once Close
// succeeds: it writes to a temporary file in the same directory and renames
// it over the path at the end, so an error or an interrupted run never
// leaves a partial capture behind.
//
//	f, err := capture.Create("handshake.pcapng", capture.PCAPNG, capture.Ethernet)
//	if err != nil {
//		return err // "capture: cannot create handshake.pcapng: permission denied"
//	}
//	defer f.Discard() // no-op once Close has succeeded
//	... f.WriteSegment(...) ...
//	return f.Close()
type File struct {
	*Writer
	path string
	tmp  *os.File
	done bool
}

// Create starts a capture that Close will leave at path. The errors name
// path and the reason in one line, e.g. "capture: cannot create
// /x/a.pcap: no such file or directory".
func Create(path string, format Format, link LinkType) (*File, error) {
	if path == "" {
		return nil, errors.New("capture: empty output path")
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("capture: cannot create %s: is a directory", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, createError(path, err)
	}
	w, err := NewWriter(pathWriter{tmp, path}, format, link)
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	return &File{Writer: w, path: path, tmp: tmp}, nil
}

// Close flushes the capture and moves it to its path. On any error,
// including one the Writer met earlier, it removes the temporary file
// and returns the error: the path is then left as it was.
func (f *File) Close() error {
	if f.done {
		return fmt.Errorf("capture: %s already closed", f.path)
	}
	f.done = true
	err := f.Flush()
	if err == nil {
		// CreateTemp makes the file private; a capture is an ordinary
		// output file, readable by all like one os.Create would make.
		err = f.tmp.Chmod(0o644)
	}
	if cerr := f.tmp.Close(); err == nil && cerr != nil {
		err = createError(f.path, cerr)
	}
	if err == nil {
		if rerr := os.Rename(f.tmp.Name(), f.path); rerr != nil {
			err = createError(f.path, rerr)
		}
	}
	if err != nil {
		os.Remove(f.tmp.Name())
		return err
	}
	return nil
}

// Discard abandons the capture and removes its temporary file. It does
// nothing after Close, so it can be deferred right after Create.
func (f *File) Discard() {
	if f.done {
		return
	}
	f.done = true
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}

// createError reports that path could not be created, with the reason
// from err and not the temporary name it may carry.
func createError(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("capture: cannot create %s: %w", path, err)
}

// pathWriter writes to the temporary file and reports its errors under
// the path the user asked for, not the temporary name.
type pathWriter struct {
	f    *os.File
	path string
}

func (w pathWriter) Write(b []byte) (int, error) {
	n, err := w.f.Write(b)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		err = fmt.Errorf("writing %s: %w", w.path, err)
	}
	return n, err
}
