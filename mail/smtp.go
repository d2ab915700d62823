package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"
)

// STARTTLS modes.
const (
	StartTLSAuto     = "auto"     // upgrade when the server offers it
	StartTLSRequired = "required" // refuse to send over a server that does not offer it
	StartTLSNever    = "never"    // never upgrade (a relay on the same host or network)
)

// Config says how to reach the SMTP server (the submission port of the
// organisation's mail relay, typically).
type Config struct {
	Host string
	Port int // default 587
	// Username and Password turn on AUTH PLAIN. net/smtp sends them only
	// over TLS, or to a server on the loopback interface.
	Username string
	Password string
	// From is the sender of every message that does not name its own.
	From string
	// StartTLS is auto (default), required or never.
	StartTLS string
	// Timeout bounds one whole delivery: connecting, the dialogue and the
	// data (default 30 s). A context deadline that is sooner wins.
	Timeout time.Duration
	// HelloName is the name given in EHLO (default: this host's name).
	HelloName string
	// TLS overrides the TLS settings of STARTTLS (tests, private CAs).
	TLS *tls.Config
	// Now is the clock for the Date header; nil means time.Now.
	Now func() time.Time
}

// SMTP sends messages through one SMTP server, a connection per message.
type SMTP struct {
	cfg Config
}

var _ Sender = (*SMTP)(nil)

// NewSMTP checks the configuration and returns a sender.
func NewSMTP(cfg Config) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("mail: no SMTP host")
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: SMTP port %d out of range", cfg.Port)
	}
	switch cfg.StartTLS {
	case "":
		cfg.StartTLS = StartTLSAuto
	case StartTLSAuto, StartTLSRequired, StartTLSNever:
	default:
		return nil, fmt.Errorf("mail: STARTTLS mode must be auto, required or never, not %q", cfg.StartTLS)
	}
	if cfg.From == "" {
		return nil, errors.New("mail: no sender address (From)")
	}
	if _, _, err := parseAddresses([]string{cfg.From}); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.HelloName == "" {
		cfg.HelloName, _ = os.Hostname()
		if cfg.HelloName == "" {
			cfg.HelloName = "localhost"
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &SMTP{cfg: cfg}, nil
}

// Addr is the server's host:port.
func (s *SMTP) Addr() string { return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)) }

// Send delivers one message. An error that Permanent reports as permanent
// will not go away by sending again.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	return s.SendHandover(ctx, m, Handover{})
}

var _ HandoverSender = (*SMTP)(nil)

// SendHandover is Send with the two moments that bound the only window in
// which the server may have accepted a message without the caller
// knowing: Before runs when everything but the final "." of DATA is
// written, Accepted as soon as the server answered that "." with 2xx —
// before QUIT and before the connection is closed.
func (s *SMTP) SendHandover(ctx context.Context, m Message, h Handover) error {
	if m.From == "" {
		m.From = s.cfg.From
	}
	data, from, to, err := Build(m, s.cfg.Now(), "")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(s.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := net.Dialer{Deadline: deadline}
	conn, err := dialer.DialContext(ctx, "tcp", s.Addr())
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", s.Addr(), err)
	}
	defer conn.Close()
	conn.SetDeadline(deadline)
	// Cancelling the context breaks off a dialogue that is waiting.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return fmt.Errorf("mail: %s greeting: %w", s.Addr(), err)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return fmt.Errorf("mail: EHLO: %w", err)
	}
	if s.cfg.StartTLS != StartTLSNever {
		if ok, _ := c.Extension("STARTTLS"); ok {
			tc := s.cfg.TLS
			if tc == nil {
				tc = &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
			}
			if err := c.StartTLS(tc); err != nil {
				return fmt.Errorf("mail: STARTTLS: %w", err)
			}
		} else if s.cfg.StartTLS == StartTLSRequired {
			return fmt.Errorf("%w: %s does not offer STARTTLS, which the configuration requires", ErrRefused, s.Addr())
		}
	}
	if s.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("%w: %s does not offer AUTH, but a user name is configured", ErrRefused, s.Addr())
		}
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return fmt.Errorf("mail: AUTH: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("mail: RCPT TO %s: %w", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		// Closing would send the final "."; breaking the connection off
		// instead makes the server drop the incomplete message.
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if h.Before != nil {
		if err := h.Before(); err != nil {
			return fmt.Errorf("mail: not handed over: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		var te *textproto.Error
		if !errors.As(err, &te) {
			// The "." may have reached the server and been accepted;
			// its answer did not reach us.
			return fmt.Errorf("mail: message handed over, no answer: %w: %w", ErrUncertain, err)
		}
		return fmt.Errorf("mail: message refused: %w", err)
	}
	if h.Accepted != nil {
		h.Accepted()
	}
	// The message is accepted once DATA is answered; a failing QUIT does
	// not make it undelivered.
	c.Quit()
	return nil
}

// Handover is what SendHandover calls around the final step of a send.
type Handover struct {
	// Before runs just before the step that lets the server accept the
	// message; an error stops the send there (nothing was accepted).
	Before func() error
	// Accepted runs as soon as the server has accepted the message.
	Accepted func()
}

// HandoverSender is a Sender that reports the hand-over of a message (see
// SMTP.SendHandover).
type HandoverSender interface {
	Sender
	SendHandover(ctx context.Context, m Message, h Handover) error
}

// ErrUncertain is wrapped by errors after which the server may or may not
// have accepted the message: the final "." was sent, no answer came.
var ErrUncertain = errors.New("mail: acceptance unknown")

// ErrRefused is wrapped by errors where the server cannot be used as
// configured (no STARTTLS when it is required, no AUTH).
var ErrRefused = errors.New("mail: server unusable")

// Permanent reports whether err will recur on every retry: the message is
// invalid, the server answered with a 5xx code, or it cannot be used as
// configured. Timeouts, refused connections and 4xx answers are temporary.
func Permanent(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrInvalid) || errors.Is(err, ErrRefused) {
		return true
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 500 && te.Code < 600
	}
	// net/smtp refuses to send a password in the clear.
	return strings.Contains(err.Error(), "unencrypted connection")
}
