package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ceptor"
)

// Options are the services Load needs from the caller, so that this package
// depends on neither the password hasher nor the sealing key.
type Options struct {
	// HashPassword hashes DemoPassword (argon2id in production). Load calls
	// it once and gives every user the same hash, because the hash is
	// deliberately slow. Required.
	HashPassword func(string) (string, error)
	// SealTOTP seals a TOTP secret for the user with the given e-mail
	// address before it is stored. Required when a user has TOTP enabled.
	SealTOTP func(secret string, userEmail string) (string, error)
	// Now stamps CreatedAt and UpdatedAt on the records handed to the
	// store (a store that keeps its own clock overrides them); nil means
	// time.Now.
	Now func() time.Time
}

// Summary counts what Load inserted.
type Summary struct {
	Sectors     int                    `json:"sectors"`
	Orgs        map[ceptor.OrgType]int `json:"orgs"`
	Ceptors     int                    `json:"ceptors"`
	Memberships int                    `json:"memberships"` // operator-CEPTOR pairs
	Contacts    int                    `json:"contacts"`
	Users       int                    `json:"users"`
}

// OrgTotal returns the number of organisations of every type.
func (s *Summary) OrgTotal() int {
	n := 0
	for _, c := range s.Orgs {
		n += c
	}
	return n
}

// String gives a one-line account for logs and the command line.
func (s *Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d sectors, %d organisations (", s.Sectors, s.OrgTotal())
	first := true
	for _, t := range ceptor.OrgTypes {
		if s.Orgs[t] == 0 {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		fmt.Fprintf(&b, "%s %d", t, s.Orgs[t])
	}
	fmt.Fprintf(&b, "), %d CEPTORs, %d memberships, %d contacts, %d users",
		s.Ceptors, s.Memberships, s.Contacts, s.Users)
	return b.String()
}

// Empty reports whether the registry has no sectors yet, which is when
// `serve --demo` loads the demo data set.
func Empty(ctx context.Context, reg ceptor.RegistryService) (bool, error) {
	ss, err := reg.ListSectors(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: list sectors: %w", err)
	}
	return len(ss) == 0, nil
}

// Load inserts ds into an empty registry and user store. The order follows
// the references: ministries, then sectors (which name their ministry), the
// other public bodies, secretariats and providers, then the CEPTORs (which
// name their sector and secretariat), then all operators with their
// contacts and memberships in one ImportOrgs transaction, then the contacts
// of the other organisations, then the users.
//
// Load refuses (ECONFLICT) a registry that already has sectors. It is not
// one transaction: a failure part-way leaves what was inserted so far, and
// the caller should start again from an empty database.
func Load(ctx context.Context, reg ceptor.RegistryService, users ceptor.UserService, ds *Dataset, opt Options) (*Summary, error) {
	if ds == nil {
		return nil, errors.New("demo: no data set")
	}
	if opt.HashPassword == nil {
		return nil, errors.New("demo: Options.HashPassword is required")
	}
	if opt.SealTOTP == nil && slices.ContainsFunc(ds.Users, func(u UserRec) bool { return u.User.TOTPEnabled }) {
		return nil, errors.New("demo: Options.SealTOTP is required for users with TOTP")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	empty, err := Empty(ctx, reg)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, ceptor.Errorf(ceptor.ECONFLICT, "the registry already holds data; the demo data set loads only into an empty one")
	}
	l := &loader{
		reg: reg, users: users, ds: ds, now: opt.Now().UTC(),
		orgs: map[string]*ceptor.Organization{}, sectors: map[string]int64{}, ceptors: map[string]int64{},
		sum: &Summary{Orgs: map[ceptor.OrgType]int{}},
	}
	steps := []func(context.Context) error{
		l.loadMinistries, l.loadSectors, l.loadMinistrySectors, l.loadBodies, l.loadCeptors, l.loadOperators, l.loadContacts,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	if err := l.loadUsers(ctx, opt); err != nil {
		return nil, err
	}
	if err := l.loadStandards(ctx); err != nil {
		return nil, err
	}
	if err := l.loadAdvisories(ctx); err != nil {
		return nil, err
	}
	if err := l.loadDrills(ctx); err != nil {
		return nil, err
	}
	if err := l.loadC4TAP(ctx); err != nil { // targeted-attack sharing and MISP (c4tap.go)
		return nil, err
	}
	return l.sum, nil
}

// loader holds the ids assigned so far, by key or code.
type loader struct {
	reg     ceptor.RegistryService
	users   ceptor.UserService
	ds      *Dataset
	now     time.Time
	orgs    map[string]*ceptor.Organization // by key, as stored
	sectors map[string]int64                // by code
	ceptors map[string]int64                // by code
	sum     *Summary
}

// newOrg copies rec's organisation with the ids of its sectors and CEPTORs,
// which must already be loaded.
func (l *loader) newOrg(rec *OrgRec) (ceptor.Organization, error) {
	o := rec.Org
	o.ID = 0
	o.Domains = slices.Clone(rec.Org.Domains)
	o.SectorIDs, o.CeptorIDs = []int64{}, []int64{}
	for _, code := range rec.SectorCodes {
		id, ok := l.sectors[code]
		if !ok {
			return o, fmt.Errorf("demo: organisation %s: unknown sector %q", rec.Key, code)
		}
		o.SectorIDs = append(o.SectorIDs, id)
	}
	for _, code := range rec.CeptorCodes {
		id, ok := l.ceptors[code]
		if !ok {
			return o, fmt.Errorf("demo: organisation %s: unknown CEPTOR %q", rec.Key, code)
		}
		o.CeptorIDs = append(o.CeptorIDs, id)
	}
	o.CreatedAt, o.UpdatedAt = l.now, l.now
	return o, nil
}

// createOrg creates one organisation outside the bulk import.
func (l *loader) createOrg(ctx context.Context, rec *OrgRec) error {
	o, err := l.newOrg(rec)
	if err != nil {
		return err
	}
	if err := l.reg.CreateOrg(ctx, &o); err != nil {
		return fmt.Errorf("demo: create organisation %s: %w", rec.Key, err)
	}
	l.orgs[rec.Key] = &o
	l.sum.Orgs[o.Type]++
	return nil
}

// loadMinistries creates the ministries without sectors: the sectors do not
// exist yet and need the ministries' ids.
func (l *loader) loadMinistries(ctx context.Context) error {
	for i := range l.ds.Orgs {
		rec := &l.ds.Orgs[i]
		if rec.Org.Type != ceptor.OrgMinistry {
			continue
		}
		r := *rec
		r.SectorCodes = nil // set by ministrySectors once the sectors exist
		if err := l.createOrg(ctx, &r); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) loadSectors(ctx context.Context) error {
	for i := range l.ds.Sectors {
		rec := &l.ds.Sectors[i]
		m, ok := l.orgs[rec.MinistryKey]
		if !ok {
			return fmt.Errorf("demo: sector %s: unknown ministry %q", rec.Sector.Code, rec.MinistryKey)
		}
		s := rec.Sector
		s.ID, s.MinistryOrgID = 0, m.ID
		s.CreatedAt, s.UpdatedAt = l.now, l.now
		if err := l.reg.CreateSector(ctx, &s); err != nil {
			return fmt.Errorf("demo: create sector %s: %w", s.Code, err)
		}
		l.sectors[s.Code] = s.ID
		l.sum.Sectors++
	}
	return nil
}

// loadMinistrySectors gives each ministry the sectors it oversees.
func (l *loader) loadMinistrySectors(ctx context.Context) error {
	for i := range l.ds.Orgs {
		rec := &l.ds.Orgs[i]
		if rec.Org.Type != ceptor.OrgMinistry || len(rec.SectorCodes) == 0 {
			continue
		}
		o := l.orgs[rec.Key]
		for _, code := range rec.SectorCodes {
			id, ok := l.sectors[code]
			if !ok {
				return fmt.Errorf("demo: ministry %s: unknown sector %q", rec.Key, code)
			}
			o.SectorIDs = append(o.SectorIDs, id)
		}
		if err := l.reg.UpdateOrg(ctx, o); err != nil {
			return fmt.Errorf("demo: set sectors of %s: %w", rec.Key, err)
		}
	}
	return nil
}

// loadBodies creates every organisation that is neither a ministry nor an
// operator: NISC, the Council, agencies, secretariats and providers.
func (l *loader) loadBodies(ctx context.Context) error {
	for i := range l.ds.Orgs {
		rec := &l.ds.Orgs[i]
		if rec.Org.Type == ceptor.OrgMinistry || rec.Org.Type == ceptor.OrgOperator {
			continue
		}
		if len(rec.CeptorCodes) > 0 {
			return fmt.Errorf("demo: organisation %s: only operators may be CEPTOR members in the demo data set", rec.Key)
		}
		if err := l.createOrg(ctx, rec); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) loadCeptors(ctx context.Context) error {
	for i := range l.ds.Ceptors {
		rec := &l.ds.Ceptors[i]
		sid, ok := l.sectors[rec.SectorCode]
		if !ok {
			return fmt.Errorf("demo: CEPTOR %s: unknown sector %q", rec.Ceptor.Code, rec.SectorCode)
		}
		sec, ok := l.orgs[rec.SecretariatKey]
		if !ok {
			return fmt.Errorf("demo: CEPTOR %s: unknown secretariat %q", rec.Ceptor.Code, rec.SecretariatKey)
		}
		c := rec.Ceptor
		c.ID, c.SectorID, c.SecretariatOrgID, c.MemberCount = 0, sid, sec.ID, 0
		c.CreatedAt, c.UpdatedAt = l.now, l.now
		if err := l.reg.CreateCeptor(ctx, &c); err != nil {
			return fmt.Errorf("demo: create CEPTOR %s: %w", c.Code, err)
		}
		l.ceptors[c.Code] = c.ID
		l.sum.Ceptors++
	}
	return nil
}

// loadOperators imports every operator with its contacts and memberships in a
// single ImportOrgs call: one transaction instead of thousands.
func (l *loader) loadOperators(ctx context.Context) error {
	var rows []*ceptor.ImportRow
	var keys []string
	for i := range l.ds.Orgs {
		rec := &l.ds.Orgs[i]
		if rec.Org.Type != ceptor.OrgOperator {
			continue
		}
		o, err := l.newOrg(rec)
		if err != nil {
			return err
		}
		rows = append(rows, &ceptor.ImportRow{
			Line: len(rows) + 1, Org: o, Contacts: l.newContacts(rec), ReplaceContacts: true,
		})
		keys = append(keys, rec.Key)
	}
	if len(rows) == 0 {
		return nil
	}
	res, err := l.reg.ImportOrgs(ctx, rows)
	if err != nil {
		return fmt.Errorf("demo: import %d operators: %w", len(rows), err)
	}
	if res.Created != len(rows) {
		return fmt.Errorf("demo: import created %d of %d operators", res.Created, len(rows))
	}
	for i, row := range rows {
		o := row.Org
		l.orgs[keys[i]] = &o
		l.sum.Memberships += len(o.CeptorIDs)
	}
	l.sum.Orgs[ceptor.OrgOperator] += res.Created
	l.sum.Contacts += res.Contacts
	return nil
}

// newContacts copies rec's contacts for insertion.
func (l *loader) newContacts(rec *OrgRec) []ceptor.Contact {
	cs := make([]ceptor.Contact, len(rec.Contacts))
	for i, c := range rec.Contacts {
		c.ID, c.OrgID = 0, 0
		c.CreatedAt, c.UpdatedAt = l.now, l.now
		cs[i] = c
	}
	return cs
}

// loadContacts creates the contacts of the organisations that were not imported.
func (l *loader) loadContacts(ctx context.Context) error {
	for i := range l.ds.Orgs {
		rec := &l.ds.Orgs[i]
		if rec.Org.Type == ceptor.OrgOperator {
			continue
		}
		o := l.orgs[rec.Key]
		for _, c := range l.newContacts(rec) {
			c.OrgID = o.ID
			if err := l.reg.CreateContact(ctx, &c); err != nil {
				return fmt.Errorf("demo: create contact %s of %s: %w", c.Email, rec.Key, err)
			}
			l.sum.Contacts++
		}
	}
	return nil
}

// orgID returns the id of the organisation with the given key. Operators
// come back from ImportOrgs with their ids; a store that does not report
// them is asked by name.
func (l *loader) orgID(ctx context.Context, key string) (int64, error) {
	o, ok := l.orgs[key]
	if !ok {
		return 0, fmt.Errorf("demo: unknown organisation %q", key)
	}
	if o.ID != 0 {
		return o.ID, nil
	}
	found, _, err := l.reg.ListOrgs(ctx, ceptor.OrgFilter{Type: o.Type, Q: o.Name, Limit: 50})
	if err != nil {
		return 0, fmt.Errorf("demo: find organisation %s: %w", key, err)
	}
	for _, f := range found {
		if f.Name == o.Name {
			o.ID = f.ID
			return f.ID, nil
		}
	}
	return 0, fmt.Errorf("demo: organisation %s (%s) not found after import", key, o.Name)
}

// loadUsers creates the users, all with one hash of DemoPassword.
func (l *loader) loadUsers(ctx context.Context, opt Options) error {
	if len(l.ds.Users) == 0 {
		return nil
	}
	hash, err := opt.HashPassword(DemoPassword)
	if err != nil {
		return fmt.Errorf("demo: hash the demo password: %w", err)
	}
	for i := range l.ds.Users {
		rec := &l.ds.Users[i]
		id, err := l.orgID(ctx, rec.OrgKey)
		if err != nil {
			return fmt.Errorf("demo: user %s: %w", rec.User.Email, err)
		}
		u := rec.User
		u.ID, u.OrgID, u.PasswordHash = 0, id, hash
		u.TOTPSecret = ""
		if u.TOTPEnabled {
			if u.TOTPSecret, err = opt.SealTOTP(DemoTOTPSecret, u.Email); err != nil {
				return fmt.Errorf("demo: seal the TOTP secret of %s: %w", u.Email, err)
			}
		}
		u.CreatedAt, u.UpdatedAt = l.now, l.now
		if err := l.users.CreateUser(ctx, &u); err != nil {
			return fmt.Errorf("demo: create user %s: %w", u.Email, err)
		}
		l.sum.Users++
	}
	return nil
}
