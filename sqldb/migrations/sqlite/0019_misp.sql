-- MISP events imported by an organisation: the event as ceptor keeps it
-- (creator, tags, TLP), its attributes with the ceptor indicator each maps
-- to (empty for unsupported types, with a note), and the advisory draft
-- made from it for review. Indicators are indexed by (type, value) for
-- correlation.

CREATE TABLE misp_events (
    id              INTEGER PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES organizations (id),
    user_id         BIGINT REFERENCES users (id),
    uuid            TEXT NOT NULL,
    info            TEXT NOT NULL,
    creator_org     TEXT NOT NULL DEFAULT '',
    creator_uuid    TEXT NOT NULL DEFAULT '',
    tlp             TEXT NOT NULL,
    tlp_default     BOOLEAN NOT NULL DEFAULT FALSE,
    tags            TEXT NOT NULL DEFAULT '[]',
    event_date      TEXT NOT NULL DEFAULT '',
    threat_level    INTEGER NOT NULL DEFAULT 0,
    published       BOOLEAN NOT NULL DEFAULT FALSE,
    event_timestamp TIMESTAMP,
    advisory_id     BIGINT REFERENCES advisories (id) ON DELETE SET NULL,
    imported_at     TIMESTAMP NOT NULL,
    UNIQUE (org_id, uuid)
);
CREATE INDEX misp_events_imported ON misp_events (imported_at);

CREATE TABLE misp_attributes (
    event_id  BIGINT NOT NULL REFERENCES misp_events (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    uuid      TEXT NOT NULL DEFAULT '',
    misp_type TEXT NOT NULL,
    category  TEXT NOT NULL DEFAULT '',
    value     TEXT NOT NULL,
    to_ids    BOOLEAN NOT NULL DEFAULT FALSE,
    comment   TEXT NOT NULL DEFAULT '',
    object    TEXT NOT NULL DEFAULT '',
    ind_type  TEXT NOT NULL DEFAULT '',
    ind_value TEXT NOT NULL DEFAULT '',
    note      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, seq)
);
CREATE INDEX misp_attributes_indicator ON misp_attributes (ind_type, ind_value);
