-- Advisories downward (情報提供): the advisory in its current version, its
-- stored versions (corrections), attachments, the issuing organisations'
-- settings (four-eyes review, manual relay) and Japanese full-text search
-- (FTS5 trigram, as for reports).

CREATE TABLE advisories (
    id               INTEGER PRIMARY KEY,
    version          INTEGER NOT NULL DEFAULT 1,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published', 'withdrawn')),
    org_id           BIGINT NOT NULL REFERENCES organizations (id),
    author_user_id   BIGINT NOT NULL REFERENCES users (id),
    reviewer_user_id BIGINT REFERENCES users (id),
    -- The version a second person approved (four-eyes); 0: not approved.
    approved_version INTEGER NOT NULL DEFAULT 0,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL,
    urgency          TEXT NOT NULL,
    tlp              TEXT NOT NULL,
    source           TEXT NOT NULL,
    source_name      TEXT NOT NULL DEFAULT '',
    audience         TEXT NOT NULL DEFAULT '{}',
    deadline         TIMESTAMP,
    drill            BOOLEAN NOT NULL DEFAULT FALSE,
    drill_id         BIGINT NOT NULL DEFAULT 0,
    note             TEXT NOT NULL DEFAULT '',
    withdraw_reason  TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    published_at     TIMESTAMP,
    withdrawn_at     TIMESTAMP
);
CREATE INDEX advisories_org ON advisories (org_id);
CREATE INDEX advisories_published ON advisories (published_at);

CREATE TABLE advisory_versions (
    advisory_id    BIGINT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    snapshot       TEXT NOT NULL,
    author_user_id BIGINT NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (advisory_id, version)
);

CREATE TABLE advisory_attachments (
    id           INTEGER PRIMARY KEY,
    advisory_id  BIGINT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX advisory_attachments_advisory ON advisory_attachments (advisory_id);

CREATE TABLE advisory_org_settings (
    org_id       BIGINT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    four_eyes    BOOLEAN NOT NULL DEFAULT FALSE,
    manual_relay BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE VIRTUAL TABLE advisories_fts USING fts5 (
    title, body,
    content = 'advisories', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER advisories_fts_insert AFTER INSERT ON advisories BEGIN
    INSERT INTO advisories_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER advisories_fts_delete AFTER DELETE ON advisories BEGIN
    INSERT INTO advisories_fts (advisories_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER advisories_fts_update AFTER UPDATE OF title, body ON advisories BEGIN
    INSERT INTO advisories_fts (advisories_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO advisories_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
