package cli

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSVGOutput: --svg writes a well-formed standalone SVG with one arrow
// per segment sent, and leaves nothing else in the directory.
func TestSVGOutput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.svg")
	code, out, errOut := run(t, "handshake", "--svg", path, "-o", "json")
	require.Equal(t, ExitOK, code, errOut)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := xml.NewDecoder(strings.NewReader(string(b)))
	var root string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "well-formed XML")
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	assert.Equal(t, "svg", root)
	segments := strings.Count(out, `"event":"send"`)
	assert.Equal(t, 11, segments, "the handshake lesson sends 11 segments")
	for _, label := range []string{"S seq 0", "S. seq 0 ack 1", "F. seq 6 ack 11", "TIME-WAIT"} {
		assert.Contains(t, string(b), label)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")
}

// TestSVGBadPath: an unwritable path is reported before the run, on one
// line naming the flag and the path, with exit status 2 and no file left.
func TestSVGBadPath(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing", "h.svg"), "--svg: cannot create " + filepath.Join(dir, "missing", "h.svg") + ": no such file or directory"},
		{dir, "--svg: cannot create " + dir + ": is a directory"},
	} {
		code, out, errOut := run(t, "handshake", "--svg", tc.path)
		assert.Equal(t, ExitUsage, code)
		assert.Empty(t, out, "nothing ran")
		assert.Equal(t, "tcpsim: "+tc.want+"\n", errOut)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing left behind")
}
