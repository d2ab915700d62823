package web

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"

	"ceptor"
)

// The registry's write operations. Each one asks the policy, changes the
// store and writes the audit entry; the UI and the API both call them, so
// that the two surfaces cannot drift apart. Objects the caller may not see
// are ENOTFOUND; visible objects the caller may not change are EFORBIDDEN
// (regAuthorize tells a token when its scope is what is too narrow).

// regAuthorize asks the policy; ceptor.Authorize tells a token when its
// scope is what is too narrow.
func regAuthorize(st *reqState, act ceptor.Action, res ceptor.Resource) error {
	if st.actor == nil {
		return forbidden(st)
	}
	return ceptor.Authorize(st.actor, act, res)
}

func regNotFound() error {
	return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not found", Key: "err.not_found"}
}

// findVisibleOrg returns the organisation when the actor may see it; otherwise
// ENOTFOUND, whether or not it exists.
func (s *Server) findVisibleOrg(ctx context.Context, a *ceptor.Actor, id int64) (*ceptor.Organization, error) {
	o, err := s.store.FindOrg(ctx, id)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, regNotFound()
		}
		return nil, err
	}
	if !ceptor.Allow(a, ceptor.ActView, ceptor.OrgResource(ceptor.KindOrg, o)) {
		return nil, regNotFound()
	}
	return o, nil
}

// regMergeInvalid joins field problems into one EINVALID error, or nil.
func regMergeInvalid(err error, more map[string]string) error {
	if err != nil && ceptor.ErrorCode(err) != ceptor.EINVALID {
		return err
	}
	f := map[string]string{}
	maps.Copy(f, more)
	maps.Copy(f, ceptor.ErrorFields(err))
	if len(f) == 0 {
		return nil
	}
	return ceptor.Invalid(f)
}

// regOnConflict turns a duplicate-key error of the store into a field problem.
func regOnConflict(err error, field string) error {
	if ceptor.ErrorCode(err) == ceptor.ECONFLICT {
		return ceptor.Invalid(map[string]string{field: "err.duplicate"})
	}
	return err
}

// regInvalidField is an EINVALID error about one field whose message is also
// the error's own, for actions without a form to show it next to.
func regInvalidField(field, key string) error {
	e := ceptor.Invalid(map[string]string{field: key})
	e.Key = key
	return e
}

func outsideRemit() error {
	return ceptor.Invalid(map[string]string{"sector_ids": "registry.err.outside_remit"})
}

// ---- organisations ----

// orgPatch carries the fields of an organisation to set; nil leaves a field
// as it is. It is the JSON body of POST and PATCH /api/v1/organizations and
// what the UI form builds.
type orgPatch struct {
	Name       *string            `json:"name,omitempty"`
	NameEN     *string            `json:"name_en,omitempty"`
	NameKana   *string            `json:"name_kana,omitempty"`
	Type       *ceptor.OrgType    `json:"type,omitempty"`
	EntityKind *ceptor.EntityKind `json:"entity_kind,omitempty"`
	SectorIDs  *[]int64           `json:"sector_ids,omitempty"`
	CeptorIDs  *[]int64           `json:"ceptor_ids,omitempty"`
	Prefecture *string            `json:"prefecture,omitempty"`
	Website    *string            `json:"website,omitempty"`
	Domains    *[]string          `json:"domains,omitempty"`
	Require2FA *bool              `json:"require_2fa,omitempty"`
	Notes      *string            `json:"notes,omitempty"`
}

func (p *orgPatch) apply(o *ceptor.Organization) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&o.Name, p.Name)
	set(&o.NameEN, p.NameEN)
	set(&o.NameKana, p.NameKana)
	set(&o.Prefecture, p.Prefecture)
	set(&o.Website, p.Website)
	if p.Notes != nil {
		o.Notes = strings.TrimSpace(strings.ReplaceAll(*p.Notes, "\r\n", "\n"))
	}
	if p.Type != nil {
		o.Type = *p.Type
	}
	if p.EntityKind != nil {
		o.EntityKind = *p.EntityKind
	}
	if p.SectorIDs != nil {
		o.SectorIDs = regSortedIDs(*p.SectorIDs)
	}
	if p.CeptorIDs != nil {
		o.CeptorIDs = regSortedIDs(*p.CeptorIDs)
	}
	if p.Domains != nil {
		o.Domains = regSplitDomains(strings.Join(*p.Domains, " "))
	}
	if p.Require2FA != nil {
		o.Require2FA = *p.Require2FA
	}
}

func regSortedIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []int64{}
	}
	return out
}

// changedFields lists the fields that differ between two states of an
// organisation (for the audit entry), and whether any of them needs the full
// update right rather than the profile right.
func changedFields(a, b *ceptor.Organization) (changed []string, restricted bool) {
	add := func(name string, diff, full bool) {
		if diff {
			changed = append(changed, name)
			restricted = restricted || full
		}
	}
	add("name", a.Name != b.Name, true)
	add("type", a.Type != b.Type, true)
	add("entity_kind", a.EntityKind != b.EntityKind, true)
	add("sector_ids", !slices.Equal(regSortedIDs(a.SectorIDs), regSortedIDs(b.SectorIDs)), true)
	add("ceptor_ids", !slices.Equal(regSortedIDs(a.CeptorIDs), regSortedIDs(b.CeptorIDs)), true)
	add("active", a.Active != b.Active, true)
	add("name_en", a.NameEN != b.NameEN, false)
	add("name_kana", a.NameKana != b.NameKana, false)
	add("prefecture", a.Prefecture != b.Prefecture, false)
	add("website", a.Website != b.Website, false)
	add("domains", !slices.Equal(a.Domains, b.Domains), false)
	add("require_2fa", a.Require2FA != b.Require2FA, false)
	add("notes", a.Notes != b.Notes, false)
	return changed, restricted
}

func cloneOrg(o *ceptor.Organization) *ceptor.Organization {
	c := *o
	c.SectorIDs = slices.Clone(o.SectorIDs)
	c.CeptorIDs = slices.Clone(o.CeptorIDs)
	c.Domains = slices.Clone(o.Domains)
	return &c
}

// validateOrg checks an organisation against the domain rules and the
// registry's reference data.
func (s *Server) validateOrg(ctx context.Context, o *ceptor.Organization) error {
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return err
	}
	return regMergeInvalid(o.Validate(), rf.checkOrgRefs(o))
}

// opCreateOrg registers an organisation.
func (s *Server) opCreateOrg(r *http.Request, st *reqState, p orgPatch) (*ceptor.Organization, error) {
	a := st.actor
	if err := regAuthorize(st, ceptor.ActCreate, createProbe(a)); err != nil {
		return nil, err
	}
	o := &ceptor.Organization{Active: true, SectorIDs: []int64{}, CeptorIDs: []int64{}, Domains: []string{}}
	p.apply(o)
	if err := s.validateOrg(r.Context(), o); err != nil {
		return nil, err
	}
	if !ceptor.Allow(a, ceptor.ActCreate, ceptor.OrgResource(ceptor.KindOrg, o)) {
		// The caller may register organisations, only not this one: a
		// ministry keeps operators and providers of its own sectors.
		return nil, outsideRemit()
	}
	if err := s.store.CreateOrg(r.Context(), o); err != nil {
		return nil, regOnConflict(err, "name")
	}
	s.audit(r, "org.create", ceptor.KindOrg, o.ID, o.ID, map[string]any{"name": o.Name, "type": o.Type})
	return o, nil
}

// orgEditRights says which fields the actor may change on o.
func orgEditRights(a *ceptor.Actor, o *ceptor.Organization) (full, profile bool) {
	res := ceptor.OrgResource(ceptor.KindOrg, o)
	full = ceptor.Allow(a, ceptor.ActUpdate, res)
	profile = full || ceptor.Allow(a, ceptor.ActUpdateProfile, res)
	return full, profile
}

// opUpdateOrg changes the fields given in p. With only the profile right
// (an organisation's own administrator) type, entity kind, sectors and
// memberships must stay as they are.
func (s *Server) opUpdateOrg(r *http.Request, st *reqState, id int64, p orgPatch) (*ceptor.Organization, error) {
	ctx := r.Context()
	a := st.actor
	old, err := s.findVisibleOrg(ctx, a, id)
	if err != nil {
		return nil, err
	}
	full, profile := orgEditRights(a, old)
	if !profile {
		return nil, regAuthorize(st, ceptor.ActUpdateProfile, ceptor.OrgResource(ceptor.KindOrg, old))
	}
	o := cloneOrg(old)
	p.apply(o)
	changed, restricted := changedFields(old, o)
	if restricted && !full {
		return nil, regAuthorize(st, ceptor.ActUpdate, ceptor.OrgResource(ceptor.KindOrg, old))
	}
	if err := s.validateOrg(ctx, o); err != nil {
		return nil, err
	}
	if restricted && !ceptor.Allow(a, ceptor.ActUpdate, ceptor.OrgResource(ceptor.KindOrg, o)) {
		return nil, outsideRemit()
	}
	if len(changed) == 0 {
		return old, nil
	}
	if err := s.store.UpdateOrg(ctx, o); err != nil {
		return nil, regOnConflict(err, "name")
	}
	s.audit(r, "org.update", ceptor.KindOrg, o.ID, o.ID, map[string]any{"changed": changed})
	return o, nil
}

// opSetOrgActive deactivates or reactivates an organisation. Nobody can
// deactivate their own organisation, which would lock its people out.
func (s *Server) opSetOrgActive(r *http.Request, st *reqState, id int64, active bool) (*ceptor.Organization, error) {
	ctx := r.Context()
	o, err := s.findVisibleOrg(ctx, st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActDeactivate, ceptor.OrgResource(ceptor.KindOrg, o)); err != nil {
		return nil, err
	}
	if !active && o.ID == st.actor.OrgID {
		return nil, regInvalidField("active", "registry.err.own_org")
	}
	if o.Active == active {
		return o, nil
	}
	o.Active = active
	if err := s.store.UpdateOrg(ctx, o); err != nil {
		return nil, err
	}
	action := "org.deactivate"
	if active {
		action = "org.reactivate"
	}
	s.audit(r, action, ceptor.KindOrg, o.ID, o.ID, nil)
	return o, nil
}

// ---- contacts ----

// contactPatch carries the fields of a contact to set; nil leaves a field as
// it is.
type contactPatch struct {
	Name       *string             `json:"name,omitempty"`
	Department *string             `json:"department,omitempty"`
	Kind       *ceptor.ContactKind `json:"kind,omitempty"`
	Priority   *int                `json:"priority,omitempty"`
	Email      *string             `json:"email,omitempty"`
	Phone      *string             `json:"phone,omitempty"`
	WebhookURL *string             `json:"webhook_url,omitempty"`
	Lang       *string             `json:"lang,omitempty"`
	Active     *bool               `json:"active,omitempty"`
}

func (p *contactPatch) apply(c *ceptor.Contact) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&c.Name, p.Name)
	set(&c.Department, p.Department)
	set(&c.Email, p.Email)
	set(&c.Phone, p.Phone)
	set(&c.WebhookURL, p.WebhookURL)
	set(&c.Lang, p.Lang)
	if p.Kind != nil {
		c.Kind = *p.Kind
	}
	if p.Priority != nil {
		c.Priority = *p.Priority
	}
	if p.Active != nil {
		c.Active = *p.Active
	}
}

func validateContact(c *ceptor.Contact) error {
	f := map[string]string{}
	if c.Priority < 0 || c.Priority > 999 {
		f["priority"] = "registry.err.priority"
	}
	if len([]rune(c.Name)) > 200 {
		f["name"] = "err.too_long"
	}
	if len([]rune(c.Department)) > 200 {
		f["department"] = "err.too_long"
	}
	return regMergeInvalid(c.Validate(), f)
}

// contactOrg returns the organisation whose contacts are addressed, when the
// actor may see them.
func (s *Server) contactOrg(ctx context.Context, a *ceptor.Actor, orgID int64) (*ceptor.Organization, error) {
	o, err := s.findVisibleOrg(ctx, a, orgID)
	if err != nil {
		return nil, err
	}
	if !ceptor.Allow(a, ceptor.ActView, ceptor.OrgResource(ceptor.KindContact, o)) {
		return nil, regNotFound()
	}
	return o, nil
}

// findContact returns a contact of the organisation, or ENOTFOUND.
func (s *Server) findContact(ctx context.Context, o *ceptor.Organization, id int64) (*ceptor.Contact, error) {
	c, err := s.store.FindContact(ctx, id)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, regNotFound()
		}
		return nil, err
	}
	if c.OrgID != o.ID {
		return nil, regNotFound()
	}
	return c, nil
}

func (s *Server) opCreateContact(r *http.Request, st *reqState, orgID int64, p contactPatch) (*ceptor.Contact, error) {
	ctx := r.Context()
	o, err := s.findVisibleOrg(ctx, st.actor, orgID)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActCreate, ceptor.OrgResource(ceptor.KindContact, o)); err != nil {
		return nil, err
	}
	c := &ceptor.Contact{OrgID: o.ID, Kind: ceptor.ContactPrimary, Lang: "ja", Active: true}
	p.apply(c)
	if err := validateContact(c); err != nil {
		return nil, err
	}
	if err := s.store.CreateContact(ctx, c); err != nil {
		return nil, err
	}
	s.audit(r, "contact.create", ceptor.KindContact, c.ID, o.ID, map[string]any{"kind": c.Kind})
	return c, nil
}

func (s *Server) opUpdateContact(r *http.Request, st *reqState, orgID, id int64, p contactPatch) (*ceptor.Contact, error) {
	ctx := r.Context()
	o, err := s.contactOrg(ctx, st.actor, orgID)
	if err != nil {
		return nil, err
	}
	c, err := s.findContact(ctx, o, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActUpdate, ceptor.OrgResource(ceptor.KindContact, o)); err != nil {
		return nil, err
	}
	p.apply(c)
	if err := validateContact(c); err != nil {
		return nil, err
	}
	if err := s.store.UpdateContact(ctx, c); err != nil {
		return nil, err
	}
	s.audit(r, "contact.update", ceptor.KindContact, c.ID, o.ID, map[string]any{"kind": c.Kind, "active": c.Active})
	return c, nil
}

func (s *Server) opDeleteContact(r *http.Request, st *reqState, orgID, id int64) error {
	ctx := r.Context()
	o, err := s.contactOrg(ctx, st.actor, orgID)
	if err != nil {
		return err
	}
	c, err := s.findContact(ctx, o, id)
	if err != nil {
		return err
	}
	if err := regAuthorize(st, ceptor.ActDeactivate, ceptor.OrgResource(ceptor.KindContact, o)); err != nil {
		return err
	}
	if err := s.store.DeleteContact(ctx, c.ID); err != nil {
		return err
	}
	s.audit(r, "contact.delete", ceptor.KindContact, c.ID, o.ID, map[string]any{"kind": c.Kind})
	return nil
}

// ---- sectors ----

// sectorPatch carries the fields of a sector to set; nil leaves a field as
// it is.
type sectorPatch struct {
	Code          *string `json:"code,omitempty"`
	NameJA        *string `json:"name_ja,omitempty"`
	NameEN        *string `json:"name_en,omitempty"`
	MinistryOrgID *int64  `json:"ministry_org_id,omitempty"`
	SortOrder     *int    `json:"sort_order,omitempty"`
	Since         *string `json:"since,omitempty"`
	Active        *bool   `json:"active,omitempty"`
}

func (p *sectorPatch) apply(x *ceptor.Sector) {
	if p.Code != nil {
		x.Code = strings.ToLower(strings.TrimSpace(*p.Code))
	}
	if p.NameJA != nil {
		x.NameJA = strings.TrimSpace(*p.NameJA)
	}
	if p.NameEN != nil {
		x.NameEN = strings.TrimSpace(*p.NameEN)
	}
	if p.MinistryOrgID != nil {
		x.MinistryOrgID = *p.MinistryOrgID
	}
	if p.SortOrder != nil {
		x.SortOrder = *p.SortOrder
	}
	if p.Since != nil {
		x.Since = strings.TrimSpace(*p.Since)
	}
	if p.Active != nil {
		x.Active = *p.Active
	}
}

// validateSector checks what the store does not: the responsible ministry
// is an organisation of type ministry, and the lengths.
func (s *Server) validateSector(ctx context.Context, x *ceptor.Sector) error {
	f := map[string]string{}
	if x.Code == "" || strings.ContainsAny(x.Code, " ;,\t/?#") || len(x.Code) > 40 {
		f["code"] = "err.code"
	}
	if x.NameJA == "" {
		f["name_ja"] = "err.required"
	} else if len([]rune(x.NameJA)) > 200 {
		f["name_ja"] = "err.too_long"
	}
	if x.NameEN == "" {
		f["name_en"] = "err.required"
	} else if len([]rune(x.NameEN)) > 200 {
		f["name_en"] = "err.too_long"
	}
	if len([]rune(x.Since)) > 40 {
		f["since"] = "err.too_long"
	}
	if x.MinistryOrgID != 0 {
		o, err := s.store.FindOrg(ctx, x.MinistryOrgID)
		switch {
		case ceptor.ErrorCode(err) == ceptor.ENOTFOUND:
			f["ministry_org_id"] = "registry.err.not_ministry"
		case err != nil:
			return err
		case o.Type != ceptor.OrgMinistry:
			f["ministry_org_id"] = "registry.err.not_ministry"
		}
	}
	if len(f) > 0 {
		return ceptor.Invalid(f)
	}
	return nil
}

func (s *Server) opCreateSector(r *http.Request, st *reqState, p sectorPatch) (*ceptor.Sector, error) {
	if err := regAuthorize(st, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindSector}); err != nil {
		return nil, err
	}
	x := &ceptor.Sector{Active: true}
	p.apply(x)
	if err := s.validateSector(r.Context(), x); err != nil {
		return nil, err
	}
	if err := s.store.CreateSector(r.Context(), x); err != nil {
		return nil, regOnConflict(err, "code")
	}
	s.audit(r, "sector.create", ceptor.KindSector, x.ID, 0, map[string]any{"code": x.Code})
	return x, nil
}

func (s *Server) findSector(ctx context.Context, id int64) (*ceptor.Sector, error) {
	x, err := s.store.FindSector(ctx, id)
	if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
		return nil, regNotFound()
	}
	return x, err
}

func (s *Server) opUpdateSector(r *http.Request, st *reqState, id int64, p sectorPatch) (*ceptor.Sector, error) {
	x, err := s.findSector(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActUpdate, ceptor.Resource{Kind: ceptor.KindSector}); err != nil {
		return nil, err
	}
	before := *x
	p.apply(x)
	if err := s.validateSector(r.Context(), x); err != nil {
		return nil, err
	}
	if err := s.store.UpdateSector(r.Context(), x); err != nil {
		return nil, regOnConflict(err, "code")
	}
	s.audit(r, "sector.update", ceptor.KindSector, x.ID, 0, map[string]any{"code": x.Code, "changed": sectorChanges(&before, x)})
	return x, nil
}

func sectorChanges(a, b *ceptor.Sector) []string {
	var out []string
	for name, diff := range map[string]bool{
		"code": a.Code != b.Code, "name_ja": a.NameJA != b.NameJA, "name_en": a.NameEN != b.NameEN,
		"ministry_org_id": a.MinistryOrgID != b.MinistryOrgID, "sort_order": a.SortOrder != b.SortOrder,
		"since": a.Since != b.Since, "active": a.Active != b.Active,
	} {
		if diff {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// ---- CEPTORs ----

// ceptorPatch carries the fields of a CEPTOR to set; nil leaves a field as
// it is.
type ceptorPatch struct {
	Code             *string `json:"code,omitempty"`
	NameJA           *string `json:"name_ja,omitempty"`
	NameEN           *string `json:"name_en,omitempty"`
	SectorID         *int64  `json:"sector_id,omitempty"`
	SecretariatOrgID *int64  `json:"secretariat_org_id,omitempty"`
	InCouncil        *bool   `json:"in_council,omitempty"`
	Active           *bool   `json:"active,omitempty"`
}

func (p *ceptorPatch) apply(c *ceptor.Ceptor) {
	if p.Code != nil {
		c.Code = strings.ToLower(strings.TrimSpace(*p.Code))
	}
	if p.NameJA != nil {
		c.NameJA = strings.TrimSpace(*p.NameJA)
	}
	if p.NameEN != nil {
		c.NameEN = strings.TrimSpace(*p.NameEN)
	}
	if p.SectorID != nil {
		c.SectorID = *p.SectorID
	}
	if p.SecretariatOrgID != nil {
		c.SecretariatOrgID = *p.SecretariatOrgID
	}
	if p.InCouncil != nil {
		c.InCouncil = *p.InCouncil
	}
	if p.Active != nil {
		c.Active = *p.Active
	}
}

func (s *Server) validateCeptor(ctx context.Context, c *ceptor.Ceptor) error {
	f := map[string]string{}
	if c.Code == "" || strings.ContainsAny(c.Code, " ;,\t/?#") || len(c.Code) > 40 {
		f["code"] = "err.code"
	}
	if c.NameJA == "" {
		f["name_ja"] = "err.required"
	} else if len([]rune(c.NameJA)) > 200 {
		f["name_ja"] = "err.too_long"
	}
	if c.NameEN == "" {
		f["name_en"] = "err.required"
	} else if len([]rune(c.NameEN)) > 200 {
		f["name_en"] = "err.too_long"
	}
	if c.SectorID == 0 {
		f["sector_id"] = "err.required"
	} else if _, err := s.findSector(ctx, c.SectorID); ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
		f["sector_id"] = "registry.err.unknown_sector"
	} else if err != nil {
		return err
	}
	if c.SecretariatOrgID != 0 {
		o, err := s.store.FindOrg(ctx, c.SecretariatOrgID)
		switch {
		case ceptor.ErrorCode(err) == ceptor.ENOTFOUND:
			f["secretariat_org_id"] = "registry.err.not_secretariat"
		case err != nil:
			return err
		case o.Type != ceptor.OrgSecretariat:
			f["secretariat_org_id"] = "registry.err.not_secretariat"
		}
	}
	if len(f) > 0 {
		return ceptor.Invalid(f)
	}
	return nil
}

func (s *Server) findCeptor(ctx context.Context, id int64) (*ceptor.Ceptor, error) {
	c, err := s.store.FindCeptor(ctx, id)
	if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
		return nil, regNotFound()
	}
	return c, err
}

func (s *Server) opCreateCeptor(r *http.Request, st *reqState, p ceptorPatch) (*ceptor.Ceptor, error) {
	c := &ceptor.Ceptor{Active: true}
	p.apply(c)
	if err := regAuthorize(st, ceptor.ActCreate, ceptorResource(c)); err != nil {
		return nil, err
	}
	if err := s.validateCeptor(r.Context(), c); err != nil {
		return nil, err
	}
	if err := s.store.CreateCeptor(r.Context(), c); err != nil {
		return nil, regOnConflict(err, "code")
	}
	s.audit(r, "ceptor.create", ceptor.KindCeptor, c.ID, c.SecretariatOrgID, map[string]any{"code": c.Code})
	return c, nil
}

func (s *Server) opUpdateCeptor(r *http.Request, st *reqState, id int64, p ceptorPatch) (*ceptor.Ceptor, error) {
	c, err := s.findCeptor(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActUpdate, ceptorResource(c)); err != nil {
		return nil, err
	}
	p.apply(c)
	if err := s.validateCeptor(r.Context(), c); err != nil {
		return nil, err
	}
	if err := s.store.UpdateCeptor(r.Context(), c); err != nil {
		return nil, regOnConflict(err, "code")
	}
	s.audit(r, "ceptor.update", ceptor.KindCeptor, c.ID, c.SecretariatOrgID, map[string]any{"code": c.Code})
	return c, nil
}

// memberTarget returns the CEPTOR and the organisation of a membership
// change after the policy checks: the actor must manage the CEPTOR's members
// (NISC, or the CEPTOR's own secretariat) and see the organisation.
func (s *Server) memberTarget(r *http.Request, st *reqState, ceptorID, orgID int64) (*ceptor.Ceptor, *ceptor.Organization, error) {
	c, err := s.findCeptor(r.Context(), ceptorID)
	if err != nil {
		return nil, nil, err
	}
	if err := regAuthorize(st, ceptor.ActManageMembers, ceptorResource(c)); err != nil {
		return nil, nil, err
	}
	o, err := s.findVisibleOrg(r.Context(), st.actor, orgID)
	if err != nil {
		return nil, nil, err
	}
	return c, o, nil
}

// opAddMember makes an operator or provider a member of the CEPTOR; adding
// an existing member changes nothing.
func (s *Server) opAddMember(r *http.Request, st *reqState, ceptorID, orgID int64) (*ceptor.Organization, error) {
	c, o, err := s.memberTarget(r, st, ceptorID, orgID)
	if err != nil {
		return nil, err
	}
	if !canBeMember(o.Type) {
		return nil, regInvalidField("org_id", "registry.err.member_type")
	}
	if !o.Active {
		return nil, regInvalidField("org_id", "registry.err.inactive_org")
	}
	if slices.Contains(o.CeptorIDs, c.ID) {
		return o, nil
	}
	ids := regSortedIDs(append(slices.Clone(o.CeptorIDs), c.ID))
	if err := s.store.SetMembers(r.Context(), o.ID, ids); err != nil {
		return nil, err
	}
	o.CeptorIDs = ids
	s.audit(r, "ceptor.member_add", ceptor.KindCeptor, c.ID, o.ID, map[string]any{"ceptor": c.Code, "org_id": o.ID})
	return o, nil
}

// opRemoveMember ends a membership; ENOTFOUND when there is none.
func (s *Server) opRemoveMember(r *http.Request, st *reqState, ceptorID, orgID int64) (*ceptor.Organization, error) {
	c, o, err := s.memberTarget(r, st, ceptorID, orgID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(o.CeptorIDs, c.ID) {
		return nil, &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not a member", Key: "registry.err.not_member"}
	}
	ids := slices.DeleteFunc(slices.Clone(o.CeptorIDs), func(id int64) bool { return id == c.ID })
	if err := s.store.SetMembers(r.Context(), o.ID, ids); err != nil {
		return nil, err
	}
	o.CeptorIDs = ids
	s.audit(r, "ceptor.member_remove", ceptor.KindCeptor, c.ID, o.ID, map[string]any{"ceptor": c.Code, "org_id": o.ID})
	return o, nil
}
