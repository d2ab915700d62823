-- Sector safety standards (安全基準等): documents, their revisions, and each
-- sector's yearly continuous-improvement status (entered by the ministry,
-- reviewed by NISC).
CREATE TABLE sector_standards (
    id         INTEGER PRIMARY KEY,
    sector_id  BIGINT NOT NULL REFERENCES sectors (id),
    title      TEXT NOT NULL,
    issuer     TEXT NOT NULL,
    version    TEXT NOT NULL,
    issued_on  TEXT NOT NULL,
    url        TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    revisions  INTEGER NOT NULL DEFAULT 1,
    updated_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sector_standards_sector ON sector_standards (sector_id);

CREATE TABLE standard_revisions (
    standard_id BIGINT NOT NULL REFERENCES sector_standards (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    version     TEXT NOT NULL,
    issued_on   TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (standard_id, seq)
);

CREATE TABLE standards_status (
    sector_id   BIGINT NOT NULL REFERENCES sectors (id),
    fiscal_year INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('revised', 'analysis', 'not_started')),
    note        TEXT NOT NULL DEFAULT '',
    entered_by  BIGINT REFERENCES users (id),
    entered_at  TIMESTAMP NOT NULL,
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    review_note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (sector_id, fiscal_year)
);
