package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"ceptor"
	"ceptor/i18n"
)

// Drill results as CSV and XLSX, one row per organisation (recipient of
// the drill advisory and/or participant), in the same shape and with the
// same protections as the advisory receipt exports (receipts_ui.go):
// the caller's scope, formula-looking cells defused, an audit entry.

func (s *Server) drillExport(r *http.Request, st *reqState) (*ceptor.Drill, [][]string, error) {
	ctx := r.Context()
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		return nil, nil, regNotFound()
	}
	res, err := s.drillResults(ctx, st, id)
	if err != nil {
		return nil, nil, err
	}
	d := res.Drill
	scope, via, err := s.drillScope(ctx, st.actor, d)
	if err != nil {
		return nil, nil, err
	}
	t := func(k string) string { return i18n.T(st.lang, k) }
	names := s.ceptorNames(r)
	rows := [][]string{{t("drills.col.org"), t("drills.col.org_type"), t("drills.col.ceptor"), t("drills.col.state"), t("drills.col.delivered"),
		t("drills.col.confirmed"), t("drills.col.minutes"), t("drills.col.via"), t("drills.col.reason"), t("drills.col.reason_note"),
		t("drills.col.report"), t("drills.col.self_check")}}
	parts, err := s.store.DrillParticipants(ctx, id, scope)
	if err != nil {
		return nil, nil, err
	}
	byOrg := map[int64]ceptor.DrillParticipant{}
	for _, p := range parts {
		byOrg[p.OrgID] = p
	}
	yes := func(b bool) string {
		if b {
			return t("drills.yes")
		}
		return ""
	}
	done := map[int64]bool{}
	if d.AdvisoryID != 0 && d.Downward {
		adv, err := s.store.FindAdvisory(ctx, d.AdvisoryID)
		if err != nil {
			return nil, nil, err
		}
		for off := 0; ; off += 5000 {
			list, total, err := s.store.ListRecipients(ctx, d.AdvisoryID, via, nil, 5000, off)
			if err != nil {
				return nil, nil, err
			}
			for _, x := range list {
				p := byOrg[x.OrgID]
				done[x.OrgID] = true
				mins := ""
				if x.ConfirmedAt != nil && adv.PublishedAt != nil {
					mins = strconv.FormatFloat(x.ConfirmedAt.Sub(*adv.PublishedAt).Minutes(), 'f', 0, 64)
				}
				reason := ""
				if x.Reason != "" {
					reason = t("adv.reason." + string(x.Reason))
				}
				report := ""
				if p.ReportID != 0 {
					report = "#" + strconv.FormatInt(p.ReportID, 10)
				}
				rows = append(rows, []string{advPick(st.lang, x.OrgName, x.OrgNameEN), t("orgtype." + string(x.OrgType)), names.ceptorName(x.CeptorID, st.lang),
					t("adv.state." + string(x.State)), exportTime(x.DeliveredAt), exportTime(x.ConfirmedAt), mins, x.ConfirmedVia, reason, x.ReasonNote,
					report, yes(p.SelfCheck)})
			}
			if off+len(list) >= total || len(list) == 0 {
				break
			}
		}
	}
	for _, p := range parts {
		if done[p.OrgID] {
			continue
		}
		report := ""
		if p.ReportID != 0 {
			report = "#" + strconv.FormatInt(p.ReportID, 10)
		}
		rows = append(rows, []string{p.OrgName, t("orgtype." + string(p.OrgType)), names.ceptorName(p.CeptorID, st.lang), "", "", "", "", "", "", "",
			report, yes(p.SelfCheck)})
	}
	return d, rows, nil
}

func exportTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(ceptor.Tokyo).Format("2006-01-02 15:04")
}

func (s *Server) drillResultsCSV(w http.ResponseWriter, r *http.Request) {
	s.drillResultsFile(w, r, "csv")
}

func (s *Server) drillResultsXLSX(w http.ResponseWriter, r *http.Request) {
	s.drillResultsFile(w, r, "xlsx")
}

// drillResultsFile sends a drill's results as CSV or XLSX; every export is
// audited.
func (s *Server) drillResultsFile(w http.ResponseWriter, r *http.Request, format string) {
	st, ok := s.requireUser(w, r)
	if !ok {
		return
	}
	d, rows, err := s.drillExport(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, ctype, err := tableFile(format, i18n.T(st.lang, "drills.sheet"), rows)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.auditDrill(r, "drill.export", d, map[string]any{"format": format, "rows": len(rows) - 1})
	sendFile(w, fmt.Sprintf("drill-%d-results.%s", d.ID, format), ctype, body)
}
