package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/i18n"
)

// The advisory pages (情報提供): the list, the compose/edit form (also used
// for corrections), the advisory with its versions and relay timeline and
// the actions the caller may take. The receipt dashboard is in
// receipts_ui.go, the operator's inbox in inbox_ui.go.

func (s *Server) routesAdvisories() {
	s.mux.HandleFunc("GET /advisories", s.advListPage)
	s.mux.HandleFunc("POST /advisories/settings", s.advSettingsSave)
	s.mux.HandleFunc("GET /advisories/new", s.advNewForm)
	s.mux.HandleFunc("POST /advisories/new", s.advNewSubmit)
	s.mux.HandleFunc("GET /advisories/{id}", s.advDetailPage)
	s.mux.HandleFunc("GET /advisories/{id}/edit", s.advEditForm)
	s.mux.HandleFunc("POST /advisories/{id}/edit", s.advEditSubmit)
	s.mux.HandleFunc("GET /advisories/{id}/correct", s.advCorrectForm)
	s.mux.HandleFunc("POST /advisories/{id}/correct", s.advCorrectSubmit)
	s.mux.HandleFunc("POST /advisories/{id}/review", s.advActionReview)
	s.mux.HandleFunc("POST /advisories/{id}/return", s.advActionReturn)
	s.mux.HandleFunc("POST /advisories/{id}/approve", s.advActionApprove)
	s.mux.HandleFunc("POST /advisories/{id}/publish", s.advActionPublish)
	s.mux.HandleFunc("POST /advisories/{id}/withdraw", s.advActionWithdraw)
	s.mux.HandleFunc("POST /advisories/{id}/ack", s.advActionAck)
	s.mux.HandleFunc("POST /advisories/{id}/relay", s.advActionRelay)
	s.mux.HandleFunc("POST /advisories/{id}/attachments", s.advActionAttach)
	s.mux.HandleFunc("GET /advisories/{id}/attachments/{aid}", s.advAttachmentDownload)
	s.mux.HandleFunc("GET /advisories/{id}/confirm", s.confirmLinkPage)
	s.mux.HandleFunc("POST /advisories/{id}/confirm", s.confirmLinkSubmit)
	s.routesReceipts()
	s.routesInbox()
	s.routesAPIAdvisories()
}

// ---- template helpers ----

// AdvBody renders an advisory body (safe Markdown: every tag is the
// renderer's own, every text escaped, links http/https/mailto only).
func (p *Page) AdvBody(md string) template.HTML { return template.HTML(ceptor.RenderMarkdown(md)) }

// AdvTime formats an optional time.
func (p *Page) AdvTime(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.In(ceptor.Tokyo).Format("2006-01-02 15:04")
}

// AdvPct formats a rate as a percentage.
func (p *Page) AdvPct(rate float64) string { return strconv.FormatFloat(rate*100, 'f', 1, 64) + "%" }

// ---- list ----

type advListData struct {
	Items     []*ceptor.Advisory
	Pager     Pager
	Q         string
	Category  string
	Status    string
	Drill     string
	Issued    bool
	CanCreate bool
	Cats      []ceptor.AdvisoryCategory
	Statuses  []ceptor.AdvisoryStatus
	FollowUps []ceptor.AdvisoryRecipient
	Filtered  bool
	Counts    []advCount
	Settings  *ceptor.AdvisoryOrgSettings // shown to the organisation's administrators
}

func (s *Server) advListPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	d := advListData{Q: strings.TrimSpace(q.Get("q")), Category: q.Get("category"), Status: q.Get("status"), Drill: q.Get("drill"),
		Issued: q.Get("issued") == "1", Cats: ceptor.AdvisoryCategories,
		Statuses: []ceptor.AdvisoryStatus{ceptor.AdvisoryDraft, ceptor.AdvisoryInReview, ceptor.AdvisoryPublished, ceptor.AdvisoryWithdrawn}}
	d.Filtered = d.Q != "" || d.Category != "" || d.Status != "" || d.Drill != "" || d.Issued
	d.CanCreate = ceptor.Allow(st.actor, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindAdvisory, OrgID: st.actor.OrgID})
	f := ceptor.AdvisoryFilter{Q: d.Q, Category: ceptor.AdvisoryCategory(d.Category), Status: ceptor.AdvisoryStatus(d.Status),
		Drill: boolParam(r, "drill"), Issued: d.Issued, Limit: 30, Offset: max(offset, 0)}
	items, total, err := s.listAdvisories(r.Context(), st, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Items, d.Pager = items, Pager{Total: total, Limit: 30, Offset: f.Offset}
	if ex, ok := s.store.(advisoryExtra); ok && (st.actor.OrgType == ceptor.OrgSecretariat || st.actor.OrgType == ceptor.OrgMinistry) {
		d.FollowUps, _ = ex.FollowUpList(r.Context(), st.actor.OrgID, st.actor.OrgType == ceptor.OrgMinistry, 50)
	}
	if counts, err := s.store.AdvisoryCounts(r.Context()); err == nil {
		for fy, n := range counts {
			d.Counts = append(d.Counts, advCount{FiscalYear: fy, Label: ceptor.FiscalYearLabel(fy, st.lang), Advisories: n})
		}
		slices.SortFunc(d.Counts, func(a, b advCount) int { return b.FiscalYear - a.FiscalYear })
		if len(d.Counts) > 5 {
			d.Counts = d.Counts[:5]
		}
	}
	if d.CanCreate || st.actor.OrgType == ceptor.OrgSecretariat || st.actor.OrgType == ceptor.OrgMinistry {
		if ceptor.Allow(st.actor, ceptor.ActUpdateProfile, ceptor.OrgResource(ceptor.KindOrg, st.org)) {
			if set, err := s.store.AdvisoryOrgSettings(r.Context(), st.actor.OrgID); err == nil {
				d.Settings = &set
			}
		}
	}
	s.render(w, r, http.StatusOK, "advisory_list", s.page(w, r, i18n.T(st.lang, "adv.title"), d))
}

// advSettingsSave stores the organisation's advisory settings (its administrators).
func (s *Server) advSettingsSave(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if err := regAuthorize(st, ceptor.ActUpdateProfile, ceptor.OrgResource(ceptor.KindOrg, st.org)); err != nil {
		s.fail(w, r, err)
		return
	}
	set := ceptor.AdvisoryOrgSettings{OrgID: st.actor.OrgID, FourEyes: r.PostFormValue("four_eyes") == "1", ManualRelay: r.PostFormValue("manual_relay") == "1"}
	if err := s.store.SetAdvisoryOrgSettings(r.Context(), set); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "advisory.settings", ceptor.KindOrg, set.OrgID, set.OrgID, map[string]any{"four_eyes": set.FourEyes, "manual_relay": set.ManualRelay})
	s.setFlash(w, "adv.flash_settings")
	http.Redirect(w, r, "/advisories", http.StatusSeeOther)
}

// ---- form ----

type advFormData struct {
	Mode     string // new, edit, correct
	A        *ceptor.Advisory
	Deadline string
	OrgIDs   string
	Sectors  []*ceptor.Sector
	Ceptors  []*ceptor.Ceptor
	Types    []ceptor.OrgType
	Cats     []ceptor.AdvisoryCategory
	Urgs     []ceptor.Urgency
	Sources  []ceptor.AdvisorySource
	TLPs     []ceptor.TLP
}

// Has reports whether id is in ids (for check boxes).
func (d advFormData) Has(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// HasType reports whether t is in the audience's types.
func (d advFormData) HasType(t ceptor.OrgType) bool {
	for _, x := range d.A.Audience.OrgTypes {
		if x == t {
			return true
		}
	}
	return false
}

func (s *Server) advForm(w http.ResponseWriter, r *http.Request, st *reqState, mode string, a *ceptor.Advisory, err error) {
	rf, lerr := s.loadRefs(r.Context())
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	d := advFormData{Mode: mode, A: a, Sectors: rf.sectors, Ceptors: rf.ceptors, Types: ceptor.OrgTypes, Cats: ceptor.AdvisoryCategories,
		Urgs: ceptor.Urgencies, Sources: ceptor.AdvisorySources, TLPs: ceptor.TLPs}
	if a.Deadline != nil {
		d.Deadline = a.Deadline.In(ceptor.Tokyo).Format("2006-01-02T15:04")
	}
	var ids []string
	for _, id := range a.Audience.OrgIDs {
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	d.OrgIDs = strings.Join(ids, ", ")
	p := s.page(w, r, i18n.T(st.lang, "adv.form_title."+mode), d)
	s.renderForm(w, r, st, "advisory_form", p, err)
}

// advFormInput reads the form.
func advFormInput(r *http.Request) *advisoryInput {
	in := &advisoryInput{}
	str := func(k string) *string { v := r.PostFormValue(k); return &v }
	in.Title, in.Body, in.SourceName, in.Deadline, in.Note = str("title"), str("body"), str("source_name"), str("deadline"), str("note")
	in.TLP = str("tlp")
	c, u, src := ceptor.AdvisoryCategory(r.PostFormValue("category")), ceptor.Urgency(r.PostFormValue("urgency")), ceptor.AdvisorySource(r.PostFormValue("source"))
	in.Category, in.Urgency, in.Source = &c, &u, &src
	drill := r.PostFormValue("drill") == "1"
	in.Drill = &drill
	aud := ceptor.Audience{Everyone: r.PostFormValue("everyone") == "1"}
	ids := func(k string) []int64 {
		var out []int64
		for _, v := range r.PostForm[k] {
			if id, ok := parseID(v); ok {
				out = append(out, id)
			}
		}
		return out
	}
	aud.SectorIDs, aud.CeptorIDs = ids("sector"), ids("ceptor")
	for _, v := range r.PostForm["org_type"] {
		aud.OrgTypes = append(aud.OrgTypes, ceptor.OrgType(v))
	}
	for _, f := range strings.FieldsFunc(r.PostFormValue("org_ids"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '、' }) {
		if id, ok := parseID(strings.TrimSpace(f)); ok {
			aud.OrgIDs = append(aud.OrgIDs, id)
		}
	}
	in.Audience = &aud
	return in
}

func (s *Server) advNewForm(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	if err := regAuthorize(st, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindAdvisory, OrgID: st.actor.OrgID}); err != nil {
		s.fail(w, r, err)
		return
	}
	a := &ceptor.Advisory{Category: ceptor.CatAlert, Urgency: ceptor.UrgencyNormal, TLP: ceptor.TLPAmber, Source: ceptor.SourceOwn}
	if r.URL.Query().Get("drill") == "1" {
		a.Drill, a.Category = true, ceptor.CatDrill
	}
	s.advForm(w, r, st, "new", a, nil)
}

func (s *Server) advNewSubmit(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	in := advFormInput(r)
	a, err := s.advCreate(r, st, in)
	if err != nil {
		draft := &ceptor.Advisory{}
		in.apply(draft)
		s.advForm(w, r, st, "new", draft, err)
		return
	}
	s.setFlash(w, "adv.flash_saved")
	http.Redirect(w, r, "/advisories/"+advIDString(a.ID), http.StatusSeeOther)
}

func (s *Server) advEditForm(w http.ResponseWriter, r *http.Request) {
	s.advLoadForm(w, r, "edit", ceptor.ActUpdate)
}

func (s *Server) advCorrectForm(w http.ResponseWriter, r *http.Request) {
	s.advLoadForm(w, r, "correct", ceptor.ActPublish)
}

func (s *Server) advLoadForm(w http.ResponseWriter, r *http.Request, mode string, act ceptor.Action) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	a, res, err := s.findAdvisory(r.Context(), st.actor, id)
	if err == nil {
		err = regAuthorize(st, act, res)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if mode == "correct" {
		a.Note = ""
	}
	s.advForm(w, r, st, mode, a, nil)
}

func (s *Server) advEditSubmit(w http.ResponseWriter, r *http.Request) {
	s.advSaveForm(w, r, "edit")
}

func (s *Server) advCorrectSubmit(w http.ResponseWriter, r *http.Request) {
	s.advSaveForm(w, r, "correct")
}

func (s *Server) advSaveForm(w http.ResponseWriter, r *http.Request, mode string) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	in := advFormInput(r)
	var err error
	flash := "adv.flash_saved"
	if mode == "correct" {
		_, err = s.advCorrect(r, st, id, in)
		flash = "adv.flash_corrected"
	} else {
		_, err = s.advUpdate(r, st, id, in)
	}
	if err != nil {
		a, _, ferr := s.findAdvisory(r.Context(), st.actor, id)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		if mode == "correct" {
			in.Audience, in.Drill = nil, nil
		}
		in.apply(a)
		s.advForm(w, r, st, mode, a, err)
		return
	}
	s.setFlash(w, flash)
	http.Redirect(w, r, "/advisories/"+advIDString(id), http.StatusSeeOther)
}

// ---- detail ----

type advDetailData struct {
	V         *advisoryView
	Issuer    string
	Author    string
	Reviewer  string
	NeedsRev  bool
	Audience  []string
	Sum       *ceptor.ReceiptSummary
	HopLevels map[int]string
}

func (s *Server) advDetailPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	a, res, err := s.findAdvisory(ctx, st.actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.advView(ctx, st, a, res)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Recipient != nil {
		s.store.MarkAdvisoryRead(ctx, id, st.actor.OrgID, st.actor.UserID, s.now())
	}
	d := advDetailData{V: v, NeedsRev: res.Advisory.NeedsReview}
	if o, err := s.store.FindOrg(ctx, a.OrgID); err == nil {
		d.Issuer = o.DisplayName(st.lang)
	}
	if a.OrgID == st.actor.OrgID {
		if u, err := s.store.FindUser(ctx, a.AuthorID); err == nil {
			d.Author = u.Name
		}
		if a.ReviewerID != 0 {
			if u, err := s.store.FindUser(ctx, a.ReviewerID); err == nil {
				d.Reviewer = u.Name
			}
		}
	}
	d.Audience = s.audienceLabels(r, st, v.Advisory.Audience)
	if v.Actions.Receipts {
		d.Sum, _ = s.store.ReceiptSummary(ctx, id, advVia(st.actor, a))
	}
	s.render(w, r, http.StatusOK, "advisory_detail", s.page(w, r, a.Title, d))
}

// audienceLabels describes an audience in the reader's language.
func (s *Server) audienceLabels(r *http.Request, st *reqState, aud ceptor.Audience) []string {
	var out []string
	if aud.Everyone {
		out = append(out, i18n.T(st.lang, "adv.aud.everyone"))
	}
	rf, err := s.loadRefs(r.Context())
	if err != nil {
		return out
	}
	for _, id := range aud.SectorIDs {
		if x := rf.sectorByID[id]; x != nil {
			out = append(out, i18n.T(st.lang, "adv.aud.sector", advPick(st.lang, x.NameJA, x.NameEN)))
		}
	}
	for _, id := range aud.CeptorIDs {
		if x := rf.ceptorByID[id]; x != nil {
			out = append(out, i18n.T(st.lang, "adv.aud.ceptor", advPick(st.lang, x.NameJA, x.NameEN)))
		}
	}
	for _, t := range aud.OrgTypes {
		out = append(out, i18n.T(st.lang, "adv.aud.type", i18n.T(st.lang, "orgtype."+string(t))))
	}
	for _, id := range aud.OrgIDs {
		if o, err := s.store.FindOrg(r.Context(), id); err == nil && ceptor.Allow(st.actor, ceptor.ActView, ceptor.OrgResource(ceptor.KindOrg, o)) {
			out = append(out, o.DisplayName(st.lang))
		} else {
			out = append(out, i18n.T(st.lang, "adv.aud.named_org"))
		}
	}
	return out
}

func advPick(lang, ja, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return ja
}

// ---- actions ----

// advAction runs a form action and returns to the advisory with a flash.
func (s *Server) advAction(w http.ResponseWriter, r *http.Request, flash string, op func(st *reqState, id int64) error) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	if err := op(st, id); err != nil {
		if ceptor.ErrorCode(err) == ceptor.EINVALID || ceptor.ErrorCode(err) == ceptor.ECONFLICT {
			s.setFlash(w, messageKey(err))
			http.Redirect(w, r, "/advisories/"+advIDString(id), http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, flash)
	back := "/advisories/" + advIDString(id)
	if next := r.PostFormValue("next"); next == "/inbox" || strings.HasPrefix(next, "/inbox?") {
		back = next
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) advActionReview(w http.ResponseWriter, r *http.Request) {
	s.advAction(w, r, "adv.flash_review", func(st *reqState, id int64) error {
		_, err := s.advStatus(r, st, id, ceptor.AdvisoryInReview)
		return err
	})
}

func (s *Server) advActionReturn(w http.ResponseWriter, r *http.Request) {
	s.advAction(w, r, "adv.flash_returned", func(st *reqState, id int64) error {
		_, err := s.advStatus(r, st, id, ceptor.AdvisoryDraft)
		return err
	})
}

func (s *Server) advActionApprove(w http.ResponseWriter, r *http.Request) {
	s.advAction(w, r, "adv.flash_approved", func(st *reqState, id int64) error { _, err := s.advApprove(r, st, id); return err })
}

func (s *Server) advActionPublish(w http.ResponseWriter, r *http.Request) {
	s.advAction(w, r, "adv.flash_published", func(st *reqState, id int64) error { _, _, err := s.advPublish(r, st, id); return err })
}

func (s *Server) advActionWithdraw(w http.ResponseWriter, r *http.Request) {
	s.advAction(w, r, "adv.flash_withdrawn", func(st *reqState, id int64) error {
		_, err := s.advWithdraw(r, st, id, r.PostFormValue("reason"))
		return err
	})
}

func (s *Server) advActionAck(w http.ResponseWriter, r *http.Request) {
	s.advAction(w, r, "adv.flash_confirmed", func(st *reqState, id int64) error { _, err := s.advConfirm(r, st, id, "inbox"); return err })
}

func (s *Server) advActionRelay(w http.ResponseWriter, r *http.Request) {
	s.advAction(w, r, "adv.flash_relayed", func(st *reqState, id int64) error {
		_, err := s.advRelay(r, st, id, r.PostFormValue("note"))
		return err
	})
}

func (s *Server) advActionAttach(w http.ResponseWriter, r *http.Request) {
	s.advAction(w, r, "adv.flash_attached", func(st *reqState, id int64) error { _, err := s.advAttach(r, st, id); return err })
}

func (s *Server) advAttachmentDownload(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	aid, ok := s.pathID(w, r, "aid")
	if !ok {
		return
	}
	att, data, err := s.advAttachment(r, st, aid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeDownload(w, att.FileName, data)
}

// advQS rebuilds a query string with one value changed.
func advQS(q url.Values, key, value string) string {
	c := url.Values{}
	for k, v := range q {
		c[k] = v
	}
	if value == "" {
		c.Del(key)
	} else {
		c.Set(key, value)
	}
	c.Del("offset")
	return c.Encode()
}
