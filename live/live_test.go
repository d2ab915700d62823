package live_test

import (
	"context"
	"testing"
	"time"

	"ceptor/live"
	"ceptor/sqldb/sqldbtest"
)

func wait(t *testing.T, ch <-chan live.Event, topic string) {
	t.Helper()
	select {
	case e := <-ch:
		if e.Topic != topic {
			t.Fatalf("topic %q, want %q", e.Topic, topic)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no event on %q", topic)
	}
}

func TestLocalBroker(t *testing.T) {
	t.Parallel()
	b := live.NewLocal(nil)
	ch, cancel := b.Subscribe("advisory:1")
	other, cancelOther := b.Subscribe("advisory:2")
	defer cancelOther()
	b.Publish(context.Background(), "advisory:1")
	wait(t, ch, "advisory:1")
	select {
	case <-other:
		t.Fatal("event leaked to another topic")
	default:
	}
	// A full buffer never blocks the publisher.
	for i := 0; i < 100; i++ {
		b.Publish(context.Background(), "advisory:1")
	}
	cancel()
	cancel()
	b.Publish(context.Background(), "advisory:1")
}

// Two brokers on one PostgreSQL database stand for two nodes.
func TestPostgresBrokerAcrossNodes(t *testing.T) {
	t.Parallel()
	url := sqldbtest.URL(t, "postgres")
	a, err := live.NewPostgres(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := live.NewPostgres(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ch, cancel := b.Subscribe("dashboard")
	defer cancel()
	a.Publish(context.Background(), "dashboard")
	wait(t, ch, "dashboard")
}
