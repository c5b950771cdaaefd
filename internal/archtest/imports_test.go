// Package archtest keeps the import arrows of the design true: the
// protocol core knows nothing above it.
package archtest

import (
	"fmt"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tcpsim/tcpsim"

// allowed lists, for each package path (relative to the module), the
// module packages its non-test files may import. A package not listed here
// may import only the packages listed for its nearest listed parent; the
// prefixes under internal/ and cmd/ are free as the design allows.
var allowed = map[string][]string{
	"tcpstate/seqnum":  {},
	"tcpstate":         {"tcpstate/seqnum"},
	"tcpstate/tcptest": {"tcpstate", "tcpstate/seqnum"},
	"udp":              {"tcpstate", "tcpstate/seqnum"},
	"sim":              {"tcpstate", "tcpstate/seqnum", "udp"},
	"capture":          {"tcpstate", "tcpstate/seqnum", "udp"},
	"cmd/tcpsim":       {"internal/cli"},
}

// thirdParty lists the packages whose non-test files may import code from
// outside the module and the standard library.
var thirdParty = map[string]bool{"capture": true, "cmd/tcpsim": true}

func TestImportArrows(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bad, checked, err := violations(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Error(b)
	}
	if checked < 3 {
		t.Fatalf("checked only %d packages: the walk did not find the module", checked)
	}
}

// TestImportArrowsCatchesViolations builds a tiny tree where tcpstate
// imports sim and a third-party package, and expects both reported.
func TestImportArrowsCatchesViolations(t *testing.T) {
	root := t.TempDir()
	write := func(rel, src string) {
		dir := filepath.Join(root, rel)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("tcpstate", "package tcpstate\nimport (\n_ \""+module+"/sim\"\n_ \"github.com/gopacket/gopacket\"\n)\n")
	write("sim", "package sim\nimport _ \""+module+"/tcpstate\"\n")
	bad, checked, err := violations(root)
	if err != nil {
		t.Fatal(err)
	}
	if checked != 2 || len(bad) != 2 {
		t.Fatalf("checked %d packages, violations %q; want 2 and 2", checked, bad)
	}
}

// violations walks the tree at root and returns one message per import
// that breaks the table, and how many packages it checked.
func violations(root string) (bad []string, checked int, err error) {
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		allow, listed := allowed[rel]
		if !listed {
			if !strings.HasPrefix(rel, "internal/") && rel != "." {
				bad = append(bad, fmt.Sprintf("package %s is not in the import table: add its allowed imports", rel))
			}
			return nil
		}
		checked++
		for _, imp := range pkg.Imports {
			switch {
			case strings.HasPrefix(imp, module+"/"):
				dep := strings.TrimPrefix(imp, module+"/")
				if !slices.Contains(allow, dep) {
					bad = append(bad, fmt.Sprintf("%s imports %s: against the design (allowed: %v)", rel, dep, allow))
				}
			case isStdlib(imp):
			case !thirdParty[rel]:
				bad = append(bad, fmt.Sprintf("%s imports %s: only the edge packages may use code from outside the module", rel, imp))
			}
		}
		return nil
	})
	return bad, checked, err
}

// isStdlib reports whether an import path belongs to the standard library:
// its first element has no dot.
func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
