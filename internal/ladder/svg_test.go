package ladder

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// svgDoc decodes the whole document, failing the test if it is not
// well-formed XML, and returns its elements in order.
func svgDoc(t *testing.T, doc string) []xml.StartElement {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(doc))
	var elems []xml.StartElement
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok {
			elems = append(elems, se.Copy())
		}
	}
	if len(elems) == 0 || elems[0].Name.Local != "svg" || elems[0].Name.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root element is not an svg in the SVG namespace: %v", elems)
	}
	for _, a := range []string{"version", "width", "height", "viewBox"} {
		if attr(elems[0], a) == "" {
			t.Errorf("the svg element has no %s", a)
		}
	}
	if v := attr(elems[0], "version"); v != "1.1" {
		t.Errorf("version %q; want 1.1", v)
	}
	return elems
}

// wellFormed decodes the whole document.
func wellFormed(doc string) error {
	dec := xml.NewDecoder(strings.NewReader(doc))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// count counts the elements named name whose class attribute is class.
func count(elems []xml.StartElement, name, class string) int {
	n := 0
	for _, e := range elems {
		if e.Name.Local == name && attr(e, "class") == class {
			n++
		}
	}
	return n
}

func TestSVGStructure(t *testing.T) {
	elems := svgDoc(t, svgOf(t, demo()))
	// 10 segments, one lost: every one has a line, the 9 delivered an
	// arrowhead, the lost one a red X.
	if n := count(elems, "g", "arrow"); n != 10 {
		t.Errorf("%d arrow groups; want 10", n)
	}
	var heads int
	for _, e := range elems {
		if e.Name.Local == "line" && attr(e, "marker-end") == "url(#head)" {
			heads++
		}
	}
	if lines, lost, xs := count(elems, "line", "seg"), count(elems, "line", "seg lost"), count(elems, "path", "x"); lines != 9 || heads != 9 || lost != 1 || xs != 1 {
		t.Errorf("%d delivered lines (%d with a head), %d lost lines, %d X; want 9, 9, 1, 1", lines, heads, lost, xs)
	}
	// 12 state changes, each in a box; 2 breaks, each dotting 2 lifelines.
	if n := count(elems, "g", "state"); n != 12 {
		t.Errorf("%d state boxes; want 12", n)
	}
	if n := count(elems, "line", "lifeline gap"); n != 4 {
		t.Errorf("%d dotted lifeline pieces; want 4", n)
	}
	if n := count(elems, "marker", ""); n != 2 {
		t.Errorf("%d markers; want 2", n)
	}
}

func TestSVGEscapes(t *testing.T) {
	label := `<&> "quoted" 'x'`
	d := Diagram{Left: "a<b", Right: "c&d", Events: []Event{
		Segment{From: Left, Sent: 0, Arrived: 10 * ms, Label: label},
		Note{Right, 10 * ms, "recv \xff\x00 bad bytes"},
		State{Right, 10 * ms, "A", "B", "rule <1> & <2>"},
	}}
	doc := svgOf(t, d)
	svgDoc(t, doc)
	if strings.Contains(doc, "<&>") || strings.Contains(doc, "a<b") {
		t.Error("raw < or & in the document")
	}
	// The label reads back as written.
	dec := xml.NewDecoder(strings.NewReader(doc))
	found := false
	inLabel := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inLabel = tok.Name.Local == "text" && attr(tok, "class") == "label"
		case xml.CharData:
			if inLabel && string(tok) == label {
				found = true
			}
		case xml.EndElement:
			inLabel = false
		}
	}
	if !found {
		t.Errorf("no label text reads %q", label)
	}
}

func TestSVGEdgeCases(t *testing.T) {
	for name, d := range map[string]Diagram{
		"no events": {Left: "a", Right: "b"},
		"datagrams": {Left: "a", Right: "b", Events: []Event{
			Datagram{From: Left, Sent: 0, Arrived: 5 * ms, Label: "UDP len 5"},
			Datagram{From: Right, Sent: 5 * ms, Dropped: true, Arrived: 5 * ms, Reason: "port unreachable"},
		}},
		"long label": {Left: "a", Right: "b", Events: []Event{
			Segment{From: Right, Sent: 0, Arrived: 0, Label: strings.Repeat("long ", 100)},
		}},
	} {
		t.Run(name, func(t *testing.T) {
			doc := svgOf(t, d)
			elems := svgDoc(t, doc)
			switch name {
			case "datagrams":
				if count(elems, "line", "seg dgram") != 1 || count(elems, "line", "seg dgram lost") != 1 || count(elems, "path", "x") != 1 {
					t.Errorf("want a dashed datagram line, a lost one and its X:\n%s", doc)
				}
			case "long label":
				cut := strings.Repeat("long ", 12)[:svgLabelMax-1] + "…</text>"
				if !strings.Contains(doc, cut) {
					t.Errorf("the long label is not cut with …:\n%s", doc)
				}
			}
		})
	}
}
