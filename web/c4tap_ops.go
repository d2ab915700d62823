package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"ceptor"
	"ceptor/c4tap"
	"ceptor/misp"
	"ceptor/sqldb"
)

// Targeted-attack sharing (C4TAP), MISP import/export and indicator
// correlation: the operations the pages and the API share. Every read and
// write asks ceptor.Allow (KindC4TAP, KindMISP, and for correlation the
// kind of each source).

type sharingStore interface {
	c4tap.Store
	misp.Store
	IndicatorSightings(ctx context.Context, in ceptor.Indicator, limit int) ([]sqldb.Sighting, error)
	IndicatorCounts(ctx context.Context, ins []ceptor.Indicator) (map[string]int, error)
}

func (s *Server) sharing() (sharingStore, error) {
	st, ok := s.store.(sharingStore)
	if !ok {
		return nil, &ceptor.Error{Code: ceptor.EUNAVAILABLE, Message: "this store keeps no shared indicators"}
	}
	return st, nil
}

// c4tapMember reports whether an organisation joined the C4TAP group (false
// when the store cannot say).
func (s *Server) c4tapMember(ctx context.Context, orgID int64) bool {
	st, err := s.sharing()
	if err != nil {
		return false
	}
	ok, err := st.IsC4TAPMember(ctx, orgID)
	if err != nil {
		s.log.Warn("c4tap membership", "err", err)
	}
	return ok
}

// ---- C4TAP ----

// emlAAD binds a sealed message to its submission's organisation and hash.
func emlAAD(orgID int64, sum string) string {
	return "c4tap-eml:" + strconv.FormatInt(orgID, 10) + ":" + sum
}

// c4tapSubmit parses and stores a suspicious e-mail for the caller's
// organisation. The raw message is kept only sealed with the service key.
func (s *Server) c4tapSubmit(r *http.Request, st *reqState, raw []byte, tlpIn, note string) (*c4tap.Submission, error) {
	store, err := s.sharing()
	if err != nil {
		return nil, err
	}
	tlp, ok := ceptor.ParseTLP(tlpIn)
	if tlpIn == "" {
		tlp, ok = ceptor.TLPAmber, true
	}
	if !ok {
		return nil, ceptor.Invalid(map[string]string{"tlp": "err.tlp"})
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 2000 {
		return nil, ceptor.Invalid(map[string]string{"note": "err.too_long"})
	}
	sub := &c4tap.Submission{OrgID: st.actor.OrgID, UserID: st.actor.UserID, TLP: tlp, Note: note}
	if err := regAuthorize(st, ceptor.ActCreate, sub.Resource()); err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, &ceptor.Error{Code: ceptor.EINVALID, Message: "no message", Key: "c4tap.err.not_email"}
	}
	m, err := c4tap.Parse(raw)
	if err != nil {
		return nil, c4tap.AsCeptorError(err)
	}
	sum := sha256.Sum256(raw)
	sub.Message, sub.Size, sub.SHA256 = m, int64(len(raw)), hex.EncodeToString(sum[:])
	if sub.Sealed, err = s.sealer.Seal(raw, emlAAD(sub.OrgID, sub.SHA256)); err != nil {
		return nil, err
	}
	err = s.change(r, func(r *http.Request) error {
		if err := store.AddSubmission(r.Context(), sub); err != nil {
			return err
		}
		// The audit names the kind and marking only: the group must not
		// learn from the log who submitted.
		s.audit(r, "c4tap.submit", ceptor.KindC4TAP, sub.ID, sub.OrgID, map[string]any{"tlp": string(tlp), "indicators": len(sub.Extracted)})
		return nil
	})
	return sub, err
}

func c4tapNotFound() error {
	return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "no such submission", Key: "err.not_found"}
}

// c4tapFind returns a submission the actor may see.
func (s *Server) c4tapFind(ctx context.Context, a *ceptor.Actor, id int64, sealed bool) (*c4tap.Submission, error) {
	store, err := s.sharing()
	if err != nil {
		return nil, err
	}
	sub, err := store.FindSubmission(ctx, id, sealed)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, c4tapNotFound()
		}
		return nil, err
	}
	if !ceptor.Allow(a, ceptor.ActView, sub.Resource()) {
		return nil, c4tapNotFound()
	}
	return sub, nil
}

// c4tapList lists what the actor may see.
func (s *Server) c4tapList(ctx context.Context, a *ceptor.Actor, limit, offset int) ([]*c4tap.Submission, int, error) {
	store, err := s.sharing()
	if err != nil {
		return nil, 0, err
	}
	if !a.InC4TAP() {
		return nil, 0, nil
	}
	subs, total, err := store.ListSubmissions(ctx, a.OrgID, a.OrgType == ceptor.OrgNISC, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	var out []*c4tap.Submission
	for _, x := range subs {
		if ceptor.Allow(a, ceptor.ActView, x.Resource()) {
			out = append(out, x)
		}
	}
	return out, total, nil
}

// c4tapRaw returns the raw message to its submitter or NISC.
func (s *Server) c4tapRaw(r *http.Request, st *reqState, id int64) ([]byte, error) {
	sub, err := s.c4tapFind(r.Context(), st.actor, id, true)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActViewIdentity, sub.Resource()); err != nil {
		return nil, err
	}
	if sub.Sealed == "" {
		return nil, c4tapNotFound() // kept without its raw message (demo data)
	}
	raw, err := s.sealer.Open(sub.Sealed, emlAAD(sub.OrgID, sub.SHA256))
	if err != nil {
		return nil, err
	}
	s.audit(r, "c4tap.download", ceptor.KindC4TAP, sub.ID, sub.OrgID, nil)
	return raw, nil
}

// ---- MISP ----

// mispImportResult is what one import did.
type mispImportResult struct {
	ID          int64  `json:"id"`
	UUID        string `json:"uuid"`
	Created     bool   `json:"created"`
	AdvisoryID  int64  `json:"advisory_id,omitempty"`
	Indicators  int    `json:"indicators"`
	Unsupported int    `json:"unsupported"`
	TLP         string `json:"tlp"`
	TLPDefault  bool   `json:"tlp_default"`
}

// mispImport stores events for the caller's organisation, all or none,
// with an advisory draft for review of each new event when the caller may
// draft advisories.
func (s *Server) mispImport(r *http.Request, st *reqState, evs []*misp.Event) ([]mispImportResult, error) {
	store, err := s.sharing()
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActImport, ceptor.Resource{Kind: ceptor.KindMISP, OrgID: st.actor.OrgID}); err != nil {
		return nil, err
	}
	var out []mispImportResult
	err = s.change(r, func(r *http.Request) error {
		ctx := r.Context()
		out = nil
		for _, ev := range evs {
			row := &misp.Stored{OrgID: st.actor.OrgID, UserID: st.actor.UserID, Event: ev}
			created, err := store.SaveMISPEvent(ctx, row)
			if err != nil {
				return err
			}
			if row.AdvisoryID == 0 {
				adv, err := s.mispDraft(ctx, st, ev)
				if err != nil {
					return err
				}
				if adv != nil {
					row.AdvisoryID = adv.ID
					if err := store.SetMISPAdvisory(ctx, row.ID, adv.ID); err != nil {
						return err
					}
					s.auditAdvisory(r, "advisory.create", adv, map[string]any{"tlp": string(adv.TLP), "from": "misp"})
				}
			}
			s.audit(r, "misp.import", ceptor.KindMISP, row.ID, row.OrgID, map[string]any{"uuid": ev.UUID, "tlp": string(ev.TLP)})
			out = append(out, mispImportResult{ID: row.ID, UUID: ev.UUID, Created: created, AdvisoryID: row.AdvisoryID, Indicators: len(ev.Indicators()),
				Unsupported: ev.Unsupported(), TLP: string(ev.TLP), TLPDefault: ev.TLPDefault})
		}
		return nil
	})
	return out, err
}

// mispDraft makes the advisory draft of an imported event, or nil when the
// caller may not draft advisories.
func (s *Server) mispDraft(ctx context.Context, st *reqState, ev *misp.Event) (*ceptor.Advisory, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "MISP event `%s`", ev.UUID)
	if ev.CreatorOrg != "" {
		fmt.Fprintf(&b, " (%s)", ev.CreatorOrg)
	}
	b.WriteString("\n\n")
	if len(ev.Tags) > 0 {
		b.WriteString("Tags: " + strings.Join(ev.Tags, ", ") + "\n\n")
	}
	for _, in := range ev.Indicators() {
		fmt.Fprintf(&b, "- %s: `%s`\n", in.Type, c4tap.Defang(in))
	}
	if n := ev.Unsupported(); n > 0 {
		fmt.Fprintf(&b, "\n(%d attribute(s) of other types are kept with the import.)\n", n)
	}
	body := b.String()
	if len([]rune(body)) > ceptor.MaxAdvisoryBody {
		body = string([]rune(body)[:ceptor.MaxAdvisoryBody])
	}
	title := ev.Info
	if len([]rune(title)) > ceptor.MaxAdvisoryTitle-8 {
		title = string([]rune(title)[:ceptor.MaxAdvisoryTitle-8])
	}
	a := &ceptor.Advisory{OrgID: st.actor.OrgID, AuthorID: st.actor.UserID, Status: ceptor.AdvisoryDraft, Title: "[MISP] " + strings.Join(strings.Fields(title), " "),
		Body: body, Category: ceptor.CatPartner, Urgency: ceptor.UrgencyNormal, TLP: ev.TLP, Source: ceptor.SourcePartner, SourceName: ev.CreatorOrg}
	if len([]rune(a.SourceName)) > 200 {
		a.SourceName = string([]rune(a.SourceName)[:200])
	}
	reach, err := s.advReach(ctx, a.Audience)
	if err != nil {
		return nil, err
	}
	if !ceptor.Allow(st.actor, ceptor.ActCreate, ceptor.AdvisoryResource(a, nil, reach, false, false)) {
		return nil, nil
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.CreateAdvisory(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

func mispNotFound() error {
	return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "no such MISP event", Key: "err.not_found"}
}

func mispResource(x *misp.Stored) ceptor.Resource {
	return ceptor.Resource{Kind: ceptor.KindMISP, OrgID: x.OrgID, TLP: x.Event.TLP}
}

func (s *Server) mispFind(ctx context.Context, a *ceptor.Actor, id int64) (*misp.Stored, error) {
	store, err := s.sharing()
	if err != nil {
		return nil, err
	}
	x, err := store.FindMISPEvent(ctx, id)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, mispNotFound()
		}
		return nil, err
	}
	if !ceptor.Allow(a, ceptor.ActView, mispResource(x)) {
		return nil, mispNotFound()
	}
	return x, nil
}

func (s *Server) mispList(ctx context.Context, a *ceptor.Actor, limit, offset int) ([]*misp.Stored, int, error) {
	store, err := s.sharing()
	if err != nil {
		return nil, 0, err
	}
	rows, total, err := store.ListMISPEvents(ctx, misp.ListFilter{OrgID: a.OrgID, Community: true, All: a.OrgType == ceptor.OrgNISC, Limit: limit, Offset: offset})
	if err != nil {
		return nil, 0, err
	}
	var out []*misp.Stored
	for _, x := range rows {
		if ceptor.Allow(a, ceptor.ActView, mispResource(x)) {
			out = append(out, x)
		}
	}
	return out, total, nil
}

// mispExportAdvisory returns an advisory the actor may export as a MISP
// event; its creator is the issuing organisation.
func (s *Server) mispExportAdvisory(ctx context.Context, a *ceptor.Actor, id int64) ([]byte, error) {
	adv, res, err := s.findAdvisory(ctx, a, id)
	if err != nil {
		return nil, err
	}
	// findAdvisory asked the policy for ActView (the advisory policy has no
	// separate export right). TLP:RED never leaves for a MISP partner: it
	// is for named recipients only.
	_ = res
	if adv.TLP == ceptor.TLPRed {
		return nil, &ceptor.Error{Code: ceptor.EFORBIDDEN, Message: "TLP:RED is not exported", Key: "misp.err.red"}
	}
	if adv.Status != ceptor.AdvisoryPublished && adv.OrgID != a.OrgID {
		return nil, regNotFound()
	}
	issuer, err := s.store.FindOrg(ctx, adv.OrgID)
	if err != nil {
		return nil, err
	}
	at := adv.UpdatedAt
	if adv.PublishedAt != nil {
		at = *adv.PublishedAt
	}
	return misp.Encode(misp.Export{Key: "advisory:" + strconv.FormatInt(adv.ID, 10), Info: adv.Title, Text: adv.Body, CreatorOrg: issuer.DisplayName("en"),
		TLP: adv.TLP, Date: at, Modified: adv.UpdatedAt, Tags: []string{"ceptor:advisory-category=\"" + string(adv.Category) + "\""}})
}

// mispExportSubmission exports a submission's indicators; the creator is
// "C4TAP" — the group does not learn who submitted.
func (s *Server) mispExportSubmission(ctx context.Context, a *ceptor.Actor, id int64) ([]byte, error) {
	sub, err := s.c4tapFind(ctx, a, id, false)
	if err != nil {
		return nil, err
	}
	if !ceptor.Allow(a, ceptor.ActExport, sub.Resource()) {
		return nil, c4tapNotFound()
	}
	if sub.TLP == ceptor.TLPRed {
		return nil, &ceptor.Error{Code: ceptor.EFORBIDDEN, Message: "TLP:RED is not exported", Key: "misp.err.red"}
	}
	var ins []ceptor.Indicator
	for _, e := range sub.Extracted {
		ins = append(ins, e.Indicator)
	}
	info := "C4TAP: " + sub.Message.Subject
	if sub.Message.Subject == "" {
		info = "C4TAP submission " + strconv.FormatInt(sub.ID, 10)
	}
	return misp.Encode(misp.Export{Key: "c4tap:" + strconv.FormatInt(sub.ID, 10), Info: info, CreatorOrg: "C4TAP", TLP: sub.TLP,
		Date: sub.CreatedAt, Modified: sub.CreatedAt, Tags: []string{"targeted-attack"}, Indicators: ins})
}

// readLimited reads a request body up to n bytes; more is EINVALID.
func readLimited(body io.Reader, n int64, key string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(body, n+1))
	if err != nil {
		return nil, &ceptor.Error{Code: ceptor.EINVALID, Message: "could not read the upload", Key: key, Err: err}
	}
	if int64(len(b)) > n {
		return nil, &ceptor.Error{Code: ceptor.EINVALID, Message: "upload too large", Key: key}
	}
	return b, nil
}
