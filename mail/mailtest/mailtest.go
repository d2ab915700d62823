// Package mailtest is an SMTP server for tests: it listens on 127.0.0.1 on
// a free port, accepts whatever is sent (or refuses, when told to), and
// keeps the messages for the test to inspect, decoded. It speaks enough
// SMTP for a real client: EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET,
// NOOP, QUIT. It has no TLS.
package mailtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Stage is a point of the dialogue where the server can be told to refuse.
type Stage string

// Stages.
const (
	StageMail Stage = "MAIL" // the MAIL FROM command
	StageRcpt Stage = "RCPT" // each RCPT TO command
	StageData Stage = "DATA" // the answer after the message data
)

// Message is one accepted message.
type Message struct {
	From string   // envelope sender
	To   []string // envelope recipients
	Data []byte   // as received, dot-unstuffed
}

// Server is a running test server.
type Server struct {
	ln      net.Listener
	wg      sync.WaitGroup
	mu      sync.Mutex
	msgs    []Message
	changed chan struct{}
	fail    map[Stage]*failure
	user    string
	pass    string
	conns   map[net.Conn]bool
	closed  bool
}

type failure struct {
	reply string
	times int // <= 0: every time
}

// NewServer starts a server on 127.0.0.1 on a free port.
func NewServer() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, changed: make(chan struct{}), fail: map[Stage]*failure{}, conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Start starts a server that stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := NewServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and ends every open connection.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

// Addr is host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host is the address the server listens on (127.0.0.1).
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// RequireAuth makes the server offer AUTH PLAIN and refuse mail from
// clients that have not authenticated with these credentials.
func (s *Server) RequireAuth(user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.pass = user, pass
}

// Fail makes the server answer reply (such as "451 4.3.0 try again later"
// or "550 5.1.1 no such user") at stage, for the next times occurrences, or
// always when times <= 0.
func (s *Server) Fail(stage Stage, reply string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[stage] = &failure{reply: reply, times: times}
}

// Heal stops every refusal.
func (s *Server) Heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = map[Stage]*failure{}
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait returns once at least n messages have been accepted, or fails after
// timeout with what arrived.
func (s *Server) Wait(n int, timeout time.Duration) ([]Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			out := append([]Message(nil), s.msgs...)
			s.mu.Unlock()
			return out, nil
		}
		ch := s.changed
		got := len(s.msgs)
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Messages(), fmt.Errorf("mailtest: %d of %d messages after %s", got, n, timeout)
		}
	}
}

// failAt returns the refusal for a stage, counting it down.
func (s *Server) failAt(st Stage) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fail[st]
	if f == nil {
		return ""
	}
	if f.times > 0 {
		f.times--
		if f.times == 0 {
			delete(s.fail, st)
		}
	}
	return f.reply
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.session(c)
		}()
	}
}

// session runs the dialogue of one connection.
func (s *Server) session(c net.Conn) {
	c.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(io.LimitReader(c, 32<<20))
	w := bufio.NewWriter(c)
	reply := func(lines ...string) {
		for _, l := range lines {
			w.WriteString(l + "\r\n")
		}
		w.Flush()
	}
	s.mu.Lock()
	needAuth := s.user != ""
	s.mu.Unlock()
	authed := false
	var from string
	var to []string
	var mailOpen bool
	reply("220 mailtest ESMTP ready")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"250-mailtest", "250-8BITMIME", "250-PIPELINING"}
			if needAuth {
				lines = append(lines, "250-AUTH PLAIN")
			}
			reply(append(lines, "250 SIZE 33554432")...)
		case "HELO":
			reply("250 mailtest")
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			if !needAuth || !strings.EqualFold(mech, "PLAIN") {
				reply("504 5.5.4 mechanism not supported")
				continue
			}
			if initial == "" {
				reply("334 ")
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				initial = strings.TrimRight(l, "\r\n")
			}
			b, err := base64.StdEncoding.DecodeString(initial)
			parts := strings.Split(string(b), "\x00")
			s.mu.Lock()
			ok := err == nil && len(parts) == 3 && parts[1] == s.user && parts[2] == s.pass
			s.mu.Unlock()
			if ok {
				authed = true
				reply("235 2.7.0 authentication successful")
			} else {
				reply("535 5.7.8 authentication credentials invalid")
			}
		case "MAIL":
			if needAuth && !authed {
				reply("530 5.7.0 authentication required")
				continue
			}
			addr, ok := pathArg(arg, "FROM:")
			if !ok {
				reply("501 5.5.4 syntax: MAIL FROM:<address>")
				continue
			}
			if f := s.failAt(StageMail); f != "" {
				reply(f)
				continue
			}
			from, to, mailOpen = addr, nil, true
			reply("250 2.1.0 ok")
		case "RCPT":
			if !mailOpen {
				reply("503 5.5.1 MAIL first")
				continue
			}
			addr, ok := pathArg(arg, "TO:")
			if !ok || addr == "" {
				reply("501 5.5.4 syntax: RCPT TO:<address>")
				continue
			}
			if f := s.failAt(StageRcpt); f != "" {
				reply(f)
				continue
			}
			to = append(to, addr)
			reply("250 2.1.5 ok")
		case "DATA":
			if len(to) == 0 {
				reply("503 5.5.1 RCPT first")
				continue
			}
			reply("354 end data with <CR><LF>.<CR><LF>")
			data, err := readData(r)
			if err != nil {
				return
			}
			if f := s.failAt(StageData); f != "" {
				reply(f)
			} else {
				s.mu.Lock()
				s.msgs = append(s.msgs, Message{From: from, To: to, Data: data})
				close(s.changed)
				s.changed = make(chan struct{})
				s.mu.Unlock()
				reply("250 2.0.0 queued")
			}
			from, to, mailOpen = "", nil, false
		case "RSET":
			from, to, mailOpen = "", nil, false
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "STARTTLS":
			reply("454 4.7.0 TLS not available")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("500 5.5.2 command not recognised")
		}
	}
}

// pathArg reads "FROM:<a@b> PARAMS" and returns a@b.
func pathArg(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	end := strings.Index(rest, ">")
	if end < 0 {
		return "", false
	}
	return rest[1:end], true
}

// readData reads the message up to the line with a single dot, undoing dot
// stuffing.
func readData(r *bufio.Reader) ([]byte, error) {
	var b bytes.Buffer
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" || line == ".\n" {
			return b.Bytes(), nil
		}
		if strings.HasPrefix(line, ".") {
			line = line[1:]
		}
		b.WriteString(line)
	}
}

// Parsed is a message decoded for assertions.
type Parsed struct {
	Header  mail.Header
	Subject string // decoded from RFC 2047
	Text    string // the text/plain part, decoded, with LF line ends
	HTML    string // the text/html part, decoded, if any
}

// Parse decodes a message: its header, subject and text parts.
func (m Message) Parse() (*Parsed, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return nil, err
	}
	p := &Parsed{Header: msg.Header}
	dec := new(mime.WordDecoder)
	if p.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	ct := msg.Header.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	err = p.walk(ct, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return p, err
}

// Get returns a header field, decoded from RFC 2047.
func (p *Parsed) Get(name string) string {
	v, err := new(mime.WordDecoder).DecodeHeader(p.Header.Get(name))
	if err != nil {
		return p.Header.Get(name)
	}
	return v
}

func (p *Parsed) walk(contentType, cte string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := p.walk(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(cte) {
	case "base64":
		// The decoder skips the line breaks of wrapped base64.
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s body: %w", mt, err)
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return fmt.Errorf("unexpected charset %q", cs)
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch mt {
	case "text/plain":
		p.Text = text
	case "text/html":
		p.HTML = text
	}
	return nil
}

// String shows a message briefly in test failures.
func (m Message) String() string {
	return "from " + m.From + " to " + strings.Join(m.To, ",") + " (" + strconv.Itoa(len(m.Data)) + " bytes)"
}
