package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/i18n"
)

// The receipt dashboard of an advisory (疎通確認): confirmation rate
// overall, per hop, per CEPTOR and per sector, the time to confirm as a
// bar chart (SVG), and the organisations not confirmed or unreachable with
// their follow-up reasons. The page re-reads its body from
// /advisories/{id}/receipts/rows whenever the live topic advisory:<id>
// says something changed (server-sent events at /advisories/{id}/events);
// the events carry no data, the fragment is read through the policy.
// CSV and XLSX exports carry the same rows.

func (s *Server) routesReceipts() {
	s.mux.HandleFunc("GET /advisories/{id}/receipts", s.receiptsPage)
	s.mux.HandleFunc("GET /advisories/{id}/receipts/rows", s.receiptsRows)
	s.mux.HandleFunc("GET /advisories/{id}/events", s.receiptsEvents)
	s.mux.HandleFunc("GET /advisories/{id}/receipts.csv", s.receiptsCSV)
	s.mux.HandleFunc("GET /advisories/{id}/receipts.xlsx", s.receiptsXLSX)
	s.mux.HandleFunc("POST /advisories/{id}/follow-up", s.receiptsFollowUp)
}

type receiptsData struct {
	A        *ceptor.Advisory
	Sum      *ceptor.ReceiptSummary
	Hops     []receiptRow
	Ceptors  []receiptRow
	Sectors  []receiptRow
	Open     []ceptor.AdvisoryRecipient
	OpenMore int
	Chart    template.HTML
	Reasons  []ceptor.FollowUpReason
	CanFU    bool
	Updated  string
}

// receiptRow is one bucket with its label.
type receiptRow struct {
	ceptor.Bucket
	Label string
}

func (s *Server) receiptsData(ctx context.Context, st *reqState, id int64) (*receiptsData, error) {
	a, sum, err := s.advReceipts(ctx, st, id)
	if err != nil {
		return nil, err
	}
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return nil, err
	}
	d := &receiptsData{A: a, Sum: sum, Reasons: ceptor.FollowUpReasons, Updated: s.now().In(ceptor.Tokyo).Format("15:04:05")}
	_, res, _ := s.findAdvisory(ctx, st.actor, id)
	d.CanFU = ceptor.Allow(st.actor, ceptor.ActFollowUp, res)
	for _, b := range sum.PerHop {
		id, _ := strconv.ParseInt(b.Key, 10, 64)
		label := i18n.T(st.lang, "adv.direct_from_issuer")
		if o, err := s.store.FindOrg(ctx, id); id != 0 && err == nil {
			label = o.DisplayName(st.lang)
		}
		d.Hops = append(d.Hops, receiptRow{Bucket: b, Label: label})
	}
	for _, b := range sum.PerCeptor {
		id, _ := strconv.ParseInt(b.Key, 10, 64)
		label := i18n.T(st.lang, "adv.no_ceptor")
		if c := rf.ceptorByID[id]; c != nil {
			label = advPick(st.lang, c.NameJA, c.NameEN)
		}
		d.Ceptors = append(d.Ceptors, receiptRow{Bucket: b, Label: label})
	}
	for _, b := range sum.PerSector {
		id, _ := strconv.ParseInt(b.Key, 10, 64)
		label := i18n.T(st.lang, "adv.no_sector")
		if x := rf.sectorByID[id]; x != nil {
			label = advPick(st.lang, x.NameJA, x.NameEN)
		}
		d.Sectors = append(d.Sectors, receiptRow{Bucket: b, Label: label})
	}
	open, total, err := s.store.ListRecipients(ctx, id, advVia(st.actor, a),
		[]ceptor.RecipientState{ceptor.RecipientUnreachable, ceptor.RecipientPending, ceptor.RecipientDelivered}, 50, 0)
	if err != nil {
		return nil, err
	}
	d.Open, d.OpenMore = open, max(total-len(open), 0)
	d.Chart = confirmChart(sum.ConfirmMinutes, st.lang)
	return d, nil
}

// AdvW is a rate as a width out of 100 (SVG attributes: the CSP forbids inline styles).
func (p *Page) AdvW(rate float64) string { return strconv.FormatFloat(rate*100, 'f', 1, 64) }

// receiptTable is the argument of the receipt-table template.
type receiptTable struct {
	P    *Page
	Rows []receiptRow
}

// AdvRT wraps bucket rows for the receipt-table template.
func (p *Page) AdvRT(rows []receiptRow) receiptTable { return receiptTable{P: p, Rows: rows} }

// confirmChart draws the time-to-confirm distribution as an SVG bar chart
// (no script, no inline style: the page's CSP forbids both).
func confirmChart(counts []int, lang string) template.HTML {
	labels := []string{"<15m", "15-30m", "30-60m", "1-2h", "2-4h", "4-8h", "8-24h", "24h+"}
	if lang == "ja" {
		labels = []string{"15分未満", "15–30分", "30–60分", "1–2時間", "2–4時間", "4–8時間", "8–24時間", "24時間以上"}
	}
	peak := 1
	for _, n := range counts {
		peak = max(peak, n)
	}
	const w, h, pad, bw = 640, 200, 28, 64
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="adv-chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h+40, template.HTMLEscapeString(i18n.T(lang, "adv.chart_label")))
	for i, n := range counts {
		if i >= len(labels) {
			break
		}
		bh := int(float64(h-pad) * float64(n) / float64(peak))
		x := 16 + i*(bw+14)
		fmt.Fprintf(&b, `<rect class="adv-bar" x="%d" y="%d" width="%d" height="%d"><title>%s: %d</title></rect>`, x, h-bh, bw, max(bh, 0), labels[i], n)
		fmt.Fprintf(&b, `<text class="adv-bar-n" x="%d" y="%d" text-anchor="middle">%d</text>`, x+bw/2, h-bh-6, n)
		fmt.Fprintf(&b, `<text class="adv-bar-l" x="%d" y="%d" text-anchor="middle">%s</text>`, x+bw/2, h+20, labels[i])
	}
	fmt.Fprintf(&b, `<line class="adv-axis" x1="8" y1="%d" x2="%d" y2="%d"/></svg>`, h, w-8, h)
	return template.HTML(b.String())
}

func (s *Server) receiptsPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	d, err := s.receiptsData(r.Context(), st, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "advisory_receipts", s.page(w, r, i18n.T(st.lang, "adv.receipts_title"), d))
}

// receiptsRows is the dashboard body as a fragment.
func (s *Server) receiptsRows(w http.ResponseWriter, r *http.Request) {
	st, ok := s.liveUser(w, r)
	if !ok {
		return
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		http.Error(w, i18n.T(st.lang, "err.not_found"), http.StatusNotFound)
		return
	}
	d, err := s.receiptsData(r.Context(), st, id)
	if err != nil {
		http.Error(w, i18n.T(st.lang, messageKey(err)), statusOf(ceptor.ErrorCode(err)))
		return
	}
	t := s.tmpl["advisory_receipts"]
	p := s.page(w, r, "", d)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := t.ExecuteTemplate(w, "receipts-body", p); err != nil {
		s.log.Error("render receipts fragment", "err", err)
	}
}

// receiptsEvents streams "refresh" hints for the advisory.
func (s *Server) receiptsEvents(w http.ResponseWriter, r *http.Request) {
	st, ok := s.liveUser(w, r)
	if !ok {
		return
	}
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		http.Error(w, i18n.T(st.lang, "err.not_found"), http.StatusNotFound)
		return
	}
	ctx := r.Context()
	check := func() bool {
		_, res, err := s.findAdvisory(ctx, st.actor, id)
		return err == nil && ceptor.Allow(st.actor, ceptor.ActExport, res)
	}
	if !check() {
		http.Error(w, i18n.T(st.lang, "err.not_found"), http.StatusNotFound)
		return
	}
	// Confirmations arrive in bursts: one refresh per half second at most.
	s.streamHints(w, r, advTopic(id), check, 500*time.Millisecond)
}

func (s *Server) receiptsFollowUp(w http.ResponseWriter, r *http.Request) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	org, ok := parseID(r.PostFormValue("org"))
	if !ok {
		s.fail(w, r, regNotFound())
		return
	}
	err := s.advFollowUp(r, st, id, org, ceptor.FollowUpReason(r.PostFormValue("reason")), r.PostFormValue("note"))
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.EINVALID {
			s.setFlash(w, "adv.err_followup")
			http.Redirect(w, r, "/advisories/"+advIDString(id)+"/receipts", http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, "adv.flash_followup")
	http.Redirect(w, r, "/advisories/"+advIDString(id)+"/receipts", http.StatusSeeOther)
}

// receiptExport is every recipient row the caller may see, with labels.
func (s *Server) receiptExport(r *http.Request, st *reqState) (*ceptor.Advisory, [][]string, error) {
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		return nil, nil, regNotFound()
	}
	ctx := r.Context()
	a, _, err := s.advReceipts(ctx, st, id)
	if err != nil {
		return nil, nil, err
	}
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return nil, nil, err
	}
	t := func(k string) string { return i18n.T(st.lang, k) }
	rows := [][]string{{t("adv.col.org"), t("adv.col.type"), t("adv.col.sector"), t("adv.col.ceptor"), t("adv.col.via"), t("adv.col.state"),
		t("adv.col.delivered_at"), t("adv.col.confirmed_at"), t("adv.col.confirmed_via"), t("adv.col.reason"), t("adv.col.reason_note")}}
	names := map[int64]string{}
	orgName := func(id int64) string {
		if id == 0 {
			return ""
		}
		if n, ok := names[id]; ok {
			return n
		}
		n := ""
		if o, err := s.store.FindOrg(ctx, id); err == nil {
			n = o.DisplayName(st.lang)
		}
		names[id] = n
		return n
	}
	tm := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.In(ceptor.Tokyo).Format("2006-01-02 15:04:05")
	}
	for off := 0; ; off += 5000 {
		list, total, err := s.store.ListRecipients(ctx, id, advVia(st.actor, a), nil, 5000, off)
		if err != nil {
			return nil, nil, err
		}
		for _, x := range list {
			sec, cep := "", ""
			if v := rf.sectorByID[x.SectorID]; v != nil {
				sec = advPick(st.lang, v.NameJA, v.NameEN)
			}
			if v := rf.ceptorByID[x.CeptorID]; v != nil {
				cep = advPick(st.lang, v.NameJA, v.NameEN)
			}
			reason := ""
			if x.Reason != "" {
				reason = t("adv.reason." + string(x.Reason))
			}
			name := x.OrgName
			if st.lang == "en" && x.OrgNameEN != "" {
				name = x.OrgNameEN
			}
			rows = append(rows, []string{name, t("orgtype." + string(x.OrgType)), sec, cep, orgName(x.ViaOrgID), t("adv.state." + string(x.State)),
				tm(x.DeliveredAt), tm(x.ConfirmedAt), x.ConfirmedVia, reason, x.ReasonNote})
		}
		if off+len(list) >= total || len(list) == 0 {
			break
		}
	}
	return a, rows, nil
}

func (s *Server) receiptsCSV(w http.ResponseWriter, r *http.Request) {
	s.receiptsFile(w, r, "csv")
}

func (s *Server) receiptsXLSX(w http.ResponseWriter, r *http.Request) {
	s.receiptsFile(w, r, "xlsx")
}

// receiptsFile sends an advisory's receipts as CSV or XLSX; every export is
// audited.
func (s *Server) receiptsFile(w http.ResponseWriter, r *http.Request, format string) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	a, rows, err := s.receiptExport(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, ctype, err := tableFile(format, i18n.T(st.lang, "adv.receipts_sheet"), rows)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.auditAdvisory(r, "advisory.export", a, map[string]any{"format": format, "rows": len(rows) - 1})
	sendFile(w, fmt.Sprintf("advisory-%d-receipts.%s", a.ID, format), ctype, body)
}
