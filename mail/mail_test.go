package mail_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"ceptor/mail"
	"ceptor/mail/mailtest"
)

var when = time.Date(2026, 4, 1, 9, 30, 0, 0, time.FixedZone("JST", 9*3600))

func TestBuildEncodesJapanese(t *testing.T) {
	t.Parallel()
	subject := "【至急】情報連絡の期限が近づいています：みなと銀行（報告番号 R-2026-0042）の続報をお願いします。期限は本日 17:00 です"
	text := "みなと銀行 ご担当者様\n\n報告の期限が近づいています。\n.ドットで始まる行\n\nhttps://ceptor.example.go.jp/reports/42\n"
	data, from, to, err := mail.Build(mail.Message{
		From: "ceptor 通知 <noreply@ceptor.example.go.jp>", To: []string{"山田 太郎 <taro@minato.example.jp>"},
		Subject: subject, Text: text, HTML: "<p>報告の<b>期限</b>が近づいています。</p>",
		Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Ceptor-Notification": "42"},
	}, when, "")
	if err != nil {
		t.Fatal(err)
	}
	if from != "noreply@ceptor.example.go.jp" || len(to) != 1 || to[0] != "taro@minato.example.jp" {
		t.Fatalf("envelope %q %v", from, to)
	}
	// The wire format is 7-bit with CRLF line ends and no line over 998
	// octets (RFC 5322), whatever the text.
	for i, line := range bytes.Split(data, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets", i, len(line))
		}
		for _, c := range line {
			if c >= 0x80 || c == '\n' || c == '\r' {
				t.Fatalf("line %d has a raw byte %#x: %q", i, c, line)
			}
		}
	}
	head := string(data[:bytes.Index(data, []byte("\r\n\r\n"))])
	for _, want := range []string{"MIME-Version: 1.0", "Subject: =?UTF-8?b?", "Date: Wed, 01 Apr 2026 09:30:00 +0900", "Message-ID: <", "@ceptor.example.go.jp>",
		"Auto-Submitted: auto-generated", "Content-Type: multipart/alternative; boundary="} {
		if !strings.Contains(head, want) {
			t.Errorf("header lacks %q:\n%s", want, head)
		}
	}
	// The subject is long: it is folded between encoded words.
	if !strings.Contains(head, "?=\r\n =?UTF-8?b?") {
		t.Errorf("long subject not folded:\n%s", head)
	}

	p, err := mailtest.Message{Data: data}.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != subject {
		t.Errorf("subject round trip:\n got %q\nwant %q", p.Subject, subject)
	}
	if p.Text != text {
		t.Errorf("text round trip:\n got %q\nwant %q", p.Text, text)
	}
	if p.HTML != "<p>報告の<b>期限</b>が近づいています。</p>" {
		t.Errorf("html %q", p.HTML)
	}
	if got := p.Get("From"); got != "ceptor 通知 <noreply@ceptor.example.go.jp>" && got != `"ceptor 通知" <noreply@ceptor.example.go.jp>` {
		t.Errorf("From %q", got)
	}
	if got := p.Get("To"); !strings.Contains(got, "山田 太郎") || !strings.Contains(got, "<taro@minato.example.jp>") {
		t.Errorf("To %q", got)
	}
}

func TestBuildPlainTextOnly(t *testing.T) {
	t.Parallel()
	data, _, _, err := mail.Build(mail.Message{From: "a@example.jp", To: []string{"b@example.jp"}, Subject: "ASCII subject", Text: "hello"}, when, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("Subject: ASCII subject\r\n")) || !bytes.Contains(data, []byte("Content-Type: text/plain; charset=UTF-8\r\n")) {
		t.Fatalf("plain message:\n%s", data)
	}
	p, err := mailtest.Message{Data: data}.Parse()
	if err != nil || p.Text != "hello" || p.HTML != "" {
		t.Fatalf("parsed %+v %v", p, err)
	}
}

func TestBuildRefusesBadMessages(t *testing.T) {
	t.Parallel()
	ok := mail.Message{From: "a@example.jp", To: []string{"b@example.jp"}, Subject: "s", Text: "t"}
	for _, c := range []struct {
		name string
		edit func(m *mail.Message)
	}{
		{"no recipient", func(m *mail.Message) { m.To = nil }},
		{"bad recipient", func(m *mail.Message) { m.To = []string{"not an address"} }},
		{"bad sender", func(m *mail.Message) { m.From = "nobody" }},
		{"line break in the subject", func(m *mail.Message) { m.Subject = "hi\r\nBcc: victim@example.jp" }},
		{"line break in a header", func(m *mail.Message) { m.Headers = map[string]string{"X-Test": "a\nBcc: victim@example.jp"} }},
		{"reserved header", func(m *mail.Message) { m.Headers = map[string]string{"bcc": "victim@example.jp"} }},
		{"bad header name", func(m *mail.Message) { m.Headers = map[string]string{"X Bad": "v"} }},
	} {
		m := ok
		c.edit(&m)
		_, _, _, err := mail.Build(m, when, "")
		if !errors.Is(err, mail.ErrInvalid) || !mail.Permanent(err) {
			t.Errorf("%s: %v, want a permanent ErrInvalid", c.name, err)
		}
	}
}
