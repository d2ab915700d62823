-- Reports upward (情報連絡): reports, their stored versions, hops, indicators,
-- attachments, and Japanese full-text search (FTS5 trigram).
--
-- An anonymous report keeps no clear identity: org_id and author_user_id are
-- NULL, reporter_tag is the keyed hash by which the reporter recognises its
-- own reports, sealed_identity the identity sealed with the service key.

CREATE TABLE reports (
    id                  INTEGER PRIMARY KEY,
    version             INTEGER NOT NULL DEFAULT 1,
    status              TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'received', 'closed')),
    route               TEXT NOT NULL CHECK (route IN ('ministry', 'ceptor_anonymous', 'direct')),
    ceptor_id           BIGINT REFERENCES ceptors (id),
    sector_id           BIGINT REFERENCES sectors (id),
    tlp                 TEXT NOT NULL,
    drill               BOOLEAN NOT NULL DEFAULT FALSE,
    org_id              BIGINT REFERENCES organizations (id),
    author_user_id      BIGINT REFERENCES users (id),
    reporter_tag        TEXT NOT NULL,
    sealed_identity     TEXT NOT NULL DEFAULT '',
    title               TEXT NOT NULL DEFAULT '',
    body                TEXT NOT NULL DEFAULT '',
    event_class         TEXT NOT NULL DEFAULT '',
    causes              TEXT NOT NULL DEFAULT '',
    spillover_sector_id BIGINT REFERENCES sectors (id),
    critical_outage     BOOLEAN NOT NULL DEFAULT FALSE,
    service             TEXT NOT NULL DEFAULT '',
    systems             TEXT NOT NULL DEFAULT '',
    supplier_org_id     BIGINT REFERENCES organizations (id),
    started_at          TIMESTAMP,
    detected_at         TIMESTAMP,
    recovered_at        TIMESTAMP,
    users_affected      BIGINT,
    area                TEXT NOT NULL DEFAULT '',
    safety_harm         TEXT NOT NULL DEFAULT '',
    data_affected       TEXT NOT NULL DEFAULT '',
    response            TEXT NOT NULL DEFAULT '',
    indicators          TEXT NOT NULL DEFAULT '[]',
    lang                TEXT NOT NULL DEFAULT 'ja',
    clock_profile       TEXT NOT NULL DEFAULT '',
    -- The organisations the report passes, fixed at submission
    -- (space-separated ids, in order).
    chain               TEXT NOT NULL DEFAULT '',
    pending_at          BIGINT REFERENCES organizations (id),
    unsealed            BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    submitted_at        TIMESTAMP,
    closed_at           TIMESTAMP
);
CREATE INDEX reports_status ON reports (status);
CREATE INDEX reports_sector ON reports (sector_id);
CREATE INDEX reports_org ON reports (org_id);
CREATE INDEX reports_reporter_tag ON reports (reporter_tag);
CREATE INDEX reports_pending_at ON reports (pending_at);
CREATE INDEX reports_submitted_at ON reports (submitted_at);

CREATE TABLE report_versions (
    report_id  BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('original', 'redacted', 'followup')),
    snapshot   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (report_id, version, kind)
);

CREATE TABLE report_hops (
    report_id     BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    from_org_id   BIGINT REFERENCES organizations (id),
    to_org_id     BIGINT NOT NULL REFERENCES organizations (id),
    action        TEXT NOT NULL CHECK (action IN ('submitted', 'relayed')),
    note          TEXT NOT NULL DEFAULT '',
    actor_user_id BIGINT REFERENCES users (id),
    at            TIMESTAMP NOT NULL,
    done_at       TIMESTAMP,
    PRIMARY KEY (report_id, seq)
);
CREATE INDEX report_hops_to ON report_hops (to_org_id);

CREATE TABLE report_indicators (
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    type      TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (report_id, type, value)
);
CREATE INDEX report_indicators_value ON report_indicators (type, value);

CREATE TABLE report_attachments (
    id           INTEGER PRIMARY KEY,
    report_id    BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments (report_id);

-- Full-text search: an external-content FTS5 table over the text upstream
-- sees, kept in step by triggers. The trigram tokenizer finds any substring
-- of three characters or more (標的型 in 標的型メール攻撃); shorter queries
-- fall back to LIKE.
CREATE VIRTUAL TABLE reports_fts USING fts5 (
    title, body, response,
    content = 'reports', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN
    INSERT INTO reports_fts (rowid, title, body, response) VALUES (new.id, new.title, new.body, new.response);
END;
CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN
    INSERT INTO reports_fts (reports_fts, rowid, title, body, response) VALUES ('delete', old.id, old.title, old.body, old.response);
END;
CREATE TRIGGER reports_fts_update AFTER UPDATE OF title, body, response ON reports BEGIN
    INSERT INTO reports_fts (reports_fts, rowid, title, body, response) VALUES ('delete', old.id, old.title, old.body, old.response);
    INSERT INTO reports_fts (rowid, title, body, response) VALUES (new.id, new.title, new.body, new.response);
END;
