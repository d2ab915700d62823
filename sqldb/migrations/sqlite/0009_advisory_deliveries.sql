-- Deliveries: one row per recipient organisation x contact x channel x
-- purpose (the publication, each correction, the reminder). The unique key
-- is what makes a delivery go out once: the job that sends it checks and
-- updates this row in its own transaction. contact_id 0 is the in-app inbox.

CREATE TABLE advisory_deliveries (
    id          INTEGER PRIMARY KEY,
    advisory_id BIGINT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    org_id      BIGINT NOT NULL,
    contact_id  BIGINT NOT NULL DEFAULT 0,
    channel     TEXT NOT NULL CHECK (channel IN ('inbox', 'email', 'webhook')),
    purpose     TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    lang        TEXT NOT NULL DEFAULT 'ja',
    alternate   BOOLEAN NOT NULL DEFAULT FALSE,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    sent_at     TIMESTAMP,
    -- A sender holds a row it is sending until lease_until; after that
    -- (the sender crashed) the sweeper queues it again.
    lease_until TIMESTAMP,
    UNIQUE (advisory_id, org_id, contact_id, channel, purpose)
);
CREATE INDEX advisory_deliveries_status ON advisory_deliveries (advisory_id, status);
CREATE INDEX advisory_deliveries_open ON advisory_deliveries (status, lease_until);
