package auth

import (
	"runtime/debug"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id is memory-hard by design: each check takes Params.MemoryKiB
// (64 MiB by default). Sign-ins from many people at once would each take
// that much, and the Go runtime keeps freed memory for minutes, so a burst of
// sign-ins would leave the process several hundred MiB large. Checks
// therefore run one at a time per process (they take tens of milliseconds),
// and after a check that found nobody waiting the memory goes back to the
// operating system. This is process-wide because memory is.
var (
	argonSlot   = make(chan struct{}, 1)
	argonMu     sync.Mutex
	argonQueued int
)

// bigAllocation is the memory cost above which a check releases memory
// afterwards; cheap test parameters never trigger a forced collection.
const bigAllocation = 8 * 1024 // KiB

func idKey(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	argonMu.Lock()
	argonQueued++
	argonMu.Unlock()
	argonSlot <- struct{}{}
	key := argon2.IDKey(password, salt, time, memory, threads, keyLen)
	argonMu.Lock()
	argonQueued--
	last := argonQueued == 0
	argonMu.Unlock()
	<-argonSlot
	if last && memory >= bigAllocation {
		debug.FreeOSMemory()
	}
	return key
}
