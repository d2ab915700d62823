// Package live carries "something changed" events to the browsers watching a
// page (server-sent events), across every node of a deployment. On SQLite,
// which has one node, events stay in the process; on PostgreSQL they travel
// through LISTEN/NOTIFY so that a confirmation received by one node updates
// dashboards served by all of them.
//
// Events are hints, not data: a subscriber re-reads what it shows through the
// policy, so nothing confidential ever travels in an event.
package live

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Event says that something on a topic changed.
type Event struct {
	Topic string    `json:"t"`
	At    time.Time `json:"at"`
}

// Broker publishes and subscribes to topics.
type Broker struct {
	mu     sync.Mutex
	subs   map[string]map[chan Event]struct{}
	notify func(ctx context.Context, payload string) error // nil: in-process only
	log    *slog.Logger
	stop   context.CancelFunc
	wg     sync.WaitGroup
}

// NewLocal returns a broker for one process.
func NewLocal(log *slog.Logger) *Broker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Broker{subs: map[string]map[chan Event]struct{}{}, log: log}
}

const channel = "ceptor_live"

// NewPostgres returns a broker whose events reach every node connected to the
// same database. It keeps one dedicated connection for LISTEN and reconnects
// when that connection drops.
func NewPostgres(url string, log *slog.Logger) (*Broker, error) {
	b := NewLocal(log)
	ctx, cancel := context.WithCancel(context.Background())
	b.stop = cancel
	var pubMu sync.Mutex
	var pub *pgx.Conn
	b.notify = func(ctx context.Context, payload string) error {
		pubMu.Lock()
		defer pubMu.Unlock()
		if pub == nil || pub.IsClosed() {
			c, err := pgx.Connect(ctx, url)
			if err != nil {
				return err
			}
			pub = c
		}
		_, err := pub.Exec(ctx, "SELECT pg_notify($1, $2)", channel, payload)
		if err != nil {
			pub.Close(context.Background())
			pub = nil
		}
		return err
	}
	ready := make(chan error, 1)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		first := true
		for ctx.Err() == nil {
			err := b.listen(ctx, url, func() {
				if first {
					ready <- nil
					first = false
				}
			})
			if first {
				ready <- err
				return
			}
			if ctx.Err() == nil {
				b.log.Warn("live: listener connection lost, reconnecting", "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
		}
		pubMu.Lock()
		if pub != nil {
			pub.Close(context.Background())
		}
		pubMu.Unlock()
	}()
	if err := <-ready; err != nil {
		cancel()
		b.wg.Wait()
		return nil, err
	}
	return b, nil
}

func (b *Broker) listen(ctx context.Context, url string, listening func()) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var e Event
		if json.Unmarshal([]byte(n.Payload), &e) == nil && e.Topic != "" {
			b.deliver(e)
		}
	}
}

// Publish announces a change on topic to every subscriber on every node.
// Failures are logged, never returned: a missed hint only delays a refresh.
func (b *Broker) Publish(ctx context.Context, topic string) {
	e := Event{Topic: topic, At: time.Now().UTC()}
	if b.notify == nil {
		b.deliver(e)
		return
	}
	payload, _ := json.Marshal(e)
	if err := b.notify(ctx, string(payload)); err != nil {
		b.log.Warn("live: publish failed; delivering locally only", "topic", topic, "err", err)
		b.deliver(e)
	}
}

// deliver hands e to local subscribers without ever blocking: a slow
// subscriber whose buffer is full simply misses the hint (it has one pending).
func (b *Broker) deliver(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[e.Topic] {
		select {
		case ch <- e:
		default:
		}
	}
}

// Subscribe returns a channel of events on topic and a function that ends
// the subscription.
func (b *Broker) Subscribe(topic string) (<-chan Event, func()) {
	ch := make(chan Event, 1)
	b.mu.Lock()
	if b.subs[topic] == nil {
		b.subs[topic] = map[chan Event]struct{}{}
	}
	b.subs[topic][ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs[topic], ch)
			if len(b.subs[topic]) == 0 {
				delete(b.subs, topic)
			}
			b.mu.Unlock()
		})
	}
}

// Close stops the listener.
func (b *Broker) Close() {
	if b.stop != nil {
		b.stop()
		b.wg.Wait()
	}
}
