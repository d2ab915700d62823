// Package c4tap reads suspicious e-mails (.eml) submitted to targeted-attack
// sharing (C4TAP) and extracts what participants share: the headers that
// identify the sender and the route, the links in the text and HTML parts,
// and the names, sizes and hashes of the attachments.
//
// Attachments are only ever hashed: never decoded beyond their transfer
// encoding, executed, rendered or served. The parser bounds the message
// size, the nesting depth of multiparts and the number of parts, and
// tolerates broken encodings by recording them instead of failing.
package c4tap

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"ceptor"
)

// Limits.
const (
	MaxMessageSize = 10 << 20 // bytes of one .eml
	MaxDepth       = 8        // nesting of multiparts
	MaxParts       = 200      // parts in one message
	MaxLinks       = 500
	MaxReceived    = 50
)

// Error is a message ceptor cannot read at all; Key is the message catalog
// key of its localised explanation.
type Error struct {
	Key    string
	Detail string
}

func (e *Error) Error() string { return "c4tap: " + e.Detail }

// AsCeptorError turns a parse error into ceptor's EINVALID.
func AsCeptorError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return &ceptor.Error{Code: ceptor.EINVALID, Message: e.Detail, Key: e.Key, Err: err}
	}
	return err
}

// Attachment is a part that is not the message's text: its name, declared
// type, size and hashes. Its content is never kept apart from the sealed
// raw message.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	SHA1        string `json:"sha1"`
	MD5         string `json:"md5"`
}

// Hop is one Received header: the addresses it names.
type Hop struct {
	IPs []string `json:"ips"`
}

// Message is what ceptor extracts from one e-mail.
type Message struct {
	From        string       `json:"from"`        // address of From
	FromName    string       `json:"from_name"`   // display name of From
	FromDomain  string       `json:"from_domain"` // domain of From
	ReplyTo     string       `json:"reply_to"`
	ReturnPath  string       `json:"return_path"`
	Subject     string       `json:"subject"`
	MessageID   string       `json:"message_id"`
	Date        *time.Time   `json:"date,omitempty"`
	Received    []Hop        `json:"received"` // as listed, newest first
	Links       []string     `json:"links"`
	Attachments []Attachment `json:"attachments"`
	// Problems lists what could not be read (a broken encoding, a part
	// beyond the limits): message keys, each at most once.
	Problems []string `json:"problems,omitempty"`
}

// Role of an extracted indicator.
const (
	RoleSender     = "sender"
	RoleReplyTo    = "reply_to"
	RoleReturnPath = "return_path"
	RoleDomain     = "sender_domain"
	RoleReceivedIP = "received_ip"
	RoleLink       = "link"
	RoleAttachment = "attachment"
)

// Extracted is an indicator with what it was in the message.
type Extracted struct {
	ceptor.Indicator
	Role string `json:"role"`
}

// Indicators returns the distinct indicators the message yields: the
// sender addresses and domain, public addresses of the Received chain,
// links and their hosts, and attachment hashes.
func (m *Message) Indicators() []Extracted {
	var out []Extracted
	seen := map[ceptor.Indicator]bool{}
	add := func(t ceptor.IndicatorType, v, role string) {
		in, key := ceptor.Indicator{Type: t, Value: v}.Normalize()
		if key != "" || seen[in] {
			return
		}
		seen[in] = true
		out = append(out, Extracted{Indicator: in, Role: role})
	}
	add(ceptor.IndEmail, m.From, RoleSender)
	add(ceptor.IndDomain, m.FromDomain, RoleDomain)
	add(ceptor.IndEmail, m.ReplyTo, RoleReplyTo)
	add(ceptor.IndEmail, m.ReturnPath, RoleReturnPath)
	for _, h := range m.Received {
		for _, ip := range h.IPs {
			p := net.ParseIP(ip)
			if p == nil || p.IsLoopback() || p.IsPrivate() || p.IsLinkLocalUnicast() || p.IsUnspecified() {
				continue
			}
			if p.To4() != nil {
				add(ceptor.IndIPv4, ip, RoleReceivedIP)
			} else {
				add(ceptor.IndIPv6, ip, RoleReceivedIP)
			}
		}
	}
	for _, l := range m.Links {
		add(ceptor.IndURL, l, RoleLink)
	}
	for _, a := range m.Attachments {
		add(ceptor.IndSHA256, a.SHA256, RoleAttachment)
		add(ceptor.IndSHA1, a.SHA1, RoleAttachment)
		add(ceptor.IndMD5, a.MD5, RoleAttachment)
	}
	return out
}

type parser struct {
	m     *Message
	parts int
	links map[string]bool
}

func (p *parser) problem(key string) {
	if !slices.Contains(p.m.Problems, key) {
		p.m.Problems = append(p.m.Problems, key)
	}
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "us-ascii", "iso-8859-1":
		return in, nil
	}
	// Other charsets (ISO-2022-JP, Shift_JIS) are kept as their bytes
	// rather than failing the whole header.
	return in, nil
}}

func decodeHeader(s string) string {
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		d = s
	}
	return clean(d, 1000)
}

// clean makes s safe to store and show: valid UTF-8, no control
// characters, at most n runes.
func clean(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}

func address(h mail.Header, key string) (addr, name string) {
	v := h.Get(key)
	if v == "" {
		return "", ""
	}
	a, err := mail.ParseAddress(v)
	if err != nil {
		// Return-Path is often just <addr>; keep what looks like one.
		v = strings.Trim(strings.TrimSpace(v), "<>")
		if ceptor.ValidEmail(strings.ToLower(v)) {
			return strings.ToLower(v), ""
		}
		return "", ""
	}
	return strings.ToLower(a.Address), decodeHeader(a.Name)
}

var (
	ipv4RE = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	ipv6RE = regexp.MustCompile(`\[(?i:IPv6:)?([0-9a-fA-F:.]{2,45})\]`)
)

// Parse reads an e-mail. It fails only when the input is not an e-mail at
// all (no headers, larger than the limit); what it cannot read inside a
// readable message is listed in Problems.
func Parse(raw []byte) (*Message, error) {
	if len(raw) > MaxMessageSize {
		return nil, &Error{Key: "c4tap.err.too_big", Detail: fmt.Sprintf("message larger than %d bytes", MaxMessageSize)}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, &Error{Key: "c4tap.err.not_email", Detail: "not an e-mail: " + err.Error()}
	}
	h := msg.Header
	if h.Get("From") == "" && h.Get("Subject") == "" && h.Get("Received") == "" && h.Get("Message-Id") == "" {
		return nil, &Error{Key: "c4tap.err.not_email", Detail: "no e-mail headers"}
	}
	m := &Message{Received: []Hop{}, Links: []string{}, Attachments: []Attachment{}}
	p := &parser{m: m, links: map[string]bool{}}
	m.From, m.FromName = address(h, "From")
	if i := strings.LastIndex(m.From, "@"); i >= 0 {
		m.FromDomain = m.From[i+1:]
	}
	m.ReplyTo, _ = address(h, "Reply-To")
	m.ReturnPath, _ = address(h, "Return-Path")
	m.Subject = decodeHeader(h.Get("Subject"))
	m.MessageID = clean(h.Get("Message-Id"), 500)
	if d, err := h.Date(); err == nil {
		d = d.UTC()
		m.Date = &d
	}
	for i, rcv := range h["Received"] {
		if i >= MaxReceived {
			p.problem("c4tap.problem.limits")
			break
		}
		hop := Hop{IPs: []string{}}
		cands := ipv4RE.FindAllString(rcv, 10)
		for _, mt := range ipv6RE.FindAllStringSubmatch(rcv, 10) {
			cands = append(cands, mt[1])
		}
		for _, c := range cands {
			ip := net.ParseIP(c)
			if ip != nil && !slices.Contains(hop.IPs, ip.String()) {
				hop.IPs = append(hop.IPs, ip.String())
			}
		}
		m.Received = append(m.Received, hop)
	}
	p.part(textproto(h), msg.Body, 0)
	return m, nil
}

// textproto adapts a mail header to the part reader's needs.
func textproto(h mail.Header) map[string][]string { return h }

func headerGet(h map[string][]string, k string) string {
	for key, v := range h {
		if strings.EqualFold(key, k) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func (p *parser) part(h map[string][]string, body io.Reader, depth int) {
	p.parts++
	if p.parts > MaxParts || depth > MaxDepth {
		p.problem("c4tap.problem.limits")
		return
	}
	ct := headerGet(h, "Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	media, params, err := mime.ParseMediaType(ct)
	if err != nil {
		p.problem("c4tap.problem.content_type")
		media, params = "application/octet-stream", map[string]string{}
	}
	disp, dparams, _ := mime.ParseMediaType(headerGet(h, "Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if strings.HasPrefix(media, "multipart/") {
		b := params["boundary"]
		if b == "" {
			p.problem("c4tap.problem.multipart")
			return
		}
		mr := multipart.NewReader(body, b)
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				p.problem("c4tap.problem.multipart")
				return
			}
			p.part(part.Header, part, depth+1)
		}
	}
	data, broken := decodeBody(headerGet(h, "Content-Transfer-Encoding"), body)
	if broken {
		p.problem("c4tap.problem.encoding")
	}
	isText := (media == "text/plain" || media == "text/html") && disp != "attachment" && name == ""
	if media == "message/rfc822" && disp != "attachment" {
		// A forwarded message: its links and attachments count too.
		if inner, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
			p.part(textproto(inner.Header), inner.Body, depth+1)
			return
		}
	}
	if isText {
		text := string(data)
		if media == "text/html" {
			p.htmlLinks(text)
		}
		p.textLinks(text)
		return
	}
	s256, s1, m5 := sha256.Sum256(data), sha1.Sum(data), md5.Sum(data)
	if name == "" {
		name = "(" + media + ")"
	}
	p.m.Attachments = append(p.m.Attachments, Attachment{Name: decodeHeader(name), ContentType: clean(media, 200), Size: int64(len(data)),
		SHA256: hex.EncodeToString(s256[:]), SHA1: hex.EncodeToString(s1[:]), MD5: hex.EncodeToString(m5[:])})
}

// decodeBody undoes the transfer encoding; broken input yields what could
// be decoded and true.
func decodeBody(cte string, body io.Reader) ([]byte, bool) {
	raw, err := io.ReadAll(io.LimitReader(body, MaxMessageSize+1))
	if err != nil {
		return raw, true
	}
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		s := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, string(raw))
		d, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			d, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
			if err != nil {
				return raw, true
			}
		}
		return d, false
	case "quoted-printable":
		d, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		return d, err != nil
	}
	return raw, false
}

var (
	urlRE  = regexp.MustCompile(`(?i)\b(?:https?|hxxps?|ftp)://[^\s<>"'\x60{}|\\^\[\]]+`)
	hrefRE = regexp.MustCompile(`(?i)\bhref\s*=\s*["']?([^"'\s>]+)`)
)

func (p *parser) addLink(u string) {
	u = strings.TrimRight(u, ".,;:!?)")
	if len(p.links) >= MaxLinks {
		p.problem("c4tap.problem.limits")
		return
	}
	in, key := ceptor.Indicator{Type: ceptor.IndURL, Value: u}.Normalize()
	if key != "" || p.links[in.Value] {
		return
	}
	p.links[in.Value] = true
	p.m.Links = append(p.m.Links, in.Value)
}

func (p *parser) textLinks(s string) {
	for _, u := range urlRE.FindAllString(s, MaxLinks+1) {
		p.addLink(u)
	}
}

func (p *parser) htmlLinks(s string) {
	for _, mt := range hrefRE.FindAllStringSubmatch(s, MaxLinks+1) {
		p.addLink(html.UnescapeString(mt[1]))
	}
}

// Defang returns an indicator value as it may be shown without becoming a
// live link: hxxp for http, [.] for dots of the host, [@] for at signs.
func Defang(in ceptor.Indicator) string {
	switch in.Type {
	case ceptor.IndURL:
		v := in.Value
		v = strings.Replace(v, "http", "hxxp", 1)
		if i := strings.Index(v, "://"); i >= 0 {
			rest := v[i+3:]
			host, path := rest, ""
			if j := strings.IndexAny(rest, "/?#"); j >= 0 {
				host, path = rest[:j], rest[j:]
			}
			v = v[:i+3] + strings.ReplaceAll(host, ".", "[.]") + path
		}
		return v
	case ceptor.IndDomain, ceptor.IndIPv4:
		return strings.ReplaceAll(in.Value, ".", "[.]")
	case ceptor.IndEmail:
		return strings.ReplaceAll(strings.ReplaceAll(in.Value, "@", "[@]"), ".", "[.]")
	}
	return in.Value
}
