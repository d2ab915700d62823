package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"ceptor"
)

// The operations on CEPTOR drills (セプター訓練) that pages and the API
// share. Each asks the policy with the drill's Resource before it reads
// or changes anything, and audits what it changed. Starting a drill goes
// through the advisory engine: the drill advisory is created and
// published (recipients, hops, deliveries and their jobs) in the same
// transaction that marks the drill running.

// drillInput is what the planner sends (API body and form). Times are
// RFC 3339, or YYYY-MM-DDTHH:MM in Japan time.
type drillInput struct {
	Title        *string              `json:"title,omitempty"`
	Instructions *string              `json:"instructions,omitempty"` // Markdown, shown to participants when the drill starts
	WindowStart  *string              `json:"window_start,omitempty"`
	WindowEnd    *string              `json:"window_end,omitempty"`
	CeptorIDs    *[]int64             `json:"ceptor_ids,omitempty"`
	Announced    *bool                `json:"announced,omitempty"`
	Channel      *ceptor.DrillChannel `json:"channel,omitempty"` // normal or alternate
	Downward     *bool                `json:"downward,omitempty"`
	Upward       *bool                `json:"upward,omitempty"`
	AssumeDamage *bool                `json:"assume_damage,omitempty"`
}

// apply copies the given fields onto d and validates it.
func (in *drillInput) apply(d *ceptor.Drill) error {
	f := map[string]string{}
	if in.Title != nil {
		d.Title = *in.Title
	}
	if in.Instructions != nil {
		d.Instructions = *in.Instructions
	}
	for _, x := range []struct {
		v     *string
		field string
		dst   *ceptor.Drill
		start bool
	}{{in.WindowStart, "window_start", d, true}, {in.WindowEnd, "window_end", d, false}} {
		if x.v == nil {
			continue
		}
		t, ok := parseAdvTime(*x.v)
		if !ok && strings.TrimSpace(*x.v) != "" {
			f[x.field] = "drills.err_datetime"
			continue
		}
		if x.start {
			d.WindowStart = t
		} else {
			d.WindowEnd = t
		}
	}
	if in.CeptorIDs != nil {
		d.CeptorIDs = *in.CeptorIDs
	}
	if in.Announced != nil {
		d.Announced = *in.Announced
	}
	if in.Channel != nil {
		d.Channel = *in.Channel
	}
	if in.Downward != nil {
		d.Downward = *in.Downward
	}
	if in.Upward != nil {
		d.Upward = *in.Upward
	}
	if in.AssumeDamage != nil {
		d.AssumeDamage = *in.AssumeDamage
	}
	err := d.Validate()
	if len(f) > 0 {
		for k, v := range ceptor.ErrorFields(err) {
			if _, set := f[k]; !set && k != "window_start" && k != "window_end" {
				f[k] = v
			}
		}
		return ceptor.Invalid(f)
	}
	return err
}

// findDrill returns a drill the actor may see (ENOTFOUND otherwise).
func (s *Server) findDrill(ctx context.Context, a *ceptor.Actor, id int64) (*ceptor.Drill, ceptor.Resource, error) {
	d, err := s.store.FindDrill(ctx, id)
	if err != nil {
		if ceptor.ErrorCode(err) == ceptor.ENOTFOUND {
			return nil, ceptor.Resource{}, regNotFound()
		}
		return nil, ceptor.Resource{}, err
	}
	res := ceptor.DrillResource(d)
	if !ceptor.Allow(a, ceptor.ActView, res) {
		return nil, ceptor.Resource{}, regNotFound()
	}
	return d, res, nil
}

func (s *Server) auditDrill(r *http.Request, action string, d *ceptor.Drill, detail map[string]any) {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["drill"] = true
	s.audit(r, action, ceptor.KindDrill, d.ID, d.OrgID, detail)
}

// drillCreate plans a drill for the caller's organisation (NISC).
func (s *Server) drillCreate(r *http.Request, st *reqState, in *drillInput) (*ceptor.Drill, error) {
	if err := regAuthorize(st, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindDrill, OrgID: st.actor.OrgID}); err != nil {
		return nil, err
	}
	d := &ceptor.Drill{OrgID: st.actor.OrgID, AuthorID: st.actor.UserID, Status: ceptor.DrillPlanned, Channel: ceptor.DrillChannelNormal}
	if err := in.apply(d); err != nil {
		return nil, err
	}
	err := s.change(r, func(r *http.Request) error {
		if err := s.store.CreateDrill(r.Context(), d); err != nil {
			return err
		}
		s.auditDrill(r, "drill.create", d, map[string]any{"ceptors": d.CeptorIDs, "announced": d.Announced, "channel": string(d.Channel)})
		return nil
	})
	return d, err
}

// drillUpdate changes a planned drill.
func (s *Server) drillUpdate(r *http.Request, st *reqState, id int64, in *drillInput) (*ceptor.Drill, error) {
	d, res, err := s.findDrill(r.Context(), st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActUpdate, res); err != nil {
		return nil, err
	}
	if err := in.apply(d); err != nil {
		return nil, err
	}
	err = s.change(r, func(r *http.Request) error {
		if err := s.store.UpdateDrill(r.Context(), d); err != nil {
			return err
		}
		s.auditDrill(r, "drill.update", d, nil)
		return nil
	})
	return d, err
}

// drillStartResult says what starting a drill did.
type drillStartResult struct {
	Advisory     *ceptor.Advisory
	Publish      *ceptor.PublishResult
	Participants int
}

// drillStart starts a planned drill: the drill advisory (category drill,
// marked 訓練, Drill and DrillID set) is written, published to the chosen
// CEPTORs through the relay chain with its deliveries queued, and the
// drill's participants fixed, all in one transaction.
func (s *Server) drillStart(r *http.Request, st *reqState, id int64) (*drillStartResult, error) {
	d, res, err := s.findDrill(r.Context(), st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActStart, res); err != nil {
		return nil, err
	}
	out := &drillStartResult{}
	err = s.change(r, func(r *http.Request) error {
		ctx := r.Context()
		now := s.now()
		adv := d.DrillAdvisory(st.actor.UserID, strings.TrimSuffix(s.cfg.PublicURL, "/")+"/drills/"+strconv.FormatInt(d.ID, 10)+"/report")
		if adv.Deadline != nil && !adv.Deadline.After(now) {
			// A drill started after its planned window still asks for
			// confirmation; give it a day.
			dl := now.Add(24 * time.Hour)
			adv.Deadline = &dl
		}
		if err := s.store.CreateAdvisory(ctx, adv); err != nil {
			return err
		}
		pr, err := s.store.PublishAdvisory(ctx, adv.ID, now)
		if err != nil {
			return err
		}
		// The recipients' people hear of it in the application too, unless
		// the drill assumes the usual channel down.
		notify := "v1"
		if d.Channel == ceptor.DrillChannelAlternate {
			notify = ""
		}
		if err := s.enqueueAdvisoryJobs(ctx, pr.Deliveries, adv.ID, notify); err != nil {
			return err
		}
		n, err := s.store.StartDrill(ctx, d.ID, adv.ID, now)
		if err != nil {
			return err
		}
		out.Advisory, out.Publish, out.Participants = adv, pr, n
		s.auditAdvisory(r, "advisory.publish", adv, map[string]any{"recipients": pr.Recipients, "hops": pr.Hops, "tlp": string(adv.TLP), "drill_id": d.ID})
		s.auditDrill(r, "drill.start", d, map[string]any{"advisory_id": adv.ID, "participants": n, "recipients": pr.Recipients})
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.live.Publish(r.Context(), advTopic(out.Advisory.ID))
	s.inboxArrived(r.Context())
	return out, nil
}

// drillClose closes a running drill.
func (s *Server) drillClose(r *http.Request, st *reqState, id int64) error {
	d, res, err := s.findDrill(r.Context(), st.actor, id)
	if err != nil {
		return err
	}
	if err := regAuthorize(st, ceptor.ActClose, res); err != nil {
		return err
	}
	return s.change(r, func(r *http.Request) error {
		if err := s.store.CloseDrill(r.Context(), id, s.now()); err != nil {
			return err
		}
		s.auditDrill(r, "drill.close", d, nil)
		return nil
	})
}

// drillScope returns the CEPTORs and relay hops the caller's results are
// restricted to (nil: everything, for NISC).
func (s *Server) drillScope(ctx context.Context, a *ceptor.Actor, d *ceptor.Drill) ([]int64, []int64, error) {
	rf, err := s.loadRefs(ctx)
	if err != nil {
		return nil, nil, err
	}
	scope := ceptor.DrillScope(a, d, func(id int64) int64 {
		if c := rf.ceptorByID[id]; c != nil {
			return c.SectorID
		}
		return 0
	})
	if scope == nil {
		return nil, nil, nil
	}
	return scope, []int64{a.OrgID}, nil
}

// drillResults returns the results the caller may see.
func (s *Server) drillResults(ctx context.Context, st *reqState, id int64) (*ceptor.DrillResults, error) {
	d, res, err := s.findDrill(ctx, st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActExport, res); err != nil {
		return nil, err
	}
	scope, via, err := s.drillScope(ctx, st.actor, d)
	if err != nil {
		return nil, err
	}
	return s.store.DrillResults(ctx, id, scope, via)
}

// selfCheckInput is an organisation's self-check sheet as sent.
type selfCheckInput struct {
	Arrived       string `json:"arrived"`                  // yes, late, no
	Channel       string `json:"channel,omitempty"`        // inbox, email, webhook, phone, fax, other
	Handler       string `json:"handler,omitempty"`        // department or role that handled it
	NoticeMinutes *int   `json:"notice_minutes,omitempty"` // minutes until someone noticed the message
	Problems      string `json:"problems,omitempty"`
	Improvements  string `json:"improvements,omitempty"`
}

// drillSaveSelfCheck stores the caller's organisation's self-check sheet.
func (s *Server) drillSaveSelfCheck(r *http.Request, st *reqState, id int64, in selfCheckInput) (*ceptor.SelfCheck, error) {
	d, res, err := s.findDrill(r.Context(), st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActSelfCheck, res); err != nil {
		return nil, err
	}
	c := &ceptor.SelfCheck{DrillID: id, OrgID: st.actor.OrgID, Arrived: in.Arrived, Channel: in.Channel, Handler: in.Handler,
		NoticeMinutes: in.NoticeMinutes, Problems: in.Problems, Improvements: in.Improvements, UpdatedBy: st.actor.UserID}
	err = s.change(r, func(r *http.Request) error {
		if err := s.store.SaveSelfCheck(r.Context(), c); err != nil {
			return err
		}
		s.auditDrill(r, "drill.self_check", d, map[string]any{"org_id": st.actor.OrgID})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.store.SelfCheck(r.Context(), id, st.actor.OrgID)
}

// drillReportInput is an operator's drill report (upward drill).
type drillReportInput struct {
	Title      string            `json:"title,omitempty"` // default: 【訓練】 and the drill's title
	Body       string            `json:"body,omitempty"`
	Damage     *bool             `json:"damage,omitempty"`      // 被害あり (default: the drill's assumption)
	EventClass ceptor.EventClass `json:"event_class,omitempty"` // default: availability with damage, precursor without
	Route      ceptor.Route      `json:"route,omitempty"`       // default: ministry
}

// drillReportAnswer is the answer of POST .../reports.
type drillReportAnswer struct {
	ReportID int64 `json:"report_id"`
	DrillID  int64 `json:"drill_id"`
	Damage   bool  `json:"damage"`
}

// drillSendReport sends the caller's organisation's drill report through
// the reports module (Drill set: never counted in real statistics) and
// links it to the drill, in one transaction.
func (s *Server) drillSendReport(r *http.Request, st *reqState, id int64, in drillReportInput) (*drillReportAnswer, error) {
	d, res, err := s.findDrill(r.Context(), st.actor, id)
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActDrillReport, res); err != nil {
		return nil, err
	}
	// Participants (members of the chosen CEPTORs when the drill started)
	// send one drill report each; later ones are follow-ups in the
	// reports module.
	parts, err := s.store.DrillParticipants(r.Context(), id, nil)
	if err != nil {
		return nil, err
	}
	idx := slices.IndexFunc(parts, func(p ceptor.DrillParticipant) bool { return p.OrgID == st.actor.OrgID })
	if idx < 0 {
		return nil, &ceptor.Error{Code: ceptor.EFORBIDDEN, Message: "not a participant of this drill", Key: "drills.err_not_participant"}
	}
	if parts[idx].ReportID != 0 {
		return nil, &ceptor.Error{Code: ceptor.ECONFLICT, Message: "the organisation has sent its drill report", Key: "drills.err_reported"}
	}
	damage := d.AssumeDamage
	if in.Damage != nil {
		damage = *in.Damage
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = d.Title
	}
	if !strings.Contains(title, "訓練") {
		title = "【訓練】" + title
	}
	body := strings.TrimSpace(in.Body)
	if body == "" {
		body = "セプター訓練（情報連絡訓練）の報告です。"
	}
	ec := in.EventClass
	if ec == "" {
		ec = ceptor.EventPrecursor
		if damage {
			ec = ceptor.EventAvailability
		}
	}
	route := in.Route
	if route == "" {
		route = ceptor.RouteMinistry
	}
	ri := reportInput{Route: route, TLP: ceptor.TLPAmber, Drill: true, Title: title, Body: body, EventClass: ec,
		Causes: []ceptor.Cause{ceptor.CauseUnknown}, Submit: true}
	// The sector of the report: the operator's sector that one of the
	// drill's CEPTORs belongs to, if any.
	for _, sec := range d.SectorIDs {
		if slices.Contains(st.actor.SectorIDs, sec) {
			ri.SectorID = sec
			break
		}
	}
	if route == ceptor.RouteAnonymous {
		for _, c := range d.CeptorIDs {
			if slices.Contains(st.actor.CeptorIDs, c) {
				ri.CeptorID = c
				break
			}
		}
	}
	ans := &drillReportAnswer{DrillID: id, Damage: damage}
	err = s.store.Atomic(r.Context(), func(ctx context.Context) error {
		c, err := s.opCreateReportRef(r.WithContext(ctx), st, ri)
		if err != nil {
			return err
		}
		if err := s.store.LinkDrillReport(ctx, id, c.rep.ID, st.actor.OrgID, damage, s.now()); err != nil {
			return err
		}
		ans.ReportID = c.rep.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ans, nil
}

// drillYears is participation per fiscal year: the years ceptor recorded,
// and before them the published reference figures.
func (s *Server) drillYears(ctx context.Context, lang string) ([]ceptor.DrillYear, error) {
	ys, err := s.store.DrillYears(ctx)
	if err != nil {
		return nil, err
	}
	have := map[int]bool{}
	for _, y := range ys {
		have[y.FiscalYear] = true
	}
	out := make([]ceptor.DrillYear, 0, len(ys)+len(ceptor.DrillReference))
	for _, ref := range ceptor.DrillReference {
		if !have[ref.FiscalYear] {
			out = append(out, ref)
		}
	}
	out = append(out, ys...)
	slices.SortFunc(out, func(a, b ceptor.DrillYear) int { return a.FiscalYear - b.FiscalYear })
	for i := range out {
		out[i].Label = ceptor.FiscalYearLabel(out[i].FiscalYear, lang)
	}
	return out, nil
}

// visibleDrills lists the drills the caller may see.
func (s *Server) visibleDrills(ctx context.Context, st *reqState, f ceptor.DrillFilter) ([]*ceptor.Drill, error) {
	a := st.actor
	if a.OrgType != ceptor.OrgNISC {
		// Narrow in storage to the drills touching the caller's CEPTORs
		// (members and secretariats) or sectors (ministries); the policy
		// decides each.
		var ids []int64
		ids = append(ids, a.CeptorIDs...)
		ids = append(ids, a.RunsCeptors...)
		if a.OrgType == ceptor.OrgMinistry {
			rf, err := s.loadRefs(ctx)
			if err != nil {
				return nil, err
			}
			for _, c := range rf.ceptors {
				if slices.Contains(a.OverseesSectors, c.SectorID) {
					ids = append(ids, c.ID)
				}
			}
		}
		f.CeptorIDs = append([]int64{}, ids...)
	}
	f.Limit = 500
	list, _, err := s.store.ListDrills(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]*ceptor.Drill, 0, len(list))
	for _, d := range list {
		if ceptor.Allow(a, ceptor.ActView, ceptor.DrillResource(d)) {
			out = append(out, d)
		}
	}
	return out, nil
}
