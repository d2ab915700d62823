package sqldb

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// The hand-over journal narrows the one window in which an advisory
// e-mail or webhook call can reach its receiver twice: the receiver
// accepted it (SMTP 250, HTTP 2xx) and the process died before the
// acceptance was in the database. Recording the acceptance in the
// database can wait — for SQLite's single write lock behind dozens of
// other senders, or for a PostgreSQL commit — and a kill during that wait
// made the next sender repeat the message. The journal is a small file
// beside the node's data: the acceptance is appended to it with one
// write(2) the moment the answer arrives, before anything else. A file
// write survives the death of the process (SIGKILL, OOM kill, panic); the
// kernel has it. On the next start, before any sender runs, the node
// applies the journal (the rows are marked accepted: handover 2, recorded
// as sent, never sent again) and starts it afresh.
//
// The journal is not synced to disk after each entry: a power cut of the
// whole machine can lose the last entries, and those deliveries are then
// sent again as before (counted in uncertain_resends). Entries are
// dropped once the database has the acceptance; the file is rewritten
// with the entries still open whenever it passes journalCompactSize.
//
// One process owns a journal (an advisory lock on path+".lock"); another
// that tries gets an error and must not send.

// journalCompactSize: past this size the journal is rewritten with its
// open entries only.
const journalCompactSize = 1 << 20

type journalKey struct {
	id       int64
	attempts int
}

type handoverJournal struct {
	mu   sync.Mutex
	path string
	f    *os.File
	lock *os.File
	size int64
	open map[journalKey][]byte // acceptances not yet in the database
}

// OpenHandoverJournal makes this process the owner of the hand-over
// journal at path: it applies the acceptances a previous process left
// there (that process died before the database had them), empties it and
// from then on appends every acceptance to it. Call it before any
// delivery is sent (before the job queue starts); a process that does not
// send needs none.
func (d *DB) OpenHandoverJournal(ctx context.Context, path string) (int, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return 0, fmt.Errorf("hand-over journal: %w", err)
	}
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return 0, fmt.Errorf("hand-over journal: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return 0, fmt.Errorf("hand-over journal %s is held by another ceptor process on this machine (one node per data directory): %w", path, err)
	}
	applied, err := d.applyJournal(ctx, path)
	if err != nil {
		lock.Close()
		return 0, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		lock.Close()
		return 0, fmt.Errorf("hand-over journal: %w", err)
	}
	d.journal = &handoverJournal{path: path, f: f, lock: lock, open: map[journalKey][]byte{}}
	return applied, nil
}

// applyJournal records the acceptances in path: each row still held by
// the attempt that wrote the entry is marked accepted (the next claim
// records it as sent). Rows taken over since, or already recorded, are
// left alone. A torn last line (the process died inside the write) is
// ignored: its acceptance had not been written.
func (d *DB) applyJournal(ctx context.Context, path string) (int, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("hand-over journal: %w", err)
	}
	type entry struct {
		key journalKey
		at  time.Time
	}
	var entries []entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, at, ok := parseJournalLine(sc.Bytes())
		if ok {
			entries = append(entries, entry{k, at})
		}
	}
	applied := 0
	for start := 0; start < len(entries); start += 500 {
		chunk := entries[start:min(start+500, len(entries))]
		err := d.Atomic(ctx, func(ctx context.Context) error {
			for _, e := range chunk {
				res, err := d.exec(ctx, d.db, "UPDATE advisory_deliveries SET handover = 2, sent_at = COALESCE(sent_at, ?) WHERE id = ? AND status = 'sending' AND attempts = ?",
					e.at.UTC(), e.key.id, e.key.attempts)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n > 0 {
					applied++
				}
			}
			return nil
		})
		if err != nil {
			return applied, fmt.Errorf("hand-over journal: applying %s: %w", path, err)
		}
	}
	if applied > 0 {
		d.log.Warn("advisory deliveries accepted by their receivers before the last stop, recorded from the hand-over journal", "count", applied)
	}
	return applied, nil
}

// parseJournalLine reads "<delivery id> <attempt> <unix nanoseconds>".
func parseJournalLine(b []byte) (journalKey, time.Time, bool) {
	f := bytes.Fields(b)
	if len(f) != 3 {
		return journalKey{}, time.Time{}, false
	}
	id, err1 := strconv.ParseInt(string(f[0]), 10, 64)
	n, err2 := strconv.Atoi(string(f[1]))
	ns, err3 := strconv.ParseInt(string(f[2]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || id <= 0 || n <= 0 {
		return journalKey{}, time.Time{}, false
	}
	return journalKey{id, n}, time.Unix(0, ns), true
}

// accepted appends an acceptance; it returns once the kernel has it.
func (j *handoverJournal) accepted(id int64, attempts int, at time.Time) error {
	line := fmt.Appendf(nil, "%d %d %d\n", id, attempts, at.UnixNano())
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("hand-over journal closed")
	}
	n, err := j.f.Write(line)
	j.size += int64(n)
	if err != nil {
		return fmt.Errorf("hand-over journal: %w", err)
	}
	j.open[journalKey{id, attempts}] = line
	return nil
}

// recorded drops an entry the database now has, and rewrites the file
// with the open entries once it has grown past journalCompactSize.
func (j *handoverJournal) recorded(id int64, attempts int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.open, journalKey{id, attempts})
	if j.f == nil || j.size < journalCompactSize {
		return
	}
	if err := j.compact(); err != nil {
		// The journal keeps growing; nothing is lost.
		j.size = 0
	}
}

// compact replaces the file by one holding the open entries only: written
// beside it and renamed over it, so that a crash leaves one or the other.
func (j *handoverJournal) compact() error {
	tmp := j.path + ".new"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	var size int64
	for _, line := range j.open {
		n, err := f.Write(line)
		size += int64(n)
		if err != nil {
			f.Close()
			return err
		}
	}
	if err := os.Rename(tmp, j.path); err != nil {
		f.Close()
		return err
	}
	j.f.Close()
	j.f, j.size = f, size
	return nil
}

func (j *handoverJournal) close() {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
	if j.lock != nil {
		j.lock.Close()
		j.lock = nil
	}
}
