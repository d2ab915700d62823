package mail_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"ceptor/mail"
	"ceptor/mail/mailtest"
)

func sender(t *testing.T, srv *mailtest.Server, edit func(c *mail.Config)) *mail.SMTP {
	t.Helper()
	cfg := mail.Config{Host: srv.Host(), Port: srv.Port(), From: "ceptor <noreply@ceptor.example.go.jp>", Timeout: 5 * time.Second, HelloName: "test"}
	if edit != nil {
		edit(&cfg)
	}
	s, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSMTPDeliversJapanese(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	s := sender(t, srv, nil)
	msg := mail.Message{
		To:      []string{"taro@minato.example.jp", "hanako@minato.example.jp"},
		Subject: "【ceptor】大規模障害対応モード：状況報告の期限です",
		Text:    "状況報告をお願いします。\n.\n..二つのドット\n",
		HTML:    "<p>状況報告をお願いします。</p>",
	}
	if err := s.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	m := got[0]
	if m.From != "noreply@ceptor.example.go.jp" || strings.Join(m.To, ",") != "taro@minato.example.jp,hanako@minato.example.jp" {
		t.Fatalf("envelope %s", m)
	}
	p, err := m.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != msg.Subject || p.Text != msg.Text || p.HTML != msg.HTML {
		t.Fatalf("round trip: %q / %q / %q", p.Subject, p.Text, p.HTML)
	}
}

func TestSMTPAuthPlain(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	srv.RequireAuth("ceptor", "s3cret-パスワード")
	msg := mail.Message{To: []string{"a@example.jp"}, Subject: "s", Text: "t"}

	err := sender(t, srv, func(c *mail.Config) { c.Username, c.Password = "ceptor", "wrong" }).Send(context.Background(), msg)
	if err == nil || !mail.Permanent(err) || !strings.Contains(err.Error(), "535") {
		t.Fatalf("wrong password: %v", err)
	}
	err = sender(t, srv, nil).Send(context.Background(), msg)
	if err == nil || !mail.Permanent(err) || !strings.Contains(err.Error(), "530") {
		t.Fatalf("no credentials: %v", err)
	}
	if err := sender(t, srv, func(c *mail.Config) { c.Username, c.Password = "ceptor", "s3cret-パスワード" }).Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages", n)
	}
}

// A server that refuses answers with an error; 5xx is permanent (do not
// retry), 4xx and network failures are temporary (retry later).
func TestSMTPRefusals(t *testing.T) {
	t.Parallel()
	msg := mail.Message{To: []string{"a@example.jp"}, Subject: "件名", Text: "本文"}
	for _, c := range []struct {
		name      string
		stage     mailtest.Stage
		reply     string
		permanent bool
	}{
		{"unknown recipient", mailtest.StageRcpt, "550 5.1.1 no such user", true},
		{"sender refused", mailtest.StageMail, "553 5.7.1 sender not allowed", true},
		{"mailbox full for now", mailtest.StageRcpt, "452 4.2.2 mailbox full", false},
		{"greylisted", mailtest.StageData, "451 4.7.1 greylisted, try again later", false},
		{"content refused", mailtest.StageData, "554 5.6.0 message refused", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := mailtest.Start(t)
			srv.Fail(c.stage, c.reply, 1)
			s := sender(t, srv, nil)
			err := s.Send(context.Background(), msg)
			if err == nil {
				t.Fatal("refused message reported as sent")
			}
			if got := mail.Permanent(err); got != c.permanent {
				t.Fatalf("Permanent(%v) = %v, want %v", err, got, c.permanent)
			}
			if len(srv.Messages()) != 0 {
				t.Fatal("a refused message was kept")
			}
			// The refusal was for one attempt: the next one goes through.
			if err := s.Send(context.Background(), msg); err != nil {
				t.Fatalf("second attempt: %v", err)
			}
		})
	}
}

func TestSMTPStartTLSRequired(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	msg := mail.Message{To: []string{"a@example.jp"}, Subject: "s", Text: "t"}
	err := sender(t, srv, func(c *mail.Config) { c.StartTLS = mail.StartTLSRequired }).Send(context.Background(), msg)
	if !errors.Is(err, mail.ErrRefused) || !mail.Permanent(err) {
		t.Fatalf("required STARTTLS not offered: %v", err)
	}
	// auto goes on without TLS when the server offers none.
	if err := sender(t, srv, func(c *mail.Config) { c.StartTLS = mail.StartTLSAuto }).Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
}

func TestSMTPUnreachableAndSilentServers(t *testing.T) {
	t.Parallel()
	// Nobody listens: a temporary failure.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	s, _ := mail.NewSMTP(mail.Config{Host: "127.0.0.1", Port: addr.Port, From: "a@example.jp", Timeout: 2 * time.Second})
	err = s.Send(context.Background(), mail.Message{To: []string{"b@example.jp"}, Subject: "s", Text: "t"})
	if err == nil || mail.Permanent(err) {
		t.Fatalf("closed port: %v", err)
	}

	// A server that accepts and never greets: the context ends the wait.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	s, _ = mail.NewSMTP(mail.Config{Host: "127.0.0.1", Port: silent.Addr().(*net.TCPAddr).Port, From: "a@example.jp", Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, mail.Message{To: []string{"b@example.jp"}, Subject: "s", Text: "t"})
	if err == nil || mail.Permanent(err) {
		t.Fatalf("silent server: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the context deadline was not honoured: %s", d)
	}
}

func TestNewSMTPChecksConfig(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		cfg  mail.Config
	}{
		{"no host", mail.Config{From: "a@example.jp"}},
		{"no sender", mail.Config{Host: "smtp.example.jp"}},
		{"bad sender", mail.Config{Host: "smtp.example.jp", From: "nobody"}},
		{"bad port", mail.Config{Host: "smtp.example.jp", From: "a@example.jp", Port: 70000}},
		{"bad mode", mail.Config{Host: "smtp.example.jp", From: "a@example.jp", StartTLS: "sometimes"}},
	} {
		if _, err := mail.NewSMTP(c.cfg); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	s, err := mail.NewSMTP(mail.Config{Host: "smtp.example.jp", From: "a@example.jp"})
	if err != nil || s.Addr() != "smtp.example.jp:587" {
		t.Fatalf("defaults: %v %v", s, err)
	}
}

func TestMailtestWait(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	if _, err := srv.Wait(1, 50*time.Millisecond); err == nil {
		t.Fatal("Wait returned without a message")
	}
	s := sender(t, srv, nil)
	go s.Send(context.Background(), mail.Message{To: []string{"a@example.jp"}, Subject: "s", Text: "t"})
	got, err := srv.Wait(1, 5*time.Second)
	if err != nil || len(got) != 1 {
		t.Fatalf("Wait: %v %v", got, err)
	}
}
