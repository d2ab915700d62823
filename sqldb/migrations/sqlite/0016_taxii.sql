-- TAXII 2.1: what participants add to a collection (objects POST) and the
-- status resources of those adds. Accepted objects keep their STIX id,
-- version, marking and links; their indicators are indexed by value for
-- correlation.

CREATE TABLE taxii_received (
    id         INTEGER PRIMARY KEY,
    collection TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    version    TEXT NOT NULL DEFAULT '',
    type       TEXT NOT NULL,
    tlp        TEXT NOT NULL DEFAULT '',
    org_id     BIGINT NOT NULL REFERENCES organizations (id),
    user_id    BIGINT REFERENCES users (id),
    received   TEXT NOT NULL, -- the accepted object, as ceptor keeps it (JSON)
    created_at TIMESTAMP NOT NULL,
    UNIQUE (collection, object_id, version)
);

CREATE TABLE taxii_received_indicators (
    received_id BIGINT NOT NULL REFERENCES taxii_received (id) ON DELETE CASCADE,
    type        TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (received_id, type, value)
);
CREATE INDEX taxii_received_indicators_value ON taxii_received_indicators (type, value);

CREATE TABLE taxii_status (
    id                TEXT PRIMARY KEY,
    collection        TEXT NOT NULL,
    org_id            BIGINT NOT NULL REFERENCES organizations (id),
    user_id           BIGINT REFERENCES users (id),
    status            TEXT NOT NULL CHECK (status IN ('pending', 'complete')),
    request_timestamp TIMESTAMP NOT NULL,
    total_count       INTEGER NOT NULL,
    success_count     INTEGER NOT NULL DEFAULT 0,
    failure_count     INTEGER NOT NULL DEFAULT 0,
    pending_count     INTEGER NOT NULL DEFAULT 0,
    detail            TEXT NOT NULL DEFAULT '{}' -- successes, failures, pendings
);

CREATE TRIGGER stix_dirty_taxii_received AFTER INSERT ON taxii_received BEGIN
    INSERT INTO stix_dirty (source_kind, source_id) VALUES ('taxii', new.id);
END;
