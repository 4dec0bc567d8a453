package demo

import (
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// minimalPDF writes a one-page A4 PDF 1.4 document showing lines (the
// first as a title), by hand: a catalogue, a page tree, one page, the
// standard Helvetica font (no font embedded) and one content stream, with
// a cross-reference table whose offsets are those of the objects as
// written. The demo's annual reports are such files: real, small PDFs
// that any viewer opens, made by us.
func minimalPDF(title string, lines []string) []byte {
	var content bytes.Buffer
	content.WriteString("BT\n/F1 22 Tf\n72 760 Td\n(" + pdfString(title) + ") Tj\n/F1 12 Tf\n0 -20 TL\n")
	for _, l := range lines {
		content.WriteString("T* (" + pdfString(l) + ") Tj\n")
	}
	content.WriteString("ET\n")

	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		"<< /Title (" + pdfString(title) + ") /Producer (Partnerdir demo data) >>",
	}
	var out bytes.Buffer
	// The second line's bytes above 127 tell transfer programs the file
	// is binary, as the specification recommends.
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, len(objects), xref)
	return out.Bytes()
}

// pdfString is s as the bytes of a PDF literal string in WinAnsiEncoding
// (Windows-1252: French accents and dashes), with its delimiters and
// backslashes escaped; characters the encoding lacks become "?".
func pdfString(s string) string {
	var b strings.Builder
	enc := charmap.Windows1252
	for _, r := range s {
		c, ok := enc.EncodeRune(r)
		if !ok {
			c = '?'
		}
		switch c {
		case '(', ')', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
