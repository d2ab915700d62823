package mail_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"ceptor/mail"
	"ceptor/mail/mailtest"
)

// SendHandover calls Before when all but the final "." is written (the
// server has nothing yet) and Accepted as soon as the server took the
// message; a Before that fails leaves the server without the message, and
// a refusal of the "." is not reported as uncertain.
func TestSMTPHandover(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	s := sender(t, srv, nil)
	m := mail.Message{To: []string{"desk@op.example.jp"}, Subject: "件名", Text: "本文", ID: "adv-1"}
	var steps []string
	err := s.SendHandover(context.Background(), m, mail.Handover{
		Before: func() error {
			steps = append(steps, "before:"+strconv.Itoa(len(srv.Messages())))
			return nil
		},
		Accepted: func() { steps = append(steps, "accepted:"+strconv.Itoa(len(srv.Messages()))) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0] != "before:0" || steps[1] != "accepted:1" {
		t.Fatalf("steps %q", steps)
	}

	stop := errors.New("lease lost")
	err = s.SendHandover(context.Background(), m, mail.Handover{Before: func() error { return stop }, Accepted: func() { t.Fatal("accepted") }})
	if !errors.Is(err, stop) || errors.Is(err, mail.ErrUncertain) {
		t.Fatalf("before failed: %v", err)
	}

	srv.Fail(mailtest.StageData, "451 4.3.0 try later", 1)
	err = s.SendHandover(context.Background(), m, mail.Handover{Accepted: func() { t.Fatal("accepted") }})
	if err == nil || errors.Is(err, mail.ErrUncertain) || mail.Permanent(err) {
		t.Fatalf("refused: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("server has %d messages", n)
	}
}
