-- Who an advisory reaches: the relay hops (ministry, CEPTOR secretariat)
-- and one row per recipient organisation with its confirmation (疎通確認),
-- follow-up reason and escalation; and which person read it.

CREATE TABLE advisory_hops (
    advisory_id  BIGINT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    org_id       BIGINT NOT NULL REFERENCES organizations (id),
    from_org_id  BIGINT NOT NULL REFERENCES organizations (id),
    level        INTEGER NOT NULL,
    manual       BOOLEAN NOT NULL DEFAULT FALSE,
    note         TEXT NOT NULL DEFAULT '',
    received_at  TIMESTAMPTZ,
    relayed_at   TIMESTAMPTZ,
    relayed_by   BIGINT NOT NULL DEFAULT 0,
    confirmed_at TIMESTAMPTZ,
    PRIMARY KEY (advisory_id, org_id)
);
CREATE INDEX advisory_hops_org ON advisory_hops (org_id);

CREATE TABLE advisory_recipients (
    advisory_id   BIGINT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    org_id        BIGINT NOT NULL REFERENCES organizations (id),
    via_org_id    BIGINT NOT NULL,
    -- The ministry and secretariat hops on its way (0: none).
    ministry_hop  BIGINT NOT NULL DEFAULT 0,
    ceptor_hop    BIGINT NOT NULL DEFAULT 0,
    sector_id     BIGINT NOT NULL DEFAULT 0,
    ceptor_id     BIGINT NOT NULL DEFAULT 0,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'confirmed', 'unreachable')),
    -- Waiting at a hop that relays by hand.
    held          BOOLEAN NOT NULL DEFAULT FALSE,
    drill         BOOLEAN NOT NULL DEFAULT FALSE,
    delivered_at  TIMESTAMPTZ,
    confirmed_at  TIMESTAMPTZ,
    confirmed_by  BIGINT NOT NULL DEFAULT 0,
    confirmed_via TEXT NOT NULL DEFAULT '',
    -- Time to confirm as a bucket of ceptor.ConfirmBuckets (-1: not
    -- confirmed), fixed at confirmation so that the summary only counts.
    confirm_bucket INTEGER NOT NULL DEFAULT -1,
    reason        TEXT NOT NULL DEFAULT '',
    reason_note   TEXT NOT NULL DEFAULT '',
    reason_by     BIGINT NOT NULL DEFAULT 0,
    reason_at     TIMESTAMPTZ,
    escalated     INTEGER NOT NULL DEFAULT 0,
    reminded_at   TIMESTAMPTZ,
    PRIMARY KEY (advisory_id, org_id)
);
CREATE INDEX advisory_recipients_org ON advisory_recipients (org_id, state);
CREATE INDEX advisory_recipients_state ON advisory_recipients (advisory_id, state);
-- The receipt summary groups by exactly these columns: it reads the index only.
CREATE INDEX advisory_recipients_summary ON advisory_recipients (advisory_id, ministry_hop, ceptor_hop, ceptor_id, sector_id, state, confirm_bucket);

CREATE TABLE advisory_reads (
    advisory_id BIGINT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (advisory_id, user_id)
);
