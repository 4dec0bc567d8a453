// Package devmail is the mail catcher that `make run` starts beside the
// app in development: an SMTP server that accepts every message on a
// loopback address and keeps the latest ones in memory, and a web page
// where a person reads them — the list, each message's text, its HTML in
// a sandboxed frame, its headers and its source. It also answers the
// list as JSON for scripts. It is for development only: it listens on
// loopback addresses alone and keeps nothing on disk.
package devmail

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// maxPart bounds the bytes read from one part of a message.
const maxPart = 4 << 20

// Parsed is what a message says, decoded: its header, its Subject and its
// text and HTML bodies ("" when it has none).
type Parsed struct {
	Header  mail.Header
	Subject string
	Text    string
	HTML    string
}

// Parse decodes a message as it went over SMTP. A message that is not
// one (no header) is returned with its raw bytes as the text.
func Parse(raw []byte) Parsed {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Parsed{Header: mail.Header{}, Text: string(raw)}
	}
	body, err := io.ReadAll(io.LimitReader(m.Body, maxPart))
	if err != nil {
		return Parsed{Header: m.Header, Text: string(raw)}
	}
	p := Parsed{Header: m.Header, Subject: DecodeHeader(m.Header.Get("Subject"))}
	ct, enc := m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding")
	p.Text = part("text/plain", ct, enc, bytes.NewReader(body))
	p.HTML = part("text/html", ct, enc, bytes.NewReader(body))
	return p
}

// DecodeHeader decodes RFC 2047 encoded words ("=?utf-8?q?…?="); a header
// that does not decode is returned as it is.
func DecodeHeader(h string) string {
	if d, err := new(mime.WordDecoder).DecodeHeader(h); err == nil {
		return d
	}
	return h
}

// part returns the decoded part of media type want in a body of
// contentType, searching multipart bodies depth first. A body without a
// content type, or with one that does not parse, is text/plain (RFC 2045).
func part(want, contentType, encoding string, body io.Reader) string {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return ""
			}
			if t := part(want, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); t != "" {
				return t
			}
		}
	}
	if mt != want {
		return ""
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, _ := io.ReadAll(io.LimitReader(body, maxPart))
	return string(b)
}
