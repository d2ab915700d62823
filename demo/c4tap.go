package demo

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"ceptor"
	"ceptor/c4tap"
	"ceptor/misp"
)

// Targeted-attack sharing demo: the C4TAP group (the demo operator and
// secretariat and a few fellow members), suspicious e-mails at several TLP
// levels that share a sender domain, a link host, a route address and an
// attachment, and two MISP events from partners carrying some of the same
// indicators — so that the correlation view shows "seen by N organisations"
// at once. Every value is an example domain or a TEST-NET address.
//
// The demo keeps no raw message (there is no service key at load time), so
// the download of the original is unavailable for these submissions.

type c4tapStore interface {
	c4tap.Store
	misp.Store
}

type demoMail struct {
	from, subject, link, ip, attName, attBody string
	tlp                                       ceptor.TLP
	note                                      string
}

var demoMails = []demoMail{
	{"jinji@hr-notice.example", "【重要】年末調整書類の再提出について", "https://hr-notice.example/login/verify", "203.0.113.77", "年末調整_再提出.zip", "PK-demo-archive-1",
		ceptor.TLPGreen, "人事部宛て。同じ文面が複数部署に届いた。"},
	{"jinji@hr-notice.example", "【再送】年末調整書類の再提出について", "https://hr-notice.example/login/verify", "203.0.113.77", "年末調整_再提出.zip", "PK-demo-archive-1",
		ceptor.TLPAmber, "前回と同じ送信元・添付。"},
	{"support@cloud-invoice.example", "請求書のご確認 (11月分)", "http://cdn.cloud-invoice.example/inv/2026-11.html", "198.51.100.23", "請求書_202611.xlsm", "demo-macro-workbook",
		ceptor.TLPAmberStrict, "経理部宛て。マクロ付き。"},
	{"security@hr-notice.example", "アカウントの一時停止のお知らせ", "https://hr-notice.example/account/unlock", "203.0.113.77", "", "",
		ceptor.TLPRed, "役員宛て。社内調査中のため TLP:RED。"},
}

func demoEML(m demoMail, i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Return-Path: <bounce+%d@%s>\r\n", i, strings.SplitN(m.from, "@", 2)[1])
	fmt.Fprintf(&b, "Received: from mail.%s (mail.%s [%s]) by mx.demo.example; Mon, 9 Nov 2026 09:%02d:00 +0900\r\n", strings.SplitN(m.from, "@", 2)[1], strings.SplitN(m.from, "@", 2)[1], m.ip, 10+i)
	fmt.Fprintf(&b, "From: %s\r\nTo: staff@demo.example\r\nSubject: %s\r\n", m.from, mimeWord(m.subject))
	fmt.Fprintf(&b, "Message-ID: <demo-%d@%s>\r\nDate: Mon, 9 Nov 2026 09:%02d:00 +0900\r\nMIME-Version: 1.0\r\n", i, strings.SplitN(m.from, "@", 2)[1], 10+i)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"demo\"\r\n\r\n--demo\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	fmt.Fprintf(&b, "以下のリンクから手続きを行ってください。\r\n%s\r\n", m.link)
	if m.attName != "" {
		fmt.Fprintf(&b, "--demo\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"%s\"\r\n\r\n%s\r\n", mimeWord(m.attName), m.attBody)
	}
	b.WriteString("--demo--\r\n")
	return b.String()
}

func mimeWord(s string) string {
	return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
}

func (l *loader) loadC4TAP(ctx context.Context) error {
	st, ok := l.reg.(c4tapStore)
	if !ok {
		return nil
	}
	var members []*ceptor.User
	for _, email := range []string{"analyst.operator", "analyst.secretariat", "admin.operator"} {
		u, err := l.users.FindUserByEmail(ctx, email+"@"+EmailDomain)
		if err != nil {
			continue
		}
		members = append(members, u)
		if err := st.SetC4TAPMember(ctx, u.OrgID, 0, true); err != nil {
			return err
		}
	}
	// A few fellow members of the demo operator's CEPTORs join too, so that
	// submissions come from several organisations.
	if len(members) > 0 {
		op, err := l.reg.FindOrg(ctx, members[0].OrgID)
		if err == nil && len(op.CeptorIDs) > 0 {
			list, _, err := l.reg.ListOrgs(ctx, ceptor.OrgFilter{CeptorID: op.CeptorIDs[0], Type: ceptor.OrgOperator, Limit: 4})
			if err == nil {
				for _, o := range list {
					if o.ID != op.ID {
						if err := st.SetC4TAPMember(ctx, o.ID, 0, true); err != nil {
							return err
						}
						members = append(members, &ceptor.User{OrgID: o.ID})
					}
				}
			}
		}
	}
	if len(members) == 0 {
		return nil
	}
	for i, m := range demoMails {
		raw := demoEML(m, i)
		msg, err := c4tap.Parse([]byte(raw))
		if err != nil {
			return fmt.Errorf("demo e-mail %d: %w", i, err)
		}
		sum := sha256.Sum256([]byte(raw))
		u := members[(i*2+1)%len(members)]
		if err := st.AddSubmission(ctx, &c4tap.Submission{OrgID: u.OrgID, UserID: u.ID, TLP: m.tlp, Note: m.note, Message: msg,
			Size: int64(len(raw)), SHA256: hex.EncodeToString(sum[:])}); err != nil {
			return err
		}
	}
	nisc, err := l.users.FindUserByEmail(ctx, "analyst.nisc@"+EmailDomain)
	if err != nil {
		return nil
	}
	for _, ev := range demoMISPEvents {
		e, err := misp.ParseEvent([]byte(ev))
		if err != nil {
			return fmt.Errorf("demo MISP event: %w", err)
		}
		if _, err := st.SaveMISPEvent(ctx, &misp.Stored{OrgID: nisc.OrgID, UserID: nisc.ID, Event: e}); err != nil {
			return err
		}
	}
	return nil
}

var demoMISPEvents = []string{
	`{"Event":{"uuid":"3f0c7a52-0d3e-4c1a-9d7e-6a1b2c3d4e01","info":"国内組織を狙う給与関連フィッシングの指標","date":"2026-11-08","threat_level_id":"2","published":true,
	 "Orgc":{"name":"Partner CERT (demo)"},"Tag":[{"name":"tlp:green"},{"name":"type:OSINT"}],
	 "Attribute":[{"type":"domain","category":"Network activity","value":"hr-notice.example","to_ids":true},
	  {"type":"ip-dst","category":"Network activity","value":"203.0.113.77","to_ids":true},
	  {"type":"url","category":"Network activity","value":"https://hr-notice.example/login/verify","to_ids":true},
	  {"type":"email-src","category":"Payload delivery","value":"jinji@hr-notice.example","to_ids":true},
	  {"type":"text","category":"Other","value":"給与・年末調整を装う件名が多い。","to_ids":false}]}}`,
	`{"Event":{"uuid":"3f0c7a52-0d3e-4c1a-9d7e-6a1b2c3d4e02","info":"請求書を装うマクロ付き文書の配布","date":"2026-11-05","threat_level_id":"1",
	 "Orgc":{"name":"Security vendor (demo)"},"Tag":[{"name":"tlp:amber"}],
	 "Attribute":[{"type":"hostname","category":"Network activity","value":"cdn.cloud-invoice.example","to_ids":true},
	  {"type":"ip-src","category":"Network activity","value":"198.51.100.23","to_ids":true},
	  {"type":"regkey","category":"Persistence mechanism","value":"HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\invsync","to_ids":false}]}}`,
}
