package ceptor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one line of the append-only audit log. Entries are chained:
// each Hash covers the entry's fields and the previous entry's Hash, so that
// editing, removing or reordering any entry breaks the chain.
type AuditEntry struct {
	Seq         int64     `json:"seq"`
	At          time.Time `json:"at"`
	ActorUserID int64     `json:"actor_user_id,omitempty"`
	ActorOrgID  int64     `json:"actor_org_id,omitempty"`
	ActorLabel  string    `json:"actor_label"` // e-mail, "system" or "cli:<user>"
	Action      string    `json:"action"`      // e.g. "org.update", "registry.export"
	ObjectType  string    `json:"object_type,omitempty"`
	ObjectID    string    `json:"object_id,omitempty"`
	OrgID       int64     `json:"org_id,omitempty"` // organisation the entry concerns, for visibility
	Detail      string    `json:"detail,omitempty"` // compact JSON
	IP          string    `json:"ip,omitempty"`
	PrevHash    string    `json:"prev_hash"`
	Hash        string    `json:"hash"`
}

// AuditGenesis is the PrevHash of the first entry.
const AuditGenesis = "0000000000000000000000000000000000000000000000000000000000000000"

// ComputeHash returns the chain hash of e given its PrevHash. The encoding is
// length-prefixed so that no two different entries serialise alike.
func (e *AuditEntry) ComputeHash() string {
	h := sha256.New()
	field := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
		h.Write([]byte{';'})
	}
	field(e.PrevHash)
	field(strconv.FormatInt(e.Seq, 10))
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(strconv.FormatInt(e.ActorUserID, 10))
	field(strconv.FormatInt(e.ActorOrgID, 10))
	field(e.ActorLabel)
	field(e.Action)
	field(e.ObjectType)
	field(e.ObjectID)
	field(strconv.FormatInt(e.OrgID, 10))
	field(e.Detail)
	field(e.IP)
	return hex.EncodeToString(h.Sum(nil))
}

// AuditDetail encodes v as the compact JSON detail of an entry.
func AuditDetail(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// AuditFilter selects entries. OrgID restricts to entries by or about that
// organisation (the policy's view for non-NISC auditors).
type AuditFilter struct {
	OrgID     int64
	Action    string // prefix match
	BeforeSeq int64
	Limit     int
	// HidePersonalExcept leaves out the personal activity (PersonalActions)
	// of people of every organisation but this one. NISC's auditors read
	// the whole programme's log; the sign-ins, sessions and account changes
	// of operators' staff are not theirs to read: their times line up with
	// the times of anonymous reports and would narrow down who sent one.
	// Each organisation's own auditors still see their people's activity.
	HidePersonalExcept int64
}

// PersonalActions are the audit action prefixes that record a person's own
// use of their account (sign-in, second factor, password, sessions, API
// tokens, notification reading) rather than an act on shared data.
var PersonalActions = []string{"auth.", "token.", "notification.", "user.2fa_", "user.password_change", "user.sessions_end"}

// AuditFilterFor is the filter of the audit entries actor a may read (the
// policy has already allowed a to read the audit log): everything for NISC
// but other organisations' personal activity; its own organisation's
// entries for anyone else.
func AuditFilterFor(a *Actor) AuditFilter {
	if a.OrgType == OrgNISC {
		return AuditFilter{HidePersonalExcept: a.OrgID}
	}
	return AuditFilter{OrgID: a.OrgID}
}

// AuditProblem is one break in the chain found by verification.
type AuditProblem struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

// AuditService appends to and reads the audit log.
type AuditService interface {
	// AppendAudit adds e at the end of the chain, filling Seq, PrevHash and Hash.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AppendAudits adds entries at the end of the chain in their order, as
	// AppendAudit one after another would, in one transaction.
	AppendAudits(ctx context.Context, entries []*AuditEntry) error
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
	// VerifyAudit walks the whole chain and returns every break found, and
	// the number of entries checked.
	VerifyAudit(ctx context.Context) (int, []AuditProblem, error)
}

// ChainVerifier checks entries one at a time, in Seq order from the genesis,
// so that a log of any length is verified in constant memory.
type ChainVerifier struct {
	prev     string
	prevSeq  int64
	n        int
	problems []AuditProblem
}

// NewChainVerifier starts a verification at the genesis.
func NewChainVerifier() *ChainVerifier { return &ChainVerifier{prev: AuditGenesis} }

// Add checks the next entry.
func (v *ChainVerifier) Add(e *AuditEntry) {
	switch {
	case e.Seq != v.prevSeq+1:
		v.problems = append(v.problems, AuditProblem{Seq: e.Seq, Reason: "sequence gap or reorder after entry " + strconv.FormatInt(v.prevSeq, 10)})
	case e.PrevHash != v.prev:
		v.problems = append(v.problems, AuditProblem{Seq: e.Seq, Reason: "previous-hash link broken (entry removed or reordered)"})
	}
	if e.ComputeHash() != e.Hash {
		v.problems = append(v.problems, AuditProblem{Seq: e.Seq, Reason: "content does not match its hash (entry edited)"})
	}
	v.prev, v.prevSeq = e.Hash, e.Seq
	v.n++
}

// Finish compares the last entry with the recorded head (last seq and hash;
// zero values when there is none) and returns the count and every problem.
func (v *ChainVerifier) Finish(headSeq int64, headHash string) (int, []AuditProblem) {
	if headSeq != v.prevSeq || (headSeq != 0 && !strings.EqualFold(headHash, v.prev)) {
		v.problems = append(v.problems, AuditProblem{Seq: headSeq, Reason: "chain head does not match the last entry (entries removed at the end)"})
	}
	return v.n, v.problems
}
