-- Foundation: registry, identity, sessions, tokens, audit log.

CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    name_kana   TEXT NOT NULL DEFAULT '',
    type        TEXT NOT NULL,
    entity_kind TEXT NOT NULL DEFAULT '',
    prefecture  TEXT NOT NULL DEFAULT '',
    website     TEXT NOT NULL DEFAULT '',
    domains     TEXT NOT NULL DEFAULT '',
    require_2fa BOOLEAN NOT NULL DEFAULT FALSE,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    notes       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX organizations_name ON organizations (name);
CREATE INDEX organizations_type ON organizations (type);
CREATE INDEX organizations_name_en ON organizations (name_en);

CREATE TABLE sectors (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name_ja         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    ministry_org_id BIGINT REFERENCES organizations (id),
    sort_order      INTEGER NOT NULL DEFAULT 0,
    since           TEXT NOT NULL DEFAULT '',
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE ceptors (
    id                 INTEGER PRIMARY KEY,
    code               TEXT NOT NULL UNIQUE,
    name_ja            TEXT NOT NULL,
    name_en            TEXT NOT NULL,
    sector_id          BIGINT NOT NULL REFERENCES sectors (id),
    secretariat_org_id BIGINT REFERENCES organizations (id),
    in_council         BOOLEAN NOT NULL DEFAULT TRUE,
    active             BOOLEAN NOT NULL DEFAULT TRUE,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);

CREATE TABLE org_sectors (
    org_id    BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    sector_id BIGINT NOT NULL REFERENCES sectors (id),
    PRIMARY KEY (org_id, sector_id)
);
CREATE INDEX org_sectors_sector ON org_sectors (sector_id);

CREATE TABLE ceptor_members (
    ceptor_id BIGINT NOT NULL REFERENCES ceptors (id),
    org_id    BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (ceptor_id, org_id)
);
CREATE INDEX ceptor_members_org ON ceptor_members (org_id);

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    department  TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    priority    INTEGER NOT NULL DEFAULT 0,
    email       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    webhook_url TEXT NOT NULL DEFAULT '',
    lang        TEXT NOT NULL DEFAULT 'ja',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX contacts_org ON contacts (org_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES organizations (id),
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    lang          TEXT NOT NULL DEFAULT 'ja',
    password_hash TEXT NOT NULL DEFAULT '',
    totp_secret   TEXT NOT NULL DEFAULT '',
    totp_enabled  BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    oidc_subject  TEXT,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMP,
    last_login_at TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_oidc ON users (oidc_subject);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE recovery_codes (
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    mfa_pending  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    expires_at   TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_log (
    seq           BIGINT PRIMARY KEY,
    at            TIMESTAMP NOT NULL,
    actor_user_id BIGINT NOT NULL DEFAULT 0,
    actor_org_id  BIGINT NOT NULL DEFAULT 0,
    actor_label   TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    object_type   TEXT NOT NULL DEFAULT '',
    object_id     TEXT NOT NULL DEFAULT '',
    org_id        BIGINT NOT NULL DEFAULT 0,
    detail        TEXT NOT NULL DEFAULT '',
    ip            TEXT NOT NULL DEFAULT '',
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (org_id, seq);
CREATE INDEX audit_log_actor_org ON audit_log (actor_org_id, seq);

-- The head row is updated in the same transaction as every append; it both
-- serialises appends across nodes (row lock) and lets verification notice
-- entries removed from the end of the chain.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
