-- Survey campaigns (浸透状況等調査), their targets and the responses.
--
-- A campaign's questions are fixed when it is built (questions: JSON). A
-- response stores its answers as one letter per question in question order
-- (answers), so that a response of 500 answers is one row, and keeps the
-- completeness flags computed when it is saved: the headline statistics are
-- a GROUP BY over one row per respondent.
CREATE TABLE survey_campaigns (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    catalog_id  BIGINT NOT NULL REFERENCES catalogs (id),
    per         TEXT NOT NULL CHECK (per IN ('item', 'group')),
    status      TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    deadline    TEXT NOT NULL DEFAULT '',
    questions   TEXT NOT NULL,
    created_by  BIGINT REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    opened_at   TIMESTAMP,
    closed_at   TIMESTAMP,
    reminded_at TIMESTAMP
);
CREATE INDEX survey_campaigns_fy ON survey_campaigns (fiscal_year);

CREATE TABLE survey_targets (
    campaign_id BIGINT NOT NULL REFERENCES survey_campaigns (id) ON DELETE CASCADE,
    org_id      BIGINT NOT NULL REFERENCES organizations (id),
    sector_id   BIGINT NOT NULL DEFAULT 0,
    ceptor_id   BIGINT NOT NULL DEFAULT 0,
    invited_at  TIMESTAMP,
    reminded_at TIMESTAMP,
    PRIMARY KEY (campaign_id, org_id)
);
CREATE INDEX survey_targets_org ON survey_targets (org_id);

CREATE TABLE survey_responses (
    id           INTEGER PRIMARY KEY,
    campaign_id  BIGINT NOT NULL REFERENCES survey_campaigns (id) ON DELETE CASCADE,
    org_id       BIGINT NOT NULL REFERENCES organizations (id),
    sector_id    BIGINT NOT NULL DEFAULT 0,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    answers      TEXT NOT NULL,
    csirt        TEXT NOT NULL DEFAULT '',
    exercises    TEXT NOT NULL DEFAULT '',
    executive    TEXT NOT NULL DEFAULT '',
    comments     TEXT NOT NULL DEFAULT '',
    baseline_all BOOLEAN NOT NULL DEFAULT FALSE,
    leading_all  BOOLEAN NOT NULL DEFAULT FALSE,
    version      INTEGER NOT NULL DEFAULT 1,
    updated_by   BIGINT REFERENCES users (id),
    updated_at   TIMESTAMP NOT NULL,
    submitted_by BIGINT REFERENCES users (id),
    submitted_at TIMESTAMP,
    UNIQUE (campaign_id, org_id)
);
CREATE INDEX survey_responses_campaign ON survey_responses (campaign_id, status, sector_id);
