package web

import (
	"context"
	"fmt"
	"time"

	"ceptor"

	"github.com/riverqueue/river"
)

// Deadline reminders of survey campaigns: a periodic job reminds the
// targets of an open campaign that have not submitted, 7 days and 1 day
// before its deadline (Japan time), in-app and by e-mail. Each reminder is
// claimed in reminders_sent, in the same transaction as its notifications
// and e-mail jobs, so it goes out once however often and on however many
// nodes the job runs, and not at all when that transaction fails.

// SurveyRemindersArgs is the periodic job.
type SurveyRemindersArgs struct{}

// Kind names the job in the queue.
func (SurveyRemindersArgs) Kind() string { return "survey_reminders" }

// SurveyRemindersWorker runs the deadline reminders.
type SurveyRemindersWorker struct {
	river.WorkerDefaults[SurveyRemindersArgs]
	Server *Server
}

// Work runs one pass.
func (w *SurveyRemindersWorker) Work(ctx context.Context, job *river.Job[SurveyRemindersArgs]) error {
	_, err := w.Server.RemindSurveys(ctx)
	return err
}

// SurveyReminderInterval is how often the job looks at the deadlines.
const SurveyReminderInterval = time.Hour

// SurveyRemindersEvery schedules the job on the leader.
func SurveyRemindersEvery(d time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d), func() (river.JobArgs, *river.InsertOpts) {
		return SurveyRemindersArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: d}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

// surveyReminderLeads are the days before the deadline when reminders go out.
var surveyReminderLeads = []int{7, 1}

// reminderClaimer is the storage that records reminders sent (sqldb.DB).
type reminderClaimer interface {
	ClaimReminder(ctx context.Context, key string, at time.Time) (bool, error)
}

// RemindSurveys sends the deadline reminders that are due and returns how
// many organisations were reminded. When a campaign passes several leads
// at once (opened late), one reminder goes out for all of them.
func (s *Server) RemindSurveys(ctx context.Context) (int, error) {
	cl, ok := s.store.(reminderClaimer)
	if !ok {
		return 0, nil
	}
	open, err := s.store.ListCampaigns(ctx, ceptor.SurveyFilter{Status: ceptor.SurveyOpen})
	if err != nil {
		return 0, err
	}
	now := s.now()
	total := 0
	for _, c := range open {
		if c.Deadline == "" {
			continue
		}
		day, err := time.ParseInLocation("2006-01-02", c.Deadline, ceptor.Tokyo)
		if err != nil {
			continue
		}
		end := day.AddDate(0, 0, 1) // the end of the deadline day
		if !now.Before(end) {
			continue
		}
		err = s.store.Atomic(ctx, func(ctx context.Context) error {
			due := false
			for _, lead := range surveyReminderLeads {
				if now.Before(end.AddDate(0, 0, -lead)) {
					continue
				}
				claimed, err := cl.ClaimReminder(ctx, fmt.Sprintf("survey:%d:%s:d%d", c.ID, c.Deadline, lead), now)
				if err != nil {
					return err
				}
				due = due || claimed
			}
			if !due {
				return nil
			}
			n, err := s.surveyNotifyCount(ctx, c, true)
			total += n
			return err
		})
		if err != nil {
			return total, fmt.Errorf("survey %d reminders: %w", c.ID, err)
		}
	}
	return total, nil
}
