package sqldb

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// Each body comes back equal and on its own: appending to one cannot
// overwrite the next, and a page takes few chunks.
func TestPageBodies(t *testing.T) {
	p := pageBodies{limit: 100}
	var got [][]byte
	var want [][]byte
	for i := range 100 {
		b := []byte(strings.Repeat(string(rune('a'+i%26)), 100+i*7))
		want = append(want, bytes.Clone(b))
		got = append(got, p.add(b, i))
		b[0] = 'X' // the driver reuses its buffer
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("body %d changed", i)
		}
	}
	_ = append(got[0], 'Z')
	if got[1][0] == 'Z' {
		t.Fatal("appending to a body overwrote the next")
	}
	chunks := 1 // a new chunk starts where a body does not follow the last
	for i := 1; i < len(got); i++ {
		if uintptr(unsafe.Pointer(unsafe.SliceData(got[i]))) != uintptr(unsafe.Pointer(unsafe.SliceData(got[i-1])))+uintptr(len(got[i-1])) {
			chunks++
		}
	}
	if chunks > 4 {
		t.Fatalf("%d chunks for one page", chunks)
	}
}

// Past its size the journal is rewritten with the entries the database
// does not have yet, and goes on appending to the new file.
func TestHandoverJournalCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	j := &handoverJournal{path: path, f: f, open: map[journalKey][]byte{}}
	defer j.close()
	at := time.Unix(1_800_000_000, 0)
	for id := int64(1); id <= 5; id++ {
		if err := j.accepted(id, 1, at); err != nil {
			t.Fatal(err)
		}
	}
	j.size = journalCompactSize // as if it had grown: the next record compacts
	j.recorded(1, 1)
	if err := j.accepted(6, 2, at); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, _, ok := parseJournalLine([]byte(line))
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		ids = append(ids, fmt.Sprint(k.id, "/", k.attempts))
	}
	slices.Sort(ids)
	if want := []string{"2/1", "3/1", "4/1", "5/1", "6/2"}; !slices.Equal(ids, want) {
		t.Fatalf("journal after compaction: %v, want %v", ids, want)
	}
}
