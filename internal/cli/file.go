package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// outputFile is a file written all at once or not at all: it is written
// into a temporary file in the same directory and renamed to its path only
// when everything succeeded, so that a failure leaves no partial file
// behind (and an existing file as it was). Creating it before the run
// reports an unwritable path before any work is done.
type outputFile struct {
	path string
	tmp  *os.File
}

// createOutput prepares path for writing.
func createOutput(path string) (*outputFile, error) {
	if path == "" {
		return nil, errors.New("empty output path")
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("cannot create %s: is a directory", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", path, reason(err))
	}
	return &outputFile{path: path, tmp: tmp}, nil
}

// commit writes the content with write and puts the file in place.
func (f *outputFile) commit(write func(io.Writer) error) error {
	if err := write(f.tmp); err != nil {
		f.discard()
		return fmt.Errorf("writing %s: %w", f.path, err)
	}
	// os.CreateTemp made the file private (0600); the output is an
	// ordinary file, as a shell's redirection would make it.
	err := f.tmp.Chmod(0o644)
	if err == nil {
		err = f.tmp.Close()
	}
	if err == nil {
		err = os.Rename(f.tmp.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.tmp.Name())
		return fmt.Errorf("writing %s: %w", f.path, reason(err))
	}
	f.tmp = nil
	return nil
}

// discard removes the temporary file; after commit it does nothing.
func (f *outputFile) discard() {
	if f != nil && f.tmp != nil {
		f.tmp.Close()
		os.Remove(f.tmp.Name())
		f.tmp = nil
	}
}

// reason drops the wrapping that names the temporary file, keeping why.
func reason(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
