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

CREATE TABLE advisory_reads (
    advisory_id BIGINT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_at     TIMESTAMPTZ NOT NULL,
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
-- Statement-level triggers with transition tables: a publication that
-- inserts 3,000 recipients adjusts the counts with one grouped statement,
-- not 3,000 row triggers.
CREATE FUNCTION advisory_receipt_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO advisory_receipt_counts AS c
        SELECT advisory_id, ministry_hop, ceptor_hop, ceptor_id, sector_id, state, confirm_bucket, COUNT(*)
        FROM new_rows GROUP BY advisory_id, ministry_hop, ceptor_hop, ceptor_id, sector_id, state, confirm_bucket
        ON CONFLICT (advisory_id, ministry_hop, ceptor_hop, ceptor_id, sector_id, state, confirm_bucket)
        DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
CREATE FUNCTION advisory_receipt_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only rows whose state or time bucket changed move between counts;
    -- the old count first, then the new one (states only move forward).
    UPDATE advisory_receipt_counts c SET n = c.n - o.k
        FROM (SELECT o.advisory_id, o.ministry_hop, o.ceptor_hop, o.ceptor_id, o.sector_id, o.state, o.confirm_bucket, COUNT(*) AS k
              FROM old_rows o JOIN new_rows x ON x.advisory_id = o.advisory_id AND x.org_id = o.org_id
              WHERE x.state <> o.state OR x.confirm_bucket <> o.confirm_bucket
              GROUP BY o.advisory_id, o.ministry_hop, o.ceptor_hop, o.ceptor_id, o.sector_id, o.state, o.confirm_bucket) o
        WHERE c.advisory_id = o.advisory_id AND c.ministry_hop = o.ministry_hop AND c.ceptor_hop = o.ceptor_hop
          AND c.ceptor_id = o.ceptor_id AND c.sector_id = o.sector_id AND c.state = o.state AND c.confirm_bucket = o.confirm_bucket;
    INSERT INTO advisory_receipt_counts AS c
        SELECT x.advisory_id, x.ministry_hop, x.ceptor_hop, x.ceptor_id, x.sector_id, x.state, x.confirm_bucket, COUNT(*)
        FROM new_rows x JOIN old_rows o ON o.advisory_id = x.advisory_id AND o.org_id = x.org_id
        WHERE x.state <> o.state OR x.confirm_bucket <> o.confirm_bucket
        GROUP BY x.advisory_id, x.ministry_hop, x.ceptor_hop, x.ceptor_id, x.sector_id, x.state, x.confirm_bucket
        ON CONFLICT (advisory_id, ministry_hop, ceptor_hop, ceptor_id, sector_id, state, confirm_bucket)
        DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
CREATE FUNCTION advisory_receipt_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE advisory_receipt_counts c SET n = c.n - o.k
        FROM (SELECT advisory_id, ministry_hop, ceptor_hop, ceptor_id, sector_id, state, confirm_bucket, COUNT(*) AS k
              FROM old_rows GROUP BY advisory_id, ministry_hop, ceptor_hop, ceptor_id, sector_id, state, confirm_bucket) o
        WHERE c.advisory_id = o.advisory_id AND c.ministry_hop = o.ministry_hop AND c.ceptor_hop = o.ceptor_hop
          AND c.ceptor_id = o.ceptor_id AND c.sector_id = o.sector_id AND c.state = o.state AND c.confirm_bucket = o.confirm_bucket;
    RETURN NULL;
END
$$;
CREATE TRIGGER advisory_receipt_counts_insert AFTER INSERT ON advisory_recipients
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION advisory_receipt_count_insert();
CREATE TRIGGER advisory_receipt_counts_update AFTER UPDATE ON advisory_recipients
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION advisory_receipt_count_update();
CREATE TRIGGER advisory_receipt_counts_delete AFTER DELETE ON advisory_recipients
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION advisory_receipt_count_delete();
