-- TAXII 2.1 client: collections of other servers that NISC or a CEPTOR
-- subscribes to (credentials sealed with the service key), the cursor
-- (added_after) each poll resumes from, the objects already received (by
-- id and version, so nothing is taken twice) and the indicators they
-- carried, indexed by (type, value) for correlation.

CREATE TABLE taxii_subscriptions (
    id               INTEGER PRIMARY KEY,
    org_id           BIGINT NOT NULL REFERENCES organizations (id),
    user_id          BIGINT REFERENCES users (id),
    name             TEXT NOT NULL,
    api_root         TEXT NOT NULL,
    collection_id    TEXT NOT NULL,
    username         TEXT NOT NULL DEFAULT '',
    secret_sealed    TEXT NOT NULL DEFAULT '',
    interval_minutes INTEGER NOT NULL DEFAULT 60,
    default_tlp      TEXT NOT NULL DEFAULT 'amber',
    added_after      TEXT NOT NULL DEFAULT '',
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    next_poll_at     TIMESTAMP NOT NULL,
    last_polled_at   TIMESTAMP,
    last_error       TEXT NOT NULL DEFAULT '',
    received_count   BIGINT NOT NULL DEFAULT 0,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX taxii_subscriptions_due ON taxii_subscriptions (active, next_poll_at);

CREATE TABLE taxii_sub_objects (
    subscription_id BIGINT NOT NULL REFERENCES taxii_subscriptions (id) ON DELETE CASCADE,
    object_id       TEXT NOT NULL,
    version         TEXT NOT NULL DEFAULT '',
    type            TEXT NOT NULL,
    tlp             TEXT NOT NULL,
    advisory_id     BIGINT REFERENCES advisories (id) ON DELETE SET NULL,
    received_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (subscription_id, object_id, version)
);

CREATE TABLE taxii_sub_indicators (
    subscription_id BIGINT NOT NULL REFERENCES taxii_subscriptions (id) ON DELETE CASCADE,
    object_id       TEXT NOT NULL,
    type            TEXT NOT NULL,
    value           TEXT NOT NULL,
    tlp             TEXT NOT NULL,
    PRIMARY KEY (subscription_id, type, value, object_id)
);
CREATE INDEX taxii_sub_indicators_value ON taxii_sub_indicators (type, value);
