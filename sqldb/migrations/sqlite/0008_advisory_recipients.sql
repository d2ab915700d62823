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
    received_at  TIMESTAMP,
    relayed_at   TIMESTAMP,
    relayed_by   BIGINT NOT NULL DEFAULT 0,
    confirmed_at TIMESTAMP,
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
    delivered_at  TIMESTAMP,
    confirmed_at  TIMESTAMP,
    confirmed_by  BIGINT NOT NULL DEFAULT 0,
    confirmed_via TEXT NOT NULL DEFAULT '',
    -- Time to confirm as a bucket of ceptor.ConfirmBuckets (-1: not
    -- confirmed), fixed at confirmation so that the summary only counts.
    confirm_bucket INTEGER NOT NULL DEFAULT -1,
    reason        TEXT NOT NULL DEFAULT '',
    reason_note   TEXT NOT NULL DEFAULT '',
    reason_by     BIGINT NOT NULL DEFAULT 0,
    reason_at     TIMESTAMP,
    escalated     INTEGER NOT NULL DEFAULT 0,
    reminded_at   TIMESTAMP,
    PRIMARY KEY (advisory_id, org_id)
);
CREATE INDEX advisory_recipients_org ON advisory_recipients (org_id, state);
CREATE INDEX advisory_recipients_state ON advisory_recipients (advisory_id, state);

CREATE TABLE advisory_reads (
    advisory_id BIGINT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (advisory_id, user_id)
);

-- The receipt summary's counts, kept by triggers so that the summary reads
-- a few dozen rows instead of grouping every recipient (100,000 of them
-- for an advisory to everyone). The grouping keys of a recipient never
-- change after it is inserted, except its state and time bucket.
CREATE TABLE advisory_receipt_counts (
    advisory_id    BIGINT NOT NULL,
    ministry_hop   BIGINT NOT NULL,
    ceptor_hop     BIGINT NOT NULL,
    ceptor_id      BIGINT NOT NULL,
    sector_id      BIGINT NOT NULL,
    state          TEXT NOT NULL,
    confirm_bucket INTEGER NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (advisory_id, ministry_hop, ceptor_hop, ceptor_id, sector_id, state, confirm_bucket)
);
CREATE TRIGGER advisory_receipt_counts_insert AFTER INSERT ON advisory_recipients BEGIN
    INSERT INTO advisory_receipt_counts VALUES (new.advisory_id, new.ministry_hop, new.ceptor_hop, new.ceptor_id, new.sector_id, new.state, new.confirm_bucket, 1)
        ON CONFLICT (advisory_id, ministry_hop, ceptor_hop, ceptor_id, sector_id, state, confirm_bucket) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER advisory_receipt_counts_update AFTER UPDATE OF state, confirm_bucket ON advisory_recipients
    WHEN old.state <> new.state OR old.confirm_bucket <> new.confirm_bucket BEGIN
    UPDATE advisory_receipt_counts SET n = n - 1 WHERE advisory_id = old.advisory_id AND ministry_hop = old.ministry_hop AND ceptor_hop = old.ceptor_hop
        AND ceptor_id = old.ceptor_id AND sector_id = old.sector_id AND state = old.state AND confirm_bucket = old.confirm_bucket;
    INSERT INTO advisory_receipt_counts VALUES (new.advisory_id, new.ministry_hop, new.ceptor_hop, new.ceptor_id, new.sector_id, new.state, new.confirm_bucket, 1)
        ON CONFLICT (advisory_id, ministry_hop, ceptor_hop, ceptor_id, sector_id, state, confirm_bucket) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER advisory_receipt_counts_delete AFTER DELETE ON advisory_recipients BEGIN
    UPDATE advisory_receipt_counts SET n = n - 1 WHERE advisory_id = old.advisory_id AND ministry_hop = old.ministry_hop AND ceptor_hop = old.ceptor_hop
        AND ceptor_id = old.ceptor_id AND sector_id = old.sector_id AND state = old.state AND confirm_bucket = old.confirm_bucket;
END;
