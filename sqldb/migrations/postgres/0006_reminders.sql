-- Reminders that have gone out (update cadences in large-scale mode,
-- reporting-clock deadlines). The key names the reminder (what, which
-- report, which deadline); claiming it before notifying makes each reminder
-- go out once, whichever node runs the job and however often.
CREATE TABLE reminders_sent (
    reminder_key TEXT PRIMARY KEY,
    sent_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX reminders_sent_at ON reminders_sent (sent_at);
