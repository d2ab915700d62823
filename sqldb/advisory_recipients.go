package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ceptor"
)

// audOrg is an active organisation as audience resolution needs it.
type audOrg struct {
	id      int64
	typ     ceptor.OrgType
	sectors []int64
	ceptors []int64
	users   int
}

func (d *DB) activeOrgs(ctx context.Context) ([]*audOrg, map[int64]*audOrg, error) {
	byID := map[int64]*audOrg{}
	var list []*audOrg
	rows, err := d.query(ctx, d.db, "SELECT id, type FROM organizations WHERE active = TRUE ORDER BY id")
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		o := &audOrg{}
		if err := rows.Scan(&o.id, &o.typ); err != nil {
			rows.Close()
			return nil, nil, translate(err)
		}
		list = append(list, o)
		byID[o.id] = o
	}
	rows.Close()
	for _, q := range []struct {
		sql string
		add func(o *audOrg, v int64)
	}{
		{"SELECT org_id, sector_id FROM org_sectors ORDER BY org_id, sector_id", func(o *audOrg, v int64) { o.sectors = append(o.sectors, v) }},
		{"SELECT org_id, ceptor_id FROM ceptor_members ORDER BY org_id, ceptor_id", func(o *audOrg, v int64) { o.ceptors = append(o.ceptors, v) }},
		{"SELECT org_id, COUNT(*) FROM users WHERE disabled = FALSE GROUP BY org_id", func(o *audOrg, v int64) { o.users = int(v) }},
	} {
		rows, err := d.query(ctx, d.db, q.sql)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var id, v int64
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, nil, translate(err)
			}
			if o := byID[id]; o != nil {
				q.add(o, v)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, translate(err)
		}
	}
	return list, byID, nil
}

type hopRow struct {
	org, from int64
	level     int
	manual    bool
	received  bool
}

// PublishAdvisory publishes a draft: it resolves the audience into one
// recipient row per organisation and the relay hops on their way, stores
// version 1, marks in-app deliveries done and creates the e-mail and
// webhook delivery rows whose ids the caller queues as jobs, all in one
// transaction (the ambient one when called inside Atomic).
//
// The chain: an advisory of NISC goes to the sector's ministry, then the
// secretariat of the recipient's CEPTOR, then the recipient; a ministry's
// skips the first hop, a secretariat's or the Council's goes through the
// secretariats only. Organisations outside any CEPTOR receive it directly
// from the issuer, and so does everyone for TLP:AMBER+STRICT and RED. A hop
// that relays by hand (its setting) holds what lies behind it until it
// relays.
func (d *DB) PublishAdvisory(ctx context.Context, id int64, at time.Time) (*ceptor.PublishResult, error) {
	var res *ceptor.PublishResult
	err := d.Atomic(ctx, func(ctx context.Context) error {
		a, err := d.FindAdvisory(ctx, id)
		if err != nil {
			return err
		}
		if a.Status != ceptor.AdvisoryDraft && a.Status != ceptor.AdvisoryInReview {
			return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "advisory is already published", Key: "adv.err_state"}
		}
		if err := a.ValidateForPublish(at); err != nil {
			return err
		}
		orgs, byID, err := d.activeOrgs(ctx)
		if err != nil {
			return err
		}
		sectors, err := d.ListSectors(ctx)
		if err != nil {
			return err
		}
		ceptors, err := d.ListCeptors(ctx)
		if err != nil {
			return err
		}
		manual := map[int64]bool{}
		rows, err := d.query(ctx, d.db, "SELECT org_id FROM advisory_org_settings WHERE manual_relay = TRUE")
		if err != nil {
			return err
		}
		for rows.Next() {
			var o int64
			rows.Scan(&o)
			manual[o] = true
		}
		rows.Close()
		ministryOf := map[int64]int64{}
		for _, s := range sectors {
			ministryOf[s.ID] = s.MinistryOrgID
		}
		secretariatOf := map[int64]int64{}
		for _, c := range ceptors {
			if c.Active {
				secretariatOf[c.ID] = c.SecretariatOrgID
			}
		}
		issuer := byID[a.OrgID]
		issuerType := ceptor.OrgNISC
		if issuer != nil {
			issuerType = issuer.typ
		}
		hops := map[int64]*hopRow{}
		var recRows [][]any
		type rec struct {
			org   *audOrg
			held  bool
			via   int64
			m, c  int64
			secID int64
			cepID int64
		}
		var recs []rec
		for _, o := range orgs {
			if o.id == a.OrgID || !a.Audience.Includes(o.id, o.typ, o.sectors, o.ceptors) {
				continue
			}
			r := rec{org: o, via: a.OrgID}
			// The sector and CEPTOR it is counted under: one the audience
			// names if any, else its first.
			r.secID = pick(o.sectors, a.Audience.SectorIDs)
			r.cepID = pick(o.ceptors, a.Audience.CeptorIDs)
			if !a.Direct() && len(o.ceptors) > 0 {
				from := a.OrgID
				held := false
				if issuerType == ceptor.OrgNISC {
					sec := r.secID
					if r.cepID != 0 {
						for _, c := range ceptors {
							if c.ID == r.cepID {
								sec = c.SectorID
							}
						}
					}
					if m := ministryOf[sec]; m != 0 && m != o.id && m != a.OrgID && byID[m] != nil {
						h := hops[m]
						if h == nil {
							h = &hopRow{org: m, from: from, level: 1, manual: manual[m], received: true}
							hops[m] = h
						}
						r.m = m
						from = m
						held = held || h.manual
					}
				}
				if s := secretariatOf[r.cepID]; s != 0 && s != o.id && s != a.OrgID && byID[s] != nil {
					h := hops[s]
					if h == nil {
						h = &hopRow{org: s, from: from, level: 2, manual: manual[s], received: !held}
						hops[s] = h
					}
					r.c = s
					from = s
					held = held || h.manual
				}
				r.via = from
				r.held = held
			}
			recs = append(recs, r)
		}
		// What reaches each recipient not held by a manual relay is known
		// now: the recipient rows are written in their final state (no
		// second pass over them).
		var orgIDs []int64
		for _, r := range recs {
			if !r.held {
				orgIDs = append(orgIDs, r.org.id)
			}
		}
		plan, err := d.planDelivery(ctx, a, orgIDs, byID, "v1", at)
		if err != nil {
			return err
		}
		for _, r := range recs {
			state, deliveredAt := ceptor.RecipientPending, any(nil)
			switch {
			case plan.delivered[r.org.id]:
				state, deliveredAt = ceptor.RecipientDelivered, at.UTC()
			case plan.unreachable[r.org.id]:
				state = ceptor.RecipientUnreachable
			}
			recRows = append(recRows, []any{a.ID, r.org.id, r.via, r.m, r.c, r.secID, r.cepID, string(state), deliveredAt, r.held, a.Drill})
		}
		if _, err := d.insertRows(ctx, d.db, "advisory_recipients",
			[]string{"advisory_id", "org_id", "via_org_id", "ministry_hop", "ceptor_hop", "sector_id", "ceptor_id", "state", "delivered_at", "held", "drill"}, recRows, false); err != nil {
			return err
		}
		var hopRows [][]any
		hopIDs := make([]int64, 0, len(hops))
		for id := range hops {
			hopIDs = append(hopIDs, id)
		}
		slices.Sort(hopIDs)
		for _, id := range hopIDs {
			h := hops[id]
			var recv, relayed any
			if h.received {
				recv = at.UTC()
				if !h.manual {
					relayed = at.UTC()
				}
			}
			hopRows = append(hopRows, []any{a.ID, h.org, h.from, h.level, h.manual, recv, relayed})
		}
		if _, err := d.insertRows(ctx, d.db, "advisory_hops", []string{"advisory_id", "org_id", "from_org_id", "level", "manual", "received_at", "relayed_at"}, hopRows, false); err != nil {
			return err
		}
		if _, err := d.exec(ctx, d.db, `UPDATE advisories SET status = 'published', published_at = ?, updated_at = ? WHERE id = ?`, at.UTC(), at.UTC(), a.ID); err != nil {
			return err
		}
		a.Status, a.PublishedAt = ceptor.AdvisoryPublished, &at
		if err := d.writeAdvisoryVersion(ctx, a, a.AuthorID, at); err != nil {
			return err
		}
		ids, err := d.writeDeliveries(ctx, a, plan, at, false)
		if err != nil {
			return err
		}
		res = &ceptor.PublishResult{Recipients: len(recs), Hops: len(hops), Deliveries: ids}
		return nil
	})
	return res, err
}

func pick(have, prefer []int64) int64 {
	for _, x := range have {
		if slices.Contains(prefer, x) {
			return x
		}
	}
	if len(have) > 0 {
		return have[0]
	}
	return 0
}

// deliver creates the delivery rows of purpose for the given recipient
// organisations: the in-app inbox, done at once when the organisation has
// people to read it, and e-mail and webhook to its primary contacts (its
// alternates when it has no primary one), queued. It marks the recipients
// delivered (inbox) or unreachable (nothing at all) and returns the ids
// of the queued rows.
func (d *DB) deliver(ctx context.Context, a *ceptor.Advisory, orgIDs []int64, byID map[int64]*audOrg, purpose string, at time.Time) ([]int64, error) {
	if len(orgIDs) == 0 {
		return nil, nil
	}
	p, err := d.planDelivery(ctx, a, orgIDs, byID, purpose, at)
	if err != nil {
		return nil, err
	}
	return d.writeDeliveries(ctx, a, p, at, true)
}

// deliveryPlan is what deliver writes: the in-app rows (sent), the
// queued e-mail and webhook rows, and which organisations that makes
// delivered (in-app) or unreachable (nothing at all).
type deliveryPlan struct {
	inbox, queued          [][]any
	delivered, unreachable map[int64]bool
	deliveredIDs           []int64
	unreachableIDs         []int64
}

var (
	inboxCols  = []string{"advisory_id", "org_id", "contact_id", "channel", "purpose", "address", "lang", "alternate", "status", "attempts", "created_at", "sent_at"}
	queuedCols = []string{"advisory_id", "org_id", "contact_id", "channel", "purpose", "address", "lang", "alternate", "status", "created_at"}
)

func (d *DB) planDelivery(ctx context.Context, a *ceptor.Advisory, orgIDs []int64, byID map[int64]*audOrg, purpose string, at time.Time) (*deliveryPlan, error) {
	p := &deliveryPlan{delivered: map[int64]bool{}, unreachable: map[int64]bool{}}
	if len(orgIDs) == 0 {
		return p, nil
	}
	contacts, err := d.deliveryContacts(ctx)
	if err != nil {
		return nil, err
	}
	// A drill over the alternate channel (drills.go) assumes the usual one
	// down: no in-app delivery, the alternate contacts only.
	altOnly, err := d.drillAlternateOnly(ctx, a.DrillID)
	if err != nil {
		return nil, err
	}
	for _, org := range orgIDs {
		o := byID[org]
		reached := false
		inApp := o != nil && o.users > 0 && !altOnly
		if inApp {
			p.inbox = append(p.inbox, []any{a.ID, org, int64(0), ceptor.ChannelInbox, purpose, "", "ja", false, "sent", 1, at.UTC(), at.UTC()})
			reached = true
		}
		var primary, alternate []*ceptor.Contact
		for _, c := range contacts[org] {
			if c.Kind == ceptor.ContactAlternate {
				alternate = append(alternate, c)
			} else {
				primary = append(primary, c)
			}
		}
		use, alt := primary, false
		if len(use) == 0 || altOnly {
			use, alt = alternate, true
		}
		for _, c := range use {
			if c.Email != "" {
				p.queued = append(p.queued, []any{a.ID, org, c.ID, ceptor.ChannelEmail, purpose, c.Email, c.Lang, alt, "queued", at.UTC()})
				reached = true
			}
			if c.WebhookURL != "" {
				p.queued = append(p.queued, []any{a.ID, org, c.ID, ceptor.ChannelWebhook, purpose, c.WebhookURL, c.Lang, alt, "queued", at.UTC()})
				reached = true
			}
		}
		if inApp {
			p.delivered[org] = true
			p.deliveredIDs = append(p.deliveredIDs, org)
		} else if !reached {
			p.unreachable[org] = true
			p.unreachableIDs = append(p.unreachableIDs, org)
		}
	}
	return p, nil
}

// deliveryContacts returns every organisation's active contacts, with
// what a delivery needs of them only, primary first, in their order.
func (d *DB) deliveryContacts(ctx context.Context) (map[int64][]*ceptor.Contact, error) {
	// Unordered (a sort of every contact by an expression cost more than
	// the read); each organisation's few contacts are put in order here.
	rows, err := d.query(ctx, d.db, "SELECT id, org_id, kind, priority, email, webhook_url, lang FROM contacts WHERE active = TRUE")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]*ceptor.Contact{}
	for rows.Next() {
		c := &ceptor.Contact{Active: true}
		if err := rows.Scan(&c.ID, &c.OrgID, &c.Kind, &c.Priority, &c.Email, &c.WebhookURL, &c.Lang); err != nil {
			return nil, translate(err)
		}
		out[c.OrgID] = append(out[c.OrgID], c)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	rank := func(c *ceptor.Contact) int { // primary first, as ListAllContacts
		if c.Kind == ceptor.ContactPrimary {
			return 0
		}
		return 1
	}
	for _, cs := range out {
		if len(cs) > 1 {
			slices.SortFunc(cs, func(a, b *ceptor.Contact) int {
				return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Priority, b.Priority), cmp.Compare(a.ID, b.ID))
			})
		}
	}
	return out, nil
}

// writeDeliveries inserts a plan's rows and returns the ids of the queued
// ones; with updateRecipients it also marks the existing recipient rows
// delivered or unreachable.
func (d *DB) writeDeliveries(ctx context.Context, a *ceptor.Advisory, p *deliveryPlan, at time.Time, updateRecipients bool) ([]int64, error) {
	if _, err := d.insertRows(ctx, d.db, "advisory_deliveries", inboxCols, p.inbox, false); err != nil {
		return nil, err
	}
	ids, err := d.insertRows(ctx, d.db, "advisory_deliveries", queuedCols, p.queued, true)
	if err != nil {
		return nil, err
	}
	if !updateRecipients {
		return ids, nil
	}
	delivered, unreachable := p.deliveredIDs, p.unreachableIDs
	if d.dialect == Postgres && len(delivered) > 500 {
		// One statement with the whole list: PostgreSQL takes the
		// (advisory_id, state) index for these updates (it believes the new
		// advisory has no rows yet), so each chunk would walk every pending
		// recipient — quadratic; one statement walks them once
		// (docs/benchmarks.md).
		if _, err := d.exec(ctx, d.db, "UPDATE advisory_recipients SET state = 'delivered', delivered_at = ? WHERE advisory_id = ? AND state = 'pending' AND org_id = ANY(?)",
			at.UTC(), a.ID, delivered); err != nil {
			return nil, err
		}
		delivered = nil
	}
	for start := 0; start < len(delivered); start += 500 {
		chunk := delivered[start:min(start+500, len(delivered))]
		if _, err := d.exec(ctx, d.db, "UPDATE advisory_recipients SET state = 'delivered', delivered_at = ? WHERE advisory_id = ? AND state = 'pending' AND org_id IN ("+placeholders(len(chunk))+")",
			append([]any{at.UTC(), a.ID}, int64Args(chunk)...)...); err != nil {
			return nil, err
		}
	}
	if d.dialect == Postgres && len(unreachable) > 500 {
		if _, err := d.exec(ctx, d.db, "UPDATE advisory_recipients SET state = 'unreachable' WHERE advisory_id = ? AND state = 'pending' AND org_id = ANY(?)",
			a.ID, unreachable); err != nil {
			return nil, err
		}
		unreachable = nil
	}
	for start := 0; start < len(unreachable); start += 500 {
		chunk := unreachable[start:min(start+500, len(unreachable))]
		if _, err := d.exec(ctx, d.db, "UPDATE advisory_recipients SET state = 'unreachable' WHERE advisory_id = ? AND state = 'pending' AND org_id IN ("+placeholders(len(chunk))+")",
			append([]any{a.ID}, int64Args(chunk)...)...); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// CorrectAdvisory stores a new version of a published advisory and
// tells every recipient already reached (a delivery of purpose "vN").
func (d *DB) CorrectAdvisory(ctx context.Context, a *ceptor.Advisory, at time.Time) (*ceptor.PublishResult, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if a.Note == "" {
		return nil, ceptor.Invalid(map[string]string{"note": "adv.err_note_required"})
	}
	var res *ceptor.PublishResult
	err := d.Atomic(ctx, func(ctx context.Context) error {
		cur, err := d.FindAdvisory(ctx, a.ID)
		if err != nil {
			return err
		}
		if cur.Status != ceptor.AdvisoryPublished {
			return &ceptor.Error{Code: ceptor.ECONFLICT, Message: "only published advisories are corrected", Key: "adv.err_state"}
		}
		// The audience, drill flag and issuer stay as published; a
		// correction may narrow nothing it has already sent.
		a.Version = cur.Version + 1
		a.OrgID, a.AuthorID, a.Audience, a.Drill, a.DrillID = cur.OrgID, cur.AuthorID, cur.Audience, cur.Drill, cur.DrillID
		a.Status, a.PublishedAt, a.CreatedAt = cur.Status, cur.PublishedAt, cur.CreatedAt
		if a.TLP.Rank() < cur.TLP.Rank() {
			// Widening the marking would show hops what they never saw.
			return ceptor.Invalid(map[string]string{"tlp": "adv.err_tlp_widen"})
		}
		if _, err := d.exec(ctx, d.db, `UPDATE advisories SET version = ?, title = ?, body = ?, category = ?, urgency = ?, tlp = ?, source = ?,
			source_name = ?, deadline = ?, note = ?, updated_at = ? WHERE id = ?`, a.Version, a.Title, a.Body, a.Category, a.Urgency, a.TLP,
			a.Source, a.SourceName, nullTime(a.Deadline), a.Note, at.UTC(), a.ID); err != nil {
			return err
		}
		a.UpdatedAt = at
		if err := d.writeAdvisoryVersion(ctx, a, a.AuthorID, at); err != nil {
			return err
		}
		_, byID, err := d.activeOrgs(ctx)
		if err != nil {
			return err
		}
		orgs, err := d.advisoryOrgs(ctx, a.ID, "held = FALSE")
		if err != nil {
			return err
		}
		ids, err := d.deliver(ctx, a, orgs, byID, "v"+strconv.Itoa(a.Version), at)
		if err != nil {
			return err
		}
		res = &ceptor.PublishResult{Recipients: len(orgs), Deliveries: ids}
		return nil
	})
	return res, err
}

func (d *DB) advisoryOrgs(ctx context.Context, id int64, cond string, args ...any) ([]int64, error) {
	return d.queryIDs(ctx, d.db, "SELECT org_id FROM advisory_recipients WHERE advisory_id = ? AND "+cond+" ORDER BY org_id", append([]any{id}, args...)...)
}

// RelayAdvisory records that hop orgID relays the advisory (with its
// sector note) and releases the recipients and hops that waited for it.
func (d *DB) RelayAdvisory(ctx context.Context, id, orgID, userID int64, note string, at time.Time) (*ceptor.PublishResult, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > ceptor.MaxAdvisoryNote {
		return nil, ceptor.Invalid(map[string]string{"note": "err.too_long"})
	}
	var res *ceptor.PublishResult
	err := d.Atomic(ctx, func(ctx context.Context) error {
		r, err := d.exec(ctx, d.db, `UPDATE advisory_hops SET relayed_at = ?, relayed_by = ?, note = ?
			WHERE advisory_id = ? AND org_id = ? AND received_at IS NOT NULL AND relayed_at IS NULL`, at.UTC(), userID, note, id, orgID)
		if err != nil {
			return err
		}
		if err := oneRow(r, "nothing to relay"); err != nil {
			return err
		}
		// Hops behind it receive it now; those that relay by themselves pass it on at once.
		if _, err := d.exec(ctx, d.db, `UPDATE advisory_hops SET relayed_at = ?
			WHERE advisory_id = ? AND from_org_id = ? AND received_at IS NULL AND manual = FALSE`, at.UTC(), id, orgID); err != nil {
			return err
		}
		if _, err := d.exec(ctx, d.db, `UPDATE advisory_hops SET received_at = ?
			WHERE advisory_id = ? AND from_org_id = ? AND received_at IS NULL`, at.UTC(), id, orgID); err != nil {
			return err
		}
		// Recipients whose every hop has now relayed are released.
		orgs, err := d.advisoryOrgs(ctx, id, `held = TRUE AND NOT EXISTS (SELECT 1 FROM advisory_hops h WHERE h.advisory_id = advisory_recipients.advisory_id
			AND h.org_id IN (advisory_recipients.ministry_hop, advisory_recipients.ceptor_hop) AND h.relayed_at IS NULL)`)
		if err != nil {
			return err
		}
		for start := 0; start < len(orgs); start += 500 {
			chunk := orgs[start:min(start+500, len(orgs))]
			if _, err := d.exec(ctx, d.db, "UPDATE advisory_recipients SET held = FALSE WHERE advisory_id = ? AND org_id IN ("+placeholders(len(chunk))+")",
				append([]any{id}, int64Args(chunk)...)...); err != nil {
				return err
			}
		}
		a, err := d.FindAdvisory(ctx, id)
		if err != nil {
			return err
		}
		_, byID, err := d.activeOrgs(ctx)
		if err != nil {
			return err
		}
		ids, err := d.deliver(ctx, a, orgs, byID, "v"+strconv.Itoa(a.Version), at)
		if err != nil {
			return err
		}
		res = &ceptor.PublishResult{Recipients: len(orgs), Deliveries: ids}
		return nil
	})
	return res, err
}

// AdvisoryHops returns the relay chain with organisation names.
func (d *DB) AdvisoryHops(ctx context.Context, id int64) ([]ceptor.AdvisoryHop, error) {
	rows, err := d.query(ctx, d.db, `SELECT h.org_id, o.name, o.type, h.from_org_id, h.level, h.manual, h.note, h.received_at, h.relayed_at, h.relayed_by, h.confirmed_at
		FROM advisory_hops h JOIN organizations o ON o.id = h.org_id WHERE h.advisory_id = ? ORDER BY h.level, o.name`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ceptor.AdvisoryHop
	for rows.Next() {
		h := ceptor.AdvisoryHop{AdvisoryID: id}
		var recv, rel, conf sql.NullTime
		if err := rows.Scan(&h.OrgID, &h.OrgName, &h.OrgType, &h.FromOrgID, &h.Level, &h.Manual, &h.Note, &recv, &rel, &h.RelayedBy, &conf); err != nil {
			return nil, translate(err)
		}
		h.ReceivedAt, h.RelayedAt, h.ConfirmedAt = timePtr(recv), timePtr(rel), timePtr(conf)
		out = append(out, h)
	}
	return out, translate(rows.Err())
}

// HopOrgIDs returns the organisations relaying the advisory that have
// received it.
func (d *DB) HopOrgIDs(ctx context.Context, id int64) ([]int64, error) {
	return d.queryIDs(ctx, d.db, "SELECT org_id FROM advisory_hops WHERE advisory_id = ? AND received_at IS NOT NULL ORDER BY org_id", id)
}

const recipientCols = `r.advisory_id, r.org_id, o.name, o.name_en, o.type, r.sector_id, r.ceptor_id, r.via_org_id, r.ministry_hop, r.ceptor_hop,
	r.state, r.delivered_at, r.confirmed_at, r.confirmed_by, r.confirmed_via, r.reason, r.reason_note, r.escalated, r.drill, COALESCE(u.name, ''), r.held`

const recipientFrom = ` FROM advisory_recipients r JOIN organizations o ON o.id = r.org_id LEFT JOIN users u ON u.id = r.confirmed_by`

func scanRecipient(sc interface{ Scan(...any) error }, extra ...any) (ceptor.AdvisoryRecipient, error) {
	var r ceptor.AdvisoryRecipient
	var del, conf sql.NullTime
	err := sc.Scan(append([]any{&r.AdvisoryID, &r.OrgID, &r.OrgName, &r.OrgNameEN, &r.OrgType, &r.SectorID, &r.CeptorID, &r.ViaOrgID,
		&r.MinistryHop, &r.CeptorHop, &r.State, &del, &conf, &r.ConfirmedBy, &r.ConfirmedVia, &r.Reason, &r.ReasonNote, &r.Escalated,
		&r.Drill, &r.ConfirmedName, &r.Held}, extra...)...)
	r.DeliveredAt, r.ConfirmedAt = timePtr(del), timePtr(conf)
	return r, translate(err)
}

// AdvisoryRecipient returns one organisation's recipient row (ENOTFOUND
// when it is not a recipient, or still held at a hop).
func (d *DB) AdvisoryRecipient(ctx context.Context, id, orgID int64) (*ceptor.AdvisoryRecipient, error) {
	r, err := scanRecipient(d.queryRow(d.db, ctx, "SELECT "+recipientCols+recipientFrom+" WHERE r.advisory_id = ? AND r.org_id = ? AND r.held = FALSE", id, orgID))
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// hopCond restricts recipients to those behind one of the given hops.
func hopCond(viaOrgs []int64) (string, []any) {
	if len(viaOrgs) == 0 {
		return "", nil
	}
	p := placeholders(len(viaOrgs))
	args := append(int64Args(viaOrgs), int64Args(viaOrgs)...)
	return " AND (r.ministry_hop IN (" + p + ") OR r.ceptor_hop IN (" + p + "))", args
}

// ListRecipients lists recipients (behind viaOrgs when given, in the
// given states when given), unconfirmed first, by name.
func (d *DB) ListRecipients(ctx context.Context, id int64, viaOrgs []int64, states []ceptor.RecipientState, limit, offset int) ([]ceptor.AdvisoryRecipient, int, error) {
	where := " WHERE r.advisory_id = ?"
	args := []any{id}
	c, a := hopCond(viaOrgs)
	where += c
	args = append(args, a...)
	if len(states) > 0 {
		where += " AND r.state IN (" + placeholders(len(states)) + ")"
		for _, s := range states {
			args = append(args, string(s))
		}
	}
	var total int
	if err := d.queryRow(d.db, ctx, "SELECT COUNT(*) FROM advisory_recipients r"+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	if limit <= 0 || limit > 5000 {
		limit = 100
	}
	rows, err := d.query(ctx, d.db, "SELECT "+recipientCols+recipientFrom+where+
		` ORDER BY CASE r.state WHEN 'unreachable' THEN 0 WHEN 'pending' THEN 1 WHEN 'delivered' THEN 2 ELSE 3 END, o.name, r.org_id LIMIT ? OFFSET ?`,
		append(args, limit, max(offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []ceptor.AdvisoryRecipient
	for rows.Next() {
		r, err := scanRecipient(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, translate(rows.Err())
}

// ConfirmAdvisory records an organisation's confirmation of receipt, as a
// recipient and as a hop. Only the first confirmation counts.
func (d *DB) ConfirmAdvisory(ctx context.Context, id, orgID, userID int64, via string, at time.Time) (bool, error) {
	changed := false
	err := d.Atomic(ctx, func(ctx context.Context) error {
		var n int
		if err := d.queryRow(d.db, ctx, `SELECT (SELECT COUNT(*) FROM advisory_recipients WHERE advisory_id = ? AND org_id = ? AND held = FALSE)
			+ (SELECT COUNT(*) FROM advisory_hops WHERE advisory_id = ? AND org_id = ? AND received_at IS NOT NULL)`, id, orgID, id, orgID).Scan(&n); err != nil {
			return translate(err)
		}
		if n == 0 {
			return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not a recipient", Key: "err.not_found"}
		}
		var published sql.NullTime
		if err := d.queryRow(d.db, ctx, "SELECT published_at FROM advisories WHERE id = ?", id).Scan(&published); err != nil {
			return translate(err)
		}
		bucket := 0
		if published.Valid {
			bucket = ConfirmBucket(at.Sub(published.Time))
		}
		r1, err := d.exec(ctx, d.db, `UPDATE advisory_recipients SET state = 'confirmed', confirmed_at = ?, confirmed_by = ?, confirmed_via = ?, confirm_bucket = ?,
			delivered_at = COALESCE(delivered_at, ?) WHERE advisory_id = ? AND org_id = ? AND held = FALSE AND state <> 'confirmed'`, at.UTC(), userID, via, bucket, at.UTC(), id, orgID)
		if err != nil {
			return err
		}
		r2, err := d.exec(ctx, d.db, `UPDATE advisory_hops SET confirmed_at = ? WHERE advisory_id = ? AND org_id = ? AND received_at IS NOT NULL AND confirmed_at IS NULL`, at.UTC(), id, orgID)
		if err != nil {
			return err
		}
		n1, _ := r1.RowsAffected()
		n2, _ := r2.RowsAffected()
		changed = n1+n2 > 0
		return nil
	})
	return changed, err
}

// MarkAdvisoryRead records that a person opened the advisory.
func (d *DB) MarkAdvisoryRead(ctx context.Context, id, orgID, userID int64, at time.Time) error {
	_, err := d.exec(ctx, d.db, "INSERT INTO advisory_reads (advisory_id, user_id, read_at) VALUES (?, ?, ?) ON CONFLICT (advisory_id, user_id) DO NOTHING", id, userID, at.UTC())
	return err
}

// RecordFollowUp stores why an organisation did not confirm.
func (d *DB) RecordFollowUp(ctx context.Context, id, orgID int64, reason ceptor.FollowUpReason, note string, by int64, at time.Time) error {
	note = strings.TrimSpace(note)
	f := map[string]string{}
	if !slices.Contains(ceptor.FollowUpReasons, reason) {
		f["reason"] = "adv.err_reason"
	}
	if utf8.RuneCountInString(note) > ceptor.MaxAdvisoryNote {
		f["note"] = "err.too_long"
	}
	if reason == ceptor.FollowOther && note == "" {
		f["note"] = "err.required"
	}
	if len(f) > 0 {
		return ceptor.Invalid(f)
	}
	res, err := d.exec(ctx, d.db, `UPDATE advisory_recipients SET reason = ?, reason_note = ?, reason_by = ?, reason_at = ? WHERE advisory_id = ? AND org_id = ?`,
		string(reason), note, by, at.UTC(), id, orgID)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return &ceptor.Error{Code: ceptor.ENOTFOUND, Message: "not a recipient", Key: "err.not_found"}
	}
	return nil
}

// ReceiptSummary counts recipients by state, overall, per hop, per CEPTOR
// and per sector, and buckets the time to confirm. It reads the counts
// the triggers of advisory_recipients keep in advisory_receipt_counts
// (one row per hop, CEPTOR, sector, state and time bucket), not the
// recipients themselves. viaOrgs restricts it to what lies behind those
// hops.
func (d *DB) ReceiptSummary(ctx context.Context, id int64, viaOrgs []int64) (*ceptor.ReceiptSummary, error) {
	var published sql.NullTime
	if err := d.queryRow(d.db, ctx, "SELECT published_at FROM advisories WHERE id = ?", id).Scan(&published); err != nil {
		return nil, translate(err)
	}
	c, args := hopCond(viaOrgs)
	s := &ceptor.ReceiptSummary{AdvisoryID: id, ConfirmMinutes: make([]int, len(ceptor.ConfirmBuckets))}
	hop, cep, sec := map[int64]*ceptor.Bucket{}, map[int64]*ceptor.Bucket{}, map[int64]*ceptor.Bucket{}
	get := func(m map[int64]*ceptor.Bucket, k int64) *ceptor.Bucket {
		b := m[k]
		if b == nil {
			b = &ceptor.Bucket{Key: strconv.FormatInt(k, 10)}
			m[k] = b
		}
		return b
	}
	rows, err := d.query(ctx, d.db, `SELECT r.ministry_hop, r.ceptor_hop, r.ceptor_id, r.sector_id, r.state, r.confirm_bucket, r.n
		FROM advisory_receipt_counts r WHERE r.advisory_id = ? AND r.n > 0`+c, append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var mh, ch, cid, sid, n int64
		var st string
		var bk int
		if err := rows.Scan(&mh, &ch, &cid, &sid, &st, &bk, &n); err != nil {
			return nil, translate(err)
		}
		targets := []*ceptor.Bucket{&s.Total, get(cep, cid), get(sec, sid)}
		// Per hop: the ministry and the secretariat it passed; key 0 for
		// those that received it directly from the issuer.
		switch {
		case mh == 0 && ch == 0:
			targets = append(targets, get(hop, 0))
		case mh == ch || mh == 0:
			targets = append(targets, get(hop, ch))
		case ch == 0:
			targets = append(targets, get(hop, mh))
		default:
			targets = append(targets, get(hop, mh), get(hop, ch))
		}
		for _, b := range targets {
			b.Recipients += int(n)
			if st == string(ceptor.RecipientDelivered) || st == string(ceptor.RecipientConfirmed) {
				b.Delivered += int(n)
			}
			switch ceptor.RecipientState(st) {
			case ceptor.RecipientConfirmed:
				b.Confirmed += int(n)
			case ceptor.RecipientUnreachable:
				b.Unreachable += int(n)
			}
		}
		if bk >= 0 && bk < len(s.ConfirmMinutes) {
			s.ConfirmMinutes[bk] += int(n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	s.Total.Key = "total"
	s.Total.Finish()
	for _, p := range []struct {
		m   map[int64]*ceptor.Bucket
		out *[]ceptor.Bucket
	}{{hop, &s.PerHop}, {cep, &s.PerCeptor}, {sec, &s.PerSector}} {
		keys := make([]int64, 0, len(p.m))
		for k := range p.m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b := p.m[k]
			b.Finish()
			*p.out = append(*p.out, *b)
		}
	}
	return s, nil
}

// Inbox lists the advisories an organisation received: unread (by the
// person) and unconfirmed first, then newest.
func (d *DB) Inbox(ctx context.Context, f ceptor.InboxFilter) ([]ceptor.InboxItem, int, error) {
	conds := []string{"r.org_id = ?", "r.held = FALSE", "a.status IN ('published', 'withdrawn')",
		// An alternate-channel drill assumes the in-app channel down (drills.go).
		"NOT (a.drill_id <> 0 AND EXISTS (SELECT 1 FROM drills dr WHERE dr.id = a.drill_id AND dr.channel = 'alternate'))"}
	args := []any{f.UserID, f.OrgID}
	if f.Unconfirmed {
		conds = append(conds, "r.state <> 'confirmed'")
	}
	if f.Unread {
		conds = append(conds, "rd.read_at IS NULL")
	}
	if f.Category != "" {
		conds = append(conds, "a.category = ?")
		args = append(args, string(f.Category))
	}
	if f.Drill != nil {
		conds = append(conds, "a.drill = ?")
		args = append(args, *f.Drill)
	}
	for _, w := range strings.Fields(f.Q) {
		c, a := d.advTextMatch(w)
		conds = append(conds, c)
		args = append(args, a...)
	}
	from := ` FROM advisory_recipients r JOIN advisories a ON a.id = r.advisory_id
		JOIN organizations o ON o.id = r.org_id LEFT JOIN users u ON u.id = r.confirmed_by
		LEFT JOIN advisory_reads rd ON rd.advisory_id = a.id AND rd.user_id = ?
		WHERE ` + strings.Join(conds, " AND ")
	var total int
	if err := d.queryRow(d.db, ctx, "SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := d.query(ctx, d.db, "SELECT "+advColsAs("a.")+", rd.read_at IS NOT NULL, "+recipientCols+from+
		` ORDER BY CASE WHEN rd.read_at IS NULL THEN 0 ELSE 1 END, CASE WHEN r.state = 'confirmed' THEN 1 ELSE 0 END, a.published_at DESC, a.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []ceptor.InboxItem
	for rows.Next() {
		var it ceptor.InboxItem
		var r ceptor.AdvisoryRecipient
		var del, conf sql.NullTime
		a, err := scanAdvisory(rows, &it.Read, &r.AdvisoryID, &r.OrgID, &r.OrgName, &r.OrgNameEN, &r.OrgType, &r.SectorID, &r.CeptorID, &r.ViaOrgID,
			&r.MinistryHop, &r.CeptorHop, &r.State, &del, &conf, &r.ConfirmedBy, &r.ConfirmedVia, &r.Reason, &r.ReasonNote, &r.Escalated,
			&r.Drill, &r.ConfirmedName, &r.Held)
		if err != nil {
			return nil, 0, err
		}
		r.DeliveredAt, r.ConfirmedAt = timePtr(del), timePtr(conf)
		a.ViewerState = r.State
		it.Advisory, it.Recipient = a, r
		out = append(out, it)
	}
	return out, total, translate(rows.Err())
}

// ConfirmBucket is the index in ceptor.ConfirmBuckets of a time to confirm.
func ConfirmBucket(d time.Duration) int {
	m := int(d / time.Minute)
	b := 0
	for i, lo := range ceptor.ConfirmBuckets {
		if m >= lo {
			b = i
		}
	}
	return b
}
