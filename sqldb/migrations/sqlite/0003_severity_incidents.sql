-- Severity evaluation (深刻度評価基準), sector guidance thresholds, incidents
-- with their member reports and timelines, large-scale mode.

-- Every evaluation is a new row: the history is the table. subject_id points
-- to a report or an incident according to subject, so it has no foreign key.
CREATE TABLE severity_evaluations (
    id                INTEGER PRIMARY KEY,
    subject           TEXT NOT NULL CHECK (subject IN ('report', 'incident')),
    subject_id        BIGINT NOT NULL,
    continuity        INTEGER NOT NULL CHECK (continuity BETWEEN 0 AND 4),
    safety            INTEGER NOT NULL CHECK (safety BETWEEN 0 AND 4),
    trust             INTEGER NOT NULL CHECK (trust BETWEEN 0 AND 4),
    continuity_reason TEXT NOT NULL DEFAULT '',
    safety_reason     TEXT NOT NULL DEFAULT '',
    trust_reason      TEXT NOT NULL DEFAULT '',
    overall           INTEGER NOT NULL CHECK (overall BETWEEN 0 AND 4),
    final             BOOLEAN NOT NULL DEFAULT FALSE,
    org_id            BIGINT NOT NULL REFERENCES organizations (id),
    user_id           BIGINT REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX severity_evaluations_subject ON severity_evaluations (subject, subject_id, created_at);

-- Guidance thresholds per sector and level; sector_id 0 holds the defaults
-- for every sector without its own rows (hence no foreign key).
CREATE TABLE severity_guidance (
    sector_id      BIGINT NOT NULL,
    level          INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    any_outage     BOOLEAN NOT NULL DEFAULT FALSE,
    users_affected BIGINT NOT NULL DEFAULT 0,
    outage_hours   REAL NOT NULL DEFAULT 0,
    area_wide      BOOLEAN NOT NULL DEFAULT FALSE,
    safety_harm    BOOLEAN NOT NULL DEFAULT FALSE,
    evacuation     BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at     TIMESTAMP,
    updated_by     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sector_id, level)
);
-- The defaults (ceptor.DefaultGuidance): any outage; 1,000 users, 2 h or an
-- evacuation; 100,000 users, 24 h, prefecture-wide or harm; 1,000,000 users,
-- 72 h or harm with evacuation.
INSERT INTO severity_guidance (sector_id, level, any_outage, users_affected, outage_hours, area_wide, safety_harm, evacuation) VALUES
    (0, 1, TRUE, 0, 0, FALSE, FALSE, FALSE),
    (0, 2, FALSE, 1000, 2, FALSE, FALSE, TRUE),
    (0, 3, FALSE, 100000, 24, TRUE, TRUE, FALSE),
    (0, 4, FALSE, 1000000, 72, FALSE, TRUE, TRUE);

CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('open', 'monitoring', 'closed')),
    tlp             TEXT NOT NULL,
    large_scale     BOOLEAN NOT NULL DEFAULT FALSE,
    cadence_seconds BIGINT NOT NULL,
    mode_since      TIMESTAMP,
    created_by_org  BIGINT NOT NULL REFERENCES organizations (id),
    created_by_user BIGINT REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    closed_at       TIMESTAMP
);
CREATE INDEX incidents_status ON incidents (status, created_at);

-- Sectors NISC adds by hand; the member reports' sectors are derived.
CREATE TABLE incident_sectors (
    incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    sector_id   BIGINT NOT NULL REFERENCES sectors (id),
    PRIMARY KEY (incident_id, sector_id)
);

-- A report belongs to at most one incident: report_id is the key.
CREATE TABLE incident_reports (
    report_id     BIGINT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    incident_id   BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    added_by_org  BIGINT NOT NULL REFERENCES organizations (id),
    added_by_user BIGINT REFERENCES users (id),
    added_at      TIMESTAMP NOT NULL
);
CREATE INDEX incident_reports_incident ON incident_reports (incident_id, added_at);

-- The timeline; seq counts from 1 per incident. detail is a JSON object kept
-- as text (byte for byte what was written).
CREATE TABLE incident_events (
    incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('created', 'report_added', 'report_removed', 'severity', 'mode_on', 'mode_off', 'status', 'note', 'sitrep')),
    detail      TEXT NOT NULL DEFAULT '{}',
    org_id      BIGINT NOT NULL REFERENCES organizations (id),
    user_id     BIGINT REFERENCES users (id),
    at          TIMESTAMP NOT NULL,
    PRIMARY KEY (incident_id, seq)
);
