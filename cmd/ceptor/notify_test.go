package main

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"ceptor"
	"ceptor/mail/mailtest"
)

func TestServeRefusesBadSMTPSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--smtp-host", "smtp.example.jp"}, "--smtp-from is required with --smtp-host"},
		{[]string{"--smtp-host", "smtp.example.jp", "--smtp-from", "nobody"}, "e-mail settings"},
		{[]string{"--smtp-host", "smtp.example.jp", "--smtp-from", "a@example.jp", "--smtp-starttls", "sometimes"}, "STARTTLS mode must be auto, required or never"},
		{[]string{"--smtp-host", "smtp.example.jp", "--smtp-from", "a@example.jp", "--smtp-port", "70000"}, "port 70000 out of range"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := runCLIContext(ctx, append([]string{"serve", "--data-dir", dir}, tc.args...)...)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v: err %v (output %q), want %q", tc.args, err, out, tc.want)
		}
	}
}

// A server configured with --smtp-* e-mails notifications through its job
// queue: the settings reach the sender, the worker is registered and the
// web server can queue.
func TestServeSendsNotificationEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	e.loadDemo(t)
	smtp := mailtest.Start(t)
	smtp.RequireAuth("ceptor", "relay-password")
	cfg := Config{DataDir: e.dataDir, Addr: "127.0.0.1:0", LogLevel: "error", LogFormat: "json", ShutdownTimeout: 5 * time.Second,
		SMTPHost: smtp.Host(), SMTPPort: smtp.Port(), SMTPUsername: "ceptor", SMTPPassword: "relay-password",
		SMTPFrom: "ceptor 通知 <noreply@ceptor.example.go.jp>", SMTPStartTLS: "auto"}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, io.Discard)
	m.Log = slog.New(slog.DiscardHandler)
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { m.Close() })

	ctx := context.Background()
	u, err := m.DB.FindUserByEmail(ctx, "admin.nisc@demo.example")
	if err != nil {
		t.Fatal(err)
	}
	n := &ceptor.Notification{OrgID: u.OrgID, UserID: u.ID, Kind: "incident.update_due", MessageKey: "notify.msg.incident_update_due", Urgent: true,
		Args: []ceptor.NotificationArg{ceptor.ArgText("広域通信障害"), ceptor.ArgText("2026-04-01 12:00")}, Link: "/incidents/1"}
	if err := m.Server.Notify(ctx, n); err != nil {
		t.Fatal(err)
	}
	msgs, err := smtp.Wait(1, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p, err := msgs[0].Parse()
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].To[0] != "admin.nisc@demo.example" || msgs[0].From != "noreply@ceptor.example.go.jp" ||
		p.Subject != "[ceptor]【至急】インシデント「広域通信障害」の状況報告の期限（2026-04-01 12:00）です" ||
		p.Get("X-Ceptor-Notification") != strconv.FormatInt(n.ID, 10) || !strings.Contains(p.Text, m.URL()+"/incidents/1") {
		t.Fatalf("received %v from %s: %q\n%s", msgs[0].To, msgs[0].From, p.Subject, p.Text)
	}
}
