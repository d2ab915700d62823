package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ceptor"
	"ceptor/stix"
	"ceptor/taxiiclient"

	"github.com/riverqueue/river"
)

// TAXII 2.1 client: NISC and the CEPTOR secretariats subscribe to other
// servers' collections. A periodic job polls the due subscriptions with
// added_after, follows more/next, keeps each object id+version once, stores
// each page with the cursor to resume from (a restart continues where it
// stopped), turns indicators into ceptor indicators (correlated like the
// others) and reports and notes into advisory drafts for review.

func (s *Server) subStore() (taxiiclient.Store, error) {
	st, ok := s.store.(taxiiclient.Store)
	if !ok {
		return nil, &ceptor.Error{Code: ceptor.EUNAVAILABLE, Message: "this store keeps no TAXII subscriptions"}
	}
	return st, nil
}

func subResource(x *taxiiclient.Subscription) ceptor.Resource {
	return ceptor.Resource{Kind: ceptor.KindTAXIISub, OrgID: x.OrgID}
}

func subAAD(orgID int64) string { return "taxii-sub:" + strconv.FormatInt(orgID, 10) }

// subscriptionInput is what a person enters.
type subscriptionInput struct {
	Name            string `json:"name"`
	APIRoot         string `json:"api_root"`
	CollectionID    string `json:"collection_id"`
	Username        string `json:"username"`
	Secret          string `json:"secret"`
	IntervalMinutes int    `json:"interval_minutes"`
	DefaultTLP      string `json:"default_tlp"`
}

func (in *subscriptionInput) validate() (*taxiiclient.Subscription, error) {
	f := map[string]string{}
	x := &taxiiclient.Subscription{Name: strings.TrimSpace(in.Name), APIRoot: strings.TrimSpace(in.APIRoot), CollectionID: strings.TrimSpace(in.CollectionID),
		Username: strings.TrimSpace(in.Username), IntervalMinutes: in.IntervalMinutes}
	if x.Name == "" {
		f["name"] = "err.required"
	} else if len([]rune(x.Name)) > 200 {
		f["name"] = "err.too_long"
	}
	if u, err := url.Parse(x.APIRoot); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(x.APIRoot) > 1000 {
		f["api_root"] = "sub.err_url"
	} else if !strings.HasSuffix(x.APIRoot, "/") {
		x.APIRoot += "/"
	}
	if x.CollectionID == "" || len(x.CollectionID) > 200 || strings.ContainsAny(x.CollectionID, "/?#") {
		f["collection_id"] = "err.required"
	}
	if len(x.Username) > 200 || len(in.Secret) > 4096 {
		f["secret"] = "err.too_long"
	}
	if x.IntervalMinutes == 0 {
		x.IntervalMinutes = 60
	}
	if x.IntervalMinutes < 5 || x.IntervalMinutes > 7*24*60 {
		f["interval_minutes"] = "sub.err_interval"
	}
	x.DefaultTLP = ceptor.TLPAmber
	if in.DefaultTLP != "" {
		t, ok := ceptor.ParseTLP(in.DefaultTLP)
		if !ok {
			f["default_tlp"] = "err.tlp"
		}
		x.DefaultTLP = t
	}
	if len(f) > 0 {
		return nil, ceptor.Invalid(f)
	}
	return x, nil
}

// subCreate stores a subscription of the caller's organisation, its secret
// sealed with the service key.
func (s *Server) subCreate(r *http.Request, st *reqState, in *subscriptionInput) (*taxiiclient.Subscription, error) {
	store, err := s.subStore()
	if err != nil {
		return nil, err
	}
	if err := regAuthorize(st, ceptor.ActCreate, ceptor.Resource{Kind: ceptor.KindTAXIISub, OrgID: st.actor.OrgID}); err != nil {
		return nil, err
	}
	x, err := in.validate()
	if err != nil {
		return nil, err
	}
	x.OrgID, x.UserID = st.actor.OrgID, st.actor.UserID
	if in.Secret != "" {
		if x.SecretSealed, err = s.sealer.Seal([]byte(in.Secret), subAAD(x.OrgID)); err != nil {
			return nil, err
		}
	}
	err = s.change(r, func(r *http.Request) error {
		if err := store.CreateSubscription(r.Context(), x); err != nil {
			return err
		}
		s.audit(r, "taxii_subscription.create", ceptor.KindTAXIISub, x.ID, x.OrgID, map[string]any{"api_root": x.APIRoot, "collection": x.CollectionID})
		return nil
	})
	return x, err
}

func (s *Server) subFind(ctx context.Context, a *ceptor.Actor, id int64) (*taxiiclient.Subscription, error) {
	store, err := s.subStore()
	if err != nil {
		return nil, err
	}
	x, err := store.FindSubscription(ctx, id)
	if err != nil || !ceptor.Allow(a, ceptor.ActView, subResource(x)) {
		return nil, regNotFound()
	}
	return x, nil
}

// PollSubscription polls one subscription now and records the outcome.
func (s *Server) PollSubscription(ctx context.Context, id int64) error {
	store, err := s.subStore()
	if err != nil {
		return err
	}
	x, err := store.FindSubscription(ctx, id)
	if err != nil {
		return err
	}
	perr := s.poll(ctx, store, x)
	msg := ""
	if perr != nil {
		msg = perr.Error()
		s.log.Warn("taxii subscription poll failed", "subscription", x.ID, "err", perr)
	}
	if err := store.FinishPoll(ctx, x.ID, s.now(), msg); err != nil {
		return err
	}
	return perr
}

func (s *Server) poll(ctx context.Context, store taxiiclient.Store, x *taxiiclient.Subscription) error {
	src := taxiiclient.Source{APIRoot: x.APIRoot, CollectionID: x.CollectionID, Username: x.Username}
	if x.SecretSealed != "" {
		sec, err := s.sealer.Open(x.SecretSealed, subAAD(x.OrgID))
		if err != nil {
			return errors.New("the stored credentials cannot be opened")
		}
		src.Secret = string(sec)
	}
	// Advisory drafts are written as the person who subscribed, if they
	// still may draft advisories.
	var actor *ceptor.Actor
	if u, o := s.loadUser(ctx, x.UserID); u != nil {
		actor = s.actorFor(ctx, u, o, nil)
	}
	c := &taxiiclient.Client{HTTP: s.taxiiHTTP}
	// Courses of action received in this poll, by id (the latest version):
	// a report referring to one gets it as the 対策 section of its draft.
	// Read on any page of the poll before the report or on its own page
	// (ceptor serves an advisory's course-of-action before its report).
	coas := map[string]*taxiiclient.Item{}
	_, err := c.Poll(ctx, src, x.AddedAfter, func(ctx context.Context, p *taxiiclient.Page) error {
		return s.store.Atomic(ctx, func(ctx context.Context) error {
			var items []taxiiclient.Received
			var decoded []*taxiiclient.Item
			for _, raw := range p.Objects {
				it, err := taxiiclient.Decode(raw)
				if err != nil {
					continue // skipped or not acceptable: nothing to keep
				}
				if it.Type == "course-of-action" {
					if old := coas[it.ID]; old == nil || it.Version > old.Version {
						coas[it.ID] = it
					}
				}
				decoded = append(decoded, it)
			}
			for _, it := range decoded {
				if seen, err := store.SeenObject(ctx, x.ID, it.ID, it.Version); err != nil {
					return err
				} else if seen {
					continue
				}
				if it.TLP == "" {
					it.TLP = x.DefaultTLP
				}
				rec := taxiiclient.Received{Item: it}
				if (it.Type == "report" || it.Type == "note") && actor != nil {
					var mit []*taxiiclient.Item
					for _, ref := range it.Refs {
						if c := coas[ref]; c != nil {
							mit = append(mit, c)
						}
					}
					adv, err := s.subDraft(ctx, actor, x, it, mit)
					if err != nil {
						return err
					}
					if adv != nil {
						rec.AdvisoryID = adv.ID
					}
				}
				items = append(items, rec)
			}
			return store.StorePage(ctx, x.ID, items, p.Cursor)
		})
	})
	return err
}

// subDraft makes an advisory draft of a received report or note; each
// course of action the report refers to (mit) becomes a 対策 section of its
// body, unless the body already holds that text (a ceptor advisory's
// description is its whole body, mitigation section included).
func (s *Server) subDraft(ctx context.Context, a *ceptor.Actor, x *taxiiclient.Subscription, it *taxiiclient.Item, mit []*taxiiclient.Item) (*ceptor.Advisory, error) {
	title := strings.Join(strings.Fields(it.Title), " ")
	if len([]rune(title)) > ceptor.MaxAdvisoryTitle-10 {
		title = string([]rune(title)[:ceptor.MaxAdvisoryTitle-10])
	}
	body := it.Text
	_, has := stix.MitigationOf(body)
	for _, c := range mit {
		if t := strings.TrimSpace(c.Text); t != "" && strings.Contains(has, t) {
			continue
		}
		if sec := stix.MitigationSection(c.Title, c.Text); sec != "" {
			body = strings.TrimSpace(body) + "\n\n" + sec
		}
	}
	if len([]rune(body)) > ceptor.MaxAdvisoryBody-500 {
		body = string([]rune(body)[:ceptor.MaxAdvisoryBody-500])
	}
	body = strings.TrimSpace(body) + "\n\n(TAXII: " + x.Name + ", `" + it.ID + "`)"
	adv := &ceptor.Advisory{OrgID: a.OrgID, AuthorID: a.UserID, Status: ceptor.AdvisoryDraft, Title: "[TAXII] " + title, Body: body,
		Category: ceptor.CatPartner, Urgency: ceptor.UrgencyNormal, TLP: it.TLP, Source: ceptor.SourcePartner, SourceName: x.Name}
	if len([]rune(adv.SourceName)) > 200 {
		adv.SourceName = string([]rune(adv.SourceName)[:200])
	}
	reach, err := s.advReach(ctx, adv.Audience)
	if err != nil {
		return nil, err
	}
	if !ceptor.Allow(a, ceptor.ActCreate, ceptor.AdvisoryResource(adv, nil, reach, false, false)) {
		return nil, nil
	}
	if adv.Validate() != nil {
		return nil, nil
	}
	if err := s.store.CreateAdvisory(ctx, adv); err != nil {
		return nil, err
	}
	return adv, nil
}

// PollDueSubscriptions polls every subscription whose time has come.
func (s *Server) PollDueSubscriptions(ctx context.Context) error {
	store, err := s.subStore()
	if err != nil {
		return err
	}
	due, err := store.DueSubscriptions(ctx, s.now(), 50)
	if err != nil {
		return err
	}
	for _, x := range due {
		s.PollSubscription(ctx, x.ID) // failures are recorded on the subscription
	}
	return nil
}

// TAXIIPollArgs is the periodic job that polls due subscriptions.
type TAXIIPollArgs struct{}

// Kind names the job in the queue.
func (TAXIIPollArgs) Kind() string { return "taxii_poll" }

// TAXIIPollWorker polls due subscriptions.
type TAXIIPollWorker struct {
	river.WorkerDefaults[TAXIIPollArgs]
	Server *Server
}

// Work runs one round.
func (w *TAXIIPollWorker) Work(ctx context.Context, job *river.Job[TAXIIPollArgs]) error {
	return w.Server.PollDueSubscriptions(ctx)
}

// Timeout bounds one round of polls.
func (w *TAXIIPollWorker) Timeout(*river.Job[TAXIIPollArgs]) time.Duration { return 30 * time.Minute }

// TAXIIPollEvery schedules the polling on the leader.
func TAXIIPollEvery(d time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d), func() (river.JobArgs, *river.InsertOpts) {
		return TAXIIPollArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: d}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}
