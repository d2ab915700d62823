// Package mail sends e-mail: a message type, the MIME encoding that makes
// Japanese subjects and bodies arrive intact (UTF-8, RFC 2047 encoded words,
// base64 bodies, a text part with an optional HTML alternative), and a
// sender over SMTP with STARTTLS and AUTH PLAIN. Its sub-package mailtest is
// an in-process SMTP server for tests.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/textproto"
	"slices"
	"strings"
	"time"

	netmail "net/mail"
)

// Message is one e-mail. From may be left empty for the sender's default.
type Message struct {
	From    string
	To      []string
	Subject string
	Text    string
	// HTML is an optional alternative to Text for clients that show HTML.
	HTML string
	// Headers are extra header fields (Auto-Submitted, X-Ceptor-...); they
	// cannot replace the ones the message is built with.
	Headers map[string]string
	// ID, when set, is the local part of the Message-ID (letters, digits,
	// ".", "-", "_"): a message sent again after a crash keeps its ID, so
	// that mailboxes recognise the repeat. Empty: a random one.
	ID string
}

// Sender sends messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrInvalid is wrapped by errors about the message itself (no recipient, a
// malformed address, a header with a line break): sending it again cannot
// succeed.
var ErrInvalid = errors.New("mail: invalid message")

// reserved headers are written by Build and cannot be given in Headers.
var reserved = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Subject": true, "Date": true, "Message-Id": true,
	"Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true,
}

// parseAddresses checks addresses and returns them for the envelope and
// for the header.
func parseAddresses(list []string) (envelope []string, header string, err error) {
	var hdr []string
	for _, s := range list {
		a, err := netmail.ParseAddress(s)
		if err != nil {
			return nil, "", fmt.Errorf("%w: address %q: %v", ErrInvalid, s, err)
		}
		envelope = append(envelope, a.Address)
		hdr = append(hdr, a.String())
	}
	return envelope, strings.Join(hdr, ", "), nil
}

// encodeHeader returns a header value as RFC 2047 encoded words when it is
// not plain ASCII (B encoding keeps Japanese shortest), folded between the
// words so that a long subject keeps its lines short.
func encodeHeader(v string) string {
	return strings.ReplaceAll(mime.BEncoding.Encode("UTF-8", v), "?= =?", "?=\r\n =?")
}

// Build returns the message in wire format (CRLF line ends) together with
// the envelope sender and recipients. host names the Message-ID's domain.
func Build(m Message, now time.Time, host string) (data []byte, from string, to []string, err error) {
	if len(m.To) == 0 {
		return nil, "", nil, fmt.Errorf("%w: no recipient", ErrInvalid)
	}
	fromEnv, fromHdr, err := parseAddresses([]string{m.From})
	if err != nil {
		return nil, "", nil, err
	}
	to, toHdr, err := parseAddresses(m.To)
	if err != nil {
		return nil, "", nil, err
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, "", nil, fmt.Errorf("%w: line break in the subject", ErrInvalid)
	}
	if host == "" {
		host = "localhost"
		if _, d, ok := strings.Cut(fromEnv[0], "@"); ok {
			host = d
		}
	}
	id := make([]byte, 12)
	rand.Read(id)

	h := textproto.MIMEHeader{}
	h.Set("From", fromHdr)
	h.Set("To", toHdr)
	h.Set("Subject", encodeHeader(m.Subject))
	h.Set("Date", now.Format(time.RFC1123Z))
	local := hex.EncodeToString(id)
	if m.ID != "" {
		if strings.Trim(m.ID, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != "" || len(m.ID) > 100 {
			return nil, "", nil, fmt.Errorf("%w: message id %q", ErrInvalid, m.ID)
		}
		local = m.ID
	}
	h.Set("Message-ID", "<"+local+"@"+host+">")
	h.Set("MIME-Version", "1.0")
	for k, v := range m.Headers {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if reserved[ck] || !validHeaderName(ck) {
			return nil, "", nil, fmt.Errorf("%w: header %q cannot be set", ErrInvalid, k)
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, "", nil, fmt.Errorf("%w: line break in header %s", ErrInvalid, k)
		}
		h.Set(ck, encodeHeader(v))
	}

	var body bytes.Buffer
	if m.HTML == "" {
		h.Set("Content-Type", "text/plain; charset=UTF-8")
		h.Set("Content-Transfer-Encoding", "base64")
		writeBase64(&body, m.Text)
	} else {
		mw := multipart.NewWriter(&body)
		h.Set("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
		for _, part := range []struct{ ct, text string }{{"text/plain; charset=UTF-8", m.Text}, {"text/html; charset=UTF-8", m.HTML}} {
			w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ct}, "Content-Transfer-Encoding": {"base64"}})
			if err != nil {
				return nil, "", nil, err
			}
			writeBase64(w, part.text)
		}
		if err := mw.Close(); err != nil {
			return nil, "", nil, err
		}
	}

	var out bytes.Buffer
	// A fixed order reads better and keeps tests stable.
	order := []string{"From", "To", "Subject", "Date", "Message-Id", "Mime-Version"}
	for _, k := range order {
		fmt.Fprintf(&out, "%s: %s\r\n", headerName(k), h.Get(k))
	}
	var extra []string
	for k := range h {
		if !slices.Contains(order, k) && k != "Content-Type" && k != "Content-Transfer-Encoding" {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		fmt.Fprintf(&out, "%s: %s\r\n", k, h.Get(k))
	}
	fmt.Fprintf(&out, "Content-Type: %s\r\n", h.Get("Content-Type"))
	if cte := h.Get("Content-Transfer-Encoding"); cte != "" {
		fmt.Fprintf(&out, "Content-Transfer-Encoding: %s\r\n", cte)
	}
	out.WriteString("\r\n")
	out.Write(toCRLF(body.Bytes()))
	return out.Bytes(), fromEnv[0], to, nil
}

// headerName spells the conventional forms that canonicalisation changes.
func headerName(k string) string {
	switch k {
	case "Message-Id":
		return "Message-ID"
	case "Mime-Version":
		return "MIME-Version"
	}
	return k
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r <= ' ' || r >= 0x7f || r == ':' {
			return false
		}
	}
	return true
}

// writeBase64 writes text as base64 in lines of 76 characters.
func writeBase64(w interface{ Write([]byte) (int, error) }, text string) {
	enc := base64.StdEncoding.EncodeToString([]byte(toCRLFString(text)))
	for len(enc) > 76 {
		w.Write([]byte(enc[:76] + "\r\n"))
		enc = enc[76:]
	}
	if enc != "" {
		w.Write([]byte(enc + "\r\n"))
	}
}

// toCRLFString normalises the line ends of a text part to CRLF, as MIME
// wants for text before encoding.
func toCRLFString(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func toCRLF(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}
