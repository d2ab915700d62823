package c4tap

import (
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/mixed; boundary=y\r\n\r\n--y\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@\r\n--y--\r\n--x--\r\n"))
	f.Add([]byte("Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<a href=3D\"http://x.example/=ZZ\">"))
	f.Add([]byte("From: x\r\nContent-Type: message/rfc822\r\n\r\nFrom: y@z.example\r\n\r\nhttp://inner.example/"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		for _, s := range append([]string{m.From, m.Subject, m.ReplyTo, m.MessageID}, m.Links...) {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 kept: %q", s)
			}
		}
		for _, in := range m.Indicators() {
			if n, key := in.Indicator.Normalize(); key != "" || n != in.Indicator {
				t.Fatalf("indicator %v not normalised", in)
			}
		}
	})
}
