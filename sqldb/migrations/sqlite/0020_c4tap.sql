-- Targeted-attack sharing (C4TAP): the organisations that joined the group
-- (NISC and the CEPTOR Council take part without a row), the suspicious
-- e-mails participants submit — what was extracted from the headers, links
-- and attachments, and the raw message sealed with the service key — and
-- the extracted indicators, indexed by (type, value) for correlation.

CREATE TABLE c4tap_members (
    org_id   BIGINT PRIMARY KEY REFERENCES organizations (id),
    added_by BIGINT REFERENCES users (id),
    added_at TIMESTAMP NOT NULL
);

CREATE TABLE c4tap_submissions (
    id           INTEGER PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES organizations (id),
    user_id      BIGINT REFERENCES users (id),
    tlp          TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL DEFAULT '',
    from_addr    TEXT NOT NULL DEFAULT '',
    from_domain  TEXT NOT NULL DEFAULT '',
    reply_to     TEXT NOT NULL DEFAULT '',
    return_path  TEXT NOT NULL DEFAULT '',
    message_id   TEXT NOT NULL DEFAULT '',
    sent_at      TIMESTAMP,
    extracted    TEXT NOT NULL DEFAULT '{}', -- received chain, links, attachments (JSON)
    eml_sealed   TEXT NOT NULL,              -- the raw message, sealed (AES-GCM) with the service key
    eml_size     BIGINT NOT NULL,
    eml_sha256   TEXT NOT NULL,
    withdrawn    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX c4tap_submissions_created ON c4tap_submissions (created_at);

CREATE TABLE c4tap_indicators (
    submission_id BIGINT NOT NULL REFERENCES c4tap_submissions (id) ON DELETE CASCADE,
    type          TEXT NOT NULL,
    value         TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT '', -- sender, reply_to, return_path, received_ip, link, attachment
    PRIMARY KEY (submission_id, type, value)
);
CREATE INDEX c4tap_indicators_value ON c4tap_indicators (type, value);
