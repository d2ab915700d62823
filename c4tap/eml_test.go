package c4tap

import (
	"strings"
	"testing"

	"ceptor"
)

const sample = "Return-Path: <bounce@mailer.example>\r\n" +
	"Received: from mx.attacker.example (mx.attacker.example [203.0.113.45]) by mx.victim.example with ESMTPS; Mon, 2 Nov 2026 09:00:00 +0900\r\n" +
	"Received: from [192.168.1.10] (unknown [2001:db8::25]) by mx.attacker.example; Mon, 2 Nov 2026 08:59:58 +0900\r\n" +
	"From: =?UTF-8?B?57eP5YuZ6YOo?= <Soumu@Spoofed-Gov.example>\r\n" +
	"Reply-To: reply@collect.example\r\n" +
	"To: staff@victim.example\r\n" +
	"Subject: =?UTF-8?B?44CQ6KaB56K66KqN44CR6KuL5rGC5pu4?=\r\n" +
	"Message-ID: <abc123@mx.attacker.example>\r\n" +
	"Date: Mon, 2 Nov 2026 08:59:50 +0900\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=\"inner\"\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Please see http://login.phish.example/verify?id=1. Thanks\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"<a href=3D\"https://cdn.phish.example/a.zip\">download</a>\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: application/octet-stream; name=\"invoice.exe\"\r\n" +
	"Content-Disposition: attachment; filename=\"invoice.exe\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA=\r\n" +
	"--outer--\r\n"

func TestParse(t *testing.T) {
	m, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if m.From != "soumu@spoofed-gov.example" || m.FromDomain != "spoofed-gov.example" || m.FromName != "総務部" {
		t.Errorf("from: %q %q %q", m.From, m.FromDomain, m.FromName)
	}
	if m.ReplyTo != "reply@collect.example" || m.ReturnPath != "bounce@mailer.example" || m.Subject != "【要確認】請求書" || m.MessageID != "<abc123@mx.attacker.example>" {
		t.Errorf("headers: %+v", m)
	}
	if m.Date == nil || m.Date.Hour() != 23 {
		t.Errorf("date %v", m.Date)
	}
	if len(m.Received) != 2 || len(m.Received[0].IPs) != 1 || m.Received[0].IPs[0] != "203.0.113.45" || len(m.Received[1].IPs) != 2 {
		t.Errorf("received %+v", m.Received)
	}
	if strings.Join(m.Links, " ") != "http://login.phish.example/verify?id=1 https://cdn.phish.example/a.zip" {
		t.Errorf("links %v", m.Links)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "invoice.exe" || m.Attachments[0].Size != 32 || len(m.Attachments[0].SHA256) != 64 {
		t.Errorf("attachments %+v", m.Attachments)
	}
	if len(m.Problems) != 0 {
		t.Errorf("problems %v", m.Problems)
	}
	roles := map[string]int{}
	for _, in := range m.Indicators() {
		roles[in.Role]++
		if in.Type == ceptor.IndIPv4 && in.Value == "192.168.1.10" {
			t.Error("private address shared")
		}
	}
	if roles[RoleSender] != 1 || roles[RoleReceivedIP] != 2 || roles[RoleLink] != 2 || roles[RoleAttachment] != 3 || roles[RoleReplyTo] != 1 || roles[RoleDomain] != 1 {
		t.Errorf("roles %v", roles)
	}
}

func TestBroken(t *testing.T) {
	for _, in := range []string{"", "no headers at all", strings.Repeat("x", MaxMessageSize+1)} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%.20q accepted", in)
		}
	}
	// Broken base64 and a missing boundary are recorded, not fatal.
	m, err := Parse([]byte("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n--x\r\nContent-Type: multipart/mixed\r\n\r\nbody\r\n--x--\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Problems) != 2 || len(m.Attachments) != 1 {
		t.Errorf("problems %v attachments %v", m.Problems, m.Attachments)
	}
	// Deep nesting stops at the limit.
	var b strings.Builder
	b.WriteString("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 0; i < 20; i++ {
		b.WriteString("--b" + string(rune('a'+i)) + "\r\n")
	}
	if _, err := Parse([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
}

func TestDefang(t *testing.T) {
	for _, c := range []struct {
		in   ceptor.Indicator
		want string
	}{
		{ceptor.Indicator{Type: ceptor.IndURL, Value: "https://login.phish.example/a.b"}, "hxxps://login[.]phish[.]example/a.b"},
		{ceptor.Indicator{Type: ceptor.IndDomain, Value: "phish.example"}, "phish[.]example"},
		{ceptor.Indicator{Type: ceptor.IndEmail, Value: "a@b.example"}, "a[@]b[.]example"},
		{ceptor.Indicator{Type: ceptor.IndIPv4, Value: "203.0.113.1"}, "203[.]0[.]113[.]1"},
	} {
		got := Defang(c.in)
		if got != c.want {
			t.Errorf("%v: %q", c.in, got)
		}
		if back, key := (ceptor.Indicator{Type: c.in.Type, Value: got}).Normalize(); key != "" || back != c.in {
			t.Errorf("%q does not refang: %v %s", got, back, key)
		}
	}
}
